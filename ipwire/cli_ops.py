"""`ipwire serve` and `ipwire status`: running ipwire every night and seeing what it did.

`register(cli)` adds both commands to the main click group (ipwire/cli.py calls it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from ipwire.cli_common import FORMATS, config_option, db_option, format_option, open_reader, render

NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_TIMEZONE = "Asia/Kolkata"
MANUAL_DESCRIPTION = "On demand: the files, folders or URLs given as `sources`."
NO_SERVER_MESSAGE = """\
ipwire serve needs a Prefect server: PREFECT_API_URL is not set.

Embedded mode (what `ipwire ingest` uses) has no scheduler, so a cron schedule would never fire.
Either start a server and point ipwire at it:

    prefect server start                       # in another terminal, or as a service
    export PREFECT_API_URL=http://127.0.0.1:4200/api
    ipwire serve

or run the ingest from an OS timer instead (crontab, 02:00 India time):

    CRON_TZ=Asia/Kolkata
    0 2 * * *  cd /path/to/ipwire && .venv/bin/ipwire ingest >> data/ingest.log 2>&1
"""


def build_deployments(
    *,
    cron: str = NIGHTLY_CRON,
    timezone: str = NIGHTLY_TIMEZONE,
    db: str | None = None,
    config: str | None = None,
) -> list[Any]:
    """The `nightly` (cron, configured sources) and `manual` (sources parameter) deployments.

    Both run the same `ingest` flow, one at a time: a run that collides with a running one is
    queued (ENQUEUE), never run in parallel or dropped. `db`/`config` become default parameters.
    """
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc
    from ipwire import prefect_env

    prefect_env.configure()
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron

    from ipwire.flows.ingest import ingest

    one_at_a_time = ConcurrencyLimitConfig(
        limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
    )
    defaults = {k: v for k, v in {"db": db, "config": config}.items() if v}
    nightly = ingest.to_deployment(
        name="nightly",
        schedules=[Cron(cron, timezone=timezone)],
        parameters=dict(defaults),
        concurrency_limit=one_at_a_time,
        description=f"Configured feeds and sources, {cron} ({timezone}).",
        tags=["ipwire", "nightly"],
    )
    manual = ingest.to_deployment(
        name="manual",
        parameters={"sources": [], **defaults},
        concurrency_limit=one_at_a_time,
        description=MANUAL_DESCRIPTION,
        tags=["ipwire", "manual"],
    )
    return [nightly, manual]


@click.command("serve")
@click.option(
    "--cron",
    default=NIGHTLY_CRON,
    envvar="IPWIRE_NIGHTLY_CRON",
    show_default=True,
    help="When the nightly run starts (env IPWIRE_NIGHTLY_CRON).",
)
@click.option(
    "--timezone",
    "timezone",
    default=NIGHTLY_TIMEZONE,
    envvar="IPWIRE_NIGHTLY_TIMEZONE",
    show_default=True,
    help="Time zone of --cron (env IPWIRE_NIGHTLY_TIMEZONE).",
)
@db_option
@config_option
def serve_cmd(cron: str, timezone: str, db: str | None, config: str | None) -> None:
    """Serve the `nightly` and `manual` deployments from this process until stopped.

    Needs a Prefect server (PREFECT_API_URL). Trigger a manual run with
    prefect deployment run ingest/manual --param sources='["seeds"]'.

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api ipwire serve --db data/ipwire.duckdb
    """
    if not os.environ.get("PREFECT_API_URL"):
        click.echo(NO_SERVER_MESSAGE, err=True)
        sys.exit(2)
    try:
        deployments = build_deployments(cron=cron, timezone=timezone, db=db, config=config)
    except ValueError as exc:  # Prefect validates the cron expression and the time zone
        raise click.UsageError(f"bad --cron or --timezone: {exc}") from exc
    from prefect import serve

    click.echo(
        f"serving ingest/nightly ({cron}, {timezone}) and ingest/manual against "
        f"{os.environ['PREFECT_API_URL']}; Ctrl+C stops"
    )
    serve(*deployments, limit=1)


def nightly_articles(conn: Any, nights: int) -> tuple[list[str], list[list[Any]]]:
    """Articles per outlet per night (Asia/Kolkata dates), newest night first."""
    rows = conn.execute(
        """
        SELECT coalesce(outlet, '(unknown)') AS outlet,
               CAST(timezone('Asia/Kolkata', fetched_at) AS DATE) AS night, count(*) AS n
        FROM articles
        WHERE fetched_at >= now() - to_days(CAST(? AS INTEGER))
        GROUP BY ALL
        """,
        [nights],
    ).fetchall()
    dates = sorted({r[1] for r in rows}, reverse=True)
    by_outlet: dict[str, dict[Any, int]] = {}
    for outlet, night, n in rows:
        by_outlet.setdefault(outlet, {})[night] = n
    columns = ["outlet", *(d.isoformat() for d in dates)]
    table = [[o, *(by_outlet[o].get(d, 0) for d in dates)] for o in sorted(by_outlet)]
    return columns, table


def _query(conn: Any, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[Any]]:
    cur = conn.execute(sql, list(params))
    return [d[0] for d in cur.description], cur.fetchall()


@click.command("status")
@db_option
@click.option("--nights", default=7, show_default=True, help="Nights of article counts.")
@click.option("--runs", default=5, show_default=True, help="How many recent runs to list.")
@format_option(FORMATS, "table")
def status_cmd(db: str | None, nights: int, runs: int, fmt: str) -> None:
    """Feed health, articles per night and the last runs, from the published snapshot.

    Stale feeds (no success in 36 hours) come first. Never waits for a running ingest.

    Example: ipwire status --nights 3
    """

    conn = open_reader(db)
    try:
        sections: list[tuple[str, list[str], list[Any]]] = []
        has_view = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'v_feed_health'"
        ).fetchone()[0]
        if has_view:
            sections.append(
                (
                    "Feeds",
                    *_query(
                        conn,
                        """
                        SELECT feed, outlet, last_status AS status, last_success_at,
                               last_failure_at, last_failure_reason, articles_last_run AS
                               last_run, articles_7d, CASE WHEN stale THEN 'STALE' ELSE '' END
                               AS alert
                        FROM v_feed_health ORDER BY stale DESC, outlet, feed
                        """,
                    ),
                )
            )
        sections.append(("Articles per night", *nightly_articles(conn, nights)))
        sections.append(
            (
                "Last runs",
                *_query(
                    conn,
                    """
                    SELECT run_id, started_at, finished_at, status, n_new AS new,
                           n_duplicate AS duplicate, n_updated AS updated,
                           n_rejected AS rejected, note
                    FROM ingest_runs ORDER BY started_at DESC LIMIT ?
                    """,
                    [runs],
                ),
            )
        )
    finally:
        conn.close()
    if not has_view:
        click.echo("(no v_feed_health view: run `ipwire db migrate`)", err=True)
    for title, columns, rows in sections:
        if fmt == "json":  # one object per line, tagged with its section
            columns, rows = ["section", *columns], [[title, *r] for r in rows]
        elif fmt == "table":
            click.echo(f"== {title}")
        else:
            click.echo(f"# {title}")
        out = render(columns, rows, fmt)
        if out:
            click.echo(out)
        if fmt == "table":
            click.echo("")


def register(cli: click.Group) -> None:
    """Add `serve` and `status` to the ipwire command group."""
    cli.add_command(serve_cmd, "serve")
    cli.add_command(status_cmd, "status")
