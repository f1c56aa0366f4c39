"""feedparser's own test corpus (1,768 feeds, hostile markup included) through the whole
ingest flow, served by a real HTTP server on 127.0.0.1: no crash, every feed accounted for,
no markup in the warehouse."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from webserver import SHARED_EVAL, LocalSite

from ipwire.flows.ingest import ingest

CORPUS = SHARED_EVAL / "feeds" / "feedparser-corpus" / "tests"
MARKUP = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|img|a|svg|form)\b|"
    r"\bon[a-z]+\s*=|javascript:",
    re.I,
)

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.skipif(not CORPUS.exists(), reason="shared eval corpus not present"),
]


def test_every_corpus_feed_is_loaded_or_rejected_and_no_markup_is_stored(tmp_path: Path):
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    lines = [
        "[http]",
        "per_host_delay_s = 0.0",
        "retries = 0",
        'allow_hosts = ["127.0.0.1"]',
        "read_timeout_s = 2.0",
        "connect_timeout_s = 1.0",
        "respect_robots = false",
    ]
    db = tmp_path / "corpus.duckdb"
    with LocalSite() as site:
        for i, path in enumerate(files):
            route = "/c/" + path.relative_to(CORPUS).as_posix()
            site.serve(route, path.read_bytes(), content_type="application/xml")
            lines += ["[[feeds]]", f'name = "feed {i}"', f'url = "{site.url(route)}"']
        config = tmp_path / "ipwire.toml"
        config.write_text("\n".join(lines) + "\n")
        summary = ingest(db=str(db), config=str(config))
    assert summary.status == "completed"
    with duckdb.connect(str(db), read_only=True) as conn:
        statuses = dict(
            conn.execute("SELECT last_status, count(*) FROM feeds GROUP BY 1").fetchall()
        )
        assert sum(statuses.values()) == len(files)
        assert set(statuses) <= {"ok", "parse_error"}
        unparsed = {
            r[0]
            for r in conn.execute(
                "SELECT feed_url FROM feeds WHERE last_status = 'parse_error'"
            ).fetchall()
        }
        rejected = {
            r[0]
            for r in conn.execute(
                "SELECT source_ref FROM rejections WHERE stage = 'parse'"
            ).fetchall()
        }
        assert unparsed <= rejected  # every unreadable feed has a rejection with its reason
        assert conn.execute(
            "SELECT count(*) FROM rejections WHERE detail IS NULL OR detail = ''"
        ).fetchone() == (0,)
        stored = conn.execute("SELECT title, author, body FROM articles").fetchall()
        assert stored, "the corpus has entries with enough text to load"
        for row in stored:
            for value in row:
                assert not MARKUP.search(value or ""), value
