"""`ipwire feeds`: list feeds and retire the ones an outlet closed, so they stop alarming.

A retired feed keeps its rows and articles, is reported as retired instead of STALE by
`ipwire status` and `v_feed_health`, and comes back with `ipwire feeds unretire URL`.
Retiring in the configuration (`retired = true` in a `[[feeds]]` entry) does the same.
"""

from __future__ import annotations

import click

from ipwire import exit_codes
from ipwire.cli_common import FORMATS, db_option, format_option, open_reader, render
from ipwire.cli_corrections import analyst_name
from ipwire.cli_ops import fail, require_warehouse


@click.group("feeds")
def feeds_group() -> None:
    """Feeds in the warehouse: list, retire, bring back."""


@feeds_group.command("list")
@db_option
@format_option(FORMATS, "table")
def feeds_list(db: str | None, fmt: str) -> None:
    """Every feed the warehouse knows, with its last status and whether it is retired.

    Example: ipwire feeds list --format csv
    """
    require_warehouse(db)
    with open_reader(db) as conn:
        has_retired = conn.execute(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'v_feed_health' AND column_name = 'retired'"
        ).fetchone()[0]
        retired = "retired, retired_at" if has_retired else "false AS retired, NULL AS retired_at"
        cur = conn.execute(
            f"SELECT feed_url, feed, outlet, last_status, last_success_at, stale, {retired}"
            " FROM v_feed_health ORDER BY retired, outlet, feed"
        )
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall()
    click.echo(render(columns, rows, fmt))


def _write(db: str | None, action: str, url: str, note: str | None, analyst: str) -> None:
    from ipwire import snapshot
    from ipwire.warehouse import db as wh

    db_file = require_warehouse(db, live=True)
    with (
        snapshot.writer_lock(db_file, log_fn=lambda m: click.echo(m, err=True)),
        wh.connect(db_file) as conn,
    ):
        known = conn.execute("SELECT 1 FROM feeds WHERE feed_url = ?", [url]).fetchone()
        if not known:
            conn.close()
            fail(
                f"no feed {url} in {db_file}: `ipwire feeds list` shows the feeds it knows",
                exit_codes.NOT_FOUND,
            )
        from ipwire.warehouse.lake import run_batch

        def write(c) -> None:  # delete + insert: the same on a file and on a lake (no keys)
            c.execute("DELETE FROM feed_retirements WHERE feed_url = ?", [url])
            if action == "retire":
                c.execute(
                    "INSERT INTO feed_retirements (feed_url, note, retired_by) VALUES (?, ?, ?)",
                    [url, note, f"cli:{analyst}"],
                )

        run_batch(conn, write, claims=["feed_retirements"])
        conn.close()
        snapshot.publish_snapshot(db_file)  # `ipwire status` sees it at once


@feeds_group.command("retire")
@click.argument("url")
@db_option
@click.option("--note", help="Why, in one sentence (e.g. 'outlet closed its RSS').")
@click.option("--analyst", help="Who decided (default $IPWIRE_ANALYST, else the OS user).")
def feeds_retire(url: str, db: str | None, note: str | None, analyst: str | None) -> None:
    """Retire a feed: its history stays, it no longer alarms as STALE.

    Also remove it from `[[feeds]]` (or mark it `retired = true` there) so runs stop
    fetching it.

    Example: ipwire feeds retire https://example.com/rss --note "outlet closed"
    """
    who = analyst_name(analyst)
    _write(db, "retire", url, note, who)
    click.echo(f"retired {url}")


@feeds_group.command("unretire")
@click.argument("url")
@db_option
def feeds_unretire(url: str, db: str | None) -> None:
    """Bring a retired feed back: it is reported (and alarms) again.

    Example: ipwire feeds unretire https://example.com/rss
    """
    _write(db, "unretire", url, None, "")
    click.echo(f"unretired {url}")


def register(cli: click.Group) -> None:
    cli.add_command(feeds_group)
