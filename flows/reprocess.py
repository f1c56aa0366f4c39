"""The `reprocess` flow: clean, dedup, classify and load again from the stored raw inputs.

For when cleaning rules improve; no network. It shares the ingest flow's tasks and batches.
"""

from __future__ import annotations

import uuid

from ipwire import prefect_env

prefect_env.configure()  # before Prefect is imported

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from ipwire import snapshot  # noqa: E402
from ipwire.config import load_settings  # noqa: E402
from ipwire.flows.ingest import (  # noqa: E402
    RunFailed,
    RunSummary,
    _publish,
    close_run,
    open_run,
    process_batches,
)
from ipwire.records import RawDoc  # noqa: E402
from ipwire.tasks import classify as classify_mod  # noqa: E402
from ipwire.tasks import load as load_mod  # noqa: E402
from ipwire.warehouse import db as wh  # noqa: E402


@task(name="read-stored", cache_policy=NO_CACHE)
def read_stored(db: str) -> list[RawDoc]:
    with wh.connect(db) as conn:
        return load_mod.stored_raws(conn)


@flow(name="reprocess")
def reprocess(db: str | None = None, config: str | None = None) -> RunSummary:
    """Re-run clean, dedup, classify and load from `raw_documents`, without the network.

    For when cleaning rules improve: a text that now cleans differently becomes a new
    revision of its article; one that cleans the same is left as it is.
    """
    db_file = str(wh.db_path(db))
    with snapshot.writer_lock(db_file, log_fn=get_run_logger().warning):
        summary = _reprocess_locked(db_file, config)
        _publish(db_file, summary)
    if summary.status == "failed":
        raise RunFailed(summary)
    return summary


def _reprocess_locked(db_file: str, config: str | None) -> RunSummary:
    settings = load_settings(config)
    classify_mod.load_taxonomy(settings.classify.taxonomy or None)
    run_id, started_at = uuid.uuid4().hex[:16], load_mod.now_utc()
    open_run(db_file, run_id, started_at, ["raw_documents"], None)
    summary = RunSummary(run_id=run_id, status="running", db=db_file)
    totals = load_mod.BatchCounts()
    try:
        raws = read_stored(db_file)
        summary.sources_read = len(raws)
        process_batches(db_file, run_id, raws, [], settings, started_at, totals, summary)
    except Exception as exc:
        close_run(db_file, run_id, "failed", totals, f"{type(exc).__name__}: {exc}")
        raise
    close_run(db_file, run_id, "completed", totals, "reprocess")
    for name in ("seen", "new", "duplicate", "updated", "unchanged", "rejected"):
        setattr(summary, name, getattr(totals, name))
    summary.status = "completed"
    return summary
