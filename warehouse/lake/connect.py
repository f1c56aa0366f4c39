"""Connections to a lake (extensions from their wheels, a fast catalog probe) and batches:
one transaction each, serialised by claims and retried on conflict."""

from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ipwire.warehouse import extensions
from ipwire.warehouse.lake.address import (
    ALIAS,
    CLAIMS_TABLE,
    CONNECT_TIMEOUT,
    PREFIX,
    PROBE_TIMEOUT,
    SEQUENCES_TABLE,
    CatalogUnreachable,
    LakeAddress,
    LakeError,
    T,
    _attach_reason,
    _columns,
    _ident,
    _quote,
    parse_address,
    s3_secret_sql,
)

# --- connections ----------------------------------------------------------------------------


def probe_catalog(address: LakeAddress, timeout: float = PROBE_TIMEOUT) -> None:
    """Fail fast when nothing answers at the catalog's host:port (a black-holed host would
    otherwise hang the attach for libpq's whole connect timeout)."""
    if address.host.startswith("/"):  # a Unix socket folder
        return
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CatalogUnreachable(
            f"DuckLake catalog at {address.host}:{address.port} is unreachable ({reason}); "
            "is PostgreSQL running there?"
        ) from exc


def attach(
    conn: duckdb.DuckDBPyConnection,
    address: LakeAddress,
    alias: str = ALIAS,
    *,
    read_only: bool = False,
) -> None:
    """Attach a lake to an open connection under `alias` (extensions from their wheels)."""
    extensions.no_downloads(conn)
    extensions.load(conn, "ducklake", "postgres_scanner")
    if address.is_s3:
        extensions.load(conn, "httpfs")
        secret = s3_secret_sql()
        if secret:
            conn.execute(secret)
    probe_catalog(address)
    options = []
    if address.data_path:
        if not address.is_s3:
            Path(address.data_path).mkdir(parents=True, exist_ok=True)
        options.append(f"DATA_PATH {_quote(address.data_path)}")
    if read_only:
        options.append("READ_ONLY")
    opts = f" ({', '.join(options)})" if options else ""
    conninfo = address.conninfo
    if address.param("connect_timeout") is None:  # libpq waits forever by default
        conninfo += f" connect_timeout={CONNECT_TIMEOUT}"
    sql = f"ATTACH {_quote(PREFIX + 'postgres:' + conninfo)} AS {alias}{opts}"
    for attempt in range(4):
        try:
            conn.execute(sql)
            return
        except duckdb.Error as exc:
            # two processes creating a new lake race on DuckLake's own catalog tables; the
            # loser finds them made when it tries again
            if "Failed to initialize DuckLake" in str(exc) and attempt < 3:
                time.sleep(0.2 * (attempt + 1) * (0.5 + random.random()))
                continue
            raise LakeError(
                f"cannot open the DuckLake at {address}: {_attach_reason(exc)}"
            ) from exc


def connect_lake(
    address: str | LakeAddress,
    data_path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached as `lake` and in use."""
    addr = address if isinstance(address, LakeAddress) else parse_address(address, data_path)
    conn = duckdb.connect()
    try:
        attach(conn, addr, ALIAS, read_only=read_only)
        conn.execute(f"USE {ALIAS}")
    except BaseException:
        conn.close()
        raise
    return conn


def data_path_of(conn: duckdb.DuckDBPyConnection, alias: str = ALIAS) -> str | None:
    """The data path the lake's catalog recorded when it was made (where its Parquet is)."""
    try:
        row = conn.execute(
            f"SELECT value FROM {_ident('__ducklake_metadata_' + alias)}.ducklake_metadata"
            " WHERE key = 'data_path'"
        ).fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


# --- batches: one transaction each, retried on conflict -------------------------------------


def is_conflict(exc: BaseException) -> bool:
    """DuckLake's commit-time conflict (another transaction changed what this one read or
    wrote), or its own retries running out while other commits kept winning."""
    text = str(exc)
    return isinstance(exc, duckdb.TransactionException) and (
        "Transaction conflict" in text
        or "Failed to commit DuckLake transaction" in text
        or "maximum retry count" in text
    )


def is_lake(conn: duckdb.DuckDBPyConnection) -> bool:
    """True when the connection's current database is a DuckLake (not a `.duckdb` file)."""
    row = conn.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return bool(row) and row[0] == "ducklake"


def claim(conn: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    """Inside a transaction: touch the claim rows of `names`, so that another transaction
    claiming one of them conflicts with this one at commit. Nothing to do on a file, whose
    keys and single writer already guarantee it."""
    names = sorted(set(names))
    if not names or not is_lake(conn):
        return
    for name in names:
        changed = conn.execute(
            f"UPDATE {CLAIMS_TABLE} SET n = n + 1 WHERE name = ?", [name]
        ).fetchone()
        if not changed or not changed[0]:
            raise LakeError(f"no claim row {name!r} in {CLAIMS_TABLE}: call ensure_claims first")


def ensure_claims(conn: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    """Create missing claim rows (a duplicate from a race is harmless: updates touch both)."""
    conn.execute(f"CREATE TABLE IF NOT EXISTS {CLAIMS_TABLE} (name VARCHAR NOT NULL, n BIGINT)")
    have = {r[0] for r in conn.execute(f"SELECT name FROM {CLAIMS_TABLE}").fetchall()}
    missing = sorted(set(names) - have)
    if missing:
        conn.executemany(f"INSERT INTO {CLAIMS_TABLE} VALUES (?, 0)", [[n] for n in missing])


@dataclass
class BatchStats:
    """What `run_batch` did: attempts made and the conflicts that caused the extra ones."""

    attempts: int = 0
    conflicts: list[str] = field(default_factory=list)


def run_batch(
    conn: duckdb.DuckDBPyConnection,
    fn: Callable[[duckdb.DuckDBPyConnection], T],
    *,
    claims: Sequence[str] = (),
    retries: int = 8,
    delay: float = 0.05,
    max_delay: float = 2.0,
    stats: BatchStats | None = None,
) -> T:
    """Run `fn(conn)` in one transaction; on a DuckLake conflict roll back, wait (exponential
    backoff with jitter) and run `fn` again from the start, at most `retries` more times.

    `fn` must read what it depends on inside the transaction (anti-joins, current ids), so a
    re-run sees the winner's rows. Other errors roll back and propagate at once."""
    stats = stats if stats is not None else BatchStats()
    for attempt in range(retries + 1):
        stats.attempts += 1
        conn.execute("BEGIN TRANSACTION")
        try:
            claim(conn, claims)
            result = fn(conn)
            conn.execute("COMMIT")
            return result
        except Exception as exc:
            _rollback(conn)
            if not is_conflict(exc) or attempt == retries:
                raise
            stats.conflicts.append(str(exc).splitlines()[-1][:200])
            wait = min(max_delay, delay * 2**attempt)
            time.sleep(wait * (0.5 + random.random()))
    raise AssertionError("unreachable")


def _rollback(conn: duckdb.DuckDBPyConnection) -> None:
    try:
        conn.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a failed COMMIT has already ended the transaction


def next_seq(conn: duckdb.DuckDBPyConnection, name: str, n: int) -> list[int]:
    """`n` values of the sequence `name`: `nextval` on a file; on a lake its row in
    `lake_sequences`, drawn inside the caller's transaction (two transactions drawing from one
    sequence conflict at commit, so values are never handed out twice)."""
    if n <= 0:
        return []
    if not is_lake(conn):
        rows = conn.execute(f"SELECT nextval({_quote(name)}) FROM range(?)", [n]).fetchall()
        return [r[0] for r in rows]
    conn.execute(f"UPDATE {SEQUENCES_TABLE} SET value = value + ? WHERE name = ?", [n, name])
    row = conn.execute(
        f"SELECT max(value) FROM {SEQUENCES_TABLE} WHERE name = ?", [name]
    ).fetchone()
    if row is None or row[0] is None:
        raise LakeError(f"no lake sequence {name!r}: migrate the lake first")
    return list(range(row[0] - n + 1, row[0] + 1))


def insert_new(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[list],
    *,
    key: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    chunk: int = 200,
) -> int:
    """Insert the rows whose key is not stored yet, the first of a key repeated in `rows`
    winning: `INSERT … ON CONFLICT DO NOTHING` without a key, on a lake or a file alike.
    Rows hold `columns` (default: the table's leading columns in order). Inside a claimed
    batch no concurrent writer can slip the same key in. Returns the rows added."""
    if not rows:
        return 0
    cols = list(columns or _columns(conn, None, table)[: len(rows[0])])
    from ipwire.warehouse.lake.schema import table_keys  # schema builds on this module

    keys = list(key or table_keys()[table])
    names = ", ".join(_ident(c) for c in cols)
    match = " AND ".join(f"t.{_ident(k)} IS NOT DISTINCT FROM v.{_ident(k)}" for k in keys)
    first = ", ".join(f"v.{_ident(k)}" for k in keys)
    one = "(" + ", ".join("?" * len(cols)) + ")"
    added = 0
    for i in range(0, len(rows), chunk):
        part = rows[i : i + chunk]
        added += conn.execute(
            f"INSERT INTO {_ident(table)} ({names}) SELECT {names} FROM"
            f" (SELECT *, row_number() OVER () AS _ord FROM (VALUES {', '.join([one] * len(part))})"
            f" AS v0({names})) AS v"
            f" WHERE NOT EXISTS (SELECT 1 FROM {_ident(table)} AS t WHERE {match})"
            f" QUALIFY row_number() OVER (PARTITION BY {first} ORDER BY _ord) = 1",
            [x for row in part for x in row],
        ).fetchone()[0]
    return added
