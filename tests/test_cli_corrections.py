"""Corrections: who decided, one tone scale (the warehouse's [-1, 1]), notes kept once."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from ipwire import exit_codes
from ipwire.cli import cli
from ipwire.warehouse import db as wh


@pytest.fixture
def small_wh(db_file: Path) -> Path:
    with wh.connect(db_file) as conn:
        conn.execute(
            "INSERT INTO articles (article_id, source_kind, source_ref, title, fetched_at, body,"
            " word_count, content_hash, relevance, is_relevant, tone) VALUES"
            " ('a1', 'file', '/x/a.txt', 'Talks resume', now(), 'body', 1, 'h', 0.9, true, 0.3)"
        )
    return db_file


def stored(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(
            "SELECT field, value, note, analyst FROM label_corrections ORDER BY field"
        ).fetchall()


def test_analyst_comes_from_the_os_user_when_no_option_or_environment_names_one(small_wh: Path):
    env = {k: None for k in ("USER", "LOGNAME", "IPWIRE_ANALYST")}
    result = CliRunner().invoke(
        cli, ["correct", "a1", "--db", str(small_wh), "--relevance", "0"], env=env
    )
    assert result.exit_code == 0, result.output
    (row,) = stored(small_wh)
    assert row[3] == pwd.getpwuid(os.getuid()).pw_name and row[3]


def test_analyst_option_wins_over_the_environment_which_wins_over_the_os_user(small_wh: Path):
    runner = CliRunner()
    env = {"IPWIRE_ANALYST": "desk-2", "USER": "someone-else"}
    runner.invoke(cli, ["correct", "a1", "--db", str(small_wh), "--relevance", "1"], env=env)
    runner.invoke(
        cli,
        ["correct", "a1", "--db", str(small_wh), "--tone", "0.5", "--analyst", "amna"],
        env=env,
    )
    assert {r[0]: r[3] for r in stored(small_wh)} == {"relevance": "desk-2", "tone": "amna"}


def test_tone_is_taken_on_the_warehouse_scale_and_out_of_range_values_are_refused(
    small_wh: Path,
):
    runner = CliRunner()
    for bad in ("-2", "1.5"):
        out = runner.invoke(cli, ["correct", "a1", "--db", str(small_wh), "--tone", bad])
        assert out.exit_code == exit_codes.USAGE and "-1" in out.output, out.output
    ok = runner.invoke(cli, ["correct", "a1", "--db", str(small_wh), "--tone", "-0.75"])
    assert ok.exit_code == 0, ok.output
    assert [(f, json.loads(v)) for f, v, *_ in stored(small_wh)] == [("tone", -0.75)]


def test_export_gives_tone_as_the_evaluation_labels_integer_and_each_note_once(small_wh: Path):
    runner = CliRunner()
    done = runner.invoke(
        cli,
        [
            "correct", "a1", "--db", str(small_wh), "--relevance", "2", "--topics", "water",
            "--tone", "-0.75", "--note", "IWT notice",
        ],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    (item,) = [
        json.loads(x)
        for x in runner.invoke(cli, ["corrections", "--db", str(small_wh)]).output.splitlines()
    ]
    assert item["tone"] == -2  # round(2 x -0.75) on the guideline's -2..+2
    assert item["note"] == "IWT notice"
    assert item["relevance"] == 2 and item["topics"] == ["water"]


def test_uncorrected_tone_is_exported_on_the_label_scale_too(small_wh: Path):
    runner = CliRunner()
    runner.invoke(cli, ["correct", "a1", "--db", str(small_wh), "--relevance", "1"])
    (item,) = [
        json.loads(x)
        for x in runner.invoke(cli, ["corrections", "--db", str(small_wh)]).output.splitlines()
    ]
    assert item["tone"] == 1  # the classifier's 0.3 -> round(0.6)


def test_migration_moves_stored_tone_corrections_to_the_warehouse_scale(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    conn = duckdb.connect(str(db))
    done = set()
    for m in wh.all_migrations():
        if m.version >= 8:
            break
        conn.execute(m.sql)
        done.add(m.version)
    wh._ensure_log(conn)
    for v in done:
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, 'x')", [v])
    conn.execute(
        "INSERT INTO label_corrections (article_id, field, value) VALUES"
        " ('a', 'tone', '-2'), ('a', 'relevance', '2'), ('b', 'tone', '1')"
    )
    wh.migrate(conn)
    rows = conn.execute(
        "SELECT article_id, field, CAST(value AS DOUBLE) FROM label_corrections ORDER BY 1, 2"
    ).fetchall()
    conn.close()
    assert rows == [("a", "relevance", 2.0), ("a", "tone", -1.0), ("b", "tone", 0.5)]
