"""Hostile servers and hostile URLs at the fetcher: every fetch ends in time and in a value.

A dripping server is a plain socket server on 127.0.0.1 (an HTTP library would not send
half a status line); each of its loops is bounded in count and time.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ipwire.tasks.web import PAGE_TYPES, Fetcher, FetchStatus, HttpSettings
from ipwire.tasks.web.urls import canonical_refusal, registrable_domain, url_problem

PAGE = b"<html><body><p>" + b"Talks resumed in Islamabad today. " * 40 + b"</p></body></html>"


def settings(**overrides: object) -> HttpSettings:
    base: dict[str, object] = {
        "allow_hosts": ("127.0.0.1",),
        "per_host_delay_s": 0.0,
        "retries": 0,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 1.0,
        "total_timeout_s": 2.0,
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
    }
    base.update(overrides)
    return HttpSettings(**base)  # type: ignore[arg-type]


def _respond(conn: socket.socket, body: bytes) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
    conn.sendall(head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


@contextmanager
def drip_server(drip_paths: tuple[str, ...], *, gap_s: float = 0.2) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that answers `drip_paths` by sending its headers one byte
    every `gap_s` (never a pause long enough for a read timeout) and other paths at once.
    At most 60 s of dripping per connection; stopped when the block ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = conn.recv(65536).decode("latin-1")
                path = request.split(" ", 2)[1] if " " in request else "/"
                if path not in drip_paths:
                    _respond(conn, PAGE if path != "/robots.txt" else b"User-agent: *\n")
                    return
                endless = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000
                for i in range(min(len(endless), int(60 / gap_s))):
                    if stop.wait(gap_s):
                        return
                    conn.sendall(endless[i : i + 1])
            except OSError:
                return

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_headers_dripped_a_byte_at_a_time_end_the_fetch_at_the_total_timeout():
    with drip_server(("/slow.html",)) as origin, Fetcher(settings()) as fetcher:
        t0 = time.monotonic()
        outcome = fetcher.fetch(origin + "/slow.html", accept=PAGE_TYPES)
        took = time.monotonic() - t0
    assert outcome.status is FetchStatus.TEMPORARY
    assert "total timeout exceeded" in outcome.note
    assert took < 3.0, f"the fetch took {took:.1f}s with total_timeout_s = 2"


def test_a_dripping_robots_txt_ends_within_the_attempts_total_timeout():
    with drip_server(("/robots.txt",)) as origin, Fetcher(settings()) as fetcher:
        t0 = time.monotonic()
        outcome = fetcher.fetch(origin + "/page.html", accept=PAGE_TYPES)
        took = time.monotonic() - t0
    assert outcome.status is FetchStatus.TEMPORARY
    assert "robots.txt unavailable" in outcome.note
    assert took < 3.0, f"robots.txt held the fetch {took:.1f}s with total_timeout_s = 2"


def test_each_retry_of_a_dripping_server_gets_its_own_bounded_attempt():
    with drip_server(("/slow.html",)) as origin:
        with Fetcher(settings(retries=1, total_timeout_s=1.0)) as fetcher:
            t0 = time.monotonic()
            outcome = fetcher.fetch(origin + "/slow.html", accept=PAGE_TYPES)
            took = time.monotonic() - t0
    assert outcome.attempts == 2
    assert outcome.status is FetchStatus.TEMPORARY
    assert took < 3.0


def test_a_prompt_server_is_still_read_whole_under_the_deadline():
    with drip_server(()) as origin, Fetcher(settings()) as fetcher:
        outcome = fetcher.fetch(origin + "/fine.html", accept=PAGE_TYPES)
    assert outcome.ok and outcome.content == PAGE


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:99999/x", "Port out of range"),
        ("http://[::1/x", "Invalid IPv6 URL"),
        ("http://news.example/a\x00b", "control character"),
        ("http://news.example/a\nb", "control character"),
        ("http://news.example:abc/x", "Port could not be cast"),
        ("http://news.example/" + "a" * 5000, "characters long"),
    ],
    ids=["port-out-of-range", "bad-ipv6-literal", "nul", "newline", "port-not-a-number", "long"],
)
def test_a_malformed_url_ends_the_fetch_as_hard_with_the_reason(url: str, why: str):
    assert why in (url_problem(url) or "")
    with Fetcher(settings()) as fetcher:
        outcome = fetcher.fetch(url, accept=PAGE_TYPES)
    assert outcome.status is FetchStatus.HARD
    assert why in outcome.note and outcome.note.startswith("invalid URL")
    assert len(outcome.note) < 400


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.dawn.com", "dawn.com"),
        ("epaper.tribune.com.pk", "tribune.com.pk"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("localhost", "localhost"),
    ],
)
def test_registrable_domain_reads_the_public_suffix_list(host: str, domain: str):
    assert registrable_domain(host) == domain


def test_canonical_on_another_domain_or_scheme_is_refused_and_same_domain_honoured():
    page = "https://evil.example.net/x"
    assert "dawn.com" in (canonical_refusal(page, "https://www.dawn.com/news/1234567") or "")
    assert "scheme 'file'" in (canonical_refusal(page, "file:///etc/passwd") or "")
    assert "scheme 'gopher'" in (canonical_refusal(page, "gopher://evil.example.net/1") or "")
    assert canonical_refusal("https://epaper.dawn.com/a", "https://www.dawn.com/news/1") is None
    # aliases join two domains of one publisher; naming one alone lets nobody claim it
    aliases = ("dawn.com", "dawnnews.tv")
    assert canonical_refusal("https://www.dawnnews.tv/a", "https://dawn.com/n/1", aliases) is None
    assert canonical_refusal(page, "https://dawn.com/n/1", aliases) is not None


def test_waiting_for_the_hosts_turn_does_not_count_against_the_total_timeout():
    # robots.txt first, then the page waits 1.5 s for its turn: longer than the 1 s budget
    polite = settings(per_host_delay_s=1.5, total_timeout_s=1.0)
    with drip_server(()) as origin, Fetcher(polite) as fetcher:
        outcome = fetcher.fetch(origin + "/fine.html", accept=PAGE_TYPES)
    assert outcome.ok, outcome.note
    assert outcome.delay_s >= 1.4
