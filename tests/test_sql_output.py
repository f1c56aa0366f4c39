"""`ipwire sql` output as sqlite-utils and the duckdb CLI print it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ipwire import cli_sql
from ipwire.cli_common import display_width, render
from ipwire.warehouse import db as wh


@click.group()
def cli() -> None:
    """The commands under test, without the rest of the command line."""


cli_sql.register(cli)

LONG = "India and Pakistan agreed to " + "resume talks on the Indus Waters Treaty " * 4


@pytest.fixture
def small_wh(db_file: Path) -> Path:
    with wh.connect(db_file) as conn:
        conn.execute(
            "INSERT INTO articles (article_id, source_kind, source_ref, title, author, fetched_at,"
            " body, word_count, content_hash, relevance, is_relevant) VALUES"
            " ('a1', 'file', '/x/a.txt', 'Talks resume', NULL, now(), ?, 1, 'h', 0.9, true),"
            " ('a2', 'file', '/x/b.txt', 'Cricket, again', '', now(), 'b', 1, 'h2', 0.2, false)",
            [LONG],
        )
    return db_file


def sql(db: Path, query: str, *options: str) -> str:
    result = CliRunner().invoke(cli, ["sql", "--db", str(db), query, *options])
    assert result.exit_code == 0, result.output
    return result.output


Q = "SELECT article_id, title, author, is_relevant FROM articles ORDER BY 1"


def test_json_is_one_array_of_objects(small_wh: Path):
    rows = json.loads(sql(small_wh, Q, "--format", "json"))
    assert rows == [
        {"article_id": "a1", "title": "Talks resume", "author": None, "is_relevant": True},
        {"article_id": "a2", "title": "Cricket, again", "author": "", "is_relevant": False},
    ]


def test_json_of_no_rows_is_an_empty_array(small_wh: Path):
    assert json.loads(sql(small_wh, "SELECT * FROM articles WHERE false", "--format", "json")) == []


def test_jsonl_is_one_object_a_line(small_wh: Path):
    lines = sql(small_wh, Q, "--format", "jsonl").splitlines()
    assert [json.loads(line)["article_id"] for line in lines] == ["a1", "a2"]


def test_csv_writes_booleans_lowercase_and_tells_null_from_empty(small_wh: Path):
    out = sql(small_wh, Q, "--format", "csv")
    assert out.splitlines() == [
        "article_id,title,author,is_relevant",
        "a1,Talks resume,,true",
        'a2,"Cricket, again","",false',
    ]
    assert list(csv.reader(io.StringIO(out)))[2] == ["a2", "Cricket, again", "", "false"]


def test_table_shows_null_apart_from_empty(small_wh: Path):
    lines = sql(small_wh, Q).splitlines()
    assert lines[2].split() == ["a1", "Talks", "resume", "NULL", "true"]
    assert "NULL" not in lines[3]


def test_max_width_cuts_table_cells_and_zero_never_cuts(small_wh: Path):
    q = "SELECT body FROM articles WHERE article_id = 'a1'"
    default = sql(small_wh, q).splitlines()[2]
    assert len(default) == 60 and default.endswith("…")
    assert sql(small_wh, q, "--max-width", "20").splitlines()[2] == LONG[:19] + "…"
    assert sql(small_wh, q, "--max-width", "0").splitlines()[2] == " ".join(LONG.split())


def test_table_stays_aligned_with_wide_and_combining_characters():
    rows = [["日本語の見出し", 1], ["Karachi", 2], ["कश्मीर", 3]]
    lines = render(["headline", "n"], rows, "table").splitlines()
    ends = {
        display_width(line[: line.rindex(str(n))])
        for line, (_, n) in zip(lines[2:5], rows, strict=True)
    }
    assert len(ends) == 1, lines


def test_every_statement_runs_and_the_last_result_is_printed(small_wh: Path):
    q = (
        "CREATE TEMP TABLE picked AS SELECT title FROM articles WHERE is_relevant; "
        "SELECT title FROM picked"
    )
    assert json.loads(sql(small_wh, q, "--format", "json")) == [{"title": "Talks resume"}]


def test_sql_help_states_the_conventions():
    out = CliRunner().invoke(cli, ["sql", "--help"]).output
    assert "jsonl" in out and "--max-width" in out and "last" in out
