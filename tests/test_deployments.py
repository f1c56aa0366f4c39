"""Acceptance: deployments/prefect.yaml on a real Prefect server, run by a real process worker.

One module-scoped server (temporary PREFECT_HOME, free 127.0.0.1 port) is started as a
subprocess and stopped by PID in a finally, workers before it. Bounded: every subprocess has a
timeout, and the whole module takes about a minute here.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest
from prefect.exceptions import ObjectNotFound

from ipwire import cli_ops

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")
PREFECT_FILE = REPO / "deployments" / "prefect.yaml"
SERVER_START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, grace: float = 15) -> None:
    """Stop a process group we started: SIGTERM, then SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class Server:
    def __init__(self, env: dict[str, str], api_url: str, log: Path) -> None:
        self.env, self.api_url, self.log = env, api_url, log

    def run(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        """A `prefect` CLI command against this server, from the repository root."""
        done = subprocess.run(
            [PREFECT, *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        out = done.stdout + done.stderr
        if check and done.returncode != 0:
            raise AssertionError(f"prefect {' '.join(args)} exited {done.returncode}:\n{out}")
        return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "IPWIRE_DB"}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_CLI_PROMPT="false",
        PREFECT_SERVER_UI_ENABLED="false",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    log = home / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"prefect server exited early:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server not healthy in time:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        srv = Server(env, api_url, log)
        srv.run("work-pool", "create", "ipwire", "--type", "process")
        srv.run("deploy", "--all", "--prefect-file", str(PREFECT_FILE.relative_to(REPO)))
        yield srv
    finally:
        stop(proc)


def client_call(api_url: str, method: str, *args, **kwargs):
    """Call one PrefectClient coroutine against the test server (explicit API URL)."""
    from prefect.client.orchestration import PrefectClient

    async def go():
        async with PrefectClient(api=api_url) as client:
            return await getattr(client, method)(*args, **kwargs)

    return asyncio.run(go())


def test_nightly_runs_at_two_india_time_one_at_a_time(server: Server):
    nightly = client_call(server.api_url, "read_deployment_by_name", "ingest/nightly")
    assert nightly.work_pool_name == "ipwire"
    assert nightly.entrypoint == "flows/ingest.py:ingest"
    assert [(s.schedule.cron, s.schedule.timezone, s.active) for s in nightly.schedules] == [
        ("0 2 * * *", "Asia/Kolkata", True)
    ]
    assert nightly.global_concurrency_limit.limit == 1
    assert nightly.concurrency_options.collision_strategy.value == "ENQUEUE"
    assert not nightly.parameters.get("sources")


def test_manual_has_no_schedule_and_takes_sources(server: Server):
    manual = client_call(server.api_url, "read_deployment_by_name", "ingest/manual")
    assert manual.schedules == []
    assert "sources" in manual.parameter_openapi_schema["properties"]
    assert manual.global_concurrency_limit.limit == 1
    assert manual.concurrency_options.collision_strategy.value == "ENQUEUE"
    # the pull step starts runs in the repository root, where the entrypoint lives
    step = manual.pull_steps[0]["prefect.deployments.steps.set_working_directory"]
    assert Path(step["directory"]).resolve() == REPO


def test_manual_run_through_a_worker_loads_the_seeds(
    server: Server, tmp_path: Path, seeds_dir: Path
):
    db = tmp_path / "wh" / "ipwire.duckdb"
    params = json.dumps({"sources": [str(seeds_dir.resolve())], "db": str(db)})
    out = server.run("deployment", "run", "ingest/manual", "--params", params)
    assert "Created flow run" in out, out
    worker_out = run_worker_once(server)
    runs = client_call(server.api_url, "read_flow_runs")
    states = [r.state.type.value for r in runs if r.parameters.get("db") == str(db)]
    assert states == ["COMPLETED"], worker_out[-4000:]
    with duckdb.connect(str(db), read_only=True) as conn:
        refs = sorted(
            Path(r).name for (r,) in conn.execute("SELECT source_ref FROM articles").fetchall()
        )
        run = conn.execute("SELECT status, n_new FROM ingest_runs").fetchall()
    assert refs == sorted(p.name for p in seeds_dir.iterdir())
    assert len(refs) == 2
    assert run == [("completed", 2)]


def run_worker_once(server: Server) -> str:
    """`prefect worker start --pool ipwire --run-once`, bounded, stopped by PID."""
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "ipwire", "--run-once"],
        cwd=REPO,
        env=server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = worker.communicate(timeout=150)
    finally:
        stop(worker)
    return out


def test_failed_run_calls_the_failure_webhook(server: Server, tmp_path: Path, httpserver):
    httpserver.expect_request("/ipwire-hook", method="POST").respond_with_data("ok")
    hook_url = httpserver.url_for("/ipwire-hook")
    # the documented one-liner from deployments/automation-failure.yaml
    created = subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            "import sys; from ipwire.ops import create_failure_automation as c;"
            " print(c(sys.argv[1]))",
            hook_url,
        ],
        cwd=REPO,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr[-3000:]
    automation = client_call(server.api_url, "read_automation", created.stdout.strip())
    assert automation.enabled and automation.actions[0].type == "call-webhook"

    params = json.dumps(
        {
            "sources": ["seeds"],
            "db": str(tmp_path / "wh.duckdb"),
            "config": str(tmp_path / "missing.toml"),
        }
    )
    server.run("deployment", "run", "ingest/manual", "--params", params)
    worker_out = run_worker_once(server)
    deadline = time.monotonic() + 60
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.5)
    assert httpserver.log, f"no webhook call; worker said:\n{worker_out[-3000:]}"
    request, _ = httpserver.log[0]
    body = request.get_data(as_text=True)
    assert "ipwire ingest" in body and "Failed" in body


SERVE = """
import sys
import click
from ipwire import cli_ops

group = click.Group()
cli_ops.register(group)
group(["serve", "--db", sys.argv[1], *sys.argv[2:]])
"""


def test_ipwire_serve_refuses_to_shadow_deployments_made_by_prefect_deploy(
    server: Server, tmp_path: Path
):
    """The prefect.yaml deployments exist (the fixture deployed them): serve says so, exits."""
    done = subprocess.run(
        [str(BIN / "python"), "-c", SERVE, str(tmp_path / "x.duckdb")],
        cwd=tmp_path,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 5, done.stdout + done.stderr
    assert "ingest/nightly" in done.stderr and "ingest/manual" in done.stderr
    assert "work pool ipwire" in done.stderr and "--replace" in done.stderr
    assert "Traceback" not in done.stderr
    for name in ("ingest/nightly", "ingest/manual"):  # untouched
        assert client_call(server.api_url, "read_deployment_by_name", name).work_pool_name


def test_ipwire_serve_runs_manual_triggers(server: Server, tmp_path: Path, seeds_dir: Path):
    """Last in the module: the served deployments replace the prefect.yaml ones."""
    db = tmp_path / "served.duckdb"
    # serve and prefect.yaml are alternatives: --replace deletes the worker-pool deployments of
    # the same names, so the served ones do not inherit their storage.
    serve = subprocess.Popen(
        [str(BIN / "python"), "-c", SERVE, str(db), "--replace"],
        cwd=tmp_path,  # served runs do not depend on the working directory
        env=server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # until serve has replaced the prefect.yaml deployment
            try:
                dep = client_call(server.api_url, "read_deployment_by_name", "ingest/manual")
            except ObjectNotFound:
                dep = None
            if dep is not None and dep.description == cli_ops.MANUAL_DESCRIPTION:
                break
            assert serve.poll() is None, serve.stdout.read()
            if time.monotonic() > deadline:
                stop(serve)
                raise AssertionError(f"serve registered nothing:\n{serve.stdout.read()[-3000:]}")
            time.sleep(0.5)
        nightly = client_call(server.api_url, "read_deployment_by_name", "ingest/nightly")
        assert [(s.schedule.cron, s.schedule.timezone) for s in nightly.schedules] == [
            ("0 2 * * *", "Asia/Kolkata")
        ]
        params = json.dumps({"sources": [str(seeds_dir.resolve())]})
        out = server.run("deployment", "run", "ingest/manual", "--params", params)
        run_id = out.split("UUID:")[1].split()[0] if "UUID:" in out else None
        assert run_id, out
        deadline = time.monotonic() + 120
        while True:
            state = client_call(server.api_url, "read_flow_run", run_id).state
            if state.is_final():
                break
            assert time.monotonic() < deadline, f"served run still {state.name}"
            time.sleep(1)
    finally:
        stop(serve)
    assert state.is_completed(), f"{state.message}\n{serve.stdout.read()[-4000:]}"
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
