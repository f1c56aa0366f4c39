"""Run rows tell the truth: a killed run is marked crashed by the next one, a run whose
snapshot could not be published is failed in its row too, and a full disk says so."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from webserver import LocalSite
from werkzeug import Request, Response

from ipwire.flows.ingest import RunFailed, ingest

pytestmark = pytest.mark.usefixtures("prefect_harness")

IPWIRE = Path(sys.executable).with_name("ipwire")
TEXT = (
    "Officials of India and Pakistan met in Lahore on Monday to discuss the Indus Waters "
    "Treaty, and said the talks would go on next month in New Delhi.\n\n"
    "The treaty has been a matter between the two countries for decades, and both foreign "
    "offices issued statements after the meeting ended without an agreement on the dams."
)


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(query).fetchall()


def inbox_with(tmp_path: Path, name: str, body: str = TEXT) -> Path:
    inbox = tmp_path / f"inbox-{name}"
    inbox.mkdir()
    (inbox / f"{name}.txt").write_text(body, encoding="utf-8")
    return inbox


@pytest.mark.slow  # a real `ipwire ingest` starts its own Prefect API (~20-40 s); run by default
def test_a_killed_ingest_is_marked_crashed_by_the_next_run(tmp_path: Path, db_file: Path):
    asked, release = threading.Event(), threading.Event()

    def hold(_: Request) -> Response:
        asked.set()
        release.wait(60)
        return Response(b"<html></html>", content_type="text/html")

    with LocalSite() as site:
        site.serve_robots("User-agent: *\n")
        site.server.expect_request("/slow.html").respond_with_handler(hold)
        cfg = tmp_path / "ipwire.toml"
        cfg.write_text('[http]\nallow_hosts = ["127.0.0.1"]\nretries = 0\nread_timeout_s = 90.0\n')
        env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
        env.pop("PREFECT_API_URL", None)
        proc = subprocess.Popen(
            [str(IPWIRE), "--quiet", "ingest", site.url("/slow.html"), "--db", str(db_file),
             "--config", str(cfg)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 90
            while not asked.wait(0.1):  # the run's row is open, the fetch under way
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "the ingest never fetched the page"
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            release.set()
    assert proc.returncode == -signal.SIGKILL

    summary = ingest(sources=[str(inbox_with(tmp_path, "after"))], db=str(db_file))

    runs = dict(rows(db_file, "SELECT run_id, status FROM ingest_runs"))
    assert runs.pop(summary.run_id) == "completed"
    ((killed_status,),) = [(s,) for s in runs.values()]
    assert killed_status == "crashed"
    ((pid, host, note, finished),) = rows(
        db_file, "SELECT pid, host, note, finished_at FROM ingest_runs WHERE status = 'crashed'"
    )
    assert pid == proc.pid and host == socket.gethostname()
    assert f"process {pid}" in note and "gone" in note
    assert finished is not None


def test_a_run_records_its_process(tmp_path: Path, db_file: Path):
    summary = ingest(sources=[str(inbox_with(tmp_path, "one"))], db=str(db_file))
    assert rows(
        db_file, f"SELECT pid, host FROM ingest_runs WHERE run_id = '{summary.run_id}'"
    ) == [(os.getpid(), socket.gethostname())]


def test_a_snapshot_that_cannot_be_published_fails_the_run_and_its_row(
    tmp_path: Path, db_file: Path, monkeypatch
):
    from ipwire import snapshot

    def full_disk(db: str) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(db) + ".snapshot.tmp")

    monkeypatch.setattr(snapshot, "publish_snapshot", full_disk)
    with pytest.raises(RunFailed) as failed:
        ingest(sources=[str(inbox_with(tmp_path, "snap"))], db=str(db_file))
    summary = failed.value.summary
    assert summary.status == "failed"
    assert "disk full" in summary.note and "snapshot" in summary.note
    assert rows(db_file, "SELECT status, note FROM ingest_runs") == [("failed", summary.note)]
    assert rows(db_file, "SELECT count(*) FROM articles") == [(1,)]  # the work itself is kept


def test_a_full_disk_during_load_names_the_cause_and_stores_no_half_batch(
    tmp_path: Path, db_file: Path, monkeypatch
):
    from ipwire.tasks import dedup

    real = dedup.persist

    def disk_full_at_commit(conn, articles, settings):
        real(conn, articles, settings)
        # what DuckDB does when its write fails: the transaction is aborted under us
        conn.execute("ROLLBACK")
        raise duckdb.IOException('Could not write file "wh.duckdb.wal": No space left on device')

    ingest(sources=[str(inbox_with(tmp_path, "before"))], db=str(db_file))
    monkeypatch.setattr(dedup, "persist", disk_full_at_commit)
    other = TEXT.replace("Lahore", "Karachi").replace("Monday", "Friday")
    with pytest.raises(RunFailed) as failed:
        ingest(sources=[str(inbox_with(tmp_path, "full", other))], db=str(db_file))
    note = failed.value.summary.note
    assert note.startswith("disk full: no space left on device")
    assert "no transaction is active" not in note
    assert rows(db_file, "SELECT status FROM ingest_runs ORDER BY started_at") == [
        ("completed",),
        ("failed",),
    ]
    # the failed batch left nothing behind: not its article, not its raw input
    assert rows(db_file, "SELECT count(*) FROM articles") == [(1,)]
    assert rows(
        db_file, "SELECT count(*) FROM raw_documents WHERE source_ref LIKE '%inbox-full%'"
    ) == [(0,)]


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 12 MB tmpfs, where the machine lets us mount one (root, as here and in CI)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk_names_the_cause_and_leaves_no_half_batch(tiny_disk: Path):
    from ipwire.tasks import load
    from ipwire.tasks.sources import make_raw
    from ipwire.warehouse import db as wh

    at = "2026-11-20T08:00:00+00:00"
    raws = [
        make_raw("file", f"/inbox/{i}.txt", at, "text/plain", os.urandom(1_000_000))
        for i in range(20)
    ]
    db = tiny_disk / "wh.duckdb"
    with wh.connect(db) as conn:
        with pytest.raises(duckdb.Error) as failed:
            load.load_batch(conn, "run", raws, [], [], at)
        assert "No space left on device" in str(failed.value)  # the cause, not the rollback
        note = load.failure_note(failed.value, str(db))
        assert note.startswith(f"disk full: no space left on device writing {db}")
        assert conn.execute("SELECT count(*) FROM raw_documents").fetchone() == (0,)
