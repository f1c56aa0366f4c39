"""`ipwire search`, `ipwire show` and `ipwire report`: the analyst's desk on the command line.

Each command reads the published snapshot through a contained reader connection, so it never
waits on (or gets in the way of) a run. No hits, no articles in a range and an empty warehouse
are answers, not errors: a clear message and exit 0.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click

from ipwire.cli_common import db_option, format_option, reader_errors, render
from ipwire.records import TOPICS

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _connect(db: str | None, search: bool = False):
    """The desk's reader connection; snapshot problems become one-line errors with their code."""
    from ipwire.desk import index
    from ipwire.snapshot import connect_reader
    from ipwire.warehouse import db as wh

    try:
        return index.open_search(wh.db_path(db)) if search else connect_reader(wh.db_path(db))
    except Exception as exc:
        err = reader_errors(exc)
        if err is None:
            raise
        raise err from exc


@click.command()
@click.argument("query")
@click.option("--since", type=DATE, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--until", type=DATE, help="Published on or before this date (YYYY-MM-DD).")
@click.option("--outlet", help="Only this outlet (e.g. dawn.com).")
@click.option("--country", help="Only outlets of this country (ISO code: IN, PK, …).")
@click.option("--topic", type=click.Choice(TOPICS), help="Only articles with this topic.")
@click.option("--all", "include_all", is_flag=True, help="Include articles judged not relevant.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@db_option
@format_option(("table", "csv", "json", "jsonl"), "table")
def search(
    query: str,
    since: datetime | None,
    until: datetime | None,
    outlet: str | None,
    country: str | None,
    topic: str | None,
    include_all: bool,
    limit: int,
    db: str | None,
    fmt: str,
) -> None:
    """Full-text search (BM25 over title and body), one hit per duplicate chain.

    Query terms are marked **like this** in the snippet; "+N copies" counts the chain's
    duplicates and "story" names the newest other reports of the same event.

    Example: ipwire search "Indus Waters Treaty" --since 2023-01-01 --country PK
    """
    from ipwire.desk import search as search_mod

    filters = search_mod.Filters(
        since=_day(since),
        until=_day(until),
        outlet=outlet,
        country=country,
        topic=topic,
        include_irrelevant=include_all,
        limit=limit,
    )
    conn = _connect(db, search=True)
    try:
        if search_mod.article_count(conn) == 0:
            click.echo("the warehouse has no articles yet: run `ipwire ingest` first")
            return
        hits = search_mod.run_search(conn, query, filters)
    finally:
        conn.close()
    if not hits:
        if fmt == "json":
            click.echo("[]")
        elif fmt == "table":
            hint = "" if include_all else " (add --all to include articles judged not relevant)"
            click.echo(f"no articles match {query!r}{_describe(filters)}{hint}")
        return
    click.echo(format_hits(hits, fmt))


def _describe(f) -> str:
    parts = [
        f"{name} {value}"
        for name, value in (
            ("since", f.since),
            ("until", f.until),
            ("outlet", f.outlet),
            ("country", f.country),
            ("topic", f.topic),
        )
        if value
    ]
    return f" ({', '.join(parts)})" if parts else ""


def format_hits(hits: list, fmt: str) -> str:
    """Hits as readable blocks (table), or rows (csv), or JSON."""
    if fmt in ("json", "jsonl"):
        objects = [json.dumps(h.as_dict(), ensure_ascii=False, default=str) for h in hits]
        return "\n".join(objects) if fmt == "jsonl" else "[" + ",\n ".join(objects) + "]"
    if fmt == "csv":
        columns = [
            "rank",
            "score",
            "article_id",
            "published",
            "outlet",
            "country",
            "title",
            "copies",
            "topics",
            "tone",
            "story_id",
            "snippet",
        ]
        rows = [[getattr(h, c) for c in columns] for h in hits]
        return render(columns, rows, "csv")
    out = []
    for h in hits:
        where = f"{h.outlet or 'unknown outlet'}" + (f" ({h.country})" if h.country else "")
        copies = f"  +{h.copies} {'copy' if h.copies == 1 else 'copies'}" if h.copies else ""
        labels = ", ".join(h.topics) or "no topic"
        tone = "" if h.tone is None else f"  tone {h.tone:+.2f}"
        out.append(
            f"{h.rank:>2}. {h.title or '(no title)'}\n"
            f"    {h.published or 'date unknown'}  {where}{copies}  id {h.article_id}"
            f"  score {h.score:.2f}\n"
            f"    {labels}{tone}{'' if h.is_relevant is not False else '  (not relevant)'}\n"
            f"    {h.snippet}"
        )
        if h.siblings:
            newest = "; ".join(
                f"{s['published'] or 'undated'} {s['outlet']} {s['article_id']}" for s in h.siblings
            )
            out[-1] += f"\n    story: newest other reports: {newest}"
    out.append(f"({len(hits)} hit{'s' if len(hits) != 1 else ''})")
    return "\n\n".join(out)


@click.command()
@click.argument("ref")
@db_option
@format_option(("text", "json"), "text")
@click.option(
    "--max-width",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Cut long sentences and stripped blocks (0 = never).",
)
def show(ref: str, db: str | None, fmt: str, max_width: int) -> None:
    """One article as an analyst needs it: labels with their evidence, topics, actors, what
    cleaning stripped, its duplicate chain, revisions with their diff, and story siblings.

    REF is an article id (or a unique prefix of at least 6 characters) or its URL.

    Example: ipwire show 3f2a9c0d1e2b4a5f
    """
    from ipwire import exit_codes
    from ipwire.desk import show as show_mod

    conn = _connect(db)
    try:
        found = show_mod.find(conn, ref)
        if isinstance(found, list):
            raise _Exit(
                f"{ref!r} matches {len(found)} articles ({', '.join(found[:5])}…): "
                "give more of the id",
                exit_codes.USAGE,
            )
        if found is None:
            raise _Exit(f"no article {ref!r} in the warehouse (id, id prefix or URL)", 4)
        article = show_mod.article(conn, found)
    finally:
        conn.close()
    if fmt == "json":
        click.echo(json.dumps(article, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(show_mod.as_text(article, max_width or 10**9))


class _Exit(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@click.command()
@click.option("--since", type=DATE, required=True, help="First publication date (YYYY-MM-DD).")
@click.option("--until", type=DATE, required=True, help="Last publication date (YYYY-MM-DD).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="The HTML file to write (one self-contained file that opens offline).",
)
@db_option
def report(since: datetime, until: datetime, out: str, db: str | None) -> None:
    """One self-contained HTML report of a period: headline figures, top stories, tone over
    time by side, topics over time, actors, rises and falls, and stories both sides covered.

    Example: ipwire report --since 2025-05-01 --until 2025-05-31 --out may.html
    """
    from ipwire.desk import report as report_mod

    if until < since:
        raise click.BadParameter("--until is before --since", param_hint="--until")
    conn = _connect(db)
    try:
        result = report_mod.write_report(conn, since.date(), until.date(), Path(out))
    finally:
        conn.close()
    click.echo(result.summary())


def register(cli: click.Group) -> None:
    """Add the desk's commands to `cli`."""
    cli.add_command(search)
    cli.add_command(show)
    cli.add_command(report)
