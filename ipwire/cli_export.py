"""`ipwire export`: a table or a query out of the warehouse as CSV or Parquet, into a folder.

`ipwire sql` is strictly read-only and cannot write files; this is the way out for what users
legitimately want (a table for a spreadsheet, a query for a notebook). The rows are read
from the published snapshot through the contained reader, spooled as JSON lines by Python,
and written by a separate in-memory DuckDB connection that has no warehouse attached, so
the reader never gains file access. Nothing is overwritten without --force, and a warehouse's
own files are never a target.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

import click

from ipwire import exit_codes
from ipwire.cli_common import db_option, open_reader
from ipwire.cli_ops import fail, require_warehouse

BATCH_ROWS = 5_000
SUFFIX = {"csv": ".csv", "parquet": ".parquet"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def warehouse_files(db: Path | str) -> set[Path]:
    """The files a warehouse owns: live file, its WAL, lock, snapshot and the snapshot's WAL
    (none for a DuckLake address: its files are the lake's, which exports never touch)."""
    from ipwire import snapshot

    if isinstance(db, str):
        return set()
    live = db.resolve()
    snap = snapshot.snapshot_path(live)
    return {
        live,
        live.with_name(live.name + ".wal"),
        snapshot.lock_path(live),
        snap,
        snap.with_name(snap.name + ".wal"),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return "".join(f"\\x{b:02X}" for b in bytes(value))  # DuckDB's BLOB text form
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return str(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def spool(conn: Any, sql: str, target: Path) -> tuple[list[str], list[str], int]:
    """Run `sql` on the reader and write its rows as JSON lines; (columns, types, rows)."""
    rel = conn.sql(sql)
    columns, types = list(rel.columns), [str(t) for t in rel.types]
    n = 0
    with open(target, "w", encoding="utf-8") as out:
        cur = conn.execute(sql)
        while batch := cur.fetchmany(BATCH_ROWS):
            for row in batch:
                out.write(json.dumps(dict(zip(columns, map(_jsonable, row), strict=True))))
                out.write("\n")
            n += len(batch)
    return columns, types, n


def write_file(spooled: Path, columns: list[str], types: list[str], fmt: str, out: Path) -> None:
    """JSON lines -> CSV or Parquet through an in-memory DuckDB with nothing attached."""

    from ipwire.warehouse import extensions

    quoted = {c: t for c, t in zip(columns, types, strict=True)}
    struct = "{" + ", ".join(f"{_lit(c)}: {_lit(t)}" for c, t in quoted.items()) + "}"
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    with extensions.connect(":memory:") as mem:
        mem.execute(
            f"COPY (SELECT * FROM read_json({_lit(str(spooled))}, format = 'newline_delimited',"
            f" columns = {struct})) TO {_lit(str(out))} ({options})"
        )


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(conn: Any, table: str | None, query: str | None) -> tuple[str, str]:
    """(SQL to run, default file name) for --table or --query."""
    if table:
        known = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }
        if table not in known:
            fail(
                f"no table or view {table!r}; there are: {', '.join(sorted(known))}",
                exit_codes.NOT_FOUND,
            )
        return f'SELECT * FROM "{table}"', table
    from ipwire.cli_sql import refuse_writing_statements

    refuse_writing_statements(conn, str(query))
    return str(query), "query"


@click.command("export")
@click.option("--table", "table", help="A table or view to export whole.")
@click.option("--query", "query", help="A SELECT to export (read-only, like `ipwire sql`).")
@click.option(
    "-f", "--file", "query_file", type=click.File("r", encoding="utf-8"), help="Query file."
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write into (created if missing).",
)
@click.option("--name", help="File name without suffix (default: the table's, or 'query').")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True
)
@click.option("--force", is_flag=True, help="Overwrite a file of the same name.")
@db_option
def export_cmd(
    table: str | None,
    query: str | None,
    query_file: Any,
    out_dir: str,
    name: str | None,
    fmt: str,
    force: bool,
    db: str | None,
) -> None:
    """Write a table or a query's rows to FOLDER/NAME.csv or .parquet, from the snapshot.

    CSV has a header row, NULL as an empty field; Parquet keeps the column types.

    Example: ipwire export --table articles --out exports/ --format parquet
    """
    if query_file is not None:
        query = query_file.read()
    if sum(bool(x and str(x).strip()) for x in (table, query)) != 1:
        raise click.UsageError("give exactly one of --table NAME, --query SQL or --file FILE")
    if name is not None and not _NAME.match(name):
        raise click.BadParameter("letters, digits and _ only", param_hint="--name")
    db_file = require_warehouse(db)
    folder = Path(out_dir).expanduser()
    conn = open_reader(db)
    try:
        sql, default_name = _source(conn, table, query)
        target = (folder / f"{name or default_name}{SUFFIX[fmt]}").resolve()
        if target in warehouse_files(db_file) or target.suffix in (".duckdb", ".wal"):
            fail(f"{target} is a warehouse file: choose another --out", exit_codes.USAGE)
        if target.exists() and not force:
            fail(f"{target} exists: add --force to overwrite it", exit_codes.USAGE)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="ipwire-export-") as tmp:
            spooled = Path(tmp) / "rows.jsonl"
            try:
                columns, types, n = spool(conn, sql, spooled)
            except Exception as exc:  # a bad query: say why, as `ipwire sql` does
                if type(exc).__module__.startswith("duckdb") or "duckdb" in repr(type(exc)):
                    fail(f"{type(exc).__name__}: {exc}", exit_codes.USAGE)
                raise
            partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            try:
                write_file(spooled, columns, types, fmt, partial)
                os.replace(partial, target)  # a reader of the target never sees half a file
            finally:
                partial.unlink(missing_ok=True)
    finally:
        conn.close()
    click.echo(f"wrote {n} rows, {len(columns)} columns to {target}")


def register(cli: click.Group) -> None:
    cli.add_command(export_cmd)
