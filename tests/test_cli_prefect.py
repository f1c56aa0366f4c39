"""Prefect around a command: no orphaned API server after kill -9, a running server used when
there is one, and refusals that name the setting that allows them."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipwire import prefect_env

IPWIRE = str(Path(sys.executable).with_name("ipwire"))
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux-only")
def test_kill_9_of_ingest_leaves_no_embedded_prefect_server_alive(tmp_path: Path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home"), "IPWIRE_PREFECT": "embedded"}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen(
        [IPWIRE, "ingest", str(SEEDS), "--db", str(tmp_path / "w.duckdb")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        deadline = time.monotonic() + 90
        while server is None and time.monotonic() < deadline and proc.poll() is None:
            for pid in children(proc.pid):
                if b"uvicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    server = pid
            time.sleep(0.1)
        assert server is not None, "the embedded Prefect server never started"
        lock = tmp_path / "w.duckdb.lock"  # written once the flow runs on that server
        while time.monotonic() < deadline and proc.poll() is None:
            if lock.exists() and lock.read_text().startswith("pid"):
                break
            time.sleep(0.1)
        assert proc.poll() is None, "the ingest ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while alive(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(server), "the Prefect API server outlived its killed ingest"
    finally:
        if proc.poll() is None:
            proc.kill()
        if server is not None and alive(server):
            os.kill(server, signal.SIGKILL)


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = b"true" if self.path == "/api/health" else b"no"
        self.send_response(200 if body == b"true" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_healthy_local_prefect_server_is_found_and_a_closed_port_costs_nothing():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert prefect_env.probe_local_server(("127.0.0.1", port)) == (
            f"http://127.0.0.1:{port}/api"
        )
    finally:
        server.shutdown()
        server.server_close()
    started = time.perf_counter()
    assert prefect_env.probe_local_server(("127.0.0.1", port)) is None
    assert time.perf_counter() - started < 0.1


def test_the_probe_leaves_an_explicit_url_and_embedded_mode_alone(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(prefect_env, "probe_local_server", lambda *_: "http://x:1/api")
    monkeypatch.setenv("PREFECT_API_URL", "http://mine:4200/api")
    assert prefect_env.use_running_server() == "http://mine:4200/api"
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setenv(prefect_env.MODE_ENV, "embedded")
    assert prefect_env.use_running_server() is None
    assert "PREFECT_API_URL" not in os.environ


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_of_a_loopback_url_says_which_setting_allows_it(tmp_path: Path):
    from ipwire.cli import cli

    result = CliRunner().invoke(
        cli,
        ["ingest", "http://127.0.0.1:9/feed.xml", "--db", str(tmp_path / "w.duckdb")],
        env={"IPWIRE_ALLOW_HOSTS": ""},
    )
    assert "refused" in result.output, result.output
    assert "IPWIRE_ALLOW_HOSTS" in result.output and "allow_hosts" in result.output
    assert "robots.txt refused" not in result.output
    assert "Traceback" not in result.output
