"""Fetcher against a real HTTP server on 127.0.0.1: politeness, safety, conditional GET."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from webserver import ATOM, HTML, RSS, LocalSite, atom_feed, http_date, rss_feed, wcxb_pages
from werkzeug import Response

from ipwire.tasks.web import (
    ALLOW_HOSTS_ENV,
    FEED_TYPES,
    PAGE_TYPES,
    AllowList,
    Fetcher,
    FetchStatus,
    HttpSettings,
    address_refusal,
    fetch,
    parse_feed,
    parse_retry_after,
    type_accepted,
)

FEED = rss_feed("Local wire", [("Talks resume", "http://127.0.0.1/a", "Envoys met.")])


class SleepLog:
    """Stands in for time.sleep: records each wait instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSite]:
    with LocalSite() as site:
        yield site


@pytest.fixture
def site(server: LocalSite) -> Iterator[LocalSite]:
    server.reset()
    server.serve_robots("User-agent: *\nDisallow: /private/\n")
    yield server
    server.reset()


def settings(**overrides: object) -> HttpSettings:
    base: dict[str, object] = {
        "allow_hosts": ("127.0.0.1",),
        "per_host_delay_s": 0.0,
        "retries": 0,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 1.0,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
    }
    base.update(overrides)
    return HttpSettings(**base)  # type: ignore[arg-type]


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


@pytest.fixture
def fetcher(sleeps: SleepLog) -> Iterator[Fetcher]:
    with Fetcher(settings(), sleep=sleeps) as f:
        yield f


# --------------------------------------------------------------------------- ordinary fetches


def test_rss_feed_fetched_ok_with_hash_and_validators(site: LocalSite, fetcher: Fetcher) -> None:
    site.serve("/rss", FEED, content_type=RSS, headers={"ETag": 'W/"v1"'})
    out = fetcher.fetch(site.url("/rss"))
    assert out.status is FetchStatus.OK and out.ok
    assert out.http_status == 200
    assert out.content == FEED
    assert out.sha256 == hashlib.sha256(FEED).hexdigest()
    assert out.etag == 'W/"v1"'
    assert out.content_type == RSS
    assert parse_feed(out.content, url=out.final_url).entries[0].title == "Talks resume"


def test_atom_feed_fetched_and_parsed(site: LocalSite, fetcher: Fetcher) -> None:
    body = atom_feed("Atom wire", [("Trade opens", "http://127.0.0.1/t", "Wagah reopens.")])
    site.serve("/atom", body, content_type=ATOM)
    out = fetcher.fetch(site.url("/atom"))
    assert out.ok
    assert parse_feed(out.content, url=out.final_url).entries[0].link == "http://127.0.0.1/t"


def test_user_agent_names_ipwire_version_and_contact(site: LocalSite, fetcher: Fetcher) -> None:
    site.serve("/rss", FEED, content_type=RSS)
    fetcher.fetch(site.url("/rss"))
    agent = site.requests("/rss")[0].headers["User-Agent"]
    assert agent.startswith("ipwire/") and "(+https://" in agent


def test_real_pages_are_fetched_as_html(site: LocalSite, fetcher: Fetcher) -> None:
    pages = wcxb_pages(3)
    for page_id, html in pages:
        site.serve(f"/page/{page_id}", html, content_type=HTML)
    for page_id, html in pages:
        out = fetcher.fetch(site.url(f"/page/{page_id}"), accept=PAGE_TYPES)
        assert out.ok and out.content == html


def test_gzip_body_is_decoded(site: LocalSite, fetcher: Fetcher) -> None:
    site.serve_gzip("/rss.gz", FEED, content_type=RSS)
    out = fetcher.fetch(site.url("/rss.gz"))
    assert out.ok and out.content == FEED


def test_relative_redirect_followed_and_final_url_recorded(
    site: LocalSite, fetcher: Fetcher
) -> None:
    site.serve_redirect("/old", "/new", status=301)
    site.serve("/new", FEED, content_type=RSS)
    out = fetcher.fetch(site.url("/old"))
    assert out.ok
    assert out.final_url == site.url("/new")
    assert out.redirects == (site.url("/old"),)


def test_module_fetch_function_works_without_a_shared_fetcher(site: LocalSite) -> None:
    site.serve("/rss", FEED, content_type=RSS)
    assert fetch(site.url("/rss"), settings=settings()).ok


# --------------------------------------------------------------------------- conditional GET


def test_fetch_sends_if_none_match_when_etag_stored(site: LocalSite, fetcher: Fetcher) -> None:
    site.serve_conditional("/c", FEED, content_type=RSS, etag='"e1"', last_modified=http_date())
    first = fetcher.fetch(site.url("/c"))
    second = fetcher.fetch(site.url("/c"), etag=first.etag, last_modified=first.last_modified)
    assert first.ok
    assert second.status is FetchStatus.NOT_MODIFIED and second.http_status == 304
    assert second.content is None
    request = site.requests("/c")[1]
    assert request.headers["If-None-Match"] == '"e1"'
    assert "If-Modified-Since" not in request.headers
    assert second.etag == '"e1"'


def test_fetch_sends_if_modified_since_when_no_etag(site: LocalSite, fetcher: Fetcher) -> None:
    stamp = http_date()
    site.serve_conditional("/lm", FEED, content_type=RSS, etag=None, last_modified=stamp)
    first = fetcher.fetch(site.url("/lm"))
    assert first.etag is None and first.last_modified == stamp
    second = fetcher.fetch(site.url("/lm"), last_modified=first.last_modified)
    assert second.status is FetchStatus.NOT_MODIFIED
    assert site.requests("/lm")[1].headers["If-Modified-Since"] == stamp
    assert second.last_modified == stamp


def test_changed_etag_gets_a_full_body(site: LocalSite, fetcher: Fetcher) -> None:
    site.serve_conditional("/c2", FEED, content_type=RSS, etag='"new"', last_modified=None)
    out = fetcher.fetch(site.url("/c2"), etag='"old"')
    assert out.ok and out.content == FEED and out.etag == '"new"'


# --------------------------------------------------------------------------- failures as values


def test_500_is_temporary_after_retries_with_backoff(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve("/boom", "oops", status=500, content_type="text/plain")
    with Fetcher(settings(retries=2), sleep=sleeps) as f:
        out = f.fetch(site.url("/boom"))
    assert out.status is FetchStatus.TEMPORARY and out.http_status == 500
    assert out.attempts == 3 and site.hits("/boom") == 3
    assert len(sleeps.waits) == 2
    assert all(0.005 <= w <= 0.05 for w in sleeps.waits)  # jittered, capped


def test_404_is_soft_and_not_retried(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve("/gone-missing", "no", status=404, content_type="text/plain")
    with Fetcher(settings(retries=3), sleep=sleeps) as f:
        out = f.fetch(site.url("/gone-missing"))
    assert out.status is FetchStatus.SOFT and out.http_status == 404
    assert site.hits("/gone-missing") == 1


@pytest.mark.parametrize("code", [401, 403, 410])
def test_permanent_client_errors_are_hard(site: LocalSite, fetcher: Fetcher, code: int) -> None:
    site.serve("/nope", "no", status=code, content_type="text/plain")
    out = fetcher.fetch(site.url("/nope"))
    assert out.status is FetchStatus.HARD and out.http_status == code


def test_retry_after_on_429_is_honoured(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve_sequence(
        "/busy",
        [
            Response("slow down", status=429, headers={"Retry-After": "7"}),
            Response(FEED, content_type=RSS),
        ],
    )
    with Fetcher(settings(retries=2), sleep=sleeps) as f:
        out = f.fetch(site.url("/busy"))
    assert out.ok and out.attempts == 2
    assert 7.0 in sleeps.waits
    assert out.delay_s >= 7.0


def test_retry_after_beyond_cap_ends_as_temporary(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve("/later", "later", status=503, content_type="text/plain",
               headers={"Retry-After": "3600"})  # fmt: skip
    with Fetcher(settings(retries=3, max_retry_after_s=60), sleep=sleeps) as f:
        out = f.fetch(site.url("/later"))
    assert out.status is FetchStatus.TEMPORARY
    assert out.retry_after_s == 3600.0
    assert site.hits("/later") == 1


def test_slow_endpoint_times_out_as_temporary(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve_slow("/slow", FEED, delay_s=1.5, content_type=RSS)
    with Fetcher(settings(read_timeout_s=0.3), sleep=sleeps) as f:
        out = f.fetch(site.url("/slow"))
    assert out.status is FetchStatus.TEMPORARY
    assert out.note.startswith("timeout")
    assert out.elapsed_s < 1.4


def test_connection_refused_is_temporary_and_retried(sleeps: SleepLog) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Fetcher(settings(retries=1, respect_robots=False), sleep=sleeps) as f:
        out = f.fetch(f"http://127.0.0.1:{port}/feed")
    assert out.status is FetchStatus.TEMPORARY and out.note.startswith("connection error")
    assert out.attempts == 2


def test_oversized_body_with_length_is_abandoned(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve("/big", b"x" * 50_000, content_type=HTML)
    with Fetcher(settings(max_bytes=10_000), sleep=sleeps) as f:
        out = f.fetch(site.url("/big"), accept=PAGE_TYPES)
    assert out.status is FetchStatus.SOFT and out.note.startswith("too large")
    assert out.content is None


def test_oversized_streamed_body_is_cut_off(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve_stream("/endless", b"y" * 4096, count=200, content_type=HTML)
    with Fetcher(settings(max_bytes=20_000), sleep=sleeps) as f:
        out = f.fetch(site.url("/endless"), accept=PAGE_TYPES)
    assert out.status is FetchStatus.SOFT and "exceeds 20000 bytes" in out.note


def test_gzip_bomb_is_capped_after_decompression(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve_gzip("/bomb", b"\0" * 2_000_000, content_type=HTML)
    with Fetcher(settings(max_bytes=100_000), sleep=sleeps) as f:
        out = f.fetch(site.url("/bomb"), accept=PAGE_TYPES)
    assert out.status is FetchStatus.SOFT and out.note.startswith("too large")


def test_wrong_content_type_is_soft(site: LocalSite, fetcher: Fetcher) -> None:
    site.serve("/logo", b"\x89PNG\r\n", content_type="image/png")
    out = fetcher.fetch(site.url("/logo"), accept=PAGE_TYPES)
    assert out.status is FetchStatus.SOFT and "image/png not accepted" in out.note


def test_feed_served_as_html_is_accepted_when_body_is_xml(
    site: LocalSite, fetcher: Fetcher
) -> None:
    site.serve("/mislabelled", FEED, content_type=HTML)
    site.serve("/homepage", "<html><body>Home</body></html>", content_type=HTML)
    assert fetcher.fetch(site.url("/mislabelled"), accept=FEED_TYPES).ok
    assert fetcher.fetch(site.url("/homepage"), accept=FEED_TYPES).status is FetchStatus.SOFT


def test_redirect_loop_stops_at_the_cap(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve_redirect("/loop", "/loop")
    with Fetcher(settings(max_redirects=3), sleep=sleeps) as f:
        out = f.fetch(site.url("/loop"))
    assert out.status is FetchStatus.SOFT and "too many redirects" in out.note
    assert site.hits("/loop") == 4


def test_unexpected_transport_error_becomes_an_outcome() -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("disk on fire")

    fetcher = Fetcher(settings(respect_robots=False), transport=httpx.MockTransport(explode))
    out = fetcher.fetch("http://127.0.0.1:9/feed")
    assert out.status is FetchStatus.TEMPORARY and "disk on fire" in out.note


# --------------------------------------------------------------------------- safety


def test_loopback_is_refused_when_not_allowed(
    site: LocalSite, sleeps: SleepLog, monkeypatch
) -> None:
    monkeypatch.delenv(ALLOW_HOSTS_ENV, raising=False)
    site.serve("/rss", FEED, content_type=RSS)
    with Fetcher(settings(allow_hosts=()), sleep=sleeps) as f:
        out = f.fetch(site.url("/rss"))
    assert out.status is FetchStatus.REFUSED and "loopback" in out.note
    assert site.requests() == []  # nothing at all was sent


def test_env_allow_hosts_lets_loopback_through(
    site: LocalSite, sleeps: SleepLog, monkeypatch
) -> None:
    monkeypatch.setenv(ALLOW_HOSTS_ENV, "feeds.internal, 127.0.0.1")
    site.serve("/rss", FEED, content_type=RSS)
    with Fetcher(settings(allow_hosts=()), sleep=sleeps) as f:
        assert f.fetch(site.url("/rss")).ok


def test_redirect_to_loopback_is_refused_even_from_an_allowed_host(
    site: LocalSite, sleeps: SleepLog, monkeypatch
) -> None:
    # "localhost" is allowed by name; its redirect to 127.0.0.1 (the same server) is not.
    monkeypatch.delenv(ALLOW_HOSTS_ENV, raising=False)
    site.serve_redirect("/hop", site.url("/rss"))
    site.serve("/rss", FEED, content_type=RSS)
    with Fetcher(settings(allow_hosts=("localhost",)), sleep=sleeps) as f:
        out = f.fetch(f"http://localhost:{site.server.port}/hop")
    assert out.status is FetchStatus.REFUSED and "127.0.0.1 (loopback address)" in out.note
    assert site.hits("/hop") == 1 and site.hits("/rss") == 0


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://10.1.2.3/feed", "private"),
        ("http://[::1]:80/feed", "loopback"),
    ],
)
def test_redirect_to_private_address_is_refused(
    site: LocalSite, fetcher: Fetcher, target: str, reason: str
) -> None:
    site.serve_redirect("/jump", target)
    out = fetcher.fetch(site.url("/jump"))
    assert out.status is FetchStatus.REFUSED and reason in out.note
    assert out.final_url == target


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://h/"])
def test_non_http_schemes_are_refused(fetcher: Fetcher, url: str) -> None:
    assert fetcher.fetch(url).status is FetchStatus.REFUSED


def test_redirect_to_file_scheme_is_refused(site: LocalSite, fetcher: Fetcher) -> None:
    site.serve_redirect("/to-file", "file:///etc/passwd")
    out = fetcher.fetch(site.url("/to-file"))
    assert out.status is FetchStatus.REFUSED and "'file'" in out.note


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.5", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.10.10", "link-local"),
        ("100.64.0.1", "non-global"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "cloud metadata"),
        ("240.0.0.1", "reserved"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_refusal_classes(address: str, refused: str | None) -> None:
    reason = address_refusal(ipaddress.ip_address(address))
    assert (reason is None) if refused is None else (refused in reason)


def test_allow_list_matches_names_addresses_and_networks() -> None:
    allow = AllowList(["Feeds.Internal.", "10.0.0.0/8", "::1"])
    assert allow.allows("feeds.internal", None)
    assert allow.allows("x", ipaddress.ip_address("10.9.9.9"))
    assert allow.allows("[::1]", ipaddress.ip_address("::1"))
    assert not allow.allows("other", ipaddress.ip_address("192.168.0.1"))


# --------------------------------------------------------------------------- politeness


def test_robots_disallow_refuses_without_requesting_the_page(
    site: LocalSite, fetcher: Fetcher
) -> None:
    site.serve("/private/feed", FEED, content_type=RSS)
    out = fetcher.fetch(site.url("/private/feed"))
    assert out.status is FetchStatus.REFUSED and "robots.txt" in out.note
    assert site.hits("/private/feed") == 0


def test_robots_rules_for_ipwire_apply_to_ipwire(site: LocalSite, fetcher: Fetcher) -> None:
    site.reset()
    site.serve_robots("User-agent: ipwire\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    site.serve("/rss", FEED, content_type=RSS)
    assert fetcher.fetch(site.url("/rss")).status is FetchStatus.REFUSED


def test_robots_is_fetched_once_per_host(site: LocalSite, fetcher: Fetcher) -> None:
    site.serve("/rss", FEED, content_type=RSS)
    for _ in range(3):
        fetcher.fetch(site.url("/rss"))
    assert site.hits("/robots.txt") == 1


def test_missing_robots_allows_everything(site: LocalSite, fetcher: Fetcher) -> None:
    site.reset()
    site.serve_robots("not here", status=404)
    site.serve("/private/feed", FEED, content_type=RSS)
    assert fetcher.fetch(site.url("/private/feed")).ok


def test_robots_server_error_holds_the_fetch_back(site: LocalSite, fetcher: Fetcher) -> None:
    site.reset()
    site.serve_robots("down", status=503)
    site.serve("/rss", FEED, content_type=RSS)
    out = fetcher.fetch(site.url("/rss"))
    assert out.status is FetchStatus.TEMPORARY and "robots.txt unavailable" in out.note
    assert site.hits("/rss") == 0


def test_robots_can_be_switched_off(site: LocalSite, sleeps: SleepLog) -> None:
    site.serve("/private/feed", FEED, content_type=RSS)
    with Fetcher(settings(respect_robots=False), sleep=sleeps) as f:
        assert f.fetch(site.url("/private/feed")).ok
    assert site.hits("/robots.txt") == 0


def test_requests_to_one_host_are_spaced_by_the_minimum_delay(
    site: LocalSite, sleeps: SleepLog
) -> None:
    site.serve("/a", FEED, content_type=RSS)
    site.serve("/b", FEED, content_type=RSS)
    with Fetcher(settings(per_host_delay_s=0.5, respect_robots=False), sleep=sleeps) as f:
        first = f.fetch(site.url("/a"))
        second = f.fetch(site.url("/b"))
    assert first.delay_s == 0.0
    assert len(sleeps.waits) == 1 and 0.3 < sleeps.waits[0] <= 0.5
    assert second.delay_s == sleeps.waits[0]


def test_concurrent_fetches_to_one_host_never_overlap(site: LocalSite, sleeps: SleepLog) -> None:
    active, peak, lock = [0], [0], threading.Lock()

    def handler(_request: object) -> Response:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.1)
        with lock:
            active[0] -= 1
        return Response(FEED, content_type=RSS)

    site.server.expect_request("/busy-host").respond_with_handler(handler)
    with Fetcher(settings(), sleep=sleeps) as f, ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: f.fetch(site.url("/busy-host")), range(4)))
    assert all(o.ok for o in outcomes)
    assert peak[0] == 1


def test_robots_crawl_delay_raises_the_host_delay(site: LocalSite, sleeps: SleepLog) -> None:
    site.reset()
    site.serve_robots("User-agent: *\nCrawl-delay: 5\n")
    site.serve("/a", FEED, content_type=RSS)
    with Fetcher(settings(per_host_delay_s=0.1), sleep=sleeps) as f:
        f.fetch(site.url("/a"))  # robots.txt, then /a after the crawl delay
        f.fetch(site.url("/a"))
    assert sleeps.waits and all(4.0 < w <= 5.0 for w in sleeps.waits)


# --------------------------------------------------------------------------- small helpers


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Fri, 20 Nov 2026 08:01:00 GMT", now=1_795_161_600.0) == 60.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_content_type_patterns() -> None:
    assert type_accepted("application/atom+xml; charset=utf-8", FEED_TYPES)
    assert type_accepted("application/vnd.custom+xml", FEED_TYPES)
    assert type_accepted(None, PAGE_TYPES)
    assert not type_accepted("text/html", FEED_TYPES)
    assert type_accepted("TEXT/HTML; charset=UTF-8", PAGE_TYPES)


def test_settings_reject_unknown_keys_and_bad_values() -> None:
    with pytest.raises(ValueError, match="per_host_delay_s"):
        HttpSettings.from_mapping({"per_host_delay": 1})
    with pytest.raises(ValueError, match="must be >= 0"):
        HttpSettings(retries=-1)
    with pytest.raises(ValueError, match="must be a number"):
        HttpSettings(read_timeout_s="fast")  # type: ignore[arg-type]
    assert HttpSettings.from_mapping({"allow_hosts": "a, b"}).allow_hosts == ("a", "b")
