"""`ipwire sql`: a read-only query on the warehouse's published snapshot."""

from __future__ import annotations

import io

import click

from ipwire.cli_common import FORMATS, db_option, format_option, open_reader, render


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
def sql(query: str | None, query_file: io.TextIOBase | None, db: str | None, fmt: str) -> None:
    """Run a read-only SQL query on the warehouse.

    Example: ipwire sql "SELECT outlet, count(*) FROM articles GROUP BY 1" --format csv
    """
    import duckdb

    if query_file is not None:
        query = query_file.read()
    if not query or not query.strip():
        raise click.UsageError("give a QUERY or --file FILE")

    conn = open_reader(db)  # the published snapshot while a writer is busy: never a lock error
    try:
        cur = conn.execute(query)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchall() if columns else []
    except duckdb.Error as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
    click.echo(render(columns, rows, fmt))


def register(cli: click.Group) -> None:
    cli.add_command(sql)
