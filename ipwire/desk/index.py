"""The full-text search index: built into each published snapshot, or in memory for old ones.

DuckDB's `fts` extension (from its wheel, never downloaded) keeps a BM25 index over
`articles.title` and `articles.body` in the schema `fts_main_articles`. The index is a picture of
the table when it was built, which is why it is built in the snapshot copy right before the
copy is published: every run refreshes it and a search never waits for a writer.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb

from ipwire.warehouse import extensions

INDEX_SCHEMA = "fts_main_articles"
_CREATE = (
    "PRAGMA create_fts_index('articles', 'article_id', 'title', 'body',"
    " stemmer = 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
)


def _has_table(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = 'main' AND table_name = ?",
            [name],
        ).fetchone()
    )


def has_index(conn: duckdb.DuckDBPyConnection) -> bool:
    """True when the connection's database carries a search index over `articles`."""
    return bool(
        conn.execute(
            "SELECT 1 FROM duckdb_schemas() WHERE database_name = current_database()"
            " AND schema_name = ?",
            [INDEX_SCHEMA],
        ).fetchone()
    )


def build_index(conn: duckdb.DuckDBPyConnection) -> bool:
    """(Re)build the BM25 index over title and body; False when there is no `articles` table."""
    from ipwire.warehouse import extensions

    if not _has_table(conn, "articles"):
        return False
    extensions.load(conn, "fts")
    conn.execute(_CREATE)
    return True


_TABLES = ("dict", "docs", "fields", "stats", "stopwords", "terms")
_SOURCE = "ipwire_source"  # one row: the fingerprint of the articles the index was built from
_MATCH_SIGNATURE = "match_bm25(docname, query_string, fields := NULL, k := 1.2, b := 0.75,"
_MATCH_SIGNATURE += " conjunctive := 0)"


def fingerprint(conn: duckdb.DuckDBPyConnection) -> str:
    """What the index depends on: which articles exist, their text (normalised) and titles."""
    n, digest = conn.execute(
        "SELECT count(*), coalesce(bit_xor(hash(article_id || '|' || content_hash || '|'"
        " || coalesce(title, ''))), 0) FROM articles"
    ).fetchone()
    return f"{n}:{digest}"


def index_copy(path: str | os.PathLike[str], previous: str | os.PathLike[str] | None) -> str:
    """Give the snapshot copy at `path` its index: reused from `previous` (the snapshot being
    replaced) when the articles are unchanged, e.g. after an analyst's correction; else built.

    Returns "reused", "built" or "none" (no articles table).
    """
    with extensions.connect(str(path)) as conn:
        if not _has_table(conn, "articles"):
            return "none"
        mark = fingerprint(conn)
        outcome = "reused" if previous and _reuse(conn, Path(previous), mark) else "built"
        if outcome == "built":
            build_index(conn)
            conn.execute(
                f"CREATE TABLE {INDEX_SCHEMA}.{_SOURCE} AS SELECT ? AS fingerprint", [mark]
            )
        conn.execute("CHECKPOINT")
    return outcome


def _reuse(conn: duckdb.DuckDBPyConnection, previous: Path, mark: str) -> bool:
    """Copy the index of `previous` when it was built from the same articles."""
    if not previous.exists():
        return False
    conn.execute(f"ATTACH '{str(previous).replace(chr(39), chr(39) * 2)}' AS prev (READ_ONLY)")
    began = False
    try:
        row = conn.execute(f"SELECT fingerprint FROM prev.{INDEX_SCHEMA}.{_SOURCE}").fetchone()
        if not row or row[0] != mark:
            return False
        here = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute("BEGIN TRANSACTION")
        began = True
        _copy_index(conn, "prev", here)
        conn.execute("COMMIT")
        return True
    except (duckdb.Error, KeyError):
        if began:
            conn.execute("ROLLBACK")
        return False
    finally:
        conn.execute("DETACH prev")


def _copy_index(conn: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    """Copy the index schema, its fingerprint and its two macros from the attached database
    `source` into `target`: far cheaper than tokenising every text again."""
    macros = dict(
        conn.execute(
            "SELECT function_name, macro_definition FROM duckdb_functions()"
            " WHERE database_name = ? AND schema_name = ?",
            [source, INDEX_SCHEMA],
        ).fetchall()
    )
    conn.execute(f"CREATE SCHEMA {target}.{INDEX_SCHEMA}")
    for table in (*_TABLES, _SOURCE):
        conn.execute(
            f"CREATE TABLE {target}.{INDEX_SCHEMA}.{table}"
            f" AS SELECT * FROM {source}.{INDEX_SCHEMA}.{table}"
        )
    conn.execute(f"CREATE MACRO {target}.{INDEX_SCHEMA}.tokenize(s) AS {macros['tokenize']}")
    conn.execute(
        f"CREATE MACRO {target}.{INDEX_SCHEMA}.{_MATCH_SIGNATURE} AS {macros['match_bm25']}"
    )


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
    if has_index(conn) or not _has_table(conn, "articles"):
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
    if _reuse(conn, cache, mark):
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
        f"CREATE OR REPLACE TABLE {INDEX_SCHEMA}.{_SOURCE} AS SELECT ? AS fingerprint", [mark]
    )
    here = conn.execute("SELECT current_database()").fetchone()[0]
    quoted = str(tmp).replace(chr(39), chr(39) * 2)
    try:
        conn.execute(f"ATTACH '{quoted}' AS cache_out")
        try:
            _copy_index(conn, here, "cache_out")
        finally:
            conn.execute("DETACH cache_out")
        os.replace(tmp, cache)
    except BaseException:
        # a write that failed halfway leaves nothing behind: the old cache, if any, stays
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
