"""A reader's connection is contained: no writes, attaches, file reads, settings or downloads.

Each route is tried through `ipwire sql`, the door an analyst (or a pasted query) uses; the
same connection serves status, search, show and report.
"""

from __future__ import annotations

from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner

from ipwire import cli_sql, snapshot
from ipwire.warehouse import db as wh


@pytest.fixture
def live(tmp_path: Path) -> Path:
    db = tmp_path / "wh" / "ipwire.duckdb"
    with wh.connect(db) as conn:
        conn.execute(
            "INSERT INTO articles (article_id, source_kind, source_ref, title, fetched_at, body,"
            " word_count, content_hash) VALUES"
            " ('a1', 'file', '/x/a.txt', 'Talks resume', now(), 'body', 1, 'h')"
        )
    return db


@click.group()
def cli() -> None:
    """The commands under test, without the rest of the command line."""


cli_sql.register(cli)


def run_sql(db: Path, query: str):
    return CliRunner().invoke(cli, ["sql", "--db", str(db), query])


def assert_refused(result) -> None:
    assert result.exit_code != 0, result.output
    assert "refused" in result.output, result.output
    assert "Traceback" not in result.output


def titles(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return [t for (t,) in conn.execute("SELECT title FROM articles").fetchall()]


def test_sql_cannot_copy_to_a_file(live: Path, tmp_path: Path):
    out = tmp_path / "out.csv"
    assert_refused(run_sql(live, f"COPY articles TO '{out}' (HEADER)"))
    assert not out.exists()


def test_sql_cannot_copy_over_the_warehouse_file(live: Path):
    assert_refused(run_sql(live, f"COPY (SELECT 1 AS x) TO '{live}' (FORMAT csv)"))
    assert titles(live) == ["Talks resume"]  # still a readable warehouse


def test_sql_cannot_attach_the_live_file_and_update_it(live: Path):
    query = f"ATTACH '{live}' AS live (READ_WRITE); UPDATE live.articles SET title = 'pwned'"
    assert_refused(run_sql(live, query))
    assert titles(live) == ["Talks resume"]


def test_sql_cannot_read_text_files(live: Path, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("token=hunter2\n")
    result = run_sql(live, f"SELECT content FROM read_text('{secret}')")
    assert_refused(result)
    assert "hunter2" not in result.output


def test_sql_cannot_read_csv_files(live: Path, tmp_path: Path):
    data = tmp_path / "data.csv"
    data.write_text("a,b\nhunter2,2\n")
    result = run_sql(live, f"SELECT * FROM read_csv('{data}')")
    assert_refused(result)
    assert "hunter2" not in result.output


def test_sql_cannot_list_folders_with_glob(live: Path, tmp_path: Path):
    (tmp_path / "private-name.txt").write_text("x")
    result = run_sql(live, f"SELECT * FROM glob('{tmp_path}/*')")
    assert_refused(result)
    assert "private-name" not in result.output


def test_sql_cannot_read_blobs(live: Path, tmp_path: Path):
    blob = tmp_path / "key.bin"
    blob.write_bytes(b"hunter2")
    result = run_sql(live, f"SELECT content FROM read_blob('{blob}')")
    assert_refused(result)
    assert "hunter2" not in result.output


def test_sql_cannot_change_settings(live: Path):
    assert_refused(run_sql(live, "SET memory_limit = '1GB'"))
    assert_refused(run_sql(live, "SET enable_external_access = true; SELECT 1"))


def test_sql_naming_an_http_file_installs_no_extension(
    live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    result = run_sql(live, "SELECT * FROM read_parquet('http://127.0.0.1:9/x.parquet')")
    assert_refused(result)
    assert not (home / ".duckdb").exists(), "DuckDB tried to install an extension"
    result = run_sql(live, "INSTALL httpfs")
    assert_refused(result)
    assert not (home / ".duckdb").exists()


def test_reader_connection_still_reads_the_warehouse_and_searches(live: Path):
    with snapshot.connect_reader(live) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
        assert conn.execute("SELECT stem('talks', 'porter')").fetchone() == ("talk",)  # fts
        with pytest.raises(duckdb.Error):
            conn.execute("DELETE FROM articles")
