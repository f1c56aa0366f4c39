"""Feeds and pages through the whole ingest flow, served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from webserver import ATOM, RSS, LocalSite, atom_feed, http_date, rss_feed, wcxb_pages

from ipwire.flows.ingest import RunFailed, ingest

pytestmark = pytest.mark.usefixtures("prefect_harness")


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture
def site():
    with LocalSite() as s:
        s.serve_robots("User-agent: *\nDisallow: /private/\n")
        yield s


def write_config(
    tmp_path: Path,
    site: LocalSite,
    feeds: list[tuple[str, str]],
    allow: bool = True,
    aliases: list[str] | None = None,
) -> Path:
    lines = [
        "[http]",
        "per_host_delay_s = 0.0",
        "retries = 0",
        "read_timeout_s = 2.0",
        "connect_timeout_s = 2.0",
        "max_bytes = 2000000",
        "backoff_base_s = 0.01",
    ]
    if allow:
        lines.append('allow_hosts = ["127.0.0.1"]')
    if aliases:
        lines.append("canonical_aliases = [" + ", ".join(f'"{a}"' for a in aliases) + "]")
    for name, path in feeds:
        lines += [
            "",
            "[[feeds]]",
            f'name = "{name}"',
            f'url = "{site.url(path)}"',
            'country = "PK"',
            'language = "en"',
        ]
    cfg = tmp_path / "ipwire.toml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def serve_news(site: LocalSite) -> list[str]:
    pages = wcxb_pages(3)
    for pid, html in pages:
        site.serve(f"/news/{pid}.html", html)
    items = [
        (f"Story {pid}", site.url(f"/news/{pid}.html"), "A short summary.") for pid, _ in pages[:2]
    ]
    site.serve_conditional(
        "/rss.xml",
        rss_feed("Wire", items),
        content_type=RSS,
        etag='"v1"',
        last_modified=http_date(),
    )
    atom_items = [(f"Story {pages[2][0]}", site.url(f"/news/{pages[2][0]}.html"), "Summary.")]
    site.serve_conditional(
        "/atom.xml",
        atom_feed("Atom wire", atom_items),
        content_type=ATOM,
        etag=None,
        last_modified=http_date(),
    )
    return [f"/news/{pid}.html" for pid, _ in pages]


def test_feeds_load_articles_and_a_second_run_costs_only_conditional_gets(
    site: LocalSite, tmp_path: Path, db_file: Path
):
    page_paths = serve_news(site)
    site.serve("/broken.xml", "<rss><channel><item>unterminated", content_type=RSS)
    site.serve("/error.xml", "oops", status=500, content_type="text/plain")
    site.serve_slow("/slow.xml", rss_feed("Slow", []), delay_s=4.0, content_type=RSS)
    site.serve_redirect("/moved.xml", "http://10.1.2.3/feed.xml")
    site.serve_stream("/huge.xml", b"<!-- padding -->" * 4096, count=64, content_type=RSS)
    site.serve_gzip(
        "/gz.xml", rss_feed("Gz", [("Gz story", site.url(page_paths[0]), "S.")]), content_type=RSS
    )
    cfg = write_config(
        tmp_path,
        site,
        [
            ("rss", "/rss.xml"),
            ("atom", "/atom.xml"),
            ("broken", "/broken.xml"),
            ("error", "/error.xml"),
            ("slow", "/slow.xml"),
            ("moved", "/moved.xml"),
            ("huge", "/huge.xml"),
            ("gz", "/gz.xml"),
        ],
    )
    first = ingest(db=str(db_file), config=str(cfg))
    assert first.status == "completed"
    assert rows(db_file, "SELECT count(*) FROM articles WHERE source_kind = 'page'") == [(3,)]
    assert rows(db_file, "SELECT DISTINCT outlet_country FROM articles") == [("PK",)]
    # every entry taken points at the article loaded from it (ids come from rel=canonical)
    assert rows(
        db_file, "SELECT count(*) FROM feed_entries fe JOIN articles a USING (article_id)"
    ) == [(3,)]
    failed = dict(rows(db_file, "SELECT source_ref, reason FROM rejections"))
    assert failed[site.url("/error.xml")] == "temporary"
    assert failed[site.url("/slow.xml")] == "temporary"
    assert failed[site.url("/moved.xml")] == "refused"
    assert failed[site.url("/huge.xml")] == "soft"
    assert failed[site.url("/broken.xml")] == "malformed_feed"
    assert all(d for (d,) in rows(db_file, "SELECT detail FROM rejections"))
    assert (
        dict(rows(db_file, "SELECT feed_url, last_status FROM feeds"))[site.url("/gz.xml")] == "ok"
    )  # gzip body read; its entry's page was already loaded
    state = dict(rows(db_file, "SELECT feed_url, last_status FROM feeds"))
    assert state[site.url("/rss.xml")] == "ok" and state[site.url("/error.xml")] != "ok"
    assert rows(
        db_file,
        f"SELECT etag, consecutive_failures FROM feeds WHERE feed_url = '{site.url('/rss.xml')}'",
    ) == [('"v1"', 0.0)]
    # rss, atom, broken (its readable part) and gz: the feed bodies as received
    assert rows(db_file, "SELECT count(*) FROM raw_documents WHERE source_kind = 'feed'") == [(4,)]

    site.server.clear_log()
    second = ingest(db=str(db_file), config=str(cfg))
    assert (second.status, second.new) == ("completed", 0)
    rss_requests = site.requests("/rss.xml")
    assert rss_requests[0].headers.get("If-None-Match") == '"v1"'
    assert site.requests("/atom.xml")[0].headers.get("If-Modified-Since") == http_date()
    assert all(site.hits(p) == 0 for p in page_paths)
    state = dict(rows(db_file, "SELECT feed_url, last_status FROM feeds"))
    assert state[site.url("/rss.xml")] == "not_modified"


ARTICLE_HTML = """<html><head><title>Envoys meet on the Indus treaty</title>
<link rel="canonical" href="https://www.wire-news.example.com/news/indus-talks?utm_source=feed">
</head><body><article><h1>Envoys meet on the Indus treaty</h1>
{paragraphs}</article></body></html>"""
PARAGRAPHS_HTML = "".join(
    f"<p>Indian and Pakistani officials met in Lahore on day {i} to discuss the Indus Waters "
    f"Treaty, their meeting number {i} in two years, and agreed to exchange flood data.</p>"
    for i in range(6)
)


def test_an_article_url_is_fetched_cleaned_and_canonicalised(
    site: LocalSite, tmp_path: Path, db_file: Path
):
    site.serve("/news/indus.html", ARTICLE_HTML.format(paragraphs=PARAGRAPHS_HTML))
    # the page's own host and its rel=canonical host are one publisher
    cfg = write_config(tmp_path, site, [], aliases=["127.0.0.1", "wire-news.example.com"])
    summary = ingest(
        sources=[site.url("/news/indus.html") + "?utm_source=x#top"],
        db=str(db_file),
        config=str(cfg),
    )
    assert (summary.status, summary.new) == ("completed", 1), summary.rejections
    ((url, canonical, body),) = rows(db_file, "SELECT url, canonical_url, body FROM articles")
    assert url == site.url("/news/indus.html") + "?utm_source=x#top"
    # The page names its own canonical address (rel=canonical), which wins over the URL asked.
    assert canonical == "https://wire-news.example.com/news/indus-talks"
    assert len(body.split()) > 30


POLISH_PAGE = (
    "<html><head><title>Rozmowy w Islamabadzie</title></head><body><article>"
    "<h1>Rozmowy w Islamabadzie</h1>"
    + "".join(
        f"<p>Minister spraw zagranicznych Pakistanu spotkał się w środę z ambasadorem Indii, "
        f"po raz {i}. Rozmowy dotyczyły wymiany więźniów, wiz dla pielgrzymów i wód Indusu; "
        f"żadna ze stron nie ogłosiła porozumienia.</p>"
        for i in range(6)
    )
    + "</article></body></html>"
)


@pytest.mark.parametrize("via_feed", [False, True], ids=["url", "feed-entry"])
def test_a_page_is_read_in_the_charset_its_server_names(
    site: LocalSite, tmp_path: Path, db_file: Path, via_feed: bool
):
    # ISO-8859-2 with no <meta charset>: a detector reads these bytes as windows-1250
    # ("¶rodę"); the server's Content-Type says which it is
    site.serve(
        "/news/rozmowy.html",
        POLISH_PAGE.encode("iso8859_2"),
        content_type="text/html; charset=ISO-8859-2",
    )
    feeds = []
    if via_feed:
        item = ("Rozmowy", site.url("/news/rozmowy.html"), "Krótko.")
        site.serve("/rss.xml", rss_feed("Wire", [item]), content_type=RSS)
        feeds = [("rss", "/rss.xml")]
    cfg = write_config(tmp_path, site, feeds)
    sources = None if via_feed else [site.url("/news/rozmowy.html")]
    summary = ingest(sources=sources, db=str(db_file), config=str(cfg))
    assert (summary.status, summary.new) == ("completed", 1), summary.rejections
    ((body,),) = rows(db_file, "SELECT body FROM articles")
    assert "spotkał się w środę" in body and "więźniów" in body and "¶" not in body


def test_loopback_is_refused_unless_allowed(site: LocalSite, tmp_path: Path, db_file: Path):
    serve_news(site)
    cfg = write_config(tmp_path, site, [("rss", "/rss.xml")], allow=False)
    with pytest.raises(RunFailed):  # the only source could not be read
        ingest(db=str(db_file), config=str(cfg))
    assert rows(db_file, "SELECT stage, reason FROM rejections") == [("fetch", "refused")]
    assert site.hits("/rss.xml") == 0


def test_a_page_that_cannot_be_fetched_falls_back_to_the_entry_text(
    site: LocalSite, tmp_path: Path, db_file: Path
):
    long_summary = " ".join(["India and Pakistan agreed to reopen the Kartarpur corridor."] * 12)
    site.serve(
        "/rss.xml",
        rss_feed("Wire", [("Corridor", site.url("/private/a.html"), long_summary)]),
        content_type=RSS,
    )
    cfg = write_config(tmp_path, site, [("rss", "/rss.xml")])
    ingest(db=str(db_file), config=str(cfg))
    assert rows(db_file, "SELECT source_kind, extraction_method FROM articles") == [
        ("feed_entry", "feed-entry-text")
    ]
    assert site.hits("/private/a.html") == 0  # robots.txt disallows it
