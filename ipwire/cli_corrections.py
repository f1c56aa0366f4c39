"""`ipwire correct` and `ipwire corrections`: analysts' labels, kept and exported for fitting.

One tone scale: the warehouse's, a number in [-1, 1] from conflict to cooperation, is what
`correct --tone` takes and what `label_corrections` stores. The evaluation labels use the
labelling guideline's integers -2..+2, so `ipwire corrections` exports round(2 x tone).
"""

from __future__ import annotations

import getpass
import json
import os
from typing import Any

import click

from ipwire import exit_codes
from ipwire.cli_common import db_option, open_reader
from ipwire.cli_ops import fail, require_warehouse
from ipwire.records import TOPICS

ANALYST_ENV = "IPWIRE_ANALYST"


def analyst_name(given: str | None = None) -> str:
    """Who decided: --analyst, else IPWIRE_ANALYST, else the OS account (never empty)."""
    for name in (given, os.environ.get(ANALYST_ENV)):
        if name and name.strip():
            return name.strip()
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):
        pass
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def tone_label(tone: float | None) -> int | None:
    """A tone in [-1, 1] as the evaluation labels' integer -2..+2."""
    return None if tone is None else max(-2, min(2, round(2 * tone)))


@click.command()
@click.argument("article_id")
@db_option
@click.option("--relevance", type=click.IntRange(0, 2), help="0 not, 1 secondary angle, 2 central.")
@click.option("--topics", help=f"Comma-separated, from: {', '.join(TOPICS)} (empty for none).")
@click.option(
    "--tone",
    type=click.FloatRange(-1.0, 1.0),
    help="The warehouse's scale: -1 conflict … 0 neutral … +1 cooperation.",
)
@click.option("--note", help="Why, in one sentence.")
@click.option("--analyst", help="Who decided (default $IPWIRE_ANALYST, else the OS user).")
def correct(
    article_id: str,
    db: str | None,
    relevance: int | None,
    topics: str | None,
    tone: float | None,
    note: str | None,
    analyst: str | None,
) -> None:
    """Record an analyst's correction of an article's labels (kept in label_corrections).

    Relevance uses the labelling guideline's 0/1/2; tone the warehouse's [-1, 1] (as in
    `articles.tone`); `ipwire corrections` exports tone as the guideline's -2..+2.

    Example: ipwire correct 3f2a9c0d1e2b4a5f --relevance 0 --tone -0.5 --note "domestic only"
    """
    from ipwire.warehouse import db as wh

    values: dict[str, object] = {}
    if relevance is not None:
        values["relevance"] = relevance
    if topics is not None:
        chosen = [t.strip() for t in topics.split(",") if t.strip()]
        unknown = sorted(set(chosen) - set(TOPICS))
        if unknown:
            raise click.BadParameter(
                f"unknown topic(s) {', '.join(unknown)}; valid: {', '.join(TOPICS)}",
                param_hint="--topics",
            )
        values["topics"] = chosen
    if tone is not None:
        values["tone"] = tone
    if not values:
        raise click.UsageError("give at least one of --relevance, --topics, --tone")
    who = analyst_name(analyst)
    from ipwire import snapshot

    db_file = require_warehouse(db, live=True)
    with (
        snapshot.writer_lock(db_file, log_fn=lambda m: click.echo(m, err=True)),
        wh.connect(db_file) as conn,
    ):
        if not conn.execute("SELECT 1 FROM articles WHERE article_id = ?", [article_id]).fetchone():
            conn.close()
            fail(f"no article {article_id} in the warehouse {db_file}", exit_codes.NOT_FOUND)
        for field_name, value in values.items():
            conn.execute(
                "INSERT INTO label_corrections (article_id, field, value, note, analyst)"
                " VALUES (?, ?, ?, ?, ?)",
                [article_id, field_name, json.dumps(value), note, who],
            )
        conn.close()
        snapshot.publish_snapshot(db_file)  # readers and exports see it at once
    shown = ", ".join(f"{k}={v}" for k, v in values.items())
    click.echo(f"recorded {shown} for {article_id} by {who}")


@click.command()
@db_option
def corrections(db: str | None) -> None:
    """Export corrected articles as evaluation labels (JSONL), latest correction per field.

    Fields nobody corrected come from the classifier's own labels, mapped onto the guideline
    scales: relevance 0/2 from is_relevant, tone round(2 x tone) as an integer -2..+2 (the
    warehouse stores [-1, 1]). `story` is the article's story, so folds keep copies of one
    report together. Feed the file to `python bench/fit_classify.py --labels FILE` (the next
    fit) and `python bench/eval_classify.py --labels FILE`.

    Example: ipwire corrections > corrected.jsonl
    """
    require_warehouse(db)
    with open_reader(db) as conn:
        rows = conn.execute(
            "SELECT a.article_id, a.url, a.title, a.body, a.outlet, a.published_date::VARCHAR,"
            " a.is_relevant, a.tone, coalesce(a.story_id, a.duplicate_of, a.article_id),"
            " (SELECT list(topic ORDER BY topic) FROM article_topics t"
            "   WHERE t.article_id = a.article_id) AS topics,"
            " c.field, c.value, c.note"
            " FROM articles a JOIN (SELECT *, row_number() OVER (PARTITION BY article_id, field"
            '   ORDER BY "at" DESC) AS rn FROM label_corrections) c'
            "   ON c.article_id = a.article_id AND c.rn = 1"
            " ORDER BY a.article_id, c.field"
        ).fetchall()
    items: dict[str, dict[str, Any]] = {}
    notes: dict[str, dict[str, None]] = {}
    for row in rows:
        aid, url, title, body, outlet, date, relevant, tone, story, topics = row[:10]
        field_name, value, note = row[10:]
        item = items.setdefault(
            aid,
            {
                "id": aid,
                "url": url,
                "text": f"{title}\n\n{body}" if title else body,
                "relevance": 2 if relevant else 0,
                "topics": topics or [],
                "tone": tone_label(tone),
                # the warehouse's story: copies and rewrites of one report share a fold
                "story": story,
                "date": date,
                "outlet": outlet,
                "note": "",
            },
        )
        value = json.loads(value)
        item[field_name] = tone_label(value) if field_name == "tone" else value
        if note:  # one `correct` of three fields stores its note three times: keep it once
            notes.setdefault(aid, {})[note] = None
    for aid, item in items.items():
        item["note"] = "; ".join(notes.get(aid, {}))
        click.echo(json.dumps(item, ensure_ascii=False))


def register(cli: click.Group) -> None:
    cli.add_command(correct)
    cli.add_command(corrections)
