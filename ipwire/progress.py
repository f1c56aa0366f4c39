"""Progress of long commands on stderr: items done / total, stage and rate, for people watching.

Work reports progress with `update(stage, done, total)` wherever it runs (the CLI, the ingest
flow, a task in the same process); nothing is shown unless a command turned a display on with
`showing(...)`, which it does only when stderr is a terminal and `--quiet` was not given, so
logs, pipes, cron and served deployments stay quiet. Calls cost a dictionary lookup when off.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Protocol

ENV = "IPWIRE_PROGRESS"  # "always" or "never" overrides the terminal test (scripts, tests)


class Display(Protocol):
    """Where progress goes; `update` takes absolute counts, so a repeated call is harmless."""

    def update(self, stage: str, done: int, total: int | None) -> None: ...

    def close(self) -> None: ...


_current: Display | None = None
_lock = threading.Lock()


def update(stage: str, done: int, total: int | None = None) -> None:
    """Report that `done` of `total` items of `stage` are finished (no-op without a display)."""
    display = _current
    if display is not None:
        with _lock:
            display.update(stage, done, total)


def starting(label: str) -> None:
    """Show that `label` has begun before any count is known (e.g. while Prefect starts); the
    line goes away at the first real `update`."""
    update(label, 0, None)
    display = _current
    if isinstance(display, RichDisplay):
        display.placeholder = label


def wanted(stream: IO[str] | None = None, *, quiet: bool = False) -> bool:
    """Show progress? Only to a terminal, never with --quiet; IPWIRE_PROGRESS overrides."""
    if quiet:
        return False
    forced = os.environ.get(ENV, "").lower()
    if forced in ("always", "never"):
        return forced == "always"
    stream = stream or sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class RichDisplay:
    """A rich progress bar per stage on stderr, with items/s; transient lines are cleared."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(file=stream or sys.stderr, force_terminal=True)
        self._progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, tuple[Any, float]] = {}
        self.placeholder: str | None = None
        self._progress.start()

    def update(self, stage: str, done: int, total: int | None) -> None:
        if self.placeholder and stage != self.placeholder:
            self._progress.remove_task(self._tasks.pop(self.placeholder)[0])
            self.placeholder = None
        if stage not in self._tasks:
            task = self._progress.add_task(stage, total=total, rate="")
            self._tasks[stage] = (task, time.monotonic())
        task, started = self._tasks[stage]
        elapsed = time.monotonic() - started
        rate = f"{done / elapsed:,.1f}/s" if done and elapsed > 0 else ""
        self._progress.update(task, completed=done, total=total, rate=rate)

    def close(self) -> None:
        self._progress.stop()


@contextmanager
def showing(enabled: bool, stream: IO[str] | None = None) -> Iterator[None]:
    """Turn the display on for the `with` body when `enabled` (see `wanted`)."""
    global _current
    if not enabled:
        yield
        return
    display = RichDisplay(stream)
    previous, _current = _current, display
    try:
        yield
    finally:
        _current = previous
        display.close()
