"""The one boundary every input passes: an exception while handling one item rejects that
item (with the exception's class and message), never the run.

A stage runs on a whole batch first, so the common case costs nothing extra. When the batch
raises, the stage runs again on each item alone: the items that raise again become
rejections, the others go on. Failures of the machine rather than of an item (a full disk,
an I/O error, memory) are not an item's fault and still end the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import duckdb

from ipwire.records import Rejection

T = TypeVar("T")
R = TypeVar("R")

_FATAL_DUCKDB = (duckdb.IOException, duckdb.FatalException, duckdb.InternalException)


def is_fatal(exc: BaseException) -> bool:
    """Whether `exc` is the machine's failure (disk, I/O, memory), not one input's."""
    if isinstance(exc, (OSError, MemoryError, *_FATAL_DUCKDB)):
        return True
    text = str(exc)
    return "No space left on device" in text or "Out of Memory" in text


def unexpected(ref: str, stage: str, exc: BaseException, raw_id: str | None = None) -> Rejection:
    """The rejection of one input whose handling raised: the exception's class and message."""
    detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return Rejection(ref, stage, "unexpected_error", detail[:500], raw_id)


def isolate(
    items: Sequence[T],
    run: Callable[[list[T]], list[R]],
    who: Callable[[T], tuple[str, str | None]],
    stage: str,
) -> tuple[list[R], list[Rejection]]:
    """`run(items)`, or, when that raises, `run([item])` for each item alone.

    `who(item)` names an item for its rejection: (source_ref, raw_id). Returns the results
    of the items that went through and the rejections of those that did not.
    """
    batch = list(items)
    try:
        return run(batch), []
    except Exception as exc:
        if is_fatal(exc):
            raise
    results: list[R] = []
    rejections: list[Rejection] = []
    for item in batch:
        try:
            results.extend(run([item]))
        except Exception as exc:
            if is_fatal(exc):
                raise
            ref, raw_id = who(item)
            rejections.append(unexpected(ref, stage, exc, raw_id))
    return results, rejections
