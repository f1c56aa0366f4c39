"""README "Operations": back up, move, restore and upgrade a warehouse with the documented
commands, run as a shell would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ipwire import snapshot
from ipwire.warehouse import db as wh

BIN = Path(sys.executable).parent

# The commands of README "Operations", in the order an operator runs them.
BACKUP = "ipwire db backup backups/ipwire-1.duckdb --db data/ipwire.duckdb"
MOVE = (
    "flock data/ipwire.duckdb.lock mv data/ipwire.duckdb data/ipwire.snapshot.duckdb /srv/ipwire/"
)
RESTORE = "ipwire db restore backups/ipwire-1.duckdb --db /srv/ipwire/ipwire.duckdb --force"
UPGRADE = [
    "ipwire db migrate --list --db data/ipwire.duckdb",
    "ipwire db backup backups/before-upgrade.duckdb --db data/ipwire.duckdb",
    "ipwire db migrate --db data/ipwire.duckdb",
]


def sh(command: str, cwd: Path, **env: str) -> str:
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env},
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
    return done.stdout


def articles(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def fill(db: Path, n: int, first: int = 0) -> None:
    with wh.connect(db) as conn:
        conn.execute(
            "INSERT INTO articles (article_id, source_kind, source_ref, fetched_at, body,"
            " word_count, content_hash) SELECT 'a' || i, 'file', 'f' || i, now(), 'b', 1,"
            " 'h' || i FROM range(?, ?) t(i)",
            [first, first + n],
        )
    snapshot.publish_snapshot(db)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with data/ipwire.duckdb (3 articles) and a /srv/ipwire stand-in."""
    (tmp_path / "srv" / "ipwire").mkdir(parents=True)
    fill(tmp_path / "data" / "ipwire.duckdb", 3)
    return tmp_path


def test_backup_move_and_restore_with_the_documented_commands(site: Path):
    srv = str(site / "srv")
    out = sh(BACKUP, site)
    assert "backed up" in out and articles(site / "backups" / "ipwire-1.duckdb") == 3
    sh(MOVE.replace("/srv/", f"{srv}/"), site)
    moved = site / "srv" / "ipwire" / "ipwire.duckdb"
    assert not (site / "data" / "ipwire.duckdb").exists()
    assert moved.exists() and snapshot.snapshot_path(moved).exists()
    count = sh('ipwire sql --format csv "SELECT count(*) AS n FROM articles"', site,
               IPWIRE_DB=str(moved))  # fmt: skip
    assert count.split() == ["n", "3"]
    fill(moved, 2, first=3)  # work goes on at the new place: 3 + 2 articles ...
    out = sh(RESTORE.replace("/srv/", f"{srv}/"), site)  # ... until the backup is put back
    assert "restored" in out and articles(moved) == 3
    assert articles(snapshot.snapshot_path(moved)) == 3  # readers see the restored state


def test_a_backup_taken_while_a_run_writes_waits_for_it_and_is_consistent(site: Path):
    live = site / "data" / "ipwire.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time; from ipwire import snapshot\n"
            "with snapshot.writer_lock(sys.argv[1]):\n"
            "    open(sys.argv[2], 'w').close(); time.sleep(1.5)\n"
        ), str(live), str(site / "locked")],
    )  # fmt: skip
    try:
        while not (site / "locked").exists():
            assert holder.poll() is None
        out = sh(BACKUP, site)
    finally:
        holder.wait(timeout=30)
    assert holder.returncode == 0 and "backed up" in out
    assert articles(site / "backups" / "ipwire-1.duckdb") == 3


def test_restore_refuses_to_replace_a_warehouse_without_force(site: Path):
    sh(BACKUP, site)
    done = subprocess.run(
        ["bash", "-c", "ipwire db restore backups/ipwire-1.duckdb --db data/ipwire.duckdb"],
        cwd=site,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    assert done.returncode == 2 and "--force" in done.stderr


def test_upgrade_lists_then_applies_pending_migrations_after_a_backup(tmp_path: Path):
    db = tmp_path / "data" / "ipwire.duckdb"
    db.parent.mkdir()
    conn = duckdb.connect(str(db))
    wh._ensure_log(conn)
    latest = wh.all_migrations()[-1]
    for m in wh.all_migrations()[:-1]:  # a warehouse of the previous release
        conn.execute(m.sql)
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                     [m.version, m.name])  # fmt: skip
    conn.close()
    listed = sh(UPGRADE[0], tmp_path)
    assert f"pending {latest.version:04d}_{latest.name}" in listed and "1 pending" in listed
    sh(UPGRADE[1], tmp_path)
    applied = sh(UPGRADE[2], tmp_path)
    assert f"applied {latest.version:04d}_{latest.name}" in applied
    assert sh(UPGRADE[0], tmp_path).strip() == "0 pending"
    with duckdb.connect(str(tmp_path / "backups" / "before-upgrade.duckdb"), read_only=True) as c:
        versions = {r[0] for r in c.execute("SELECT version FROM schema_migrations").fetchall()}
    assert latest.version not in versions  # the backup is the warehouse as it was
