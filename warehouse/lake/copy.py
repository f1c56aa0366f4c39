"""Copying a warehouse between a `.duckdb` file and a lake, checked by table fingerprints."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ipwire.warehouse import db as wh
from ipwire.warehouse.lake.address import (
    HELPER_TABLES,
    SEQUENCES_TABLE,
    LakeError,
    _columns,
    _ident,
    _quote,
    is_lake_address,
    parse_address,
)
from ipwire.warehouse.lake.connect import attach, connect_lake, next_seq, run_batch
from ipwire.warehouse.lake.schema import _tables, migrate, translate

# --- copy between a .duckdb file and a lake ---------------------------------------------------


@dataclass(frozen=True)
class CopyReport:
    """What `copy_warehouse` moved: rows and content fingerprint per table, equal on both
    sides (checked before the copy committed), and source tables the target has no room for."""

    tables: dict[str, tuple[int, int]]
    skipped: tuple[str, ...]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(n for n, _ in self.tables.values())

    @property
    def content_hash(self) -> str:
        return warehouse_hash(self.tables)


def warehouse_hash(fingerprints: dict[str, tuple[int, int]]) -> str:
    """One hash of a warehouse's per-table fingerprints (order of tables irrelevant)."""
    text = "\n".join(f"{t}:{n}:{h}" for t, (n, h) in sorted(fingerprints.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def table_fingerprint(
    conn: duckdb.DuckDBPyConnection, catalog: str, table: str, columns: Sequence[str]
) -> tuple[int, int]:
    """(rows, sum of row hashes): equal for equal contents whatever the storage or row order."""
    cols = ", ".join(_ident(c) for c in columns)
    where = _ident(catalog, "main", table)
    row = conn.execute(
        f"SELECT count(*), coalesce(sum(hash({cols})::HUGEINT), 0) FROM {where}"
    ).fetchone()
    return int(row[0]), int(row[1])


def fingerprint(
    conn: duckdb.DuckDBPyConnection, catalog: str | None = None
) -> dict[str, tuple[int, int]]:
    """Every ipwire table's fingerprint (helper tables of a lake left out)."""
    cat = catalog or conn.execute("SELECT current_database()").fetchone()[0]
    return {
        t: table_fingerprint(conn, cat, t, _columns(conn, cat, t))
        for t in _tables(conn, cat)
        if t not in HELPER_TABLES
    }


def open_warehouse(
    address: str | os.PathLike[str], data_path: str | os.PathLike[str] | None = None
) -> duckdb.DuckDBPyConnection:
    """A writer's connection to a `.duckdb` file or a lake, migrated to the newest schema."""
    if is_lake_address(str(address)):
        conn = connect_lake(str(address), data_path)
        migrate(conn)
        return conn
    return wh.connect(address)


def _attach_source(
    conn: duckdb.DuckDBPyConnection, address: str, data_path: str | os.PathLike[str] | None
) -> None:
    if is_lake_address(address):
        attach(conn, parse_address(address, data_path), "src", read_only=True)
        return
    path = Path(address)
    if not path.exists():
        raise LakeError(f"no warehouse at {path}")
    try:
        conn.execute(f"ATTACH {_quote(str(path))} AS src (READ_ONLY)")
    except duckdb.Error as exc:
        raise LakeError(f"cannot read {path}: {str(exc).splitlines()[0]}") from exc


def copy_warehouse(
    src_address: str | os.PathLike[str],
    dst_address: str | os.PathLike[str],
    *,
    src_data_path: str | os.PathLike[str] | None = None,
    dst_data_path: str | os.PathLike[str] | None = None,
) -> CopyReport:
    """Copy every table of a warehouse (file or lake) into an empty one (lake or file), in one
    transaction that commits only when rows and content fingerprints match the source."""
    started = time.monotonic()
    src, dst = str(src_address), str(dst_address)
    conn = open_warehouse(dst, dst_data_path)
    try:
        _attach_source(conn, src, src_data_path)
        target = conn.execute("SELECT current_database()").fetchone()[0]
        src_versions = {
            r[0] for r in conn.execute("SELECT version FROM src.schema_migrations").fetchall()
        }
        dst_versions = {
            r[0]
            for r in conn.execute(
                f"SELECT version FROM {_ident(target, 'main', 'schema_migrations')}"
            ).fetchall()
        }
        if src_versions != dst_versions:
            raise LakeError(
                f"{src} has schema versions {sorted(src_versions)}, {dst} has"
                f" {sorted(dst_versions)}: migrate the source first (ipwire db migrate --db {src})"
            )
        in_dst = [t for t in _tables(conn, target) if t not in HELPER_TABLES]
        in_src = set(_tables(conn, "src")) - set(HELPER_TABLES)
        count = "SELECT count(*) FROM {}"
        full = {
            t: n
            for t in in_dst
            if (n := conn.execute(count.format(_ident(target, "main", t))).fetchone()[0])
        }
        if full:
            listed = ", ".join(f"{t} ({n} rows)" for t, n in sorted(full.items()))
            raise LakeError(f"{dst} already holds data: {listed}; copy into an empty warehouse")
        tables = [t for t in in_dst if t in in_src]
        lake_target = is_lake_address(dst)

        def copy(c: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
            done = {}
            for t in tables:
                cols = [x for x in _columns(c, target, t) if x in set(_columns(c, "src", t))]
                names = ", ".join(_ident(x) for x in cols)
                c.execute(
                    f"INSERT INTO {_ident(target, 'main', t)} ({names})"
                    f" SELECT {names} FROM {_ident('src', 'main', t)}"
                )
                want = table_fingerprint(c, "src", t, cols)
                got = table_fingerprint(c, target, t, cols)
                if want != got:
                    raise LakeError(f"copy of {t} does not match its source: {got} != {want}")
                done[t] = got
            _carry_sequences(c, target, lake_target)
            return done

        copied = run_batch(conn, copy)  # one transaction, on a lake or a file
        return CopyReport(copied, tuple(sorted(in_src - set(tables))), time.monotonic() - started)
    finally:
        conn.close()


def _carry_sequences(conn: duckdb.DuckDBPyConnection, target: str, lake_target: bool) -> None:
    """Continue each sequence after the largest value the copied rows drew from it."""
    top: dict[str, int] = {}
    for m in wh.all_migrations():
        for (table, column), seq in translate(m.sql).sequence_defaults.items():
            row = conn.execute(
                f"SELECT max({_ident(column)}) FROM {_ident(target, 'main', table)}"
            ).fetchone()
            top[seq] = max(top.get(seq, 0), int(row[0] or 0))
    for seq, value in top.items():
        if lake_target:
            conn.execute(
                f"UPDATE {SEQUENCES_TABLE} SET value = greatest(value, ?) WHERE name = ?",
                [value, seq],
            )
        else:
            next_seq(conn, seq, value)  # a file's sequence: draw past the copied values
