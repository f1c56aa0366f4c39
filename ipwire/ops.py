"""Run reports and Prefect hooks: what a run did, as Markdown artifacts and failure alerts.

The report builders (`run_report_markdown`, `feed_status_rows`, ...) are plain functions over a
DuckDB connection; only `publish_run_artifacts`, `on_ingest_failure` and
`create_failure_automation` touch Prefect, and they import it when called. The writer lock and
the readers' snapshot live in `ipwire.snapshot`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import duckdb

from ipwire.warehouse import extensions

log = logging.getLogger("ipwire.ops")

# feeds.last_status values that mean the last check worked (see warehouse/migrations/0001).
OK_FEED_STATUSES = ("ok", "not_modified", "unchanged")
REPORT_KEY = "ingest-report"
FEED_STATUS_KEY = "feed-status"
FAILURE_KEY = "ingest-failure"
WEEKLY_REPORT_KEY = "weekly-report"


# --- refusals that say what allows them -----------------------------------------------------

ALLOW_HOSTS_HINT = (
    "ipwire refuses loopback, private, link-local and reserved addresses; to fetch from such a "
    "host on purpose, list it in [http] allow_hosts or IPWIRE_ALLOW_HOSTS (names, addresses "
    "or networks, comma-separated)"
)
_HINTS = (
    # (reason, words in the detail, hint): the first match wins
    ("refused", ("address", "resolves to"), ALLOW_HOSTS_HINT),
    ("refused", ("scheme",), "only http and https URLs are fetched"),
    (
        "refused",
        ("robots.txt",),
        "the site's robots.txt disallows ipwire; [http] respect_robots = false overrides it "
        "(ask the site first)",
    ),
    (
        "",
        ("too large", "exceeds", "> limit"),
        "raise [http] max_bytes or [sources] max_file_bytes if the input is genuine",
    ),  # fmt: skip
    ("too_large", (), "raise [sources] max_file_bytes if the file is genuine"),
)


def rejection_hint(reason: str, detail: str | None) -> str | None:
    """What setting allows a refused input, when one does (None for ordinary rejections).

    A private address refused while fetching robots.txt is still an address refusal: the
    hint names `IPWIRE_ALLOW_HOSTS`, not robots.txt.
    """
    text = (detail or "").lower()
    for want, words, hint in _HINTS:
        if want and reason != want:
            continue
        if not words or any(w in text for w in words):
            return hint
    return None


# --- run reports: plain functions over a connection ---------------------------------------


def summary_dict(summary: Any) -> dict[str, Any]:
    """A RunSummary (dataclass, object with as_dict, or dict) as a plain dict."""
    if isinstance(summary, dict):
        return dict(summary)
    if hasattr(summary, "as_dict"):
        return summary.as_dict()
    if is_dataclass(summary):
        return asdict(summary)
    return dict(vars(summary))


def _table_exists(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def top_stories(
    conn: duckdb.DuckDBPyConnection, run_id: str | None, limit: int = 10
) -> list[dict[str, Any]]:
    """The run's most relevant new stories: one row per story (best article), by relevance."""
    if not _table_exists(conn, "articles"):
        return []
    where = "is_relevant AND duplicate_of IS NULL"
    params: list[Any] = []
    if run_id:
        where += " AND first_run_id = ?"
        params.append(run_id)
    return _dicts(
        conn.execute(
            f"""
            SELECT title, outlet, url, relevance, n_reports FROM (
                SELECT title, outlet, coalesce(url, source_ref) AS url, relevance,
                       count(*) OVER w AS n_reports,
                       row_number() OVER (w ORDER BY relevance DESC, article_id) AS rk
                FROM articles WHERE {where}
                WINDOW w AS (PARTITION BY coalesce(story_id, article_id))
            ) WHERE rk = 1
            ORDER BY relevance DESC, n_reports DESC, title
            LIMIT {int(limit)}
            """,
            params,
        )
    )


def failed_feeds(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Feeds whose last check did not succeed, with the reason, worst first."""
    if not _table_exists(conn, "feeds"):
        return []
    return _dicts(
        conn.execute(
            """
            SELECT coalesce(name, outlet, feed_url) AS feed, feed_url, last_status,
                   last_http_status, last_note, consecutive_failures, last_success_at
            FROM feeds
            WHERE last_status IS NOT NULL AND last_status NOT IN ?
            ORDER BY consecutive_failures DESC, feed
            """,
            [list(OK_FEED_STATUSES)],
        )
    )


def feed_status_rows(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per-feed health for the table artifact and `ipwire status` (from v_feed_health)."""
    if not _table_exists(conn, "v_feed_health"):
        return []
    return _dicts(
        conn.execute(
            """
            SELECT feed, outlet, last_status, last_success_at, last_failure_at,
                   last_failure_reason, consecutive_failures, articles_last_run,
                   articles_24h, articles_7d, stale
            FROM v_feed_health ORDER BY stale DESC, outlet, feed
            """
        )
    )


def rejection_counts(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """How many items the run rejected, per stage and reason."""
    if not _table_exists(conn, "rejections"):
        return []
    return _dicts(
        conn.execute(
            "SELECT stage, reason, count(*) AS n FROM rejections WHERE run_id = ? "
            "GROUP BY ALL ORDER BY n DESC, stage, reason",
            [run_id],
        )
    )


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if isinstance(value, float):
        text = f"{value:.2f}"
    return " ".join(text.replace("|", "\\|").split())


def _md_table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(_md_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return out


def run_report_markdown(summary: Any, conn: duckdb.DuckDBPyConnection | None) -> str:
    """The run's report: counts, the top relevant stories, failed feeds and rejections."""
    s = summary_dict(summary)
    run_id = s.get("run_id")
    lines = [
        f"# ipwire ingest {run_id or ''}: {s.get('status', '?')}",
        "",
        f"Warehouse: `{s.get('db', '')}`",
        "",
        "| seen | new | duplicate | updated | unchanged | rejected |",
        "|---|---|---|---|---|---|",
        "| "
        + " | ".join(
            str(s.get(k, 0))
            for k in ("seen", "new", "duplicate", "updated", "unchanged", "rejected")
        )
        + " |",
        "",
    ]
    if conn is None:
        lines.append("_The warehouse could not be read for details._")
        return "\n".join(lines)
    stories = top_stories(conn, run_id)
    lines.append("## Top relevant stories")
    if stories:
        for st in stories:
            extra = f", {st['n_reports']} reports" if st["n_reports"] > 1 else ""
            title = _md_cell(st["title"]) or "(untitled)"
            lines.append(
                f"- **{title}** ({_md_cell(st['outlet']) or 'unknown outlet'}, relevance "
                f"{st['relevance']:.2f}{extra}) {_md_cell(st['url'])}"
            )
    else:
        lines.append("_No new relevant story in this run._")
    lines += ["", "## Failed feeds"]
    feeds = failed_feeds(conn)
    if feeds:
        lines += _md_table(
            feeds, ["feed", "last_status", "last_http_status", "last_note", "last_success_at"]
        )
    else:
        lines.append("_None._")
    if run_id:
        lines += ["", "## Rejections"]
        counts = rejection_counts(conn, run_id)
        lines += _md_table(counts, ["stage", "reason", "n"]) if counts else ["_None._"]
    return "\n".join(lines)


# --- Prefect glue (imported lazily) ---------------------------------------------------------


def publish_run_artifacts(summary: Any, db_path: str | os.PathLike[str]) -> dict[str, Any]:
    """Attach the run report (markdown) and per-feed status (table) to the current flow run.

    Call it from the flow after the run, e.g. after `publish_snapshot`; it reads `db_path`
    read-only (pass the snapshot path to be safe while other writers may start). A report
    that cannot read the warehouse still carries the counts. Returns the artifact ids.
    """
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    s = summary_dict(summary)
    conn = None
    try:
        from ipwire.warehouse import db as wh

        if wh.is_lake(str(db_path)):
            conn = wh.connect(str(db_path), read_only=True)
        else:
            conn = extensions.connect(str(db_path), read_only=True)
    except (duckdb.Error, OSError, RuntimeError) as exc:
        log.warning("run report without warehouse details: %s", exc)
    try:
        markdown = run_report_markdown(s, conn)
        feeds = feed_status_rows(conn) if conn is not None else []
    finally:
        if conn is not None:
            conn.close()
    ids: dict[str, Any] = {
        "report": create_markdown_artifact(
            markdown=markdown,
            key=REPORT_KEY,
            description=f"ipwire ingest {s.get('run_id')}: counts, top stories, failures",
        )
    }
    if feeds:
        ids["feeds"] = create_table_artifact(
            table=[{k: _md_cell(v) for k, v in row.items()} for row in feeds],
            key=FEED_STATUS_KEY,
            description="Per-feed status after this run (v_feed_health)",
        )
    return ids


def on_ingest_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect `on_failure` hook: log an unmistakable error line and a failure artifact.

    The flow already marks its `ingest_runs` row failed; this makes the failure visible in the
    Prefect UI (logs and artifacts) and in the worker's output. Alerts go through the
    automation in deployments/automation-failure.yaml.
    """
    from prefect.logging.loggers import flow_run_logger

    message = getattr(state, "message", None) or getattr(state, "name", "failed")
    params = getattr(flow_run, "parameters", None) or {}
    logger = flow_run_logger(flow_run=flow_run, flow=flow)
    logger.error(
        "INGEST FAILED: flow run %s (%s) ended %s: %s; parameters %s",
        getattr(flow_run, "name", "?"),
        getattr(flow_run, "id", "?"),
        getattr(state, "type", "FAILED"),
        message,
        params,
    )
    try:
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(
            markdown=failure_markdown(flow_run, state, _failed_summary(state)),
            key=FAILURE_KEY,
            description="Why the ingest failed: each failed source and its reason",
        )
    except Exception as exc:  # a hook must never raise
        logger.warning("could not create the failure artifact: %s", exc)


def _failed_summary(state: Any) -> dict[str, Any] | None:
    """The run summary a failed ingest carries on its exception (RunFailed), if any."""
    try:
        exc = state.result(raise_on_failure=False)
    except Exception:  # the result may be gone; the artifact still names the failure
        return None
    summary = getattr(exc, "summary", None)
    return summary_dict(summary) if summary is not None else None


def describe_refusal(detail: str | None) -> str:
    """A refusal's detail with the real reason first: an address refused while asking for
    robots.txt is an address refusal, not a robots.txt one."""
    text = detail or ""
    prefix = "robots.txt refused: "
    if text.startswith(prefix):
        return f"address refused (while fetching robots.txt): {text[len(prefix) :]}"
    return text


def failure_markdown(flow_run: Any, state: Any, summary: dict[str, Any] | None) -> str:
    """The failure artifact: what failed, then each failed source with its reason and, where
    a setting would allow it, that setting."""
    message = getattr(state, "message", None) or getattr(state, "name", "failed")
    params = getattr(flow_run, "parameters", None) or {}
    lines = [
        "# INGEST FAILED",
        "",
        f"Flow run `{getattr(flow_run, 'name', '?')}` (`{getattr(flow_run, 'id', '?')}`) ended "
        f"**{getattr(state, 'name', 'Failed')}**.",
        "",
        "```",
        str(message),
        "```",
        "",
        f"Parameters: `{params}`",
        "",
    ]
    rejected = (summary or {}).get("rejections") or []
    if summary is not None:
        lines += [
            f"Run `{summary.get('run_id')}`: {summary.get('sources_read', 0)} sources read, "
            f"{summary.get('sources_failed', 0)} failed; {summary.get('note') or ''}",
            "",
        ]
    if rejected:
        lines += ["## Failed sources", ""]
        rows = [
            {
                "source": r.get("source_ref"),
                "stage": r.get("stage"),
                "reason": r.get("reason"),
                "detail": describe_refusal(r.get("detail")),
                "what allows it": rejection_hint(r.get("reason", ""), r.get("detail")) or "",
            }
            for r in rejected
        ]
        lines += _md_table(rows, ["source", "stage", "reason", "detail", "what allows it"])
        if len(rejected) < int(summary.get("rejected") or 0):
            lines.append(f"\n… and {int(summary['rejected']) - len(rejected)} more: see the "
                         "`rejections` table")  # fmt: skip
        lines.append("")
    lines.append("See `ipwire status` and the `ingest_runs` and `rejections` tables.")
    return "\n".join(lines)


def sync_retired_feeds(conn: duckdb.DuckDBPyConnection, feeds: Any, source: str) -> int:
    """Record the feeds the configuration marks `retired = true` (FeedConfig.retired) in
    `feed_retirements`, so they stop alarming; returns how many were new. Feeds retired by
    the configuration and no longer marked there are brought back; CLI retirements stay."""
    from ipwire.warehouse.lake import insert_new, run_batch

    retired = [f.url for f in feeds if getattr(f, "retired", False)]
    tag = f"config:{source}"
    stale = conn.execute(
        "SELECT count(*) FROM feed_retirements WHERE retired_by LIKE 'config:%'"
        " AND NOT list_contains(?, feed_url)",
        [retired],
    ).fetchone()[0]
    have = {r[0] for r in conn.execute("SELECT feed_url FROM feed_retirements").fetchall()}
    if not stale and set(retired) <= have:
        return 0  # nothing to write (no transaction, so idle writers never contend here)

    def write(c: duckdb.DuckDBPyConnection) -> int:
        c.execute(
            "DELETE FROM feed_retirements WHERE retired_by LIKE 'config:%'"
            " AND NOT list_contains(?, feed_url)",
            [retired],
        )
        rows = [[url, "retired = true in the configuration", tag] for url in retired]
        return insert_new(c, "feed_retirements", rows, columns=["feed_url", "note", "retired_by"])

    return run_batch(conn, write, claims=["feed_retirements"])


AUTOMATION_FILE = Path(__file__).resolve().parents[1] / "deployments" / "automation-failure.yaml"
WEBHOOK_PLACEHOLDER = "WEBHOOK_BLOCK_DOCUMENT_ID"


def create_failure_automation(
    webhook_url: str,
    *,
    block_name: str = "ipwire-failure-webhook",
    spec_file: str | os.PathLike[str] = AUTOMATION_FILE,
) -> str:
    """Save a Webhook block for `webhook_url` and create the failure automation on the server.

    Reads deployments/automation-failure.yaml, puts the block's id in place of
    `WEBHOOK_BLOCK_DOCUMENT_ID` and creates it through the API of PREFECT_API_URL.
    Returns the automation id. Running it again replaces the block value and adds nothing
    if an automation of the same name exists.
    """
    import yaml
    from prefect.blocks.webhook import Webhook
    from prefect.client.orchestration import get_client
    from prefect.events.schemas.automations import AutomationCore
    from prefect.utilities.asyncutils import run_coro_as_sync

    block_id = Webhook(method="POST", url=webhook_url).save(block_name, overwrite=True)
    text = Path(spec_file).read_text(encoding="utf-8").replace(WEBHOOK_PLACEHOLDER, str(block_id))
    spec = yaml.safe_load(text)
    automation = AutomationCore.model_validate(spec)

    async def _create() -> str:
        async with get_client() as client:
            for existing in await client.read_automations_by_name(automation.name):
                return str(existing.id)
            return str(await client.create_automation(automation))

    return run_coro_as_sync(_create())
