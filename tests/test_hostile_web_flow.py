"""Hostile feeds and pages through the whole ingest flow, served from 127.0.0.1: a page may
not take another outlet's article, one bad entry never fails a run, feeds are read a batch
at a time and capped per run, and nothing is lost."""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import pytest
from webserver import RSS, LocalSite, rss_feed

from ipwire.flows.ingest import ingest

pytestmark = pytest.mark.usefixtures("prefect_harness")


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(query).fetchall()


WORDS = (
    "treaty border envoy water river dam trade visa cricket talks minister army ceasefire "
    "prisoners fishermen corridor pilgrims flood data commission summit embassy tariff "
    "shelling drone village market railway airspace bus convoy truce statement hearing "
    "court court-martial budget loan harvest canal glacier monsoon festival delegation"
).split()


def page(title: str, topic: str, canonical: str | None = None) -> str:
    """An article page of its own words (no two pages are near copies), naming India and
    Pakistan in every paragraph."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    rng = random.Random(topic)
    paragraphs = "".join(
        f"<p>{topic}: India and Pakistan "
        + " ".join(rng.choice(WORDS) for _ in range(25))
        + ".</p>"
        for _ in range(4)
    )
    return (
        f"<html><head><title>{title}</title>{link}</head><body><article><h1>{title}</h1>"
        f"{paragraphs}</article></body></html>"
    )


def write_config(tmp_path: Path, site: LocalSite, feeds: list[str], **http: object) -> Path:
    lines = [
        "[http]",
        "per_host_delay_s = 0.0",
        "retries = 0",
        "read_timeout_s = 2.0",
        "connect_timeout_s = 2.0",
        'allow_hosts = ["127.0.0.1"]',
        *(f"{k} = {json.dumps(v)}" for k, v in http.items()),
    ]
    for i, path in enumerate(feeds):
        lines += ["", "[[feeds]]", f'name = "feed {i}"', f'url = "{site.url(path)}"']
    cfg = tmp_path / "ipwire.toml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


@pytest.fixture
def site():
    with LocalSite() as s:
        s.serve_robots("User-agent: *\nAllow: /\n")
        yield s


# --- rel=canonical may not take over another outlet's article -----------------------------


def test_a_canonical_naming_another_outlet_does_not_replace_its_article(
    site: LocalSite, tmp_path: Path, db_file: Path
):
    dawn_text = " ".join(
        f"Dawn reports that the foreign ministers of Pakistan and India spoke on day {i}."
        for i in range(8)
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    record = {"url": "https://www.dawn.com/news/1234567", "title": "Dawn story", "text": dawn_text}
    (inbox / "dawn.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    ingest(sources=[str(inbox)], db=str(db_file))
    before = rows(db_file, "SELECT article_id, outlet, body FROM articles")
    assert [r[1] for r in before] == ["dawn.com"]

    site.serve("/hijack.html", page("Hijack", "Forged", "https://www.dawn.com/news/1234567"))
    site.serve("/file.html", page("File", "Local file", "file:///etc/passwd"))
    site.serve("/gopher.html", page("Gopher", "Gopher", "gopher://127.0.0.1:70/1"))
    cfg = write_config(tmp_path, site, [])
    urls = [site.url(p) for p in ("/hijack.html", "/file.html", "/gopher.html")]
    summary = ingest(sources=urls, db=str(db_file), config=str(cfg))

    assert (summary.status, summary.new) == ("completed", 3)
    dawn_id = before[0][0]
    assert rows(db_file, f"SELECT outlet, body FROM articles WHERE article_id = '{dawn_id}'") == [
        ("dawn.com", dawn_text)
    ]
    assert rows(db_file, "SELECT count(*) FROM article_revisions") == [(0,)]
    stored = dict(rows(db_file, "SELECT url, canonical_url FROM articles WHERE url LIKE 'http:%'"))
    for url in urls:  # each page is known by the address it was fetched from
        assert stored[url] == url.replace("http://", "https://")
    notes = [n for (n,) in rows(db_file, "SELECT text FROM stripped_blocks WHERE kind = "
                                         "'canonical-refused' ORDER BY text")]  # fmt: skip
    assert len(notes) == 3
    assert any("dawn.com is not the page's own domain" in n for n in notes)
    assert any("scheme 'file'" in n for n in notes)
    assert any("scheme 'gopher'" in n for n in notes)


def test_a_canonical_on_a_configured_alias_is_honoured(
    site: LocalSite, tmp_path: Path, db_file: Path
):
    site.serve("/a.html", page("Alias", "Aliased", "https://www.wire.example.org/story/7"))
    cfg = write_config(tmp_path, site, [], canonical_aliases=["127.0.0.1", "wire.example.org"])
    ingest(sources=[site.url("/a.html")], db=str(db_file), config=str(cfg))
    assert rows(db_file, "SELECT canonical_url FROM articles") == [
        ("https://wire.example.org/story/7",)
    ]


# --- one bad entry never fails the run ----------------------------------------------------


def test_malformed_entry_links_are_rejected_and_the_good_feeds_load(
    site: LocalSite, tmp_path: Path, db_file: Path
):
    bad_links = [
        "http://127.0.0.1:99999/x",
        "http://[::1/x",
        "http://127.0.0.1:abc/x",
        site.url("/" + "a" * 3000),
    ]
    site.serve("/good1.html", page("Good one", "First"))
    site.serve("/good2.html", page("Good two", "Second"))
    items = [("Good one", site.url("/good1.html"), "Summary.")]
    items += [(f"Bad {i}", link, "Summary.") for i, link in enumerate(bad_links)]
    site.serve("/mixed.xml", rss_feed("Mixed", items), content_type=RSS)
    site.serve(
        "/clean.xml",
        rss_feed("Clean", [("Good two", site.url("/good2.html"), "S.")]),
        content_type=RSS,
    )
    cfg = write_config(tmp_path, site, ["/mixed.xml", "/clean.xml"])

    summary = ingest(db=str(db_file), config=str(cfg))

    assert (summary.status, summary.new) == ("completed", 2)
    rejected = rows(db_file, "SELECT reason, detail FROM rejections ORDER BY reason, detail")
    # feedparser drops a link with a broken IPv6 literal: that entry has no page to fetch
    assert [r[0] for r in rejected] == ["bad_url"] * 3 + ["page_unavailable"]
    details = " | ".join(d for _, d in rejected)
    for why in ("Port out of range", "Port could not be cast", "characters long", "no link"):
        assert why in details
    assert all(len(d) < 400 for _, d in rejected)
    # feed state is saved, so the next run is a conditional one that adds nothing
    assert rows(db_file, "SELECT count(*) FROM feeds WHERE last_status = 'ok'") == [(2,)]
    again = ingest(db=str(db_file), config=str(cfg))
    assert (again.status, again.new, again.rejected) == ("completed", 0, 0)


def test_a_bad_url_on_the_command_line_is_rejected_and_the_others_load(
    site: LocalSite, tmp_path: Path, db_file: Path
):
    site.serve("/good.html", page("Good", "Fine"))
    cfg = write_config(tmp_path, site, [])
    summary = ingest(
        sources=["http://[::1/x", "http://127.0.0.1:99999/", site.url("/good.html")],
        db=str(db_file),
        config=str(cfg),
    )
    assert (summary.status, summary.new) == ("completed", 1)
    assert sorted(r["reason"] for r in summary.rejections) == ["bad_url", "bad_url"]


# --- feeds a batch at a time, capped per run ------------------------------------------------


def serve_feed_of_pages(site: LocalSite, n: int) -> list[str]:
    paths = [f"/p{i}.html" for i in range(n)]
    for i, path in enumerate(paths):
        site.serve(path, page(f"Story {i}", f"Story number {i}"))
    items = [(f"Story {i}", site.url(p), "Summary.") for i, p in enumerate(paths)]
    site.serve("/big.xml", rss_feed("Big", items), content_type=RSS)
    return paths


def test_entries_past_the_per_feed_cap_wait_for_the_next_run_and_none_is_lost(
    site: LocalSite, tmp_path: Path, db_file: Path
):
    serve_feed_of_pages(site, 5)
    cfg = write_config(tmp_path, site, ["/big.xml"], max_entries_per_feed=3)
    first = ingest(db=str(db_file), config=str(cfg))
    assert first.new == 3
    assert rows(db_file, "SELECT count(*) FROM feed_entries") == [(3,)]
    assert (
        "2 new entries left for the next run" in rows(db_file, "SELECT last_note FROM feeds")[0][0]
    )
    second = ingest(db=str(db_file), config=str(cfg))
    assert second.new == 2
    third = ingest(db=str(db_file), config=str(cfg))
    assert (third.new, third.rejected) == (0, 0)
    assert rows(db_file, "SELECT count(DISTINCT article_id), count(*) FROM articles") == [(5, 5)]


def test_pages_are_cleaned_a_batch_at_a_time_as_they_arrive(
    site: LocalSite, tmp_path: Path, db_file: Path, monkeypatch
):
    from ipwire.tasks import clean as clean_mod

    paths = serve_feed_of_pages(site, 6)
    (tmp_path / "cfg").mkdir()
    cfg = write_config(tmp_path / "cfg", site, ["/big.xml"])
    cfg.write_text(cfg.read_text() + "\n[sources]\nbatch_size = 2\n")
    fetched_at_clean: list[int] = []
    real = clean_mod.clean_batch

    def counting(raws, **kw):
        if raws:
            fetched_at_clean.append(sum(site.hits(p) for p in paths))
        return real(raws, **kw)

    monkeypatch.setattr(clean_mod, "clean_batch", counting)
    summary = ingest(db=str(db_file), config=str(cfg))
    assert summary.new == 6
    # three batches of two; each was cleaned before the next pages were fetched
    assert fetched_at_clean == [2, 4, 6]
