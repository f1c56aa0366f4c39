"""The full-text search index over `articles`, as the warehouse keeps it: built into each
published snapshot copy (or reused from the snapshot it replaces when the articles did not
change), and copied between databases.

DuckDB's `fts` extension (from its wheel, never downloaded) keeps a BM25 index over
`articles.title` and `articles.body` in the schema `fts_main_articles`. The index is a picture of
the table when it was built, which is why it is built in the snapshot copy right before the
copy is published: every run refreshes it and a search never waits for a writer. Reading it is
the desk's (`ipwire.desk.index`).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ipwire.warehouse import extensions

INDEX_SCHEMA = "fts_main_articles"
_CREATE = (
    "PRAGMA create_fts_index('articles', 'article_id', 'title', 'body',"
    " stemmer = 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
)


def has_table(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the connection's own database has the table `name` in its main schema."""
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
    if not has_table(conn, "articles"):
        return False
    extensions.load(conn, "fts")
    conn.execute(_CREATE)
    return True


_TABLES = ("dict", "docs", "fields", "stats", "stopwords", "terms")
SOURCE_TABLE = "ipwire_source"  # one row: the fingerprint of the articles the index was built from
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
        if not has_table(conn, "articles"):
            return "none"
        mark = fingerprint(conn)
        outcome = "reused" if previous and reuse_index(conn, Path(previous), mark) else "built"
        if outcome == "built":
            build_index(conn)
            conn.execute(
                f"CREATE TABLE {INDEX_SCHEMA}.{SOURCE_TABLE} AS SELECT ? AS fingerprint", [mark]
            )
        conn.execute("CHECKPOINT")
    return outcome


def reuse_index(conn: duckdb.DuckDBPyConnection, previous: Path, mark: str) -> bool:
    """Copy the index of `previous` when it was built from the same articles."""
    if not previous.exists():
        return False
    conn.execute(f"ATTACH '{str(previous).replace(chr(39), chr(39) * 2)}' AS prev (READ_ONLY)")
    began = False
    try:
        row = conn.execute(f"SELECT fingerprint FROM prev.{INDEX_SCHEMA}.{SOURCE_TABLE}").fetchone()
        if not row or row[0] != mark:
            return False
        here = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute("BEGIN TRANSACTION")
        began = True
        copy_index(conn, "prev", here)
        conn.execute("COMMIT")
        return True
    except (duckdb.Error, KeyError):
        if began:
            conn.execute("ROLLBACK")
        return False
    finally:
        conn.execute("DETACH prev")


def copy_index(conn: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
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
    for table in (*_TABLES, SOURCE_TABLE):
        conn.execute(
            f"CREATE TABLE {target}.{INDEX_SCHEMA}.{table}"
            f" AS SELECT * FROM {source}.{INDEX_SCHEMA}.{table}"
        )
    conn.execute(f"CREATE MACRO {target}.{INDEX_SCHEMA}.tokenize(s) AS {macros['tokenize']}")
    conn.execute(
        f"CREATE MACRO {target}.{INDEX_SCHEMA}.{_MATCH_SIGNATURE} AS {macros['match_bm25']}"
    )
