"""One writer at a time, readers never blocked: the writer lock and the read-only snapshot.

DuckDB allows one read-write process or many read-only processes per file, never both. So:

* every writer (the ingest flow) holds `writer_lock(db)`, an OS lock on `<db>.lock`; a second
  ingest started at the same time waits for the first instead of failing or interleaving;
* after each run the writer calls `publish_snapshot(db)`, an atomic read-only copy
  `<stem>.snapshot.duckdb` next to the live file, and readers (`ipwire sql`, `ipwire status`)
  open `reader_path(db)` / `connect_reader(db)`, which is that snapshot whenever the live file is
  busy, so an analyst never meets a lock error and never holds a lock the writer needs.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger("ipwire.snapshot")

SNAPSHOT_SUFFIX = ".snapshot.duckdb"
LOCK_SUFFIX = ".lock"


class WriterBusy(TimeoutError):
    """Another ingest held the writer lock for longer than the caller was willing to wait."""


# --- one writer at a time -----------------------------------------------------------------


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    """`data/ipwire.duckdb` -> `data/ipwire.duckdb.lock`: the file writers lock."""
    p = Path(db_path)
    return p.with_name(p.name + LOCK_SUFFIX)


def snapshot_path(db_path: str | os.PathLike[str]) -> Path:
    """`data/ipwire.duckdb` -> `data/ipwire.snapshot.duckdb`: the copy readers open."""
    p = Path(db_path)
    return p.with_name(p.stem + SNAPSHOT_SUFFIX)


@contextmanager
def writer_lock(
    db_path: str | os.PathLike[str],
    *,
    timeout: float | None = None,
    log_fn: Callable[[str], Any] | None = None,
    poll: float = 0.5,
) -> Iterator[Path]:
    """Hold the warehouse's writer lock (fcntl.flock on `<db>.lock`) for the `with` body.

    A second writer WAITS (logging who holds the lock) until the first releases it, so two
    ingests started together run one after the other and never interleave their batches. The
    lock is released by the kernel if the holder dies, so a crashed run never wedges the next.
    `timeout=None` waits forever; otherwise `WriterBusy` is raised after `timeout` seconds.
    """
    say = log_fn or log.warning
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another ingest is writing to {db_path} ({_holder(path)}); waiting for it")
            started = time.monotonic()
            if timeout is None:
                fcntl.flock(fh, fcntl.LOCK_EX)
            else:
                while True:
                    try:
                        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() - started >= timeout:
                            raise WriterBusy(
                                f"{db_path} still locked by {_holder(path)} after {timeout:.0f}s"
                            ) from None
                        time.sleep(poll)
            say(f"writer lock on {db_path} acquired after {time.monotonic() - started:.1f}s")
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n")
        fh.flush()
        yield path
    finally:
        try:
            fcntl.flock(fh, fcntl.LOCK_UN)
        finally:
            fh.close()


def writer_active(db_path: str | os.PathLike[str]) -> bool:
    """True while some process holds the writer lock (probed with a shared, non-blocking lock)."""
    path = lock_path(db_path)
    if not path.exists():
        return False
    with open(path, encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "unknown holder"


# --- readers never blocked ------------------------------------------------------------------


def publish_snapshot(db_path: str | os.PathLike[str]) -> Path:
    """Publish a read-only copy of the warehouse for readers; returns its path.

    Call it at the end of a run while still holding `writer_lock`: it checkpoints the live file
    (so the copy needs no WAL), copies it to a temporary file in the same folder, fsyncs and
    renames it over `<stem>.snapshot.duckdb`. The rename is atomic, so a reader sees the old
    snapshot or the new one, never half a file; a reader that has the old one open keeps it.
    """
    live = Path(db_path)
    if not live.exists():
        raise FileNotFoundError(f"no warehouse at {live}")
    with duckdb.connect(str(live)) as conn:
        conn.execute("CHECKPOINT")
    target = snapshot_path(live)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(live, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(target.parent)
    return target


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def reader_path(db_path: str | os.PathLike[str]) -> Path:
    """The file a reader should open read-only.

    The snapshot when it exists and either is fresh (no older than the live file) or a writer
    is busy; otherwise the live file (no snapshot yet, or a stale one and nobody writing, e.g.
    after an ingest that did not publish). Reading the snapshot also keeps analysts from holding
    the read lock that would make the nightly writer fail.
    """
    live = Path(db_path)
    snap = snapshot_path(live)
    if not snap.exists():
        return live
    if not live.exists() or writer_active(live):
        return snap
    if snap.stat().st_mtime >= live.stat().st_mtime:
        return snap
    return live


def connect_reader(
    db_path: str | os.PathLike[str], *, wait: float = 30.0, poll: float = 0.5
) -> duckdb.DuckDBPyConnection:
    """A read-only connection on `reader_path(db_path)` that rides out a writer's lock.

    If the live file was chosen and a writer opened it meanwhile, the snapshot is used when it
    exists; without one (the very first run is still writing) it retries for `wait` seconds.
    """
    live = Path(db_path)
    deadline = time.monotonic() + wait
    while True:
        path = reader_path(live)
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {live}: run `ipwire ingest` first")
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            snap = snapshot_path(live)
            if path != snap and snap.exists():
                return duckdb.connect(str(snap), read_only=True)
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"{live} is being written and has no snapshot yet (first run?): {exc}"
                ) from exc
            time.sleep(poll)
