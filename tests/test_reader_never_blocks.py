"""Readers never take the writer's lock, and say at once what is wrong with a bad warehouse.

Writers are real second processes, as a nightly run would be.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner
from procs import kill, spawn, wait_for

from ipwire import cli_sql, exit_codes, snapshot
from ipwire.warehouse import db as wh


@click.group()
def cli() -> None:
    """The commands under test, without the rest of the command line."""


cli_sql.register(cli)


def make_live(db: Path) -> None:
    with wh.connect(db) as conn:
        conn.execute(
            "INSERT INTO ingest_runs (run_id, started_at, status) VALUES ('r1', now(), 'completed')"
        )


# An analyst's session that keeps its reader connection open.
HOLD_READER = """
    import sys, time
    from ipwire import snapshot
    conn = snapshot.connect_reader(sys.argv[1], wait=5)
    print(conn.execute("SELECT count(*) FROM ingest_runs").fetchone()[0], flush=True)
    open(sys.argv[2], "w").close()
    time.sleep(120)
"""


def test_open_reader_without_a_snapshot_never_makes_the_writer_fail(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_live(db)  # first run crashed before publishing: no snapshot
    assert not snapshot.snapshot_path(db).exists()
    reader = spawn(HOLD_READER, str(db), str(tmp_path / "ready"))
    try:
        wait_for(tmp_path / "ready")
        with wh.connect(db) as conn:  # the nightly writer opens the live file read-write
            conn.execute(
                "INSERT INTO ingest_runs (run_id, started_at, status)"
                " VALUES ('r2', now(), 'completed')"
            )
        assert reader.poll() is None, "the reader died"
    finally:
        kill(reader)
    assert reader.stdout.readline().strip() == "1"
    assert snapshot.snapshot_path(db).exists()  # the reader published one, under the lock


# The first run of a warehouse: holds the writer lock and the live file, has published nothing.
FIRST_RUN = """
    import sys, time
    from pathlib import Path
    from ipwire import snapshot
    from ipwire.warehouse import db as wh
    db, ready, go, publish_after = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    with snapshot.writer_lock(db):
        conn = wh.connect(db)
        conn.execute("INSERT INTO ingest_runs (run_id, started_at, status) "
                     "VALUES ('first', now(), 'running')")
        ready.touch()
        if publish_after == "-":
            while not go.exists():
                time.sleep(0.05)
        else:
            time.sleep(float(publish_after))
        conn.execute("UPDATE ingest_runs SET status = 'completed'")
        conn.close()
        snapshot.publish_snapshot(db)
    print("done", flush=True)
"""


def test_reader_during_the_first_run_says_so_and_the_run_completes(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    ready, go = tmp_path / "ready", tmp_path / "go"
    writer = spawn(FIRST_RUN, str(db), str(ready), str(go), "-")
    try:
        wait_for(ready)
        started = time.monotonic()
        with pytest.raises(snapshot.WarehouseBusy, match="no snapshot yet"):
            snapshot.connect_reader(db, wait=1, poll=0.1)
        assert time.monotonic() - started < 5
        go.touch()
        out, err = writer.communicate(timeout=60)
    finally:
        kill(writer)
    assert writer.returncode == 0, err
    assert out.strip() == "done"


def test_reader_waits_for_the_first_run_to_publish(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    writer = spawn(FIRST_RUN, str(db), str(tmp_path / "ready"), str(tmp_path / "go"), "1.5")
    try:
        wait_for(tmp_path / "ready")
        with snapshot.connect_reader(db, wait=30, poll=0.1) as conn:
            status = conn.execute("SELECT status FROM ingest_runs").fetchall()
        out, err = writer.communicate(timeout=60)
    finally:
        kill(writer)
    assert writer.returncode == 0, err
    assert status == [("completed",)]


def test_stale_snapshot_is_refreshed_when_nobody_writes(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_live(db)
    snapshot.publish_snapshot(db)
    with wh.connect(db) as conn:  # a writer that did not publish (crashed before it)
        conn.execute(
            "INSERT INTO ingest_runs (run_id, started_at, status) VALUES ('r2', now(), 'failed')"
        )
    later = time.time() + 5
    os.utime(db, (later, later))
    with snapshot.connect_reader(db) as conn:
        assert conn.execute("SELECT count(*) FROM ingest_runs").fetchone()[0] == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"title,body\nhello,world\n" * 10, "not a DuckDB file"),
    ],
    ids=["empty", "csv"],
)
def test_sql_on_a_file_that_is_no_warehouse_says_what_is_wrong_at_once(
    tmp_path: Path, content: bytes, message: str
):
    db = tmp_path / "wh.duckdb"
    db.write_bytes(content)
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["sql", "--db", str(db), "SELECT 1"])
    assert time.monotonic() - started < 5
    assert result.exit_code == exit_codes.NOT_FOUND, result.output
    assert message in result.output and "first run" not in result.output
    assert db.read_bytes() == content  # not turned into a new database
    assert not snapshot.snapshot_path(db).exists()


def test_sql_without_a_warehouse_says_so(tmp_path: Path):
    result = CliRunner().invoke(cli, ["sql", "--db", str(tmp_path / "none.duckdb"), "SELECT 1"])
    assert result.exit_code == exit_codes.NOT_FOUND
    assert "no warehouse at" in result.output


def test_sql_on_a_damaged_duckdb_file_fails_at_once_naming_it(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_live(db)
    data = bytearray(db.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # keep the header, break the rest
    db.write_bytes(bytes(data))
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["sql", "--db", str(db), "SELECT 1"])
    assert time.monotonic() - started < 5
    assert result.exit_code == exit_codes.FAILED, result.output
    assert str(db) in result.output and "first run" not in result.output
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(db), read_only=True).execute("SELECT * FROM ingest_runs")
