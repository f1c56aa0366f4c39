"""Expected failures: one or two lines, a distinct exit code, checked before Prefect starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ipwire import exit_codes
from ipwire.cli import cli
from ipwire.warehouse import db as wh

IPWIRE = str(Path(sys.executable).with_name("ipwire"))


def run_cli(
    *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess, float]:
    """The real command in a fresh process, timed."""
    started = time.perf_counter()
    done = subprocess.run(
        [IPWIRE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "IPWIRE_PREFECT": "embedded", **(env or {})},
    )
    return done, time.perf_counter() - started


def test_ingest_of_a_missing_path_is_refused_in_one_line_before_prefect_starts(tmp_path: Path):
    done, seconds = run_cli("ingest", "/nonexistent/inbox", "--db", str(tmp_path / "w.duckdb"))
    assert done.returncode == exit_codes.NOT_FOUND, done.stderr
    assert seconds < 2.0, f"took {seconds:.1f}s: Prefect started before the inputs were checked"
    assert "Traceback" not in done.stderr and "/nonexistent/inbox" in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "w.duckdb").exists()


def test_bad_configuration_lists_every_problem_at_once_before_prefect_starts(tmp_path: Path):
    bad = tmp_path / "ipwire.toml"
    bad.write_text('[sources]\nbatch_size = "many"\n\n[http]\ncontact_url = 5\n')
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    done, seconds = run_cli("ingest", str(seeds), "--config", str(bad), "--db", str(tmp_path / "w"))
    assert done.returncode == exit_codes.CONFIG, done.stderr
    assert seconds < 2.0
    assert "batch_size" in done.stderr and "contact_url" in done.stderr
    assert "Traceback" not in done.stderr


def test_ingest_refuses_a_warehouse_path_that_is_a_folder_or_another_file(tmp_path: Path):
    seeds = str(Path(__file__).resolve().parents[1] / "seeds")
    folder = CliRunner().invoke(cli, ["ingest", seeds, "--db", str(tmp_path)])
    assert folder.exit_code == exit_codes.USAGE and "is a directory" in folder.output
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a warehouse")
    other = CliRunner().invoke(cli, ["ingest", seeds, "--db", str(notes)])
    assert other.exit_code == exit_codes.NOT_FOUND and "not a DuckDB warehouse" in other.output
    assert notes.read_text() == "my notes, not a warehouse"


@pytest.mark.parametrize(
    "args",
    [
        ["reprocess"],
        ["reclassify"],
        ["recluster"],
        ["correct", "a1", "--tone", "0.5"],
        ["corrections"],
        ["status"],
        ["feeds", "list"],
        ["feeds", "retire", "https://example.org/rss"],
        ["export", "--table", "articles", "--out", "exports"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_commands_on_a_mistyped_warehouse_refuse_and_create_nothing(
    tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*args, "--db", "MISTYPED.duckdb"])
    assert result.exit_code == exit_codes.NOT_FOUND, result.output
    assert "no warehouse at MISTYPED.duckdb" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_db_migrate_still_creates_a_new_warehouse(tmp_path: Path):
    db = tmp_path / "new" / "w.duckdb"
    result = CliRunner().invoke(cli, ["db", "migrate", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert db.exists() and "applied 0001_core" in result.output


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(
    db_file: Path, monkeypatch: pytest.MonkeyPatch
):
    from ipwire import cli_ops

    with wh.connect(db_file):
        pass

    def broken(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli_ops, "nightly_articles", broken)
    plain = CliRunner().invoke(cli, ["status", "--db", str(db_file)])
    assert plain.exit_code == exit_codes.FAILED
    assert "RuntimeError: disk on fire" in plain.output and "--debug" in plain.output
    assert "Traceback" not in plain.output
    debug = CliRunner().invoke(cli, ["--debug", "status", "--db", str(db_file)])
    assert isinstance(debug.exception, RuntimeError)  # propagated: the traceback is shown


def test_every_exit_code_is_named_in_the_top_level_help():
    text = cli.help or ""
    for code in (0, 1, 2, 3, 4, 5, 6, 7):
        assert f"{code} " in text
    assert isinstance(cli, click.Group)


def test_an_unreachable_lake_catalog_is_refused_before_prefect_starts(tmp_path: Path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    seeds = str(Path(__file__).resolve().parents[1] / "seeds")
    lake = f"ducklake:postgres:dbname=ipwire host=127.0.0.1 port={port}"
    done, seconds = run_cli("ingest", seeds, "--db", lake)
    assert done.returncode == exit_codes.BUSY, done.stderr
    assert seconds < 2.0 and "unreachable" in done.stderr and "Traceback" not in done.stderr
