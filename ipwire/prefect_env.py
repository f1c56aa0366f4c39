"""Prefect settings and process hygiene for ipwire's runs: set before prefect is imported.

* Embedded defaults: without them embedded mode logs telemetry errors and CancelledError
  tracebacks at exit and loses task-run records. A user's own environment always wins.
* A Prefect server already running on this machine is used instead of starting the embedded
  one (~10 s saved per command); `IPWIRE_PREFECT=embedded` keeps the embedded one.
* The embedded API server is a child process: it gets SIGTERM when ipwire dies, even by
  `kill -9`, so no orphan server outlives its command.
* Console log lines carry no traceback unless `--debug` asked for them.
"""

from __future__ import annotations

import ctypes
import http.client
import logging
import os
import signal
import socket
import subprocess
import sys
import types
from typing import Any

EMBEDDED_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}
EXIT_GRACE_SECONDS = 2.5
MODE_ENV = "IPWIRE_PREFECT"  # "embedded": never look for a running server
LOCAL_SERVER = ("127.0.0.1", 4200)
PROBE_TIMEOUT_S = 0.2
PR_SET_PDEATHSIG = 1


def configure() -> None:
    for key, value in EMBEDDED_DEFAULTS.items():
        os.environ.setdefault(key, value)


def embedded() -> bool:
    """True when flows run on the temporary in-process API (no PREFECT_API_URL)."""
    return not os.environ.get("PREFECT_API_URL")


# --- a running server first ------------------------------------------------------------------


def _settings_have_api_url() -> bool:
    """A Prefect already imported and pointed at a server (a test harness, a profile)."""
    if "prefect" not in sys.modules:
        return False
    try:
        from prefect.settings import get_current_settings

        return bool(get_current_settings().api.url)
    except Exception:  # an odd Prefect state: leave the choice to Prefect
        return True


def probe_local_server(address: tuple[str, int] = LOCAL_SERVER) -> str | None:
    """The API URL of a healthy Prefect server at `address`, else None (fast when closed)."""
    host, port = address
    try:
        with socket.create_connection(address, timeout=PROBE_TIMEOUT_S):
            pass
    except OSError:
        return None
    conn = http.client.HTTPConnection(host, port, timeout=1.0)
    try:
        conn.request("GET", "/api/health")
        resp = conn.getresponse()
        healthy = resp.status == 200 and resp.read().strip() == b"true"
    except (OSError, http.client.HTTPException):
        healthy = False
    finally:
        conn.close()
    return f"http://{host}:{port}/api" if healthy else None


def use_running_server(address: tuple[str, int] = LOCAL_SERVER) -> str | None:
    """Point Prefect at a server already running here, unless told otherwise; returns its URL.

    PREFECT_API_URL (or a Prefect profile with an API URL) is left alone; IPWIRE_PREFECT=embedded
    turns the probe off. Costs one refused connection on loopback when no server runs.
    """
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if os.environ.get(MODE_ENV, "").lower() == "embedded" or _settings_have_api_url():
        return None
    url = probe_local_server(address)
    if url:
        os.environ["PREFECT_API_URL"] = url
    return url


# --- the embedded server dies with its parent ------------------------------------------------


def _die_with(parent: int):
    """A preexec function: SIGTERM this child when `parent` goes, however it goes."""

    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


class _SubprocessDyingWithParent(types.ModuleType):
    """`subprocess` as Prefect's server module sees it: children get a parent-death signal."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def Popen(self, *args: Any, **kwargs: Any) -> subprocess.Popen:  # noqa: N802
        if sys.platform.startswith("linux") and kwargs.get("preexec_fn") is None:
            kwargs["preexec_fn"] = _die_with(os.getpid())
        return subprocess.Popen(*args, **kwargs)


def tie_embedded_server_to_process() -> None:
    """Make Prefect's temporary API server (SubprocessASGIServer) die with this process.

    Prefect terminates it at a normal exit (atexit); `kill -9` skips atexit, and without this
    the ~200 MB server would live on. Linux only (prctl); elsewhere nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    from prefect.server.api import server as prefect_server

    if not isinstance(prefect_server.subprocess, _SubprocessDyingWithParent):
        prefect_server.subprocess = _SubprocessDyingWithParent("subprocess")


# --- the embedded server starts while ipwire is still importing -----------------------------

_early: tuple[subprocess.Popen, int] | None = None


def _prefect_parent_dir() -> str | None:
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.dirname(list(spec.submodule_search_locations)[0])


def start_embedded_server_early() -> bool:
    """Spawn the embedded API server now, so its start-up (seconds) overlaps ipwire's imports.

    The same command Prefect's SubprocessASGIServer runs, tied to this process; `adopt_…`
    hands it to Prefect once prefect is imported. Nothing happens when a server is configured.
    """
    global _early
    if _early is not None or not embedded() or _settings_have_api_url():
        return False
    app_dir = _prefect_parent_dir()
    if app_dir is None:
        return False
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1"}  # fmt: skip
    args = [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory",
            "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]  # fmt: skip
    preexec = _die_with(os.getpid()) if sys.platform.startswith("linux") else None
    _early = (subprocess.Popen(args, env=env, preexec_fn=preexec), port)
    return True


def adopt_early_server(timeout: float = 90.0) -> bool:
    """Wait for the early server to answer and make it Prefect's embedded server.

    If it died (a port race, say), Prefect starts its own as usual; returns whether adopted.
    """
    global _early
    if _early is None:
        return False
    proc, port = _early
    _early = None
    import atexit
    import time

    deadline = time.monotonic() + timeout
    while probe_local_server(("127.0.0.1", port)) is None:
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.terminate()
            return False
        time.sleep(0.1)
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the instance Prefect's clients ask for
    if server.running:
        proc.terminate()
        return False
    server.port, server.server_process, server.running = port, proc, True
    atexit.register(_stop_without_waiting, server)
    return True


def _stop_without_waiting(server: Any) -> None:
    """At exit: SIGTERM the adopted server and go. It shuts down by itself (as it would on the
    parent-death signal); waiting for it, as Prefect's own stop does, only delays the exit."""
    proc = server.server_process
    if proc is not None and proc.poll() is None:
        proc.terminate()
    server.server_process, server.running = None, False


# --- tracebacks only with --debug ------------------------------------------------------------


# Console lines about a failure the command reports itself, in its own summary.
REPORTED_BY_THE_CLI = ("RunFailed", "INGEST FAILED")


def hide_console_tracebacks() -> None:
    """Prefect's console lines keep their message but lose the traceback (`--debug` keeps it),
    and lines about a run failure the command prints itself are left out.

    Only the console handler is changed: the run's logs on the API keep everything.
    """
    from prefect.logging.handlers import PrefectConsoleHandler

    if getattr(PrefectConsoleHandler, "_ipwire_short", False):
        return
    original = PrefectConsoleHandler.format
    original_emit = PrefectConsoleHandler.emit

    def emit_unreported(self: logging.Handler, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = str(record.msg)
        if record.levelno >= logging.ERROR and any(m in text for m in REPORTED_BY_THE_CLI):
            return
        original_emit(self, record)

    def format_short(self: logging.Handler, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        if record.exc_info:
            record.exc_info, record.exc_text = None, None
        try:
            return original(self, record)
        finally:
            record.exc_info, record.exc_text = saved

    PrefectConsoleHandler.format = format_short  # type: ignore[method-assign]
    PrefectConsoleHandler.emit = emit_unreported  # type: ignore[method-assign]
    PrefectConsoleHandler._ipwire_short = True  # type: ignore[attr-defined]
