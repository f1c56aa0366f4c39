"""The sharded nightly: N parallel `ingest --shard K/N` flow runs on the work pool, then one
reconciling pass over what they stored.

Feeds and URLs are split by host (every request to one host comes from one shard, so the
per-host delay holds however many workers run), files by path. Each shard is a flow run of
the `ingest/shard` deployment, picked up by whichever worker of the pool is free; on a
DuckLake warehouse they write at once (dedup and stories run inside each batch's
transaction, so copies across shards are found), on a `.duckdb` file they take turns on the
writer lock. When every shard has finished, stories are re-clustered over the articles the
shards wrote, as one writer's end-of-run pass would, so the stories do not depend on which
shard committed first.

A backfill of a large folder is the same flow with `sources=[folder]`: its files are spread
over the shards by path.
"""

from __future__ import annotations

import time
from typing import Any

from ipwire import prefect_env

prefect_env.configure()  # before Prefect is imported

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.context import get_run_context  # noqa: E402

from ipwire.config import load_settings  # noqa: E402
from ipwire.warehouse import db as wh  # noqa: E402

SHARD_DEPLOYMENT = "ingest/shard"
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


class ShardsFailed(RuntimeError):
    """At least one shard did not complete; the others' articles are stored."""


@flow(name="nightly-sharded")
def nightly_sharded(
    shards: int = 2,
    sources: list[str] | None = None,
    db: str | None = None,
    config: str | None = None,
    deployment: str = SHARD_DEPLOYMENT,
    poll_s: float = 2.0,
) -> dict[str, Any]:
    """Start `shards` flow runs of `deployment` with `shard="K/N"`, wait for all of them,
    then re-cluster the stories of what they wrote. Fails when a shard failed."""
    from prefect.deployments import run_deployment

    if not 1 <= shards <= 256:
        raise ValueError(f"shards must be between 1 and 256, not {shards}")
    logger = get_run_logger()
    parent = get_run_context().flow_run
    started = []
    for k in range(1, shards + 1):
        params: dict[str, Any] = {"shard": f"{k}/{shards}", "db": db, "config": config}
        if sources:
            params["sources"] = list(sources)
        run = run_deployment(
            deployment,
            parameters=params,
            timeout=0,
            as_subflow=True,
            idempotency_key=shard_key(parent.id if parent else None, k, shards),
        )
        logger.info("shard %d/%d: flow run %s", k, shards, run.id)
        started.append(run.id)
    states = wait_for_runs(started, poll_s)
    failed = [f"{k}/{shards}" for k, s in enumerate(states, start=1) if s != "COMPLETED"]
    moved = reconcile_stories(str(wh.db_path(db)), [str(i) for i in started], config)
    result = {"shards": shards, "states": states, "reclustered": moved}
    if failed:
        raise ShardsFailed(f"shard(s) {', '.join(failed)} did not complete: {states}")
    return result


def shard_key(parent_id: object, k: int, shards: int) -> str | None:
    """The idempotency key of shard K/N of one parent run: the client retries a create call
    that timed out on a loaded server, and without a key the retry would start the shard a
    second time."""
    return f"{parent_id}:shard {k}/{shards}" if parent_id else None


def wait_for_runs(run_ids: list, poll_s: float) -> list[str]:
    """The final state of each flow run, polled until all have one."""
    from prefect.client.orchestration import get_client

    states: dict[Any, str] = {}
    with get_client(sync_client=True) as client:
        while len(states) < len(run_ids):
            for rid in run_ids:
                if rid in states:
                    continue
                run = client.read_flow_run(rid)
                if run.state is not None and run.state.type.value in FINAL:
                    states[rid] = run.state.type.value
            if len(states) < len(run_ids):
                time.sleep(poll_s)
    return [states[r] for r in run_ids]


@task(name="reconcile-stories", cache_policy=NO_CACHE)
def reconcile_stories(db_file: str, flow_run_ids: list[str], config: str | None) -> int:
    """Stories re-clustered over the articles the shard runs wrote (found by their runs'
    rows); returns how many were re-pointed."""
    from ipwire import snapshot
    from ipwire.tasks import dedup as dedup_mod

    settings = load_settings(config)
    with snapshot.writer_lock(db_file, log_fn=get_run_logger().warning):
        with wh.connect(db_file) as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT a.article_id FROM articles a JOIN ingest_runs r"
                    " ON a.last_run_id = r.run_id WHERE list_contains(?, r.flow_run_id)",
                    [flow_run_ids],
                ).fetchall()
            ]
            moved = dedup_mod.recluster_run(conn, ids, settings.dedup) if ids else 0
        snapshot.publish_snapshot(db_file)
    return moved
