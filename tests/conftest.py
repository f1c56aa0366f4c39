"""Shared fixtures. Prefect runs against a throwaway home and the test harness."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before anything imports prefect: a private home and the embedded-mode settings.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="ipwire-prefect-"))
os.environ.pop("PREFECT_API_URL", None)
from ipwire import prefect_env  # noqa: E402

prefect_env.configure()

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED_EVAL = REPO.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect backend for every flow test in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "ipwire.duckdb"


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def pg():
    """One PostgreSQL server (Debian's binaries, a temporary folder, a free port) for the
    whole session; each test creates a database of its own on it."""
    from pg_server import start_server

    try:
        server = start_server()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()
