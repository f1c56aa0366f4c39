"""The per-document budget of the clean stage: elements, characters and wall time.

Extraction time grows faster than linearly with a page's size, so one hostile or broken
page could hold a whole run. Each document is therefore measured cheaply before the
expensive parse (characters, and a count of start tags that stops at the limit) and given a
wall-time allowance while it is cleaned. A document over any of them is rejected as
``over_budget`` with what it exceeded, and the run goes on.

The wall-time allowance uses ``signal.setitimer`` and so works in the main thread of a
process (where the ingest flow's tasks, ``ipwire extract``'s workers and plain scripts run
the stage); elsewhere only the size checks apply. The exception it raises derives from
BaseException, so an extractor's own ``except Exception`` cannot swallow it. Python does lose
an exception raised inside a finalizer or a weakref callback, and a garbage collection runs
those; so the alarm is not raised while a collection runs (it asks again a moment later),
and once it has gone off it fires again every twentieth of a second until the document is
given up.
"""

from __future__ import annotations

import gc
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ipwire.config import CleanSettings

_START_TAG = re.compile(r"<[A-Za-z!?]")
# After the first alarm, how soon it fires again: an alarm raised where Python cannot pass
# the exception on (a finalizer that ran outside a collection) is lost, and the next one
# follows this soon after.
_REFIRE_S = 0.05


@dataclass(frozen=True)
class Budget:
    """What one document may cost; 0 switches a limit off (bounds are checked in config)."""

    max_elements: int = CleanSettings.max_elements
    max_chars: int = CleanSettings.max_chars
    max_seconds: float = CleanSettings.max_seconds

    @classmethod
    def from_settings(cls, clean: Any) -> Budget:
        """The budget of a ``[clean]`` settings section."""
        return cls(clean.max_elements, clean.max_chars, clean.max_seconds)


DEFAULT_BUDGET = Budget()


class OverBudget(Exception):
    """A document exceeded its budget; the message says which limit and by how much."""

    reason = "over_budget"


class _OutOfTime(BaseException):
    """Raised by the wall-time alarm; a BaseException so broad handlers let it through."""


def count_elements(html: str, limit: int) -> int:
    """Start tags in ``html``, counted up to ``limit + 1`` (enough to say "too many").

    Counting ``<`` is a memchr-speed upper bound, returned as it is when within the limit,
    so a normal page costs almost nothing; only a page with more ``<`` than the limit is
    scanned tag by tag.
    """
    upper = html.count("<")
    if upper <= limit:
        return upper
    n = 0
    for _ in _START_TAG.finditer(html):
        n += 1
        if n > limit:
            break
    return n


def check_size(text: str, *, is_html: bool, budget: Budget) -> None:
    """Raise OverBudget when the text is too long or the page has too many elements."""
    if budget.max_chars and len(text) > budget.max_chars:
        raise OverBudget(
            f"{len(text):,} characters > clean.max_chars {budget.max_chars:,}; not cleaned"
        )
    if is_html and budget.max_elements:
        n = count_elements(text, budget.max_elements)
        if n > budget.max_elements:
            raise OverBudget(
                f"more than {budget.max_elements:,} HTML elements (clean.max_elements); not parsed"
            )


class _Alarm:
    """The armed state of the wall-time alarm (one document at a time, main thread only)."""

    armed = False
    collecting = False  # a garbage collection is running (its finalizers lose exceptions)


def _on_alarm(signum: int, frame: Any) -> None:
    if not _Alarm.armed:
        return
    if _Alarm.collecting:
        # raised here, the exception would end in a finalizer the collector runs and be lost
        signal.setitimer(signal.ITIMER_REAL, _REFIRE_S, _REFIRE_S)
        return
    raise _OutOfTime


def _on_collection(phase: str, info: dict[str, int]) -> None:
    _Alarm.collecting = phase == "start"


def _can_time() -> bool:
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return False
    # someone else's interval timer is running: leave it alone
    return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise OverBudget when the body runs longer than ``seconds`` of wall time.

    A no-op outside the main thread, when ``seconds`` is 0, or when another timer is set.
    """
    if seconds <= 0 or not _can_time():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _Alarm.armed = True
    _Alarm.collecting = False
    gc.callbacks.append(_on_collection)
    signal.setitimer(signal.ITIMER_REAL, seconds, _REFIRE_S)
    try:
        try:
            yield
        finally:
            _disarm(previous)
    except _OutOfTime:
        _disarm(previous)  # again: the alarm may have fired inside the first disarm
        raise OverBudget(
            f"cleaning took longer than clean.max_seconds {seconds:g} s; given up"
        ) from None


def _disarm(previous: Any) -> None:
    _Alarm.armed = False
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
    if _on_collection in gc.callbacks:
        gc.callbacks.remove(_on_collection)
