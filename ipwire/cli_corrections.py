"""`ipwire correct` and `ipwire corrections`: analysts' labels, kept and exported for fitting."""

from __future__ import annotations

import json
from typing import Any

import click

from ipwire.cli_common import db_option, open_reader
from ipwire.records import TOPICS


@click.command()
@click.argument("article_id")
@db_option
@click.option("--relevance", type=click.IntRange(0, 2), help="0 not, 1 secondary angle, 2 central.")
@click.option("--topics", help=f"Comma-separated, from: {', '.join(TOPICS)} (empty for none).")
@click.option("--tone", type=click.IntRange(-2, 2), help="-2 violent … +2 concrete cooperation.")
@click.option("--note", help="Why, in one sentence.")
@click.option("--analyst", envvar="USER", help="Who decided (default $USER).")
def correct(
    article_id: str,
    db: str | None,
    relevance: int | None,
    topics: str | None,
    tone: int | None,
    note: str | None,
    analyst: str | None,
) -> None:
    """Record an analyst's correction of an article's labels (kept in label_corrections).

    Scales follow the labelling guideline of the evaluation set, so `ipwire corrections`
    can feed later evaluations.

    Example: ipwire correct 3f2a9c0d1e2b4a5f --relevance 0 --note "domestic politics only"
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
    from ipwire import snapshot

    db_file = wh.db_path(db)
    with (
        snapshot.writer_lock(db_file, log_fn=lambda m: click.echo(m, err=True)),
        wh.connect(db_file) as conn,
    ):
        if not conn.execute("SELECT 1 FROM articles WHERE article_id = ?", [article_id]).fetchone():
            raise click.ClickException(f"no article {article_id} in the warehouse")
        for field_name, value in values.items():
            conn.execute(
                "INSERT INTO label_corrections (article_id, field, value, note, analyst)"
                " VALUES (?, ?, ?, ?, ?)",
                [article_id, field_name, json.dumps(value), note, analyst],
            )
    click.echo(f"recorded {', '.join(f'{k}={v}' for k, v in values.items())} for {article_id}")


@click.command()
@db_option
def corrections(db: str | None) -> None:
    """Export corrected articles as evaluation labels (JSONL), latest correction per field.

    Fields nobody corrected come from the classifier's own labels, mapped onto the guideline
    scales; `story` is the article's story, so folds keep copies of one report together.
    Feed the file to `python bench/fit_classify.py --labels FILE` (the next fit) and
    `python bench/eval_classify.py --labels FILE`.

    Example: ipwire corrections > corrected.jsonl
    """

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
                "tone": round(2 * tone) if tone is not None else None,
                # the warehouse's story: copies and rewrites of one report share a fold
                "story": story,
                "date": date,
                "outlet": outlet,
                "note": "",
            },
        )
        item[field_name] = json.loads(value)
        item["note"] = "; ".join(filter(None, [item["note"], note]))
    for item in items.values():
        click.echo(json.dumps(item, ensure_ascii=False))


def register(cli: click.Group) -> None:
    cli.add_command(correct)
    cli.add_command(corrections)
