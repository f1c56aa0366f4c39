"""Child processes for tests that need a second writer or reader: start, wait, kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path


def spawn(code: str, *args: str) -> subprocess.Popen:
    """A Python child running `code` (dedented) with `args` as sys.argv[1:], in a session of
    its own so `kill` takes its children too."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for(path: Path, timeout: float = 60) -> None:
    """Until `path` exists (the child's signal that it is ready)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear")
        time.sleep(0.05)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the child's whole session, as a crash or an operator's kill -9 would."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
