"""The `ipwire` command: the documented face of the same functions the flows call."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import click

from ipwire import __version__
from ipwire.cli_common import (
    cell,
    config_option,
    db_option,
    format_option,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ipwire")
def cli() -> None:
    """ipwire: India–Pakistan relations news, cleaned, deduplicated, classified, in DuckDB.

    Example: ipwire ingest seeds/ && ipwire sql "SELECT title, relevance FROM articles"
    """


@cli.command()
@click.argument("sources", nargs=-1)
@db_option
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
def ingest(sources: tuple[str, ...], db: str | None, config: str | None, as_json: bool) -> None:
    """Run the ingest flow over files, folders (recursive), feed URLs or article URLs.

    With no SOURCE the configured sources are read. Exits 0 when the run completed, even if
    some items were rejected; 1 when it failed or no source could be read.

    Example: ipwire ingest seeds/ --db data/ipwire.duckdb
    """
    from ipwire import prefect_env
    from ipwire.config import load_settings
    from ipwire.tasks.classify import load_taxonomy

    try:  # bad settings or taxonomy fail here, before any work starts
        settings = load_settings(config)
        load_taxonomy(settings.classify.taxonomy or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    prefect_env.configure()
    from ipwire.flows.ingest import RunFailed
    from ipwire.flows.ingest import ingest as ingest_flow

    started = time.monotonic()
    try:
        summary = ingest_flow(sources=list(sources) or None, db=db, config=config)
    except RunFailed as exc:  # completed its bookkeeping, but read nothing
        summary = exc.summary
    except Exception as exc:  # the flow already marked the run failed
        click.echo(f"ingest failed: {type(exc).__name__}: {exc}", err=True)
        _grace()
        sys.exit(1)
    elapsed = time.monotonic() - started
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_summary(summary, elapsed))
    _grace()
    sys.exit(0 if summary.status == "completed" else 1)


def _grace() -> None:
    """Let embedded Prefect flush its task-run records before the process exits."""
    from ipwire import prefect_env

    if prefect_env.embedded():
        time.sleep(prefect_env.EXIT_GRACE_SECONDS)


def format_summary(summary: Any, elapsed: float) -> str:
    lines = [
        f"run {summary.run_id} {summary.status} in {elapsed:.1f}s -> {summary.db}",
        f"  seen {summary.seen}  new {summary.new}  duplicate {summary.duplicate}  "
        f"updated {summary.updated}  unchanged {summary.unchanged}  rejected {summary.rejected}",
    ]
    if summary.note:
        lines.append(f"  note: {summary.note}")
    for r in summary.rejections[:20]:
        lines.append(f"  rejected {r['source_ref']}: {r['reason']} ({r['detail']})")
    if summary.rejected > 20:
        lines.append(f"  … and {summary.rejected - 20} more: see the rejections table")
    return "\n".join(lines)


def _extract_one(path: str) -> dict[str, Any]:
    from ipwire.tasks.clean import extract_path

    return extract_path(path)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@format_option(("text", "jsonl"), "text")
@click.option("--workers", type=int, default=0, help="Processes (0 = one per core).")
def extract(paths: tuple[str, ...], fmt: str, workers: int) -> None:
    """The clean stage alone, no database: one result per input file, in input order.

    jsonl lines are {"id", "source", "title", "published_at", "text",
    "stripped": [{"kind", "text"}]}.

    Example: ipwire extract seeds/004_bf9fe9c0b96d4580.txt --format jsonl
    """
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(paths) > 4:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(_extract_one, paths, chunksize=4)
            _emit_extractions(results, fmt)
    else:
        _emit_extractions(map(_extract_one, paths), fmt)


def _emit_extractions(results: Iterable[dict[str, Any]], fmt: str) -> None:
    for result in results:
        if fmt == "jsonl":
            click.echo(json.dumps(result, ensure_ascii=False))
            continue
        click.echo(f"== {result['source']}")
        if result.get("error"):
            click.echo(f"rejected: {result['error']} ({result.get('detail', '')})")
            continue
        click.echo(f"title: {result.get('title') or ''}")
        click.echo(f"published_at: {result.get('published_at') or ''}")
        click.echo("")
        click.echo(result["text"])
        click.echo("")
        for block in result["stripped"]:
            click.echo(f"[stripped {block['kind']}] {cell(block['text'], 90)}")


@cli.command("classify")
@click.argument("file", default="-", type=click.File("r", encoding="utf-8"))
@format_option(("jsonl",), "jsonl")
@config_option
def classify_cmd(file: io.TextIOBase, fmt: str, config: str | None) -> None:
    """The classify stage alone: JSONL {"id", "text"[, "title"]} in, labels with evidence out.

    Example: echo '{"id": "a", "text": "India and Pakistan resumed talks."}' | ipwire classify
    """
    from ipwire.config import load_settings
    from ipwire.tasks.classify import classification_to_json, classify, load_taxonomy

    settings = load_settings(config)
    taxonomy = load_taxonomy(settings.classify.taxonomy or None)
    for n, line in enumerate(file, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            click.echo(f"line {n}: skipped, not a JSON object with a text: {exc}", err=True)
            continue
        result = classify(text, item.get("title"), taxonomy=taxonomy)
        click.echo(
            json.dumps(classification_to_json(str(item.get("id", n)), result), ensure_ascii=False)
        )


@cli.command()
@db_option
@config_option
def reprocess(db: str | None, config: str | None) -> None:
    """Re-run clean, dedup, classify and load from the stored raw documents, offline.

    Use it after cleaning rules improve: texts that now clean differently become new
    revisions; the rest are left as they are.

    Example: ipwire reprocess --db data/ipwire.duckdb
    """
    from ipwire import prefect_env

    prefect_env.configure()
    from ipwire.flows.ingest import reprocess as reprocess_flow

    started = time.monotonic()
    summary = reprocess_flow(db=db, config=config)
    click.echo(format_summary(summary, time.monotonic() - started))
    _grace()


@cli.command()
@db_option
@config_option
@click.option("--page", default=500, show_default=True, help="Articles per transaction.")
def reclassify(db: str | None, config: str | None, page: int) -> None:
    """Re-score every article with the current taxonomy; only label columns change.

    Example: ipwire reclassify --db data/ipwire.duckdb
    """
    from ipwire.config import load_settings
    from ipwire.tasks import load as load_mod
    from ipwire.tasks.classify import classify_many, load_taxonomy
    from ipwire.warehouse import db as wh

    try:
        settings = load_settings(config)
        taxonomy = load_taxonomy(settings.classify.taxonomy or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    from ipwire import snapshot

    seen = changed = 0
    db_file = wh.db_path(db)
    with (
        snapshot.writer_lock(db_file, log_fn=lambda m: click.echo(m, err=True)),
        wh.connect(db_file) as conn,
    ):
        after = ""
        while rows := load_mod.articles_for_relabel(conn, after, page):
            labels = classify_many([(body, title) for _, body, title in rows], taxonomy=taxonomy)
            changed += load_mod.relabel(
                conn, [(r[0], c) for r, c in zip(rows, labels, strict=True)]
            )
            seen += len(rows)
            after = rows[-1][0]
        conn.close()
        snapshot.publish_snapshot(db_file)  # readers see the new labels
    version = labels[0].classifier_version if seen else "-"
    click.echo(f"reclassified {seen} articles with {version}: {changed} changed")


@cli.command()
@db_option
@config_option
def recluster(db: str | None, config: str | None) -> None:
    """Re-cluster every stored article into stories with key weights read afresh.

    Each run already does this while the warehouse holds at most `dedup.full_recluster_max`
    articles; above that a run re-clusters only around its own articles, and this command
    (weekly, say) makes the stories depend only on what is stored, not on arrival order.

    Example: ipwire recluster --db data/ipwire.duckdb
    """
    from ipwire import snapshot
    from ipwire.config import load_settings
    from ipwire.tasks import dedup as dedup_mod
    from ipwire.warehouse import db as wh

    try:
        settings = load_settings(config)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db_file = wh.db_path(db)
    if not db_file.exists():
        raise click.ClickException(f"no warehouse at {db_file}: run `ipwire ingest` first")
    with (
        snapshot.writer_lock(db_file, log_fn=lambda m: click.echo(m, err=True)),
        wh.connect(db_file) as conn,
    ):
        moved = dedup_mod.recluster_all(conn, settings.dedup)
        n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        stories = conn.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0]
        conn.close()
        snapshot.publish_snapshot(db_file)
    click.echo(f"reclustered {n} articles into {stories} stories: {moved} re-pointed")


@cli.group("db")
def db_group() -> None:
    """Warehouse schema: migrations and views."""


@db_group.command("migrate")
@db_option
@click.option("--list", "list_only", is_flag=True, help="Show pending migrations, apply none.")
def db_migrate(db: str | None, list_only: bool) -> None:
    """Apply pending numbered migrations (each in a transaction with its log row).

    Example: ipwire db migrate --list
    """
    from ipwire.warehouse import db as wh

    conn = wh.connect(db, migrate_schema=False)
    try:
        if list_only:
            todo = wh.pending(conn)
            for m in todo:
                click.echo(f"pending {m.version:04d}_{m.name}")
            click.echo(f"{len(todo)} pending")
            return
        done = wh.migrate(conn)
        for m in done:
            click.echo(f"applied {m.version:04d}_{m.name}")
        click.echo(
            f"{len(done)} applied; schema at version "
            f"{max(wh.applied_versions(conn), default=0):04d}"
        )
    finally:
        conn.close()


@cli.group("config")
def config_group() -> None:
    """Settings: packaged defaults overlaid by ipwire.toml."""


@config_group.command("show")
@config_option
def config_show(config: str | None) -> None:
    """Print the effective settings as JSON, with the files they came from.

    Example: ipwire config show --config ipwire.toml
    """
    from ipwire.config import ConfigError, load_settings

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        json.dumps({"files": settings.files, **settings.as_dict()}, indent=2, ensure_ascii=False)
    )


from ipwire import cli_corrections, cli_desk, cli_ops, cli_sql  # noqa: E402

for _module in (cli_ops, cli_sql, cli_corrections, cli_desk):
    _module.register(cli)


def main() -> None:
    cli(prog_name="ipwire")


if __name__ == "__main__":
    main()
