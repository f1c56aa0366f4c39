"""The `ipwire` command: the documented face of the same functions the flows call.

Every expected failure is one or two lines (what, why, what to do) with its own exit code
(`ipwire.exit_codes`); a traceback only with `--debug`. Inputs, configuration and the
warehouse path are checked before Prefect starts, so a typo costs well under two seconds.
"""

from __future__ import annotations

import functools
import io
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import click

from ipwire import __version__, exit_codes, progress
from ipwire.cli_common import cell, config_option, db_option, format_option
from ipwire.cli_ops import (
    Failure,
    check_lake,
    check_writable_warehouse,
    debugging,
    fail,
    quiet,
    require_warehouse,
)

DEBUG_ENV = "IPWIRE_DEBUG"


def explain(exc: BaseException) -> Failure:
    """An exception the user can act on, as a short message with its exit code."""
    from ipwire import snapshot
    from ipwire.config import ConfigError

    name = type(exc).__name__
    if isinstance(exc, ConfigError) or name == "TaxonomyError":
        return Failure(str(exc), exit_codes.CONFIG)
    if isinstance(exc, snapshot.WriterBusy):
        return Failure(f"{exc}: try again when the running ingest has finished", exit_codes.BUSY)
    if isinstance(exc, FileNotFoundError):
        return Failure(str(exc), exit_codes.NOT_FOUND)
    if name == "IOException" and "lock" in str(exc).lower():
        return Failure(f"the warehouse is locked by another process: {exc}", exit_codes.BUSY)
    return Failure(
        f"{name}: {exc}\n(an unexpected error: `ipwire --debug ...` shows the traceback)",
        exit_codes.FAILED,
    )


class IpwireGroup(click.Group):
    """Turns an exception escaping a command into `explain`'s message, unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            # the reader of stdout went away (`ipwire extract … | head`): stop quietly, as
            # Unix tools do, and keep Python's exit-time flush from failing on the pipe too
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(exit_codes.PIPE_CLOSED) from None
        except Exception as exc:
            if debugging(ctx):
                raise
            raise explain(exc) from exc


@click.group(cls=IpwireGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ipwire")
@click.option("--debug", is_flag=True, envvar=DEBUG_ENV, help="Show tracebacks (env IPWIRE_DEBUG).")
@click.option("--quiet", "-q", is_flag=True, help="No progress display on stderr.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """ipwire: India–Pakistan relations news, cleaned, deduplicated, classified, in DuckDB.

    Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 some inputs rejected, 4 not found,
    5 configuration, 6 busy or unreachable, 7 nothing usable, 141 stdout closed early
    (README "Exit codes").

    Example: ipwire ingest seeds/ && ipwire sql "SELECT title, relevance FROM articles"
    """
    ctx.obj = {"debug": debug, "quiet": quiet}


# --- checks before any work ------------------------------------------------------------------


def missing_paths(sources: Iterable[str]) -> list[str]:
    from ipwire.tasks.sources import is_url

    return [s for s in sources if not is_url(s) and not Path(s).expanduser().exists()]


def preflight(
    sources: tuple[str, ...], db: str | None, config: str | None, shard: str | None = None
) -> Any:
    """Everything that can be checked without Prefect: the shard, settings (all problems at
    once), the taxonomy, the SOURCE paths and the warehouse path. Returns the settings."""
    from ipwire.config import load_settings
    from ipwire.tasks.classify import load_taxonomy
    from ipwire.tasks.shard import parse_shard

    try:
        parse_shard(shard)
    except ValueError as exc:
        fail(str(exc), exit_codes.USAGE)
    settings = load_settings(config)
    load_taxonomy(settings.classify.taxonomy or None)
    missing = missing_paths(sources)
    if missing:
        fail(
            f"no such file or folder: {', '.join(missing)} (nothing was ingested)",
            exit_codes.NOT_FOUND,
        )
    active_feeds = [f for f in settings.feeds if not (isinstance(f, dict) and f.get("retired"))]
    if not (sources or settings.sources.paths or active_feeds):
        fail(
            "nothing to read: give SOURCE paths or URLs, or configure [sources] paths / [[feeds]]",
            exit_codes.USAGE,
        )
    if not check_lake(db):
        check_writable_warehouse(db)
    return settings


def start_prefect() -> None:
    """Prefect settings, a running local server when there is one, else the embedded server
    started early (its start-up overlaps the imports), never orphaned, and console tracebacks
    only with --debug. Called after the inputs were checked."""
    import importlib

    from ipwire import prefect_env

    prefect_env.configure()
    prefect_env.use_running_server()
    prefect_env.start_embedded_server_early()
    prefect_env.tie_embedded_server_to_process()
    if not debugging():
        prefect_env.hide_console_tracebacks()
    importlib.import_module("ipwire.flows.ingest")  # the slow imports, while the server starts
    prefect_env.adopt_early_server()


def _grace() -> None:
    """Let embedded Prefect flush its task-run records before the process exits."""
    from ipwire import prefect_env

    if prefect_env.embedded():
        time.sleep(prefect_env.EXIT_GRACE_SECONDS)


# --- ingest and reprocess ----------------------------------------------------------------------


@cli.command()
@click.argument("sources", nargs=-1)
@db_option
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.option("--shard", metavar="K/N", help="Only hosts (files: paths) in shard K of N.")
def ingest(
    sources: tuple[str, ...], db: str | None, config: str | None, as_json: bool, shard: str | None
) -> None:
    """Run the ingest flow over files, folders (recursive), feed URLs or article URLs.

    With no SOURCE the configured sources are read. `--shard K/N` (N cron jobs) takes the
    feeds and URLs whose host hashes to K (one host is always fetched by one job) and the
    files whose path does. Exits 0 when the run completed, even if some items were rejected
    (each is listed); 2 on a bad --shard, 4 when a SOURCE does not exist, 5 on bad
    configuration (before anything starts), 7 when no source could be read, 1 on a failure.

    Example: ipwire ingest seeds/ --db data/ipwire.duckdb
    """
    preflight(sources, db, config, shard)
    start_prefect()
    from ipwire.flows.ingest import RunFailed
    from ipwire.flows.ingest import ingest as ingest_flow

    started = time.monotonic()
    try:
        with progress.showing(progress.wanted(quiet=quiet())):
            progress.starting("ingest")
            summary = ingest_flow(sources=list(sources) or None, db=db, config=config, shard=shard)
    except RunFailed as exc:  # completed its bookkeeping, but read nothing
        summary = exc.summary
    except Exception:
        _grace()
        raise
    finish_run(summary, time.monotonic() - started, as_json)


def finish_run(summary: Any, elapsed: float, as_json: bool = False) -> None:
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_summary(summary, elapsed))
    _grace()  # after the summary: the answer is out while Prefect's records flush
    if summary.status == "completed":
        return
    # nothing usable to read is NOTHING; a run that failed on the way (a full disk) is FAILED
    nothing = summary.sources_read == 0 and not (summary.note or "").startswith("disk full")
    code = exit_codes.NOTHING if nothing else exit_codes.FAILED
    raise click.exceptions.Exit(code)


def format_summary(summary: Any, elapsed: float) -> str:
    from ipwire.ops import describe_refusal, rejection_hint

    lines = [
        f"run {summary.run_id} {summary.status} in {elapsed:.1f}s -> {summary.db}",
        f"  seen {summary.seen}  new {summary.new}  duplicate {summary.duplicate}  "
        f"updated {summary.updated}  unchanged {summary.unchanged}  rejected {summary.rejected}",
    ]
    if summary.note:
        lines.append(f"  note: {summary.note}")
    hints: dict[str, None] = {}
    for r in summary.rejections[:20]:
        detail = describe_refusal(r["detail"])
        lines.append(f"  rejected {r['source_ref']}: {r['reason']} ({detail})")
        hint = rejection_hint(r["reason"], r["detail"])
        if hint:
            hints[hint] = None
    if summary.rejected > 20:
        lines.append(f"  … and {summary.rejected - 20} more: see the rejections table")
    lines += [f"  hint: {h}" for h in hints]
    return "\n".join(lines)


@cli.command()
@db_option
@config_option
def reprocess(db: str | None, config: str | None) -> None:
    """Re-run clean, dedup, classify and load from the stored raw documents, offline.

    Use it after cleaning rules improve: texts that now clean differently become new
    revisions; the rest are left as they are. The warehouse must exist.

    Example: ipwire reprocess --db data/ipwire.duckdb
    """
    from ipwire.config import load_settings

    require_warehouse(db, live=True)
    load_settings(config)
    start_prefect()
    from ipwire.flows.ingest import RunFailed
    from ipwire.flows.reprocess import reprocess as reprocess_flow

    started = time.monotonic()
    try:
        with progress.showing(progress.wanted(quiet=quiet())):
            progress.starting("reprocess")
            summary = reprocess_flow(db=db, config=config)
    except RunFailed as exc:  # e.g. the readers' snapshot could not be published
        summary = exc.summary
    except Exception:
        _grace()
        raise
    finish_run(summary, time.monotonic() - started)


# --- extract and classify: one stage alone, no database --------------------------------------


def _order(ref: str) -> int:
    """Position of a record inside its file (path#L12, path#3), 0 for a whole file."""
    frag = ref.rpartition("#")[2] if "#" in ref else ""
    digits = frag.lstrip("L")
    return int(digits) if digits.isdigit() else 0


class ExtractionInputs:
    """(name to show, RawDoc or Rejection) in input order, read lazily the way `ingest` reads
    them: folders (recursive), JSON lines / JSON records (one item each), .gz. `total` is the
    number of inputs known so far (files not yet opened count one each), so memory stays
    bounded by the read-ahead, not by the folder."""

    def __init__(self, paths: tuple[str, ...], settings: Any) -> None:
        from ipwire.tasks import sources

        self.settings = settings
        self.found: list[tuple[str, Any]] = []
        for given in paths:
            files, rejections = sources.discover([given], settings.sources.extensions)
            root = Path(given).expanduser()
            self.found += [(r.source_ref, r) for r in rejections]
            for f in files:
                shown = str(root / f.relative_to(root.resolve())) if root.is_dir() else given
                self.found.append((shown, f))
        self.total = len(self.found)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        from ipwire.records import Rejection
        from ipwire.tasks import sources

        for shown, f in self.found:
            if isinstance(f, Rejection):
                yield shown, f
                continue
            raws, rejected = sources.read_file(f, "", self.settings.sources.max_file_bytes)
            items = sorted([*raws, *rejected], key=lambda x: _order(x.source_ref))
            self.total += len(items) - 1
            for item in items:
                ref = item.source_ref
                yield (shown + ref[len(str(f)) :] if ref.startswith(str(f)) else ref), item


def ordered_map(pool: ProcessPoolExecutor, fn: Any, items: Iterable[Any], ahead: int = 256):
    """`fn` over `items` in worker processes, results in input order, at most `ahead` items
    in flight (Executor.map would submit, and so read, every input first)."""
    queue: deque = deque()
    for item in items:
        queue.append(pool.submit(fn, item))
        if len(queue) >= ahead:
            yield queue.popleft().result()
    while queue:
        yield queue.popleft().result()


def _clean_one(job: tuple[str, Any], budget: Any = None) -> dict[str, Any]:
    """One extraction result (run in worker processes), within the `[clean]` budget."""
    from ipwire.records import Rejection
    from ipwire.tasks.clean import clean_document, extraction_row

    shown, item = job
    ident = Path(shown.split("#", 1)[0]).name.split(".", 1)[0]
    if "#" in shown:
        ident += "#" + shown.split("#", 1)[1]
    if not isinstance(item, Rejection):
        item = clean_document(item, min_words=1, budget=budget)
    return extraction_row(ident, shown, item)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@format_option(("text", "jsonl"), "text")
@click.option("--workers", type=int, default=0, help="Processes (0 = one per core).")
@config_option
def extract(paths: tuple[str, ...], fmt: str, workers: int, config: str | None) -> None:
    """The clean stage alone, no database: one result per input, in input order.

    Takes what `ingest` takes: files, folders (recursive), JSON lines / JSON records (one
    result per record), .gz. jsonl lines are {"id", "source", "title", "published_at",
    "text", "stripped": [{"kind", "text"}]}; a rejected input's line has "error" and "detail"
    instead, with the audit of what was removed before no article was left.
    Exit 0 when everything was extracted, 3 when some inputs were rejected, 7 when all were.

    Example: ipwire extract seeds/ --format jsonl
    """
    from ipwire.config import load_settings

    settings = load_settings(config)
    missing = missing_paths(paths)
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}", exit_codes.NOT_FOUND)
    from ipwire.tasks.clean.budget import Budget

    jobs = ExtractionInputs(paths, settings)
    clean_one = functools.partial(_clean_one, budget=Budget.from_settings(settings.clean))
    workers = workers or settings.clean.workers or os.cpu_count() or 1
    counts = {"done": 0, "rejected": 0}
    with progress.showing(progress.wanted(quiet=quiet())):
        if workers > 1 and jobs.total > 4:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                _emit_extractions(ordered_map(pool, clean_one, jobs), fmt, counts, jobs)
        else:
            _emit_extractions(map(clean_one, jobs), fmt, counts, jobs)
    exit_for(counts["done"], counts["rejected"], "inputs")


def exit_for(done: int, rejected: int, what: str) -> None:
    """Exit 0 when nothing was rejected, REJECTED when some were, NOTHING when all were."""
    if done == 0:
        click.echo(f"nothing to do: no {what}", err=True)
        raise click.exceptions.Exit(exit_codes.NOTHING)
    if rejected:
        click.echo(f"{rejected} of {done} {what} rejected", err=True)
        raise click.exceptions.Exit(exit_codes.NOTHING if rejected == done else exit_codes.REJECTED)


def _emit_extractions(
    results: Iterable[dict[str, Any]], fmt: str, counts: dict[str, int], jobs: ExtractionInputs
) -> None:
    for result in results:
        counts["done"] += 1
        progress.update("extract", counts["done"], jobs.total)
        if result.get("error"):
            counts["rejected"] += 1
            if fmt == "jsonl":
                detail = result.get("detail", "")
                click.echo(f"rejected {result['source']}: {result['error']} ({detail})", err=True)
        if fmt == "jsonl":
            click.echo(json.dumps(result, ensure_ascii=False))
            continue
        click.echo(f"== {result['source']}")
        if result.get("error"):
            click.echo(f"rejected: {result['error']} ({result.get('detail', '')})")
        else:
            click.echo(f"title: {result.get('title') or ''}")
            click.echo(f"published_at: {result.get('published_at') or ''}")
            click.echo("")
            click.echo(result["text"])
        click.echo("")
        for block in result["stripped"]:
            click.echo(f"[stripped {block['kind']}] {cell(block['text'], 90)}")


@cli.command("classify")
@click.argument("file", default="-")
@format_option(("jsonl",), "jsonl")
@config_option
def classify_cmd(file: str, fmt: str, config: str | None) -> None:
    """The classify stage alone: JSONL {"id", "text"[, "title"]} in, labels with evidence out.

    A line that is not a JSON object with a text is named on stderr and skipped. Exit 0 when
    every line was classified, 3 when some were skipped, 7 when none could be.

    Example: echo '{"id": "a", "text": "India and Pakistan resumed talks."}' | ipwire classify
    """
    from ipwire.config import load_settings
    from ipwire.tasks.classify import classification_to_json, classify, load_taxonomy

    if file != "-" and not Path(file).is_file():
        fail(f"no such file: {file}", exit_codes.NOT_FOUND)
    settings = load_settings(config)
    taxonomy = load_taxonomy(settings.classify.taxonomy or None)
    stream = click.open_file(file, encoding="utf-8")
    done = skipped = 0
    with stream:
        for n, line in enumerate(_lines(stream), start=1):
            if not line.strip():
                continue
            done += 1
            try:
                item = json.loads(line)
                text = item["text"]
                if not isinstance(text, str):
                    raise TypeError(f"text is a {type(text).__name__}")
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                click.echo(f"line {n}: skipped, not a JSON object with a text: {exc}", err=True)
                skipped += 1
                continue
            result = classify(text, item.get("title"), taxonomy=taxonomy)
            payload = classification_to_json(str(item.get("id", n)), result)
            click.echo(json.dumps(payload, ensure_ascii=False))
    exit_for(done, skipped, "lines")


def _lines(stream: io.TextIOBase) -> Iterator[str]:
    try:
        yield from stream
    except UnicodeDecodeError as exc:
        fail(f"input is not UTF-8 text: {exc}", exit_codes.NOTHING)


from ipwire import (  # noqa: E402
    cli_corrections,
    cli_db,
    cli_desk,
    cli_export,
    cli_feeds,
    cli_ops,
    cli_sql,
)

for _module in (cli_db, cli_ops, cli_sql, cli_corrections, cli_desk, cli_export, cli_feeds):
    _module.register(cli)


def main() -> None:
    cli(prog_name="ipwire")


if __name__ == "__main__":
    main()
