"""One writer at a time, readers never blocked: the writer lock and the read-only snapshot.

DuckDB allows one read-write process or many read-only processes per file, never both. So:

* every writer (the ingest flow) holds `writer_lock(db)`, an OS lock on `<db>.lock`; a second
  ingest started at the same time waits for the first instead of failing or interleaving;
* after each run the writer calls `publish_snapshot(db)`, an atomic copy `<stem>.snapshot.duckdb`
  next to the live file, with the full-text search index built into the copy (or carried over
  from the previous snapshot when no article changed, e.g. after an analyst's correction);
* readers (`sql`, `status`, `search`, `show`, `report`) call `connect_reader(db)`: it opens the
  snapshot only, never the live file, so a reader can never hold a lock that makes the writer
  fail. When there is no snapshot, or it is older than the live file, and nobody writes, the
  reader publishes one itself under the writer lock (a run starting meanwhile waits for that
  copy and its index, as it would for another run); while the first run is still writing, it
  waits for that run's snapshot and then says so.
* the reader's connection is contained: it cannot write, attach, read or write files outside the
  warehouse, install or load extensions from the network, or change its own settings.

A DuckLake warehouse (`ducklake:postgres:…`) needs none of the file's machinery: DuckLake lets
many writers commit at once and readers see the last commit, so there the writer lock is not
taken, no snapshot is published, and readers attach the lake read-only (still contained).
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

from ipwire.warehouse import extensions
from ipwire.warehouse.db import is_lake

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
) -> Iterator[Path | None]:
    """Hold the warehouse's writer lock (fcntl.flock on `<db>.lock`) for the `with` body.

    A second writer WAITS (logging who holds the lock) until the first releases it, so two
    ingests started together run one after the other and never interleave their batches. The
    lock is released by the kernel if the holder dies, so a crashed run never wedges the next.
    `timeout=None` waits forever; otherwise `WriterBusy` is raised after `timeout` seconds.
    """
    if is_lake(db_path):  # DuckLake serialises conflicting commits itself
        yield None
        return
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
    if is_lake(db_path):
        return False
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

DUCKDB_MAGIC = b"DUCK"  # bytes 8..11 of every DuckDB database file
READER_EXTENSIONS = ("fts",)  # loaded from their wheels before the connection is locked


class NoWarehouse(FileNotFoundError):
    """There is no usable warehouse at the path: missing, empty, or not a DuckDB file."""


class WarehouseBusy(RuntimeError):
    """The first run is still writing and no snapshot exists yet (or another program holds it)."""


class WarehouseUnreadable(RuntimeError):
    """A DuckDB file that DuckDB cannot open (damaged, or written by a newer DuckDB)."""


def check_warehouse_file(path: str | os.PathLike[str]) -> None:
    """Raise `NoWarehouse` at once, naming what is wrong, unless `path` looks like a DuckDB file.

    Opening an empty file read-write would silently make a new database of it, and opening a
    foreign file gives a long DuckDB message; the header says it in microseconds.
    """
    p = Path(path)
    if not p.exists():
        raise NoWarehouse(f"no warehouse at {p}: run `ipwire ingest` first")
    if p.is_dir():
        raise NoWarehouse(f"{p} is a folder, not a warehouse file")
    try:
        with open(p, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise NoWarehouse(f"cannot read the warehouse {p}: {exc.strerror or exc}") from exc
    if not head:
        raise NoWarehouse(f"{p} is an empty file (0 bytes), not a DuckDB warehouse")
    if head[8:12] != DUCKDB_MAGIC:
        raise NoWarehouse(f"{p} is not a DuckDB file (its first bytes are {head[:8]!r})")


def publish_snapshot(db_path: str | os.PathLike[str]) -> Path | None:
    """Publish a read-only copy of the warehouse for readers; returns its path.

    Call it while holding `writer_lock`: it checkpoints the live file (so the copy needs no
    WAL), copies it to a temporary file in the same folder, builds the search index in that
    copy (the live file is never touched by it), fsyncs and renames it over
    `<stem>.snapshot.duckdb`. The rename is atomic, so a reader sees the old snapshot or the new
    one, never half a file; a reader that has the old one open keeps it. A lake has no
    snapshot (readers see its last commit): None.
    """
    if is_lake(db_path):
        return None
    live = Path(db_path)
    if not live.exists():
        raise FileNotFoundError(f"no warehouse at {live}")
    with extensions.connect(str(live)) as conn:
        conn.execute("CHECKPOINT")
    target = snapshot_path(live)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(live, tmp)
        _index_copy(tmp, target)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    _fsync_dir(target.parent)
    return target


def _index_copy(path: Path, previous: Path) -> None:
    """Give the copy its full-text index (reused from the previous snapshot when the articles
    did not change); a failure leaves a snapshot without one, which search can live with."""
    from ipwire.warehouse.search_index import index_copy

    try:
        outcome = index_copy(path, previous)
        log.info("search index of %s: %s", path.name, outcome)
    except Exception as exc:  # search falls back to an in-memory index; the copy stays good
        log.warning("search index not built in the snapshot of %s: %s", path, exc)


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


def _fresh(snap: Path, live: Path) -> bool:
    return snap.stat().st_mtime >= live.stat().st_mtime


def reader_path(db_path: str | os.PathLike[str]) -> Path:
    """The freshest readable file: the snapshot when it is fresh or a writer is busy, else live.

    Informational (e.g. for `status`); `connect_reader` never opens the live file itself.
    """
    live = Path(db_path)
    snap = snapshot_path(live)
    if not snap.exists():
        return live
    if not live.exists() or writer_active(live) or _fresh(snap, live):
        return snap
    return live


def ensure_snapshot(
    db_path: str | os.PathLike[str], *, wait: float = 30.0, poll: float = 0.5
) -> Path:
    """The snapshot readers should open, published first when missing or stale and nobody writes.

    Publishing takes the writer lock without waiting, so it can never collide with a run: if a
    run holds the lock, the existing snapshot is used; with none yet (the first run is still
    writing) this waits up to `wait` seconds for the run to publish, then raises
    `WarehouseBusy`. A missing, empty or foreign file raises `NoWarehouse` at once.
    """
    live = Path(db_path)
    snap = snapshot_path(live)
    deadline = time.monotonic() + wait
    while True:
        if snap.exists() and (not live.exists() or writer_active(live) or _fresh(snap, live)):
            return snap
        if not live.exists() and not snap.exists():
            raise NoWarehouse(f"no warehouse at {live}: run `ipwire ingest` first")
        check_warehouse_file(live)
        try:
            with writer_lock(live, timeout=0, log_fn=lambda _m: None):
                return publish_snapshot(live)
        except WriterBusy:
            why = f"a run is writing it ({_holder(lock_path(live))})"
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):  # damaged, not busy
                raise WarehouseUnreadable(f"{live} cannot be opened: {_first_line(exc)}") from exc
            why = f"another process holds it open ({_first_line(exc)})"  # not through ipwire
        except OSError as exc:  # e.g. no write access to the folder
            if snap.exists():
                return snap
            raise WarehouseBusy(
                f"{live} has no snapshot and none can be published ({exc}): "
                "ask whoever runs the ingest to run it once"
            ) from exc
        except duckdb.Error as exc:
            raise WarehouseUnreadable(f"{live} cannot be opened: {_first_line(exc)}") from exc
        if snap.exists():
            return snap  # stale but consistent: better than waiting on a run
        if time.monotonic() >= deadline:
            raise WarehouseBusy(f"{live} has no snapshot yet and {why}; try again when it finishes")
        time.sleep(poll)


def harden(
    conn: duckdb.DuckDBPyConnection,
    extensions: tuple[str, ...] = READER_EXTENSIONS,
    allowed: tuple[str, ...] = (),
) -> None:
    """Contain a reader's connection: no files outside the database, no network, no settings.

    Needed extensions are loaded from their wheels first; then external access (COPY TO,
    ATTACH, read_csv/read_text/glob, http:// paths, INSTALL/LOAD) is switched off, automatic
    extension installs and loads too, and the configuration is locked so no query can undo it.
    `allowed` folders stay readable (a lake's data path, where its Parquet files are).
    """
    from ipwire.warehouse import extensions as ext

    ext.load(conn, *extensions)
    if allowed:
        conn.execute("SET allowed_directories = ?", [list(allowed)])
    for setting in (
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        "SET allow_community_extensions = false",
        "SET enable_external_access = false",
        "SET lock_configuration = true",
    ):
        conn.execute(setting)


def connect_reader(
    db_path: str | os.PathLike[str], *, wait: float = 30.0, poll: float = 0.5
) -> duckdb.DuckDBPyConnection:
    """A contained, read-only connection on the published snapshot (see `ensure_snapshot`), or
    on a lake's last commit."""
    if is_lake(db_path):
        return _connect_lake_reader(str(db_path))
    path = ensure_snapshot(db_path, wait=wait, poll=poll)
    try:
        conn = extensions.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if _is_lock_conflict(exc):
            raise WarehouseBusy(f"{path} cannot be opened right now: {_first_line(exc)}") from exc
        raise WarehouseUnreadable(f"{path} cannot be opened: {_first_line(exc)}") from exc
    except duckdb.Error as exc:
        raise WarehouseUnreadable(f"{path} cannot be opened: {_first_line(exc)}") from exc
    try:
        current_views(conn)
        harden(conn)
    except Exception:
        conn.close()
        raise
    return conn


def _connect_lake_reader(address: str) -> duckdb.DuckDBPyConnection:
    """The lake attached read-only, views current, contained like a snapshot reader."""
    from ipwire.warehouse import lake

    try:
        conn = lake.connect_lake(address, read_only=True)
    except lake.LakeError as exc:
        if "creating a new DuckLake is explicitly disabled" in str(exc):  # no lake made yet
            where = lake.parse_address(address)
            raise NoWarehouse(f"no warehouse in {where}: run `ipwire ingest` first") from exc
        raise WarehouseUnreadable(str(exc)) from exc
    try:
        if not conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
            " AND table_name = 'articles'"
        ).fetchone()[0]:
            raise NoWarehouse(
                f"no warehouse in {lake.parse_address(address)}: run `ipwire ingest` first"
            )
        current_views(conn)
        harden(conn, allowed=lake_folders(conn))
    except Exception:
        conn.close()
        raise
    return conn


def lake_folders(conn: duckdb.DuckDBPyConnection, alias: str = "lake") -> tuple[str, ...]:
    """The data path of the lake attached as `alias`, for `harden(allowed=…)`."""
    from ipwire.warehouse import lake

    path = lake.data_path_of(conn, alias)
    return (path,) if path else ()


def current_views(conn: duckdb.DuckDBPyConnection) -> None:
    """Shadow the snapshot's views with this version's definitions, as temporary views.

    A snapshot published by an older ipwire (or before the first run after an upgrade) still
    answers queries that use new views or columns; a view whose tables are missing is skipped.
    """
    from ipwire.warehouse import db as wh

    for path in sorted(wh.VIEWS_DIR.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        temp = text.replace("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMP VIEW", 1)
        try:
            conn.execute(temp)
        except duckdb.Error as exc:
            log.debug("view %s not available on this snapshot: %s", path.name, exc)


def _is_lock_conflict(exc: BaseException) -> bool:
    """DuckDB reports both a held file lock and a damaged file as IOException."""
    text = str(exc).lower()
    return "could not set lock" in text or "conflicting lock" in text


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
