"""The ingest flow: sources -> clean -> dedup -> classify -> load, one task per batch.

The flow only orchestrates: which tasks run, in what order, on which batches. Each task hands
its work to a plain function in `ipwire.tasks`, which can be run and tested without Prefect.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ipwire import prefect_env

prefect_env.configure()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.context import get_run_context  # noqa: E402

from ipwire import ops, progress, snapshot  # noqa: E402
from ipwire.config import load_settings  # noqa: E402
from ipwire.flows.publish import _publish, weekly_report  # noqa: E402
from ipwire.records import Article, RawDoc, Rejection  # noqa: E402
from ipwire.settings import FeedConfig, feed_configs_from  # noqa: E402
from ipwire.tasks import classify as classify_mod  # noqa: E402
from ipwire.tasks import clean as clean_mod  # noqa: E402
from ipwire.tasks import load as load_mod  # noqa: E402
from ipwire.tasks import shard as shard_mod  # noqa: E402
from ipwire.tasks import sources as sources_mod  # noqa: E402
from ipwire.tasks import web as web_mod  # noqa: E402
from ipwire.tasks.clean.budget import Budget  # noqa: E402
from ipwire.tasks.web import Fetcher  # noqa: E402
from ipwire.warehouse import db as wh  # noqa: E402
from ipwire.warehouse.lake import run_batch  # noqa: E402


@dataclass
class RunSummary:
    run_id: str
    status: str
    db: str
    seen: int = 0
    new: int = 0
    duplicate: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    sources_read: int = 0
    sources_failed: int = 0
    note: str | None = None
    rejections: list[dict] = field(default_factory=list)  # the first MAX_LISTED of them

    def as_dict(self) -> dict:
        return asdict(self)


MAX_LISTED = 100  # rejections carried in the run summary; the table has them all


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), max(1, size))]


# --- tasks: thin wrappers over plain functions -------------------------------------------


@task(name="open-run", cache_policy=NO_CACHE)
def open_run(
    db: str, run_id: str, started_at: str, sources: list[str], flow_run_id: str | None
) -> list[str]:
    """The run's row; first, runs whose process died are marked `crashed` (returned)."""

    def write(conn) -> list[str]:  # one transaction, run again on a lake's commit conflict
        crashed = load_mod.mark_crashed_runs(conn)
        load_mod.begin_run(conn, run_id, started_at, sources, flow_run_id)
        return crashed

    with wh.connect(db) as conn:
        return run_batch(conn, write)


@task(name="discover", cache_policy=NO_CACHE)
def discover(paths: list[str], extensions: list[str]) -> tuple[list[str], list[Rejection]]:
    files, rejections = sources_mod.discover(paths, extensions)
    return [str(f) for f in files], rejections


@task(name="read-files", cache_policy=NO_CACHE)
def read_files(
    db: str, files: list[str], fetched_at: str, max_bytes: int
) -> tuple[list[RawDoc], list[Rejection], int]:
    """One batch of files into raw documents, minus those already stored (counted)."""

    def run(paths: list[Path]) -> list[RawDoc | Rejection]:
        got, rejected = sources_mod.read_files(paths, fetched_at, max_bytes)
        return [*got, *rejected]

    results, rejections = web_mod.isolate(
        [Path(f) for f in files], run, lambda path: (str(path), None), "sources"
    )
    raws = [r for r in results if isinstance(r, RawDoc)]
    rejections += [r for r in results if isinstance(r, Rejection)]
    with wh.connect(db) as conn:
        known = load_mod.known_raw_ids(conn, [r.raw_id for r in raws])
    return [r for r in raws if r.raw_id not in known], rejections, len(known)


@task(name="read-web", cache_policy=NO_CACHE)
def read_web(pieces: Iterator[web_mod.WebBatch], size: int) -> web_mod.WebBatch:
    """The next batch of pages, fetched now (`done` once every feed and URL is read)."""
    return web_mod.next_batch(pieces, size)


@task(name="save-feed-state", cache_policy=NO_CACHE)
def save_feed_state(db: str, run_id: str, batch: web_mod.WebBatch) -> None:
    if batch.feed_updates or batch.entries or batch.feed_raws:
        with wh.connect(db) as conn:
            load_mod.write_feed_results(
                conn, run_id, batch.feed_updates, batch.entries, batch.feed_raws
            )


@task(name="skip-known", cache_policy=NO_CACHE)
def skip_known(db: str, raws: list[RawDoc]) -> tuple[list[RawDoc], int]:
    with wh.connect(db) as conn:
        known = load_mod.known_raw_ids(conn, [r.raw_id for r in raws])
    return [r for r in raws if r.raw_id not in known], len(known)


def _raw_ref(raw: RawDoc) -> tuple[str, str | None]:
    return raw.source_ref, raw.raw_id


def _article_ref(article: Article) -> tuple[str, str | None]:
    return article.source_ref, article.raw_id


@task(name="clean", cache_policy=NO_CACHE)
def clean(
    raws: list[RawDoc],
    min_words: int,
    canonical_aliases: tuple[str, ...] = (),
    budget: Budget | None = None,
) -> tuple[list[Article], list[Rejection]]:
    """Articles from raw documents, each within its budget; a page may not take another
    site's identity."""

    def run(batch: list[RawDoc]) -> list[Article | Rejection]:
        articles, rejected = clean_mod.clean_batch(batch, min_words=min_words, budget=budget)
        return [*articles, *rejected]

    results, rejections = web_mod.isolate(raws, run, _raw_ref, "clean")
    articles = [r for r in results if isinstance(r, Article)]
    rejections += [r for r in results if isinstance(r, Rejection)]
    fetched = {r.raw_id: r.url for r in raws}
    for a in articles:
        refused = web_mod.vet_identity(a, fetched.get(a.raw_id), canonical_aliases)
        if refused:
            get_run_logger().warning("%s: %s", a.source_ref, refused)
    return articles, rejections


@task(name="dedup", cache_policy=NO_CACHE)
def dedup(db: str, articles: list[Article], settings) -> tuple[list[Article], list[Rejection]]:
    from ipwire.tasks import dedup as dedup_mod

    with wh.connect(db) as conn:

        def run(batch: list[Article]) -> list[Article]:
            dedup_mod.find_duplicates(conn, batch, settings)
            return batch

        return web_mod.isolate(articles, run, _article_ref, "dedup")


@task(name="classify", cache_policy=NO_CACHE)
def classify(articles: list[Article], taxonomy_path: str) -> tuple[list[Article], list[Rejection]]:
    taxonomy = classify_mod.load_taxonomy(taxonomy_path or None)

    def run(batch: list[Article]) -> list[Article]:
        results = classify_mod.classify_many([(a.body, a.title) for a in batch], taxonomy=taxonomy)
        for a, c in zip(batch, results, strict=True):
            a.classification = c
        return batch

    return web_mod.isolate(articles, run, _article_ref, "classify")


@task(name="cluster-stories", cache_policy=NO_CACHE)
def cluster_stories(
    db: str, articles: list[Article], settings
) -> tuple[list[Article], list[Rejection]]:
    from ipwire.tasks import dedup as dedup_mod

    with wh.connect(db) as conn:

        def run(batch: list[Article]) -> list[Article]:
            dedup_mod.assign_stories(conn, batch, settings)
            return batch

        return web_mod.isolate(articles, run, _article_ref, "stories")


@task(name="recluster-stories", cache_policy=NO_CACHE)
def recluster_stories(db: str, article_ids: list[str], settings) -> int:
    """Stories re-clustered with the run's final key weights (the whole warehouse while it is
    small, else around the run's articles)."""
    from ipwire.tasks import dedup as dedup_mod

    with wh.connect(db) as conn:
        return dedup_mod.recluster_run(conn, article_ids, settings)


@task(name="load", cache_policy=NO_CACHE)
def load(
    db: str,
    run_id: str,
    raws: list[RawDoc],
    articles: list[Article],
    rejections: list[Rejection],
    at: str,
    dedup_settings,
) -> tuple[load_mod.BatchCounts, list[Rejection]]:
    """One transaction for the batch (see `load_isolated`); on a lake dedup and stories run
    inside it (`tasks.lake_batch`)."""
    from ipwire.tasks.lake_batch import dedup_in_transaction

    prepare = dedup_in_transaction(dedup_settings) if wh.is_lake(db) else None
    with wh.connect(db) as conn:
        return load_mod.load_isolated(
            conn, run_id, raws, articles, rejections, at, dedup_settings, prepare
        )


@task(name="close-run", cache_policy=NO_CACHE)
def close_run(
    db: str, run_id: str, status: str, counts: load_mod.BatchCounts, note: str | None
) -> None:
    with wh.connect(db) as conn:
        run_batch(conn, lambda c: load_mod.finish_run(c, run_id, status, counts, note))


def process_batches(
    db_file: str,
    run_id: str,
    raws: list[RawDoc],
    early_rejections: list[Rejection],
    settings,
    started_at: str,
    totals: load_mod.BatchCounts,
    summary: RunSummary,
) -> None:
    """Clean, dedup, classify, cluster and load raw documents, one task per stage per batch.

    Each stage hands on what went through and rejects what raised; the rejections are
    loaded with the batch.
    """
    logger = get_run_logger()
    on_lake = wh.is_lake(db_file)  # there dedup and stories run inside the load's transaction
    batches = chunks(raws, settings.sources.batch_size) or [[]]
    for i, batch in enumerate(batches):
        rejected = list(early_rejections) if i == 0 else []
        # Clean: extract article text and metadata, strip boilerplate.
        articles, more = clean(
            batch,
            settings.clean.min_words,
            settings.http.canonical_aliases,
            Budget.from_settings(settings.clean),
        )
        rejected += more
        # Dedup: exact and near copies against the whole warehouse.
        if not on_lake:
            articles, more = dedup(db_file, articles, settings.dedup)
            rejected += more
        # Classify: relevance, topics, tone, actors, with evidence.
        articles, more = classify(articles, settings.classify.taxonomy)
        rejected += more
        # Stories: reports of the same event share a story_id.
        if not on_lake:
            articles, more = cluster_stories(db_file, articles, settings.dedup)
            rejected += more
        # Load: one transaction per batch.
        counts, more = load(db_file, run_id, batch, articles, rejected, started_at, settings.dedup)
        rejected += more
        totals.add(counts)
        room = MAX_LISTED - len(summary.rejections)
        summary.rejections += [r.brief() for r in rejected[: max(0, room)]]
        logger.info(
            "batch %d/%d: %d new, %d duplicate, %d updated, %d rejected",
            i + 1,
            len(batches),
            counts.new,
            counts.duplicate,
            counts.updated,
            counts.rejected,
        )


# --- the flows --------------------------------------------------------------------------


class NothingToRead(ValueError):
    """No source was given and none is configured."""


class RunFailed(RuntimeError):
    """The run ended failed (e.g. no source could be read); carries its summary."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(f"run {summary.run_id} failed: {summary.note}")
        self.summary = summary


@flow(name="ingest", on_failure=[ops.on_ingest_failure], on_crashed=[ops.on_ingest_failure])
def ingest(
    sources: list[str] | None = None,
    db: str | None = None,
    config: str | None = None,
    shard: str | None = None,
) -> RunSummary:
    """Ingest files, folders and URLs (or the configured sources) into the warehouse.

    One writer at a time: a second ingest waits for the first. Readers get a snapshot
    published after each run, so `ipwire sql` never meets a lock. The run's row says what
    the run's outcome says: a snapshot that cannot be published fails the run, row included.
    `shard` "K/N" keeps the feeds and URLs whose host (and the files whose path) is in shard K.
    """
    db_file = str(wh.db_path(db))
    with snapshot.writer_lock(db_file, log_fn=get_run_logger().warning):
        summary = _ingest_locked(sources, db_file, config, shard)
        _publish(db_file, summary)
    report_from = db_file if wh.is_lake(db_file) else snapshot.snapshot_path(db_file)
    ops.publish_run_artifacts(summary, report_from)
    folder = load_settings(config).desk.report_folder
    if folder and summary.status == "completed":
        weekly_report(db_file, folder)
    if summary.status == "failed":
        raise RunFailed(summary)  # so the failure hook and automations fire
    return summary


def _web_source(db_file: str, urls: list[str], feeds: list[FeedConfig], settings, at: str):
    """What the web side will fetch, as pieces pulled one batch at a time. Lookups of what is
    stored open a short connection each, so nothing is held across the network."""

    def ask(fn, *args):
        with wh.connect(db_file, migrate_schema=False) as conn:
            return fn(conn, *args)

    state = ask(load_mod.feed_state)
    stored = web_mod.Stored(
        seen_entries=lambda keys: ask(load_mod.seen_entry_keys, list(keys)),
        known_urls=lambda canon, links: ask(load_mod.known_canonical_urls, canon, list(links)),
    )
    fetcher = Fetcher(settings.http)
    pieces = web_mod.iter_web(
        fetcher,
        feeds,
        urls,
        state,
        stored,
        at,
        explicit=bool(urls),
        max_entries=settings.http.max_entries_per_feed,
    )
    return fetcher, pieces


def _ingest_locked(
    sources: list[str] | None, db_file: str, config: str | None, shard: str | None = None
) -> RunSummary:
    settings = load_settings(config)
    part = shard_mod.parse_shard(shard)  # a bad K/N fails before the run's row is written
    classify_mod.load_taxonomy(settings.classify.taxonomy or None)  # fail before any work
    sources = list(sources or settings.sources.paths)
    run_id = uuid.uuid4().hex[:16]
    started_at = load_mod.now_utc()
    if wh.is_lake(db_file):  # made (in its data path) and migrated before the run's row
        wh.connect(db_file, data_path=settings.warehouse.data_path or None).close()
    flow_run = getattr(get_run_context(), "flow_run", None)
    crashed = open_run(db_file, run_id, started_at, sources, str(flow_run.id) if flow_run else None)
    if crashed:
        get_run_logger().warning("marked crashed (their process died): %s", ", ".join(crashed))
    with wh.connect(db_file) as conn:  # configured retirements stop the STALE alarm
        feeds_now = feed_configs_from({"feeds": settings.feeds})
        ops.sync_retired_feeds(conn, feeds_now, settings.files[-1])
    summary = RunSummary(run_id=run_id, status="running", db=db_file)
    totals = load_mod.BatchCounts()
    try:
        urls = [s for s in sources if sources_mod.is_url(s)]
        paths = [s for s in sources if not sources_mod.is_url(s)]
        feeds = [] if sources else feed_configs_from({"feeds": settings.feeds}, source="feeds")
        if not (paths or urls or feeds):
            raise NothingToRead("no SOURCE given and none configured ([sources] paths, [[feeds]])")
        urls, feeds = shard_mod.pick_urls(urls, part), shard_mod.pick_urls(feeds, part)
        # Sources: find files. Rejections so far are recorded with the first batch.
        files, pending = discover(paths, settings.sources.extensions)
        files = shard_mod.pick_files(files, part)
        progress.update("files", 0, len(files))
        summary.sources_read = len(files)
        summary.sources_failed = sum(1 for r in pending if r.reason == "not_found")
        # Files are read a batch at a time, so memory stays bounded whatever the folder holds.
        for n, chunk in enumerate(chunks(files, settings.sources.batch_size), start=1):
            raws, rejected, n_known = read_files(
                db_file, chunk, started_at, settings.sources.max_file_bytes
            )
            totals.seen += n_known
            totals.unchanged += n_known
            process_batches(
                db_file, run_id, raws, pending + rejected, settings, started_at, totals, summary
            )
            pending = []
            progress.update("files", min(n * settings.sources.batch_size, len(files)), len(files))
        # Feeds and pages: fetched as they are needed, a batch at a time, each batch loaded
        # and its feed state saved before the next is fetched (no transaction spans the
        # network; a killed run keeps every batch it finished).
        if urls or feeds:
            fetcher, pieces = _web_source(db_file, urls, feeds, settings, started_at)
            with fetcher:
                web = web_mod.WebBatch()
                while not web.done:
                    web = read_web(pieces, settings.sources.batch_size)
                    summary.sources_read += web.sources_ok
                    summary.sources_failed += web.sources_failed
                    fresh, n_known = skip_known(db_file, web.raws)
                    totals.seen += n_known
                    totals.unchanged += n_known
                    pending += web.rejections
                    if fresh or pending:
                        process_batches(
                            db_file, run_id, fresh, pending, settings, started_at, totals, summary
                        )
                        pending = []
                    save_feed_state(db_file, run_id, web)
                    progress.update("feeds+pages", summary.sources_read + summary.sources_failed)
        if pending:
            process_batches(db_file, run_id, [], pending, settings, started_at, totals, summary)
        if totals.written:
            recluster_stories(db_file, totals.written, settings.dedup)
        nothing_read = summary.sources_read == 0 and bool(files or urls or feeds or not part)
        status = "failed" if nothing_read else "completed"
        note = "no source could be read" if nothing_read else None
    except NothingToRead as exc:
        status, note = "failed", str(exc)
    except Exception as exc:
        # One line naming the cause (a full disk says so); the traceback goes to the log.
        status, note = "failed", load_mod.failure_note(exc, db_file)
        get_run_logger().exception("run %s failed: %s", run_id, note)
        summary.note = note
    try:
        close_run(db_file, run_id, status, totals, note)
    except Exception as exc:
        get_run_logger().error(
            "run %s: could not close its row: %s", run_id, load_mod.failure_note(exc, db_file)
        )
        status, note = "failed", note or load_mod.failure_note(exc, db_file)
    for name in ("seen", "new", "duplicate", "updated", "unchanged", "rejected"):
        setattr(summary, name, getattr(totals, name))
    summary.status, summary.note = status, note
    return summary


if __name__ == "__main__":
    # Run against the seed documents into a scratch warehouse on embedded Prefect.
    print(ingest(sources=["seeds"], db="data/example.duckdb").as_dict())
