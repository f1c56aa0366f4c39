"""Row building for the loader: article rows, stored-article state, revision diffs, inserts."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

import duckdb

from ipwire.records import Article


def _published_date(value: str | None) -> str | None:
    if value and len(value) >= 10:
        try:
            return datetime.fromisoformat(value[:10]).date().isoformat()
        except ValueError:
            return None
    return None


def _article_row(
    a: Article, run_id: str, revision: int, first_run_id: str, country: str | None
) -> list:
    c = a.classification
    return [
        a.article_id,
        a.raw_id,
        a.source_kind,
        a.source_ref,
        a.url,
        a.canonical_url,
        a.outlet,
        country,
        a.title,
        a.author,
        a.published_at,
        _published_date(a.published_at),
        a.fetched_at,
        a.language,
        a.body,
        a.word_count,
        a.content_hash,
        a.extraction_method,
        revision,
        a.duplicate_of,
        a.dup_reason,
        a.dup_similarity,
        a.story_id,
        a.wire or [],
        c.relevance if c else None,
        c.is_relevant if c else None,
        c.reason if c else None,
        c.tone if c else None,
        c.classifier_version if c else None,
        first_run_id,
        run_id,
    ]


ARTICLE_COLUMNS = (
    "article_id, raw_id, source_kind, source_ref, url, canonical_url, outlet, outlet_country,"
    " title, author, published_at, published_date, fetched_at, language, body, word_count,"
    " content_hash, extraction_method, revision, duplicate_of, dup_reason, dup_similarity,"
    " story_id, wire, relevance, is_relevant, relevance_reason, tone, classifier_version,"
    " first_run_id, last_run_id"
)


@dataclass
class _Known:
    """What the loader needs to know of an article already stored (or loaded earlier in the
    same batch) to decide between unchanged and a new revision."""

    content_hash: str
    revision: int
    first_run_id: str
    body: str
    title: str | None
    raw_id: str | None
    fetched_at: object
    in_table: bool = False


def _diff(old: str, new: str) -> str:
    return "\n".join(
        difflib.unified_diff(old.splitlines(), new.splitlines(), "previous", "current", lineterm="")
    )


def insert_rows(
    conn: duckdb.DuckDBPyConnection,
    insert: str,
    rows: list[list],
    suffix: str = "",
    chunk: int = 200,
) -> None:
    """Insert many rows with one statement per chunk: several times faster than executemany,
    which runs one statement per row."""
    if not rows:
        return
    one = "(" + ", ".join("?" * len(rows[0])) + ")"
    for i in range(0, len(rows), chunk):
        part = rows[i : i + chunk]
        conn.execute(
            f"{insert} VALUES {', '.join([one] * len(part))}{suffix}",
            [v for row in part for v in row],
        )
