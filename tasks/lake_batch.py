"""Dedup and stories inside the load's transaction, for a DuckLake with several writers.

On a `.duckdb` file one writer runs at a time, so dedup and stories can look at the warehouse
before the load's transaction opens. On a lake, other writers commit meanwhile: a batch that
looked before they committed would miss their copies and stories. So there the two stages
run inside the transaction that writes the batch; a batch that conflicts with another
writer's commit is run again from a fresh transaction, and its dedup then sees that writer's
articles, as a single writer running the batches one after the other would have.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import duckdb

from ipwire.records import Article, Rejection
from ipwire.settings import DedupSettings
from ipwire.tasks import dedup
from ipwire.tasks.web.boundary import isolate

Prepare = Callable[
    [duckdb.DuckDBPyConnection, list[Article]], tuple[list[Article], list[Rejection]]
]


def _who(article: Article) -> tuple[str, str | None]:
    return article.source_ref, article.raw_id


def dedup_in_transaction(settings: DedupSettings) -> Prepare:
    """What `load_batch(prepare=…)` runs first in every attempt: copies marked and stories
    assigned on fresh copies of the articles, so an attempt that is run again starts clean.
    The cached warehouse index needs no reset: it learns only committed rows (a batch's own
    decisions live in its overlay until its commit), and catches up on the winner's."""

    def prepare(
        conn: duckdb.DuckDBPyConnection, articles: list[Article]
    ) -> tuple[list[Article], list[Rejection]]:
        batch = copy.deepcopy(articles)

        def copies(items: list[Article]) -> list[Article]:
            dedup.find_duplicates(conn, items, settings)
            return items

        def stories(items: list[Article]) -> list[Article]:
            dedup.assign_stories(conn, items, settings)
            return items

        batch, rejected = isolate(batch, copies, _who, "dedup")
        batch, more = isolate(batch, stories, _who, "stories")
        return batch, rejected + more

    return prepare
