"""`ipwire export`: tables and queries to CSV or Parquet, from the snapshot, never clobbering."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from ipwire import exit_codes, snapshot
from ipwire.cli import cli
from ipwire.warehouse import db as wh


@pytest.fixture
def small_wh(db_file: Path) -> Path:
    with wh.connect(db_file) as conn:
        conn.execute(
            "INSERT INTO articles (article_id, source_kind, source_ref, title, fetched_at, body,"
            " word_count, content_hash, relevance, is_relevant, tone) VALUES"
            " ('a1', 'file', '/x/a.txt', 'Talks, resumed', now(), 'body', 3, 'h', 0.9, true,"
            "  0.25),"
            " ('a2', 'file', '/x/b.txt', NULL, now(), 'body', 1, 'h2', 0.2, false, NULL)"
        )
        conn.execute(
            "INSERT INTO article_topics (article_id, topic, score, evidence) VALUES"
            " ('a1', 'water', 0.8, ['India and Pakistan met.'])"
        )
    snapshot.publish_snapshot(db_file)
    return db_file


def test_export_a_table_as_csv_with_a_header_and_empty_nulls(small_wh: Path, tmp_path: Path):
    out = tmp_path / "exports"
    result = CliRunner().invoke(
        cli, ["export", "--table", "articles", "--out", str(out), "--db", str(small_wh)]
    )
    assert result.exit_code == 0, result.output
    with open(out / "articles.csv", newline="", encoding="utf-8") as fh:
        rows = {r["article_id"]: r for r in csv.DictReader(fh)}
    assert rows["a1"]["title"] == "Talks, resumed" and rows["a2"]["title"] == ""
    assert "wrote 2 rows" in result.output


def test_export_a_query_as_parquet_keeps_types_and_lists(small_wh: Path, tmp_path: Path):
    q = (
        "SELECT a.article_id, a.tone, a.is_relevant, t.evidence FROM articles a"
        " LEFT JOIN article_topics t USING (article_id) ORDER BY 1"
    )
    result = CliRunner().invoke(
        cli,
        ["export", "--query", q, "--name", "tones", "--format", "parquet", "--out",
         str(tmp_path), "--db", str(small_wh)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with duckdb.connect() as mem:
        rel = mem.sql(f"SELECT * FROM '{tmp_path / 'tones.parquet'}' ORDER BY 1")
        types = dict(zip(rel.columns, [str(t) for t in rel.types], strict=True))
        rows = rel.fetchall()
    assert types["tone"] == "DOUBLE" and types["is_relevant"] == "BOOLEAN"
    assert types["evidence"] == "VARCHAR[]"
    assert rows == [("a1", 0.25, True, ["India and Pakistan met."]), ("a2", None, False, None)]


def test_export_refuses_to_overwrite_without_force(small_wh: Path, tmp_path: Path):
    args = ["export", "--table", "articles", "--out", str(tmp_path), "--db", str(small_wh)]
    target = tmp_path / "articles.csv"
    target.write_text("keep me")
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == exit_codes.USAGE and "--force" in refused.output
    assert target.read_text() == "keep me"
    forced = CliRunner().invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0 and target.read_text().startswith("article_id,")


def test_export_never_writes_over_a_warehouse_file(tmp_path: Path):
    db = tmp_path / "articles.csv"  # an odd name, but a warehouse all the same
    with wh.connect(db):
        pass
    snapshot.publish_snapshot(db)
    before = db.read_bytes()
    result = CliRunner().invoke(
        cli, ["export", "--table", "articles", "--out", str(tmp_path), "--force", "--db", str(db)]
    )
    assert result.exit_code == exit_codes.USAGE and "warehouse file" in result.output
    assert db.read_bytes() == before


def test_export_of_an_unknown_table_names_the_ones_there_are(small_wh: Path, tmp_path: Path):
    result = CliRunner().invoke(
        cli, ["export", "--table", "article", "--out", str(tmp_path), "--db", str(small_wh)]
    )
    assert result.exit_code == exit_codes.NOT_FOUND and "articles" in result.output
    assert list(tmp_path.glob("*.csv")) == []


def test_export_runs_queries_on_the_contained_reader_so_they_cannot_write(
    small_wh: Path, tmp_path: Path
):
    stolen = tmp_path / "stolen.csv"
    result = CliRunner().invoke(
        cli,
        ["export", "--query", f"SELECT * FROM read_csv('{small_wh}')", "--out", str(tmp_path),
         "--db", str(small_wh)],
    )  # fmt: skip
    assert result.exit_code != 0
    assert not stolen.exists() and list(tmp_path.glob("query.csv")) == []
