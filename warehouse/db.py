"""Connections, numbered migrations and views for the DuckDB warehouse.

Migrations are the files `warehouse/migrations/NNNN_name.sql`, applied in order, each in one
transaction together with its row in `schema_migrations`, so applying them again does nothing.
Views live one per file in `warehouse/views/` and are recreated after migrating.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ipwire.warehouse import extensions


def _remember_missing_pandas() -> None:
    """DuckDB's Python binding tries `import pandas` for every parameter it converts; when
    pandas is not installed each failed import rescans sys.path (about 0.1 ms, ten times a
    row). Recording the absence once in sys.modules makes the failure instant; when pandas is
    installed nothing changes."""
    import importlib.util
    import sys

    if "pandas" not in sys.modules and importlib.util.find_spec("pandas") is None:
        sys.modules["pandas"] = None  # type: ignore[assignment]


_remember_missing_pandas()

HERE = Path(__file__).resolve().parent
MIGRATIONS_DIR = HERE / "migrations"
VIEWS_DIR = HERE / "views"
QUERIES_DIR = HERE / "queries"
DEFAULT_DB = Path("data") / "ipwire.duckdb"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def is_lake(target: object) -> bool:
    """True for a DuckLake address (`ducklake:postgres:…`), False for a warehouse file."""
    return isinstance(target, str) and target.startswith("ducklake:")


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path | str:
    """The warehouse: an explicit path or address, else IPWIRE_DB, else data/ipwire.duckdb.

    A DuckLake address comes back as the string it is (a Path would fold its slashes)."""
    value = explicit or os.environ.get("IPWIRE_DB") or DEFAULT_DB
    return value if is_lake(value) else Path(value)


_MIGRATED_LAKES: set[str] = set()  # lakes this process has brought to the newest schema


def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    migrate_schema: bool = True,
    data_path: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writer's connection is migrated to the newest schema first.

    On a DuckLake address the connection is an in-memory DuckDB with the lake attached and in
    use; `data_path` is needed only when the lake is made (the catalog remembers it)."""
    p = db_path(path)
    if isinstance(p, str):
        return _connect_lake(p, read_only=read_only, migrate_schema=migrate_schema, data=data_path)
    if read_only:
        if not p.exists():
            raise FileNotFoundError(f"no warehouse at {p}: run `ipwire ingest` first")
        return extensions.connect(str(p), read_only=True)
    p.parent.mkdir(parents=True, exist_ok=True)
    conn = extensions.connect(str(p))
    if migrate_schema:
        migrate(conn)
    return conn


def _connect_lake(
    address: str, *, read_only: bool, migrate_schema: bool, data: str | None
) -> duckdb.DuckDBPyConnection:
    from ipwire.warehouse import lake  # lake builds on this module

    conn = lake.connect_lake(address, data or None, read_only=read_only)
    if migrate_schema and not read_only and address not in _MIGRATED_LAKES:
        try:
            lake.migrate(conn)
        except BaseException:
            conn.close()
            raise
        _MIGRATED_LAKES.add(address)
    return conn


def all_migrations() -> list[Migration]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            raise ValueError(f"migration file name {path.name!r} is not NNNN_name.sql")
        found.append(Migration(int(m.group(1)), m.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number in {MIGRATIONS_DIR}")
    return found


def _ensure_log(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )


def applied_versions(conn: duckdb.DuckDBPyConnection) -> set[int]:
    _ensure_log(conn)
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}


def pending(conn: duckdb.DuckDBPyConnection) -> list[Migration]:
    done = applied_versions(conn)
    return [m for m in all_migrations() if m.version not in done]


def migrate(conn: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Apply pending migrations, each atomically with its log row; then recreate the views."""
    applied = []
    for m in pending(conn):
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(m.sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [m.version, m.name]
            )
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        applied.append(m)
    create_views(conn)
    return applied


def create_views(conn: duckdb.DuckDBPyConnection) -> None:
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        conn.execute(path.read_text(encoding="utf-8"))


def example_queries() -> dict[str, str]:
    """The README's example queries, by file stem."""
    return {
        p.stem: p.read_text(encoding="utf-8").strip() for p in sorted(QUERIES_DIR.glob("*.sql"))
    }
