"""The sharded nightly on a real Prefect server with two process workers, writing a DuckLake
on a real PostgreSQL: two shard runs side by side, every input stored once, stories
reconciled after both."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from test_deployments import PREFECT, REPO, Server, client_call, server, stop  # noqa: F401

from ipwire.warehouse import lake

IPWIRE = str(Path(PREFECT).with_name("ipwire"))


def texts(folder: Path) -> list[Path]:
    """Distinct news texts (the seeds and the classify fixtures) and one exact copy, as a
    backfill folder."""
    folder.mkdir(parents=True)
    sources = sorted((REPO / "seeds").iterdir()) + sorted(
        (REPO / "tests" / "fixtures" / "classify").glob("*.txt")
    )
    files = []
    for i, src in enumerate(sources):
        path = folder / f"{i:02d}-{src.name}"
        path.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
        files.append(path)
    copy = folder / f"99-copy-of-{files[0].name}"
    copy.write_text(files[0].read_text(encoding="utf-8"), encoding="utf-8")
    return [*files, copy]


def submitted(api_url: str, flow_run_id) -> object:
    """When a worker took the run (its Pending state): the moment it stopped waiting in the pool.
    Timed on the server, so a slow process start on a loaded machine does not count as waiting."""
    states = client_call(api_url, "read_flow_run_states", flow_run_id)
    return min(s.timestamp for s in states if s.type.value == "PENDING")


def test_sharded_nightly_runs_shards_on_two_workers_into_one_lake(
    server: Server,  # noqa: F811
    pg,
    tmp_path: Path,
):
    address = "ducklake:postgres:" + pg.create_database("fanout")
    env = {**server.env, "PREFECT_WORKER_QUERY_SECONDS": "1", "IPWIRE_DB": address}
    made = subprocess.run(
        [IPWIRE, "--quiet", "db", "migrate", "--data-path", str(tmp_path / "files")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    files = texts(tmp_path / "backfill")
    workers = [
        subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "ipwire", "--name", f"worker-{k}"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        for k in (1, 2)
    ]
    try:
        params = json.dumps(
            {"shards": 2, "sources": [str(tmp_path / "backfill")], "db": address, "poll_s": 1}
        )
        out = server.run("deployment", "run", "nightly-sharded/nightly", "--params", params)
        assert "Created flow run" in out, out
        deadline = time.monotonic() + 900
        while True:
            runs = client_call(server.api_url, "read_flow_runs")
            mine = [r for r in runs if r.parameters.get("db") == address]
            parents = [r for r in mine if not r.parameters.get("shard")]
            if parents and all(r.state and r.state.is_final() for r in mine):
                break
            seen = [(r.parameters.get("shard"), r.state and r.state.type.value) for r in mine]
            assert time.monotonic() < deadline, seen
            time.sleep(2)
    finally:
        for w in workers:
            stop(w)
    states = sorted((r.parameters.get("shard") or "parent", r.state.type.value) for r in mine)
    logs = "\n".join(w.stdout.read()[-3000:] for w in workers if w.stdout)
    assert states == [("1/2", "COMPLETED"), ("2/2", "COMPLETED"), ("parent", "COMPLETED")], logs
    shards = sorted((r for r in mine if r.parameters.get("shard")), key=lambda r: r.name)
    (parent,) = parents
    assert sorted(r.idempotency_key for r in shards) == [
        f"{parent.id}:shard 1/2",
        f"{parent.id}:shard 2/2",
    ], "a retried create call finds its shard run instead of starting it twice"
    again = client_call(
        server.api_url,
        "create_flow_run_from_deployment",
        shards[0].deployment_id,
        parameters=shards[0].parameters,
        idempotency_key=shards[0].idempotency_key,
    )
    assert again.id == shards[0].id
    handed_out = max(submitted(server.api_url, r.id) for r in shards)
    assert handed_out < min(r.end_time for r in shards), "neither shard waited for the other"

    with lake.connect_lake(address, read_only=True) as conn:
        runs = conn.execute(
            "SELECT status, started_at, finished_at, n_seen FROM ingest_runs ORDER BY started_at"
        ).fetchall()
        n_raw, distinct_raw = conn.execute(
            "SELECT count(*), count(DISTINCT raw_id) FROM raw_documents"
        ).fetchone()
        articles = conn.execute(
            "SELECT count(*), count(DISTINCT article_id), count(duplicate_of) FROM articles"
        ).fetchone()
    assert [r[0] for r in runs] == ["completed", "completed"]
    assert sum(r[3] for r in runs) == len(files), "each input went to exactly one shard"
    assert n_raw == distinct_raw == len(files)
    assert articles == (len(files), len(files), 1), "the copy found across shards"


def test_sharded_nightly_is_deployed_with_its_schedule_off_and_a_shard_deployment(
    server: Server,  # noqa: F811
):
    sharded = client_call(server.api_url, "read_deployment_by_name", "nightly-sharded/nightly")
    assert sharded.entrypoint == "flows/fanout.py:nightly_sharded"
    assert [(s.schedule.cron, s.active) for s in sharded.schedules] == [("0 2 * * *", False)]
    assert sharded.parameters == {"shards": 2}
    shard = client_call(server.api_url, "read_deployment_by_name", "ingest/shard")
    assert shard.global_concurrency_limit is None, "the shards of one night run side by side"
