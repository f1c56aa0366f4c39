"""DuckDB extensions from their wheels: loaded from site-packages, never downloaded.

DuckDB fetches a missing extension from the network on first use (`INSTALL`, or an automatic
install when a query needs one). That fetch would bypass ipwire's address guard and fails
offline anyway, so every connection ipwire opens switches automatic installs off and loads what
it needs from the `duckdb-extension-*` wheels pinned in pyproject.toml.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

import duckdb

# extension name -> the module of the wheel that carries it
WHEELS = {
    "fts": "duckdb_extension_fts",
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "httpfs": "duckdb_extension_httpfs",
}


class ExtensionMissing(RuntimeError):
    """The wheel that carries an extension is not installed (or holds no build for this DuckDB)."""


@cache
def extension_file(name: str) -> Path:
    """The `.duckdb_extension` file for `name` and the installed DuckDB version."""
    module = WHEELS.get(name)
    if module is None:
        raise ExtensionMissing(f"ipwire loads no DuckDB extension called {name!r}")
    try:
        package = importlib.import_module(module)
    except ImportError as exc:
        raise ExtensionMissing(
            f"DuckDB extension {name!r} needs the wheel {module.replace('_', '-')}"
            f"=={duckdb.__version__}: pip install it (it is pinned in pyproject.toml)"
        ) from exc
    root = Path(package.__file__).resolve().parent / "extensions"
    wanted = root / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if wanted.exists():
        return wanted
    found = sorted(root.rglob(f"{name}.duckdb_extension"))
    if not found:
        raise ExtensionMissing(
            f"{module} holds no {name}.duckdb_extension for DuckDB {duckdb.__version__}"
        )
    return found[-1]


NO_DOWNLOADS = {"autoinstall_known_extensions": False}


def connect(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect` with automatic extension installs off from the first statement: every
    connection ipwire opens goes through here, so no query can make DuckDB fetch code."""
    return duckdb.connect(database, read_only=read_only, config=dict(NO_DOWNLOADS))


def no_downloads(conn: duckdb.DuckDBPyConnection) -> None:
    """Forbid automatic extension installs on `conn` (a query naming http:// would fetch one)."""
    conn.execute("SET autoinstall_known_extensions = false")


def load(conn: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Load extensions on `conn` from their wheels; a missing wheel raises `ExtensionMissing`."""
    loaded = {
        row[0]
        for row in conn.execute(
            "SELECT extension_name FROM duckdb_extensions() WHERE loaded"
        ).fetchall()
    }
    for name in names:
        if name in loaded:
            continue
        path = str(extension_file(name)).replace("'", "''")
        conn.execute(f"LOAD '{path}'")
