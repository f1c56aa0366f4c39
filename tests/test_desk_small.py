"""search, show, report and the desk's views over a small warehouse whose every fact is known.

Seven articles: one story told by a Pakistani and an Indian outlet (with a copy of the Indian
report and an analyst's tone correction on the copy), a cricket report, a shelling report the
next week, an undated article, and one from the month before.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner

from ipwire import cli_desk, snapshot
from ipwire.desk import index
from ipwire.warehouse import db as wh
from ipwire.warehouse import extensions, search_index


@click.group()
def cli() -> None:
    """The commands under test, without the rest of the command line."""


cli_desk.register(cli)

BODY = {
    "a1": "Pakistan offered fresh talks on the Indus Waters Treaty on Monday. Officials in "
    "Islamabad said the treaty must be honoured and that water flows were a red line.",
    "a2": "India rejected the offer of talks on the Indus Waters Treaty. New Delhi said the "
    "treaty stays in abeyance while cross-border terrorism continues.",
    "a3": "India rejected the offer of talks on the Indus Waters Treaty. New Delhi said the "
    "treaty stays in abeyance while cross-border terrorism continues. (copy)",
    "a4": "India beat Australia by six wickets; the rain waters the pitch at Perth again.",
    "a5": "Shelling along the Line of Control killed two soldiers, the army said.",
    "a6": "An undated note on the treaty and its history since 1960.",
    "a7": "Trade talks between India and Pakistan resumed at the Wagah border.",
}
ARTICLES = [
    # id, outlet, country, title, published, relevant, tone, story, duplicate_of, topics
    ("a1", "dawn.com", "PK", "Pakistan offers talks on Indus Waters Treaty", "2025-05-05",
     True, 0.4, "s1", None, ["water", "diplomacy"]),
    ("a2", "thehindu.com", "IN", "India rejects Pakistan offer on Indus Waters", "2025-05-06",
     True, -0.5, "s1", None, ["water"]),
    ("a3", "tribuneindia.com", "IN", "India rejects Pakistan offer on Indus Waters",
     "2025-05-06", True, -0.5, "s1", "a2", ["water"]),
    ("a4", "ndtv.com", "IN", "India beat Australia", "2025-05-07", False, None, "s2", None, []),
    ("a5", "geo.tv", "PK", "Shelling along Line of Control", "2025-05-12", True, -0.8, "s3",
     None, ["military", "kashmir"]),
    ("a6", "thenews.com.pk", "PK", "A treaty note", None, True, 0.0, "s4", None, ["water"]),
    ("a7", "dawn.com", "PK", "Trade talks resume", "2025-04-20", True, 0.5, "s5", None,
     ["trade_economy"]),
]  # fmt: skip


def build(db: Path) -> Path:
    with wh.connect(db) as conn:
        for aid, outlet, country, title, pub, rel, tone, story, dup, topics in ARTICLES:
            conn.execute(
                "INSERT INTO articles (article_id, source_kind, source_ref, url, canonical_url,"
                " outlet, outlet_country, title, published_at, published_date, fetched_at, body,"
                " word_count, content_hash, duplicate_of, dup_reason, dup_similarity, story_id,"
                " relevance, is_relevant, relevance_reason, tone) VALUES (?, 'page', ?, ?, ?, ?,"
                " ?, ?, ?, CAST(? AS DATE), TIMESTAMPTZ '2025-06-01 00:00:00+00', ?, 20, ?, ?,"
                " ?, ?, ?, ?, ?, ?, ?)",
                [aid, f"https://{outlet}/{aid}", f"https://{outlet}/{aid}",
                 f"https://{outlet}/{aid}", outlet, country, title, pub, pub, BODY[aid], aid,
                 dup, "near" if dup else None, 0.97 if dup else None, story,
                 0.9 if rel else 0.1, rel, "bilateral" if rel else "other_dyad", tone],
            )  # fmt: skip
            for i, topic in enumerate(topics):
                conn.execute(
                    "INSERT INTO article_topics VALUES (?, ?, ?, ?)",
                    [aid, topic, 0.8 - i / 10, [BODY[aid].split(". ")[0]]],
                )
        conn.execute(
            "INSERT INTO article_actors VALUES ('a1', 'Indus Waters Treaty', 'place', 2),"
            " ('a2', 'Indus Waters Treaty', 'place', 2), ('a5', 'Line of Control', 'place', 1)"
        )
        conn.execute(
            "INSERT INTO article_evidence VALUES"
            " ('a2', 'relevance', 0, 'India rejected the offer of talks on the Indus Waters"
            " Treaty.'), ('a2', 'tone', 0, 'the treaty stays in abeyance')"
        )
        conn.execute(
            "INSERT INTO stripped_blocks VALUES ('a2', 0, 'navigation', 'Previous Story'),"
            " ('a2', 1, 'also-read', 'ALSO READ: Monsoon arrives early')"
        )
        conn.execute(
            "INSERT INTO article_revisions VALUES"
            " ('a2', 1, NULL, TIMESTAMPTZ '2025-05-06 10:00:00+00', 'old', 'old body', 'h1', NULL,"
            "  'run1'),"
            " ('a2', 2, NULL, TIMESTAMPTZ '2025-05-07 10:00:00+00', 'new', 'new body', 'h2',"
            "  '-old body\n+new body', 'run2')"
        )
        conn.execute(
            "INSERT INTO label_corrections (article_id, field, value, note, analyst)"
            " VALUES ('a3', 'tone', '-1.0', 'suspension is hostile', 'ana')"
        )
    snapshot.publish_snapshot(db)
    return db


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("desk") / "wh.duckdb")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def search_json(db: Path, *args: str) -> list[dict]:
    code, out = invoke("search", *args, "--db", str(db), "--format", "json")
    assert code == 0, out
    return json.loads(out)


# --- search ----------------------------------------------------------------------------------


def test_search_ranks_matches_one_row_per_duplicate_chain(small: Path):
    hits = search_json(small, "Indus Waters Treaty")
    ids = [h["article_id"] for h in hits]
    assert set(ids[:2]) == {"a1", "a2"} and "a3" not in ids  # the copy folds into a2
    a2 = hits[ids.index("a2")]
    assert a2["copies"] == 1 and a2["copy_outlets"] == ["tribuneindia.com"]
    assert a2["tone"] == -1.0  # the analyst's correction on the copy applies to the chain
    assert hits == sorted(hits, key=lambda h: -h["score"])


def test_search_snippet_marks_the_query_terms(small: Path):
    hit = search_json(small, "abeyance")[0]
    assert hit["article_id"] == "a2"
    assert "**abeyance**" in hit["snippet"]


def test_search_table_says_plus_copies_and_links_newest_story_siblings(small: Path):
    code, out = invoke("search", "Indus Waters Treaty", "--db", str(small))
    assert code == 0
    block = out[out.index("India rejects") :]
    assert "+1 copy" in block.split("\n\n")[0]
    assert re.search(r"story: newest other reports: 2025-05-05 dawn\.com a1", out)


def test_search_filters_by_country_outlet_dates_and_topic(small: Path):
    assert {h["article_id"] for h in search_json(small, "treaty", "--country", "pk")} == {
        "a1",
        "a6",
    }
    assert [h["article_id"] for h in search_json(small, "treaty", "--outlet", "dawn.com")] == ["a1"]
    dated = search_json(small, "treaty", "--since", "2025-05-06", "--until", "2025-05-31")
    assert [h["article_id"] for h in dated] == ["a2"]
    assert search_json(small, "talks", "--topic", "trade_economy")[0]["article_id"] == "a7"


def test_search_hides_not_relevant_unless_all(small: Path):
    assert "a4" not in {h["article_id"] for h in search_json(small, "waters")}
    assert "a4" in {h["article_id"] for h in search_json(small, "waters", "--all")}


def test_search_with_no_hits_says_so_and_exits_0(small: Path):
    code, out = invoke("search", "zebra giraffe", "--db", str(small))
    assert code == 0
    assert out.startswith("no articles match 'zebra giraffe'")
    assert search_json(small, "zebra") == []


def test_search_csv_and_jsonl(small: Path):
    code, out = invoke("search", "Indus", "--db", str(small), "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("rank,score,article_id")
    code, out = invoke("search", "Indus", "--db", str(small), "--format", "jsonl")
    assert [json.loads(line)["rank"] for line in out.splitlines()] == [1, 2]


def test_search_on_a_snapshot_without_index_builds_one_in_memory(tmp_path: Path):
    db = build(tmp_path / "wh.duckdb")
    snap = snapshot.snapshot_path(db)
    with duckdb.connect(str(snap)) as conn:  # as an older ipwire published it
        extensions.load(conn, "fts")
        conn.execute("PRAGMA drop_fts_index('articles')")
        assert not index.has_index(conn)
    mtime = db.stat().st_mtime + 5
    os.utime(snap, (mtime, mtime))
    hits = search_json(db, "abeyance")
    assert [h["article_id"] for h in hits] == ["a2"]


def test_search_in_an_empty_warehouse_says_so_and_exits_0(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    wh.connect(db).close()
    code, out = invoke("search", "Indus", "--db", str(db))
    assert code == 0 and "no articles yet" in out


# --- show ------------------------------------------------------------------------------------


def test_show_explains_labels_chain_stripping_revisions_and_story(small: Path):
    code, out = invoke("show", "a3", "--db", str(small))
    assert code == 0, out
    assert out.startswith("India rejects Pakistan offer on Indus Waters\ntribuneindia.com (IN)")
    assert "== Tone -1.00 (analyst; machine -0.5)" in out
    assert "ana: tone = -1.0 (suspension is hostile)" in out
    chain = out[out.index("== Duplicate chain") :]
    assert "a2  thehindu.com  2025-05-06  first copy" in chain
    assert "a3  tribuneindia.com  2025-05-06  near 0.97 <- this" in chain
    assert "== Same story (1 other reports" in out and "dawn.com (PK)  a1" in out


def test_show_by_url_gives_evidence_stripped_blocks_and_diff(small: Path):
    code, out = invoke("show", "https://thehindu.com/a2", "--db", str(small))
    assert code == 0, out
    rel = out[out.index("== Relevance") : out.index("== Tone")]
    assert "India rejected the offer of talks on the Indus Waters Treaty." in rel
    assert "[navigation] Previous Story" in out and "[also-read] ALSO READ" in out
    assert "== Revisions (2)" in out and "+new body" in out


def test_show_json_carries_the_same_facts(small: Path):
    code, out = invoke("show", "a2", "--db", str(small), "--format", "json")
    data = json.loads(out)
    assert data["labels"]["tone"] == {"value": -1.0, "source": "analyst", "machine": -0.5}
    assert [c["article_id"] for c in data["chain"]] == ["a2", "a3"]
    assert [t["topic"] for t in data["topics"]] == ["water"]
    assert data["actors"][0]["actor"] == "Indus Waters Treaty"


def test_show_unknown_article_exits_not_found(small: Path):
    code, out = invoke("show", "ffffffffffff", "--db", str(small))
    assert code == 4 and "no article 'ffffffffffff'" in out


# --- views -----------------------------------------------------------------------------------


def test_stories_view_has_topics_countries_and_publication_dates_only(small: Path):
    with snapshot.connect_reader(small) as conn:
        rows = conn.execute(
            "SELECT story_id, topics, outlet_countries, first_published FROM stories"
            " ORDER BY story_id"
        ).fetchall()
    by_id = {r[0]: r for r in rows}
    assert by_id["s1"][1][0] == "water" and set(by_id["s1"][1]) == {"water", "diplomacy"}
    assert by_id["s1"][2] == ["IN", "PK"]
    assert str(by_id["s1"][3])[:10] == "2025-05-05"
    assert by_id["s4"][3] is None  # no publication date known: not the ingest time


def test_chains_view_applies_corrections_with_their_source(small: Path):
    with snapshot.connect_reader(small) as conn:
        rows = conn.execute(
            "SELECT chain_id, n_copies, tone, tone_source, machine_tone, relevance_source"
            " FROM chains ORDER BY chain_id"
        ).fetchall()
    assert [r[0] for r in rows] == ["a1", "a2", "a4", "a5", "a6", "a7"]
    assert rows[1] == ("a2", 1, -1.0, "analyst", -0.5, "machine")
    assert rows[0][3] == "machine"


def test_old_tone_corrections_are_moved_to_the_warehouse_scale(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as conn:  # a warehouse from before the scale change
        wh._ensure_log(conn)
        for m in wh.all_migrations():
            if m.version <= 5:
                conn.execute(m.sql)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [m.version, m.name],
                )
        conn.execute(
            "INSERT INTO label_corrections (article_id, field, value) VALUES"
            " ('x', 'tone', '-2'), ('x', 'relevance', '2'), ('y', 'tone', '1')"
        )
    with wh.connect(db) as conn:
        rows = conn.execute(
            "SELECT article_id, field, CAST(value AS DOUBLE) FROM label_corrections ORDER BY 1, 2"
        ).fetchall()
    assert rows == [("x", "relevance", 2.0), ("x", "tone", -1.0), ("y", "tone", 0.5)]


# --- report ----------------------------------------------------------------------------------


def test_report_counts_each_report_once_and_pairs_both_sides(small: Path, tmp_path: Path):
    from ipwire.desk import report

    with snapshot.connect_reader(small) as conn:
        data = report.gather(conn, __import__("datetime").date(2025, 5, 1),
                             __import__("datetime").date(2025, 5, 31))  # fmt: skip
    f = data.figures
    assert (f["articles"], f["relevant"], f["stories"], f["outlets"]) == (4, 3, 2, 4)
    assert (f["copies_folded"], f["undated"]) == (1, 1)
    cols, rows = data.both_sides
    row = dict(zip(cols, rows[0], strict=True))
    assert len(rows) == 1 and row["story_id"] == "s1"
    assert (row["tone_in"], row["tone_pk"]) == (-1.0, 0.4)
    assert row["indian_headline"].startswith("India rejects")
    assert row["pakistani_headline"].startswith("Pakistan offers")
    cols, rows = data.changes
    changes = {(r[0], r[1]): (r[2], r[3]) for r in rows}
    assert changes[("topic", "trade_economy")] == (0, 1)  # April's story fell away


def test_report_writes_one_self_contained_file(small: Path, tmp_path: Path):
    out = tmp_path / "may.html"
    code, text = invoke(
        "report", "--since", "2025-05-01", "--until", "2025-05-31", "--out", str(out),
        "--db", str(small),
    )  # fmt: skip
    assert code == 0, text
    assert text.startswith(f"wrote {out}") and "4 articles" in text
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 5  # tone, topics, actors, changes, both sides
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "India rejects Pakistan offer on Indus Waters" in html


def test_report_of_a_range_without_articles_says_so_and_exits_0(small: Path, tmp_path: Path):
    out = tmp_path / "empty.html"
    code, text = invoke(
        "report", "--since", "2030-01-01", "--until", "2030-01-31", "--out", str(out),
        "--db", str(small),
    )  # fmt: skip
    assert code == 0 and text.startswith("no articles published between 2030-01-01")
    assert "No articles were published" in out.read_text(encoding="utf-8")


def test_weekly_report_for_the_nightly_flow_returns_its_path(small: Path, tmp_path: Path):
    from datetime import date

    from ipwire.desk import write_weekly_report

    path = write_weekly_report(small, tmp_path / "reports", today=date(2025, 5, 8))
    assert path == tmp_path / "reports" / "ipwire-week-2025-05-07.html"
    assert "2025-05-01 – 2025-05-07" in path.read_text(encoding="utf-8")


# --- never waits on a run --------------------------------------------------------------------

HOLD = """
import sys, time
from ipwire import snapshot
from ipwire.warehouse import db as wh
from ipwire.warehouse import extensions
with snapshot.writer_lock(sys.argv[1]):
    conn = wh.connect(sys.argv[1])
    conn.execute("DELETE FROM articles")
    open(sys.argv[2], "w").close()
    time.sleep(60)
"""


def test_desk_answers_from_the_snapshot_while_a_run_writes(tmp_path: Path):
    import subprocess
    import sys

    db = build(tmp_path / "wh.duckdb")
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(ready)])
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        started = time.monotonic()
        assert [h["article_id"] for h in search_json(db, "abeyance")] == ["a2"]
        code, out = invoke("show", "a1", "--db", str(db))
        assert code == 0 and "dawn.com (PK)" in out
        code, out = invoke(
            "report", "--since", "2025-05-01", "--until", "2025-05-31", "--out",
            str(tmp_path / "r.html"), "--db", str(db),
        )  # fmt: skip
        assert code == 0 and "4 articles" in out
        assert time.monotonic() - started < 20
        assert proc.poll() is None  # the writer was never disturbed
    finally:
        proc.kill()
        proc.wait()


def test_snapshot_reuses_its_search_index_while_the_articles_are_unchanged(tmp_path: Path):
    db = build(tmp_path / "wh.duckdb")
    snap = snapshot.snapshot_path(db)
    ranked = [(h["article_id"], h["score"]) for h in search_json(db, "treaty talks", "--all")]
    with wh.connect(db) as conn:  # an analyst's correction changes no text
        conn.execute(
            "INSERT INTO label_corrections (article_id, field, value)"
            " VALUES ('a5', 'relevance', '2')"
        )
    unchanged = tmp_path / "unchanged.duckdb"
    shutil.copyfile(db, unchanged)
    assert search_index.index_copy(unchanged, snap) == "reused"
    with wh.connect(db) as conn:  # a new text must be indexed afresh
        conn.execute(
            "UPDATE articles SET body = 'New talks text', content_hash = 'x'"
            " WHERE article_id = 'a7'"
        )
    changed = tmp_path / "changed.duckdb"
    shutil.copyfile(db, changed)
    assert search_index.index_copy(changed, snap) == "built"
    with wh.connect(db) as conn:
        conn.execute(
            "UPDATE articles SET body = ?, content_hash = 'a7' WHERE article_id = 'a7'",
            [BODY["a7"]],
        )
    snapshot.publish_snapshot(db)  # reuses the index: the same ranking as a fresh one
    assert [
        (h["article_id"], h["score"]) for h in search_json(db, "treaty talks", "--all")
    ] == ranked


def test_report_of_an_empty_warehouse_says_so_and_exits_0(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    wh.connect(db).close()
    out = tmp_path / "r.html"
    code, text = invoke(
        "report", "--since", "2025-01-01", "--until", "2025-01-07", "--out", str(out),
        "--db", str(db),
    )  # fmt: skip
    assert code == 0 and text.startswith("no articles published between 2025-01-01")
    assert "No articles were published" in out.read_text(encoding="utf-8")
