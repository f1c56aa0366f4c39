"""`ipwire serve` and `ipwire status`, and the expected failures every command shares.

`register(cli)` adds both commands to the main click group (ipwire/cli.py calls it).
`Failure` is an expected failure: one or two lines saying what, why and what to do, with its
exit code from `ipwire.exit_codes`; `require_warehouse` refuses a path that holds none.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from ipwire import exit_codes
from ipwire.cli_common import FORMATS, config_option, db_option, format_option, open_reader, render

NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_TIMEZONE = "Asia/Kolkata"
DEPLOYMENT_NAMES = ("ingest/nightly", "ingest/manual")
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
DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file


# --- expected failures -----------------------------------------------------------------------


class Failure(click.ClickException):
    """An expected failure: printed as `Error: <message>` (no traceback), exit `code`."""

    def __init__(self, message: str, code: int = exit_codes.FAILED) -> None:
        super().__init__(message)
        self.exit_code = code


def fail(message: str, code: int = exit_codes.FAILED) -> NoReturn:
    raise Failure(message, code)


def is_warehouse_file(path: Path) -> bool:
    """A DuckDB database file (checked by its header, so a typo'd text file is not one)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


def require_warehouse(db: str | os.PathLike[str] | None, *, live: bool = False) -> Path | str:
    """The warehouse file of `--db`/IPWIRE_DB, refusing a path that holds none (exit NOT_FOUND).

    Commands that read or change a warehouse call it first, so a mistyped `--db` never
    creates an empty warehouse and reports success on it. Readers may find only the published
    snapshot; writers (`live=True`) need the live file.
    """
    from ipwire import snapshot
    from ipwire.warehouse import db as wh

    if check_lake(None if db is None else str(db)):  # a DuckLake: its catalog answers
        return wh.db_path(db)
    path = wh.db_path(db)
    if path.is_dir():
        fail(
            f"{path} is a folder, not a warehouse file: give --db FILE.duckdb", exit_codes.NOT_FOUND
        )
    if path.exists() and is_warehouse_file(path):
        return path
    if path.exists():
        fail(
            f"{path} is not a DuckDB warehouse ({path.stat().st_size} bytes of something else): "
            "check --db / IPWIRE_DB",
            exit_codes.NOT_FOUND,
        )
    if not live and is_warehouse_file(snapshot.snapshot_path(path)):
        return path  # only the snapshot is here (a writer is replacing the live file)
    fail(
        f"no warehouse at {path}: check --db / IPWIRE_DB, or create one with "
        f"`ipwire ingest SOURCE --db {path}` or `ipwire db migrate --db {path}`",
        exit_codes.NOT_FOUND,
    )


LAKE_NOT_A_FILE = "this command works on a .duckdb file; copy a DuckLake into one with " + (
    "`ipwire db copy --from ducklake:… --to FILE.duckdb` (and back with --to ducklake:…)"
)


def check_lake(db: str | None) -> bool:
    """A DuckLake address: its form and catalog checked at once (exit 5 / 6); False: a file."""
    value = db or os.environ.get("IPWIRE_DB") or ""
    if not value.startswith("ducklake:"):
        return False
    from ipwire.warehouse import lake

    try:
        lake.probe_catalog(lake.parse_address(value))
    except lake.LakeAddressError as exc:
        fail(str(exc), exit_codes.CONFIG)
    except lake.CatalogUnreachable as exc:
        fail(str(exc), exit_codes.BUSY)
    return True


def check_writable_warehouse(db: str | None) -> Path:
    """The warehouse `ingest` or `db migrate` may create: a new file or a DuckDB file."""
    from ipwire.warehouse import db as wh

    path = wh.db_path(db)
    if isinstance(path, str):  # a DuckLake address where only a file will do
        fail(LAKE_NOT_A_FILE, exit_codes.USAGE)
    if path.is_dir():
        fail(f"{path} is a folder, not a warehouse file: give --db FILE.duckdb", exit_codes.USAGE)
    if path.exists() and path.stat().st_size and not is_warehouse_file(path):
        fail(
            f"{path} exists and is not a DuckDB warehouse: refusing to write into it "
            "(check --db / IPWIRE_DB)",
            exit_codes.NOT_FOUND,
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the warehouse folder {path.parent}: {exc.strerror}", exit_codes.FAILED)
    return path


def debugging(ctx: click.Context | None = None) -> bool:
    ctx = ctx or click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and (root.obj or {}).get("debug"))


def quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and (ctx.find_root().obj or {}).get("quiet"))


# --- serve -----------------------------------------------------------------------------------


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


def worker_deployments(api_url: str) -> list[Any]:
    """Deployments on the server with the names `serve` uses that belong to a work pool.

    Those come from `prefect deploy` (deployments/prefect.yaml) and are run by a worker; a
    served deployment of the same name would take their place with no code storage, and runs
    would fail with a missing path. Deployments left by an earlier `ipwire serve` have no pool.
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    found = []
    with get_client(sync_client=True) as client:
        for name in DEPLOYMENT_NAMES:
            try:
                dep = client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue
            if dep.work_pool_name:
                found.append(dep)
    return found


def delete_deployments(deployments: Sequence[Any]) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for dep in deployments:
            client.delete_deployment(dep.id)


def server_reachable(api_url: str) -> str | None:
    """None when the API answers its health check, else why not."""
    import httpx

    try:
        resp = httpx.get(api_url.rstrip("/") + "/health", timeout=5)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if resp.status_code == 200 else f"HTTP {resp.status_code}"


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
@click.option(
    "--replace",
    is_flag=True,
    help="Delete deployments of the same names made by `prefect deploy` and serve instead.",
)
@db_option
@config_option
def serve_cmd(cron: str, timezone: str, replace: bool, db: str | None, config: str | None) -> None:
    """Serve the `nightly` and `manual` deployments from this process until stopped.

    Needs a Prefect server (PREFECT_API_URL). Serving and `prefect deploy` + a worker are
    alternatives: if the server already has ingest/nightly or ingest/manual in a work pool,
    serve stops and says so (`--replace` deletes them first). Trigger a manual run with
    prefect deployment run ingest/manual --param sources='["seeds"]'.

    Example: PREFECT_API_URL=http://127.0.0.1:4200/api ipwire serve --db data/ipwire.duckdb
    """
    api_url = os.environ.get("PREFECT_API_URL")
    if not api_url:
        click.echo(NO_SERVER_MESSAGE, err=True)
        raise click.exceptions.Exit(exit_codes.USAGE)
    why = server_reachable(api_url)
    if why:
        fail(
            f"cannot reach the Prefect server at {api_url} ({why}): start it with "
            "`prefect server start` or correct PREFECT_API_URL",
            exit_codes.BUSY,
        )
    try:
        deployments = build_deployments(cron=cron, timezone=timezone, db=db, config=config)
    except ValueError as exc:  # Prefect validates the cron expression and the time zone
        raise click.UsageError(f"bad --cron or --timezone: {exc}") from exc
    clashing = worker_deployments(api_url)
    if clashing and not replace:
        names = ", ".join(f"ingest/{d.name}" for d in clashing)
        pools = ", ".join(sorted({d.work_pool_name for d in clashing}))
        fail(
            f"{names} already exist on {api_url} in work pool {pools} (from `prefect deploy`), "
            "run by a worker; serving the same names would break their runs.\n"
            f"Keep them and run `prefect worker start --pool {pools}` instead, or replace "
            "them with `ipwire serve --replace`.",
            exit_codes.CONFIG,
        )
    if clashing:
        delete_deployments(clashing)
        click.echo(f"deleted {len(clashing)} work-pool deployment(s) of the same names", err=True)
    from prefect import serve

    click.echo(
        f"serving ingest/nightly ({cron}, {timezone}) and ingest/manual against "
        f"{api_url}; Ctrl+C stops"
    )
    serve(*deployments, limit=1)


# --- status ----------------------------------------------------------------------------------


def nightly_articles(
    conn: Any, nights: int, outlets: int = 10
) -> tuple[list[str], list[list[Any]]]:
    """Articles per outlet per night (Asia/Kolkata dates), newest night first.

    The `outlets` busiest outlets get a row each; the rest share one row, and a last row
    holds every outlet, so a warehouse of 200 outlets still fits a screen.
    """
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
    busiest = sorted(by_outlet, key=lambda o: (-sum(by_outlet[o].values()), o))
    shown, rest = busiest[:outlets], busiest[outlets:]
    columns = ["outlet", *(d.isoformat() for d in dates)]
    table = [[o, *(by_outlet[o].get(d, 0) for d in dates)] for o in shown]
    if rest:
        table.append(
            [
                f"({len(rest)} other outlets)",
                *(sum(by_outlet[o].get(d, 0) for o in rest) for d in dates),
            ]
        )
    if len(busiest) > 1:
        table.append(
            [
                f"(all {len(busiest)})",
                *(sum(by_outlet[o].get(d, 0) for o in busiest) for d in dates),
            ]
        )
    return columns, table


def _query(conn: Any, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[Any]]:
    cur = conn.execute(sql, list(params))
    return [d[0] for d in cur.description], cur.fetchall()


def _has(conn: Any, name: str, column: str | None = None) -> bool:
    sql = "SELECT count(*) FROM information_schema.columns WHERE table_name = ?"
    params = [name]
    if column:
        sql += " AND column_name = ?"
        params.append(column)
    return bool(conn.execute(sql, params).fetchone()[0])


def configured_retired(config: str | None) -> set[str]:
    """Feed URLs with `retired = true` in the configuration (none when it cannot be read)."""
    from ipwire.config import ConfigError, load_settings

    try:
        feeds = load_settings(config).feeds
    except (ConfigError, ValueError):
        return set()
    return {f["url"] for f in feeds if isinstance(f, dict) and f.get("retired") is True}


def feed_sections(conn: Any, limit: int, retired_urls: set[str]) -> list[tuple[str, list, list]]:
    """Failing feeds (stale or last check failed, not retired; at most `limit`) and a tally."""
    if not _has(conn, "v_feed_health"):
        return []
    has_retired = _has(conn, "v_feed_health", "retired")
    cur = conn.execute(
        f"""
        SELECT feed_url, feed, outlet, last_status AS status, last_success_at,
               last_failure_at, last_failure_reason, articles_7d, stale,
               {"retired" if has_retired else "false"} AS retired
        FROM v_feed_health ORDER BY stale DESC, consecutive_failures DESC, outlet, feed
        """
    )
    rows = cur.fetchall()
    failing, tally = [], {"ok": 0, "failing": 0, "stale": 0, "retired": 0}
    for url, feed, outlet, status, ok_at, bad_at, reason, n7, stale, retired in rows:
        if retired or url in retired_urls:
            tally["retired"] += 1
            continue
        bad = status is not None and status not in ("ok", "not_modified", "unchanged")
        tally["stale" if stale else "failing" if bad else "ok"] += 1
        if stale or bad:
            alert = "STALE" if stale else "FAILING"
            failing.append([feed, outlet, status, ok_at, bad_at, reason, n7, alert])
    columns = ["feed", "outlet", "status", "last_success_at", "last_failure_at",
               "last_failure_reason", "articles_7d", "alert"]  # fmt: skip
    shown = failing[:limit]
    if len(failing) > limit:
        shown.append([f"… and {len(failing) - limit} more (--feeds N)", *[None] * 7])
    total = sum(tally.values())
    summary = [[total, tally["ok"], tally["failing"], tally["stale"], tally["retired"]]]
    return [
        ("Failing feeds", columns, shown),
        ("Feeds", ["feeds", "ok", "failing", "stale", "retired"], summary),
    ]


@click.command("status")
@db_option
@config_option
@click.option("--nights", default=7, show_default=True, help="Nights of article counts.")
@click.option("--runs", default=5, show_default=True, help="How many recent runs to list.")
@click.option("--feeds", "max_feeds", default=20, show_default=True, help="Failing feeds listed.")
@click.option("--outlets", default=10, show_default=True, help="Outlets with a row of their own.")
@format_option(FORMATS, "table")
def status_cmd(
    db: str | None,
    config: str | None,
    nights: int,
    runs: int,
    max_feeds: int,
    outlets: int,
    fmt: str,
) -> None:
    """The last runs, failing feeds, a feed tally and articles per night, from the snapshot.

    Runs and failures come first; retired feeds (`ipwire feeds retire`, or `retired = true`
    in the configuration) are counted but never alarm. Never waits for a running ingest.

    Example: ipwire status --nights 3 --outlets 5
    """
    require_warehouse(db)
    conn = open_reader(db)
    try:
        sections: list[tuple[str, list[str], list[Any]]] = [
            (
                "Last runs",
                *_query(
                    conn,
                    """
                    SELECT run_id, started_at, finished_at, status, n_seen AS seen, n_new AS new,
                           n_duplicate AS duplicate, n_updated AS updated,
                           n_unchanged AS unchanged, n_rejected AS rejected, note
                    FROM ingest_runs ORDER BY started_at DESC LIMIT ?
                    """,
                    [runs],
                ),
            )
        ]
        feeds = feed_sections(conn, max_feeds, configured_retired(config))
        sections += feeds
        sections.append(("Articles per night", *nightly_articles(conn, nights, outlets)))
    finally:
        conn.close()
    if not feeds:
        click.echo("(no v_feed_health view: run `ipwire db migrate`)", err=True)
    if fmt in ("json", "jsonl"):  # every row an object tagged with its section
        import json

        tagged = [
            {"section": title, **dict(zip(columns, row, strict=True))}
            for title, columns, rows in sections
            for row in rows
        ]
        if fmt == "json":
            click.echo(json.dumps(tagged, default=str, ensure_ascii=False))
        else:
            for row in tagged:
                click.echo(json.dumps(row, default=str, ensure_ascii=False))
        return
    for title, columns, rows in sections:
        click.echo(f"== {title}" if fmt == "table" else f"# {title}")
        out = render(columns, rows, fmt)
        if out:
            click.echo(out)
        if fmt == "table":
            click.echo("")


def register(cli: click.Group) -> None:
    """Add `serve` and `status` to the ipwire command group."""
    cli.add_command(serve_cmd, "serve")
    cli.add_command(status_cmd, "status")
