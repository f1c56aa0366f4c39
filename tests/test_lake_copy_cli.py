"""`ipwire db copy`: a warehouse made by `ipwire ingest seeds/` into a DuckLake on a real
PostgreSQL and back, through the CLI, and the refusals with their exit codes."""

from __future__ import annotations

import itertools
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from ipwire import exit_codes, snapshot
from ipwire.cli import cli
from ipwire.warehouse import lake

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SIDE = re.compile(r"\(([\d,]+) rows, hash ([0-9a-f]{16})\)")
_names = itertools.count()


@pytest.fixture
def address(pg) -> str:
    return f"ducklake:postgres:{pg.create_database(f'copy_{next(_names)}')}"


@pytest.fixture(scope="module")
def built(prefect_harness, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse written by `ipwire ingest seeds/` (copied per test, so tests stay apart)."""
    db = tmp_path_factory.mktemp("built") / "ipwire.duckdb"
    done = CliRunner().invoke(cli, ["--quiet", "ingest", str(SEEDS), "--db", str(db)])
    assert done.exit_code == 0, done.output
    return db


@pytest.fixture
def source(built: Path, tmp_path: Path) -> Path:
    db = tmp_path / "src" / "ipwire.duckdb"
    db.parent.mkdir()
    shutil.copyfile(built, db)
    return db


def copy(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["db", "copy", *args])
    return done.exit_code, done.output


def sides(output: str) -> list[tuple[int, str]]:
    return [(int(n.replace(",", "")), h) for n, h in SIDE.findall(output)]


def articles(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute("SELECT article_id, content_hash FROM articles ORDER BY 1").fetchall()


def test_copy_into_a_lake_and_back_keeps_every_row_and_the_hash(
    source: Path, address: str, tmp_path: Path
):
    data = tmp_path / "lake-data"
    code, out = copy("--db", str(source), "--to", address, "--data-path", str(data))
    assert code == 0, out
    assert len(out.strip().splitlines()) == 1
    (src_rows, src_hash), (lake_rows, lake_hash) = sides(out)
    assert src_rows == lake_rows > 0 and src_hash == lake_hash
    assert list(data.rglob("*.parquet"))
    conn = lake.connect_lake(address, data, read_only=True)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(articles(source))
    conn.close()

    back = tmp_path / "back" / "ipwire.duckdb"
    code, out = copy("--from", address, "--to", str(back))
    assert code == 0, out
    assert sides(out) == [(src_rows, src_hash), (src_rows, src_hash)]
    assert articles(back) == articles(source)
    assert snapshot.snapshot_path(back).exists()  # readers can use the copy at once
    query = CliRunner().invoke(
        cli, ["sql", "--db", str(back), "SELECT count(*) AS n FROM articles"]
    )
    assert query.exit_code == 0 and query.output.splitlines()[2].strip() == str(len(articles(back)))


def test_copy_uses_ipwire_db_as_the_source_by_default(
    source: Path, address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("IPWIRE_DB", str(source))
    code, out = copy("--to", address, "--data-path", str(tmp_path / "lake-data"))
    assert code == 0, out
    assert out.startswith(f"copied {source} (")


def test_a_lake_that_holds_data_is_refused_without_force_and_replaced_with_it(
    source: Path, address: str, tmp_path: Path
):
    data = str(tmp_path / "lake-data")
    assert copy("--db", str(source), "--to", address, "--data-path", data)[0] == 0
    code, out = copy("--db", str(source), "--to", address, "--data-path", data)
    assert code == exit_codes.USAGE
    assert "holds data" in out and "articles (" in out and "--force" in out
    assert len(out.strip().splitlines()) == 1 and "Traceback" not in out
    code, out = copy("--db", str(source), "--to", address, "--data-path", data, "--force")
    assert code == 0, out
    conn = lake.connect_lake(address, data, read_only=True)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == len(articles(source))
    conn.close()


def test_a_file_target_that_holds_data_is_left_untouched_without_force(
    source: Path, built: Path, tmp_path: Path
):
    target = tmp_path / "other.duckdb"
    shutil.copyfile(built, target)
    before = target.read_bytes()
    code, out = copy("--db", str(source), "--to", str(target))
    assert code == exit_codes.USAGE and "holds data" in out
    assert target.read_bytes() == before


def test_a_source_on_an_older_schema_is_refused_and_nothing_is_committed(
    source: Path, address: str, tmp_path: Path
):
    with duckdb.connect(str(source)) as conn:
        conn.execute(
            "DELETE FROM schema_migrations"
            " WHERE version = (SELECT max(version) FROM schema_migrations)"
        )
    data = tmp_path / "lake-data"
    code, out = copy("--db", str(source), "--to", address, "--data-path", str(data))
    assert code == exit_codes.USAGE and "migrate the source first" in out
    conn = lake.connect_lake(address, data, read_only=True)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    conn.close()


def test_copy_waits_for_a_running_ingest_before_reading_the_warehouse(source: Path, tmp_path: Path):
    target = tmp_path / "copy.duckdb"
    result: dict[str, tuple[int, str]] = {}
    with snapshot.writer_lock(source):  # as an ingest holds it
        worker = threading.Thread(
            target=lambda: result.setdefault("copy", copy("--db", str(source), "--to", str(target)))
        )
        worker.start()
        time.sleep(1.5)
        assert worker.is_alive() and not target.exists()
    worker.join(timeout=60)
    code, out = result["copy"]
    assert code == 0, out
    assert "waiting for it" in out
    assert articles(target) == articles(source)


def test_an_unreachable_catalog_is_busy_and_nothing_is_written(source: Path, tmp_path: Path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = tmp_path / "lake-data"
    target = f"ducklake:postgres:dbname=ipwire host=127.0.0.1 port={port}"
    code, out = copy("--db", str(source), "--to", target, "--data-path", str(data))
    assert code == exit_codes.BUSY and "unreachable" in out and f"127.0.0.1:{port}" in out
    assert not data.exists()


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--to", "ducklake:postgres:dbname=x host=127.0.0.1"], exit_codes.USAGE, "--data-path"),
        (["--to", "ducklake:sqlite:x.db", "--data-path", "d"], exit_codes.CONFIG, "PostgreSQL"),
        (["--from", "{tmp}/missing.duckdb", "--to", "{tmp}/x.duckdb"], exit_codes.NOT_FOUND, "no"),
        (["--to", "{src}"], exit_codes.USAGE, "same warehouse"),
        (
            ["--from", "ducklake:postgres:dbname=a", "--to", "ducklake:postgres:dbname=b"],
            exit_codes.USAGE,
            "both sides are lakes",
        ),
    ],
)
def test_wrong_arguments_are_refused_in_one_line_with_their_exit_code(
    source: Path, tmp_path: Path, args: list[str], code: int, said: str
):
    filled = [a.format(tmp=tmp_path, src=source) for a in args]
    got, out = copy("--db", str(source), *filled)
    assert got == code, out
    assert said in out and len(out.strip().splitlines()) == 1
    assert not (tmp_path / "x.duckdb").exists()
