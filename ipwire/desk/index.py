"""Search connections: the published snapshot's full-text index, or one built in memory for
a snapshot published before the index existed and for a lake (whose index is cached on this
machine). The index itself, and how a snapshot copy gets it, is the warehouse's
(`ipwire.warehouse.search_index`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb

from ipwire.warehouse import extensions
from ipwire.warehouse.search_index import (
    INDEX_SCHEMA,
    SOURCE_TABLE,
    build_index,
    copy_index,
    fingerprint,
    has_index,
    has_table,
    reuse_index,
)

__all__ = ["build_index", "has_index", "lake_cache_path", "open_search"]


def open_search(db_path: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """A contained reader connection on the snapshot that can run BM25 queries.

    A snapshot published before the index existed gets one built in memory (the snapshot is
    attached read-only and its articles copied), so an old warehouse still answers.
    A DuckLake cannot hold the index's tables, so a search there reads the lake's last commit
    into memory and takes the index from a local cache file when it was built from the same
    articles (see :func:`lake_cache_path`), else builds it and refreshes the cache.
    """
    from ipwire import snapshot

    conn = snapshot.connect_reader(db_path)
    if has_index(conn) or not has_table(conn, "articles"):
        return conn
    conn.close()
    from ipwire.warehouse.db import is_lake

    if is_lake(db_path):
        return _in_memory(db_path)
    return _in_memory(snapshot.ensure_snapshot(db_path))


def _in_memory(source: Path | str) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the articles copied from `source` (a snapshot file, or a
    lake address) and indexed, the other tables and views reachable, contained."""
    from ipwire import snapshot

    conn = extensions.connect()
    try:
        if isinstance(source, str):
            from ipwire.warehouse import lake

            lake.attach(conn, lake.parse_address(source), "wh", read_only=True)
        else:
            quoted = str(source).replace(chr(39), chr(39) * 2)
            conn.execute(f"ATTACH '{quoted}' AS wh (READ_ONLY)")
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_catalog = 'wh' AND table_schema = 'main'"
        ).fetchall()
        for (name,) in rows:
            quoted = '"' + name.replace('"', '""') + '"'
            if name == "articles":
                conn.execute("CREATE TABLE articles AS SELECT * FROM wh.main.articles")
            else:
                conn.execute(f"CREATE VIEW {quoted} AS SELECT * FROM wh.main.{quoted}")
        if isinstance(source, str):
            _index_from_cache(conn, lake_cache_path(source))
        else:
            build_index(conn)
        snapshot.harden(conn, allowed=snapshot.lake_folders(conn, "wh"))
    except Exception:
        conn.close()
        raise
    return conn


def lake_cache_path(address: str) -> Path:
    """Where the search index of the lake at ``address`` is cached on this machine:
    ``$IPWIRE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ipwire``, else ``~/.cache/ipwire``; one
    file per lake address."""
    folder = os.environ.get("IPWIRE_CACHE_DIR")
    if not folder:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = str(Path(xdg) / "ipwire")
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:16]
    return Path(folder) / f"search-{digest}.duckdb"


def _index_from_cache(conn: duckdb.DuckDBPyConnection, cache: Path) -> str:
    """Give the in-memory copy of a lake's articles its index: copied from ``cache`` when the
    articles are unchanged since it was built (copying tables is far cheaper than tokenising
    every text), else built, and the cache replaced. Returns "reused" or "built".

    A cache that cannot be read or written costs only the speed: the index is built."""
    mark = fingerprint(conn)
    if reuse_index(conn, cache, mark):
        return "reused"
    build_index(conn)
    try:
        _save_index(conn, cache, mark)
    except (OSError, duckdb.Error):
        pass
    return "built"


def _save_index(conn: duckdb.DuckDBPyConnection, cache: Path, mark: str) -> None:
    """Write the connection's index, with the fingerprint `mark`, to ``cache``, whole: a
    temporary file renamed over the old one, so a reader never opens half a cache."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    conn.execute(
        f"CREATE OR REPLACE TABLE {INDEX_SCHEMA}.{SOURCE_TABLE} AS SELECT ? AS fingerprint", [mark]
    )
    here = conn.execute("SELECT current_database()").fetchone()[0]
    quoted = str(tmp).replace(chr(39), chr(39) * 2)
    try:
        conn.execute(f"ATTACH '{quoted}' AS cache_out")
        try:
            copy_index(conn, here, "cache_out")
        finally:
            conn.execute("DETACH cache_out")
        os.replace(tmp, cache)
    except BaseException:
        # a write that failed halfway leaves nothing behind: the old cache, if any, stays
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
