"""Rows for the loader: article rows, stored-article state, revision diffs, inserts, the
feed state the web stage reads and writes, and what to say when a write fails."""

from __future__ import annotations

import difflib
import errno
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb

from ipwire.records import Article, RawDoc
from ipwire.warehouse.lake import insert_new, is_lake, run_batch


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


# Key spaces a transaction claims on a DuckLake (which has no keys): two transactions that
# claim one of the same names conflict at commit and one is run again, seeing the other's rows.
BATCH_CLAIMS = ("articles", "raw_documents")
FEED_CLAIMS = ("feeds", "feed_entries", "raw_documents")
# Attempts a batch gets on a lake before its conflicts fail the run (writers that keep
# committing first can make one batch lose several times in a row).
BATCH_RETRIES = 40


def insert_keyed(
    conn: duckdb.DuckDBPyConnection, table: str, rows: list[list], chunk: int = 200
) -> None:
    """Rows whose key is not stored yet: `ON CONFLICT DO NOTHING` on a file; on a lake, which
    has no keys, an anti-join insert (safe inside a batch that claims the table)."""
    if not rows:
        return
    if is_lake(conn):
        insert_new(conn, table, rows, chunk=chunk)
    else:
        insert_rows(conn, f"INSERT INTO {table}", rows, " ON CONFLICT DO NOTHING", chunk=chunk)


def rollback(conn: duckdb.DuckDBPyConnection) -> None:
    """Roll back after a failure, keeping that failure the one raised.

    When DuckDB itself aborted the transaction (a full disk fails the COMMIT), ROLLBACK says
    only "no transaction is active"; that must not hide the cause.
    """
    try:
        conn.execute("ROLLBACK")
    except duckdb.Error:
        pass


def disk_full(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is a full disk or quota."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(current)
        if "No space left on device" in text or "Disk quota exceeded" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


def failure_note(exc: BaseException, db: str | None = None) -> str:
    """One line naming the cause of a failed run (the first line of the error, not DuckDB's
    follow-up complaints)."""
    first = (str(exc).strip().splitlines() or [""])[0]
    text = f"{type(exc).__name__}: {first}".strip().rstrip(":")
    if disk_full(exc):
        where = f" writing {db}" if db else ""
        return f"disk full: no space left on device{where} ({text})"[:500]
    return text[:500]


def insert_raws(conn: duckdb.DuckDBPyConnection, run_id: str, raws: list[RawDoc]) -> None:
    """Store inputs exactly as received; one already stored is left as it is."""
    rows = [
        [
            r.raw_id,
            r.source_kind,
            r.source_ref,
            r.url,
            r.fetched_at,
            r.content_type,
            r.sha256,
            r.content,
            json.dumps(r.hints, sort_keys=True),
            run_id,
        ]
        for r in raws
    ]
    insert_keyed(conn, "raw_documents", rows, chunk=50)


# --- feed state -------------------------------------------------------------------------


def feed_state(conn: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Every feed's stored HTTP state, by URL, for conditional GETs and backoff."""
    cur = conn.execute("SELECT * FROM feeds")
    names = [d[0] for d in cur.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def seen_entry_keys(conn: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> set[str]:
    """Those of `keys` some feed has already delivered: asked per feed, so what a run holds
    in memory does not grow with the warehouse."""
    if not keys:
        return set()
    rows = conn.execute(
        "SELECT DISTINCT entry_key FROM feed_entries WHERE entry_key IN (SELECT unnest(?))",
        [sorted(set(keys))],
    ).fetchall()
    return {r[0] for r in rows}


def known_canonical_urls(
    conn: duckdb.DuckDBPyConnection, canonical: Iterable[str], links: Iterable[str] = ()
) -> set[str]:
    """Those of the `canonical` URLs an article already has, as its own canonical URL or as
    the URL it was fetched from (a page's rel=canonical may differ from the link that led to
    it). `links` are the same URLs as written, since a stored fetch URL is kept as written."""
    from ipwire.ids import canonical_url

    wanted = set(canonical)
    if not wanted:
        return set()
    rows = conn.execute(
        "SELECT canonical_url, url FROM articles "
        "WHERE canonical_url IN (SELECT unnest($1)) OR url IN (SELECT unnest($2))",
        [sorted(wanted), sorted(wanted | set(links))],
    ).fetchall()
    found = {r[0] for r in rows if r[0]}
    found.update(c for r in rows if r[1] and (c := canonical_url(r[1])))
    return found & wanted


def write_feed_results(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    updates: list,
    entries: list,
    feed_raws: list[RawDoc],
) -> None:
    """Feed state, entries seen and feed bodies, in one transaction after the articles.

    Written last on purpose: if the run dies before this, the next run fetches the feeds
    again and skips the entries whose articles did load (known by canonical URL).
    """
    lake = is_lake(conn)

    def write(conn: duckdb.DuckDBPyConnection) -> None:
        for u in updates:
            row = [
                u.feed_url,
                u.name,
                u.outlet,
                u.country,
                u.language,
                u.etag,
                u.last_modified,
                u.last_hash,
                u.checked_at,
                u.checked_at if u.success else None,
                u.status,
                u.http_status,
                u.note,
                u.consecutive_failures,
                u.next_check_at,
            ]
            conn.execute(_FEED_MERGE if lake else _FEED_UPSERT, row)
        if entries:
            # article_id: the article actually loaded from the entry's link (its id comes from
            # the page's canonical URL, which may differ from the link), else the expected one.
            loaded = dict(
                conn.execute(
                    "SELECT source_ref, max(article_id) FROM articles"
                    " WHERE list_contains(?, source_ref) GROUP BY source_ref",
                    [sorted({e.link for e in entries if e.link is not None})],
                ).fetchall()
            )
            rows = [
                [
                    e.feed_url,
                    e.entry_key,
                    e.guid,
                    e.link,
                    e.first_seen_at,
                    loaded.get(e.link) or e.article_id,
                ]
                for e in entries
            ]
            insert_keyed(conn, "feed_entries", rows)
        insert_raws(conn, run_id, feed_raws)

    run_batch(conn, write, claims=FEED_CLAIMS, retries=BATCH_RETRIES)


_FEED_COLUMNS = (
    "feed_url, name, outlet, country, language, etag, last_modified, last_hash,"
    " last_checked_at, last_success_at, last_status, last_http_status, last_note,"
    " consecutive_failures, next_check_at"
)
_FEED_UPSERT = (  # a file: the primary key on feed_url
    f"INSERT INTO feeds ({_FEED_COLUMNS}) VALUES ({', '.join('?' * 15)})"
    " ON CONFLICT (feed_url) DO UPDATE SET name = excluded.name,"
    " outlet = excluded.outlet, country = excluded.country,"
    " language = excluded.language, etag = excluded.etag,"
    " last_modified = excluded.last_modified, last_hash = excluded.last_hash,"
    " last_checked_at = excluded.last_checked_at,"
    " last_success_at = coalesce(excluded.last_success_at, feeds.last_success_at),"
    " last_status = excluded.last_status, last_http_status = excluded.last_http_status,"
    " last_note = excluded.last_note,"
    " consecutive_failures = excluded.consecutive_failures,"
    " next_check_at = excluded.next_check_at"
)
_FEED_MERGE = (  # a lake: no keys, MERGE on feed_url inside a batch claiming `feeds`
    f"MERGE INTO feeds USING (SELECT * FROM (VALUES ({', '.join('?' * 15)}))"
    f" AS v0({_FEED_COLUMNS})) AS v ON feeds.feed_url = v.feed_url"
    " WHEN MATCHED THEN UPDATE SET name = v.name, outlet = v.outlet, country = v.country,"
    " language = v.language, etag = v.etag, last_modified = v.last_modified,"
    " last_hash = v.last_hash, last_checked_at = v.last_checked_at,"
    " last_success_at = coalesce(CAST(v.last_success_at AS TIMESTAMPTZ),"
    " feeds.last_success_at),"
    " last_status = v.last_status, last_http_status = v.last_http_status,"
    " last_note = v.last_note, consecutive_failures = v.consecutive_failures,"
    " next_check_at = v.next_check_at"
    f" WHEN NOT MATCHED THEN INSERT ({_FEED_COLUMNS}) VALUES"
    f" ({', '.join('v.' + c.strip() for c in _FEED_COLUMNS.split(','))})"
)
