"""`ipwire sql`: a read-only, contained query on the warehouse's published snapshot."""

from __future__ import annotations

import io

import click

from ipwire.cli_common import (
    DEFAULT_MAX_WIDTH,
    FORMATS,
    db_option,
    format_option,
    open_reader,
    render,
)

_REFUSED = (
    "refused: `ipwire sql` reads the warehouse only; it cannot write, attach other databases, "
    "read or write files, reach the network or change settings"
)


@click.command()
@click.argument("query", required=False)
@click.option(
    "-f",
    "--file",
    "query_file",
    type=click.File("r", encoding="utf-8"),
    help="Read the query from a file (e.g. warehouse/queries/02_topics.sql).",
)
@db_option
@format_option(FORMATS, "table")
@click.option(
    "--max-width",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_WIDTH,
    show_default=True,
    help="Cut table cells longer than this (0 = never cut). Other formats are never cut.",
)
def sql(
    query: str | None,
    query_file: io.TextIOBase | None,
    db: str | None,
    fmt: str,
    max_width: int,
) -> None:
    """Run read-only SQL on the warehouse; with several statements, each runs and the last
    one's result is printed (as the duckdb CLI does).

    json is one JSON array, jsonl one object a line; in csv NULL is an empty field and an empty
    string is "". The connection cannot write, attach, read files or reach the network.

    Example: ipwire sql "SELECT outlet, count(*) FROM articles GROUP BY 1" --format csv
    """
    import duckdb

    if query_file is not None:
        query = query_file.read()
    if not query or not query.strip():
        raise click.UsageError("give a QUERY or --file FILE")

    conn = open_reader(db)  # the published snapshot, contained: never the live file
    try:
        refuse_writing_statements(conn, query)
        cur = conn.execute(query)  # every statement runs; the cursor holds the last result
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchall() if columns else []
    except (duckdb.PermissionException, duckdb.InvalidInputException) as exc:
        text = str(exc)
        locked = "configuration has been locked" in text or "read-only" in text.lower()
        if isinstance(exc, duckdb.PermissionException) or locked:
            raise click.ClickException(f"{_REFUSED} ({text.splitlines()[0]})") from exc
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    except duckdb.Error as exc:
        text = str(exc)
        if "read-only" in text.lower():
            raise click.ClickException(f"{_REFUSED} ({text.splitlines()[0]})") from exc
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
    if not columns:
        click.echo("[]" if fmt == "json" else "" if fmt != "table" else "(no result set)")
        return
    click.echo(render(columns, rows, fmt, max_width))


# Statement kinds that reach files or other databases. The reader's settings already stop
# them on a snapshot; on a lake the data folder must stay readable, which would let COPY TO
# or ATTACH write there, so these kinds are refused before anything runs. (Temporary tables
# and the like stay in the reader's memory and are allowed.)
_FILE_STATEMENTS = {"COPY", "COPY_DATABASE", "EXPORT", "ATTACH", "DETACH", "LOAD", "EXTENSION"}


def refuse_writing_statements(conn, query: str) -> None:
    """Raise the refusal when a statement of `query` would reach files or other databases
    (a query that does not parse is left to DuckDB, whose message says where)."""
    import duckdb

    try:
        kinds = [st.type.name for st in conn.extract_statements(query)]
    except duckdb.Error:
        return
    bad = sorted({k for k in kinds if k in _FILE_STATEMENTS})
    if bad:
        raise click.ClickException(f"{_REFUSED} ({', '.join(bad)}: read-only, not run)")


def register(cli: click.Group) -> None:
    cli.add_command(sql)
