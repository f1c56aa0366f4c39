"""The numbered migrations translated for DuckLake (no keys, indexes or sequences), applied
in one transaction, and the views recreated only when their file changes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb

from ipwire.warehouse import db as wh
from ipwire.warehouse.lake.address import CLAIMS_TABLE, SEQUENCES_TABLE, LakeError, _quote
from ipwire.warehouse.lake.connect import claim, ensure_claims, run_batch

# --- schema: the numbered migrations, translated ----------------------------------------------

LOG_SQL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
    " name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(\"[^\"]+\"|\w+)", re.I)
_CREATE_INDEX = re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\b", re.I)
_CREATE_SEQUENCE = re.compile(
    r"^\s*CREATE\s+SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)(?:.*?\bSTART\s+(?:WITH\s+)?(-?\d+))?",
    re.I | re.S,
)
_KEY_CONSTRAINT = re.compile(r"^\s*(PRIMARY\s+KEY|UNIQUE)\s*\(([^)]*)\)\s*$", re.I | re.S)
_COLUMN_PK = re.compile(r"\s+PRIMARY\s+KEY\b", re.I)
_COLUMN_UNIQUE = re.compile(r"\s+UNIQUE\b", re.I)
_NEXTVAL_DEFAULT = re.compile(r"\s+DEFAULT\s+nextval\(\s*'(\w+)'\s*\)", re.I)


@dataclass(frozen=True)
class Translation:
    """A migration as DuckLake can run it, and what had to change on the way."""

    statements: tuple[str, ...]
    notes: tuple[str, ...]  # one line per statement dropped or changed
    keys: dict[str, tuple[str, ...]]  # table -> key columns the lake cannot enforce
    sequence_defaults: dict[tuple[str, str], str]  # (table, column) -> sequence it drew from


def strip_comments(sql: str) -> str:
    """SQL without `--` comments (quotes respected)."""
    out, quote, i = [], "", 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _split_top(body: str) -> list[str]:
    """Split a column list at commas outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(body):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return [p.strip() for p in parts if p.strip()]


def _translate_table(stmt: str, m: re.Match, out: dict) -> str:
    table = m.group(2).strip('"')
    open_at, close_at = stmt.index("(", m.end()), stmt.rindex(")")
    kept = []
    for part in _split_top(stmt[open_at + 1 : close_at]):
        key = _KEY_CONSTRAINT.match(part)
        if key:
            cols = tuple(c.strip().strip('"') for c in key.group(2).split(","))
            out["keys"][table] = cols
            out["notes"].append(
                f"{table}: {' '.join(key.group(1).split())} ({', '.join(cols)}) dropped"
            )
            continue
        column = part.split()[0].strip('"')
        if _COLUMN_PK.search(part):
            has_not_null = re.search(r"\bNOT\s+NULL\b", part, re.I)
            part = _COLUMN_PK.sub("" if has_not_null else " NOT NULL", part)
            out["keys"][table] = (column,)
            out["notes"].append(f"{table}.{column}: PRIMARY KEY -> NOT NULL")
        if _COLUMN_UNIQUE.search(part):
            part = _COLUMN_UNIQUE.sub("", part)
            out["keys"].setdefault(table, (column,))
            out["notes"].append(f"{table}.{column}: UNIQUE dropped")
        seq = _NEXTVAL_DEFAULT.search(part)
        if seq:
            part = _NEXTVAL_DEFAULT.sub("", part)
            out["sequence_defaults"][(table, column)] = seq.group(1)
            out["notes"].append(
                f"{table}.{column}: DEFAULT nextval('{seq.group(1)}') dropped "
                f"(writers draw from {SEQUENCES_TABLE})"
            )
        kept.append(part)
    return stmt[: open_at + 1] + "\n    " + ",\n    ".join(kept) + "\n" + stmt[close_at:]


@lru_cache(maxsize=64)
def translate(sql: str) -> Translation:
    """The statements of a migration rewritten for DuckLake (column types kept as they are)."""
    out: dict = {"notes": [], "keys": {}, "sequence_defaults": {}}
    statements = []
    splitter = duckdb.connect()
    try:
        parsed = [s.query for s in splitter.extract_statements(strip_comments(sql))]
    finally:
        splitter.close()
    for stmt in (s.strip() for s in parsed):
        if not stmt:
            continue
        head = " ".join(stmt.split())[:80]
        if _CREATE_INDEX.match(stmt):
            out["notes"].append(f"dropped: {head} (DuckLake has no indexes)")
        elif seq := _CREATE_SEQUENCE.match(stmt):
            name, start = seq.group(1), int(seq.group(2) or 1)
            statements.append(
                f"INSERT INTO {SEQUENCES_TABLE} SELECT {_quote(name)}, {start - 1} WHERE NOT EXISTS"
                f" (SELECT 1 FROM {SEQUENCES_TABLE} WHERE name = {_quote(name)})"
            )
            out["notes"].append(f"sequence {name} -> a row of {SEQUENCES_TABLE}")
        elif table := _CREATE_TABLE.match(stmt):
            statements.append(_translate_table(stmt, table, out))
        else:
            statements.append(stmt)
    return Translation(
        tuple(statements), tuple(out["notes"]), out["keys"], out["sequence_defaults"]
    )


def table_keys() -> dict[str, tuple[str, ...]]:
    """Every table's key as the migrations declare it (what a `.duckdb` file enforces)."""
    keys = dict(translate(LOG_SQL).keys)
    for m in wh.all_migrations():
        keys.update(translate(m.sql).keys)
    return keys


def _ensure_helpers(conn: duckdb.DuckDBPyConnection) -> None:
    for stmt in translate(LOG_SQL).statements:
        conn.execute(stmt)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {SEQUENCES_TABLE}"
        " (name VARCHAR NOT NULL, value BIGINT NOT NULL)"
    )
    ensure_claims(conn, ["schema", *table_keys()])


def _tables(conn: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    """Tables of the main schema of `catalog` (default: the current database)."""
    rows = conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name ="
        " coalesce(?, current_database()) AND schema_name = 'main' ORDER BY table_name",
        [catalog],
    ).fetchall()
    return [r[0] for r in rows]


def _helpers_ready(conn: duckdb.DuckDBPyConnection) -> bool:
    tables = set(_tables(conn))
    if not {"schema_migrations", SEQUENCES_TABLE, CLAIMS_TABLE} <= tables:
        return False
    have = {r[0] for r in conn.execute(f"SELECT name FROM {CLAIMS_TABLE}").fetchall()}
    return {"schema", *table_keys()} <= have


def applied_versions(conn: duckdb.DuckDBPyConnection) -> set[int]:
    """Versions recorded in the lake's `schema_migrations` (empty on a new lake)."""
    if "schema_migrations" not in _tables(conn):
        return set()
    return {r[0] for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}


def pending(conn: duckdb.DuckDBPyConnection) -> list[wh.Migration]:
    done = applied_versions(conn)
    return [m for m in wh.all_migrations() if m.version not in done]


def migrate(conn: duckdb.DuckDBPyConnection) -> list[wh.Migration]:
    """Apply pending migrations to the lake, translated, with their rows in
    `schema_migrations`, and (re)create the views that changed: all in ONE transaction (each
    lake commit costs catalog round trips; all-or-nothing keeps each migration atomic with
    its row). Nothing to do commits nothing. Safe from several processes at once: the loser
    of a race is run again and finds the work done."""
    if _helpers_ready(conn) and not pending(conn) and not _stale_views(conn):
        return []

    def apply(c: duckdb.DuckDBPyConnection) -> list[wh.Migration]:
        if _helpers_ready(c):
            claim(c, ["schema"])  # a lake made earlier: serialise with other migrators
        else:
            _ensure_helpers(c)  # a new lake: two creators conflict on the tables' names
        todo = pending(c)
        for m in todo:
            for stmt in translate(m.sql).statements:
                c.execute(stmt)
            c.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [m.version, m.name]
            )
        _make_views(c, _stale_views(c, force=bool(todo)))
        return todo

    return run_batch(conn, apply)


def _view_tag(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    name = re.search(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\w+)", text, re.I)
    if not name:
        raise LakeError(f"{path.name} creates no view")
    return name.group(1), "ipwire:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _stale_views(
    conn: duckdb.DuckDBPyConnection, *, force: bool = False
) -> list[tuple[Path, str, str]]:
    """Views of warehouse/views whose file changed since they were made: the file's hash is
    kept as the view's comment, so idle writers do not recreate (and contend on) views."""
    current = dict(
        conn.execute(
            "SELECT view_name, comment FROM duckdb_views()"
            " WHERE database_name = current_database() AND NOT internal"
        ).fetchall()
    )
    tagged = [(p, *_view_tag(p)) for p in sorted(wh.VIEWS_DIR.glob("*.sql"))]
    return [(p, name, tag) for p, name, tag in tagged if force or current.get(name) != tag]


def _make_views(conn: duckdb.DuckDBPyConnection, views: list[tuple[Path, str, str]]) -> None:
    for path, name, tag in views:
        conn.execute(path.read_text(encoding="utf-8"))
        conn.execute(f"COMMENT ON VIEW {name} IS {_quote(tag)}")


def duplicate_keys(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Tables holding key values more than once, with how many such values (empty = none):
    the check a primary key would have made on every insert."""
    tables = set(_tables(conn))
    found = {}
    for table, cols in table_keys().items():
        if table not in tables:
            continue
        key = ", ".join(f'"{c}"' for c in cols)
        row = conn.execute(
            f'SELECT count(*) FROM (SELECT {key} FROM "{table}" GROUP BY ALL HAVING count(*) > 1)'
        ).fetchone()
        if row and row[0]:
            found[table] = row[0]
    return found
