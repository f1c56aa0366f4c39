"""Load stage: the only place that writes the warehouse.

A batch is written in one transaction: raw documents, articles (insert, revision or touch),
their topics, actors, evidence and stripped blocks, rejections, and the dedup signatures.
Everything is keyed by stable ids, so loading the same batch twice changes nothing but
`last_run_id`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from ipwire.records import Article, Classification, RawDoc, Rejection
from ipwire.tasks import dedup
from ipwire.tasks.load_rows import ARTICLE_COLUMNS, _article_row, _diff, _Known, insert_rows


@dataclass
class BatchCounts:
    seen: int = 0
    new: int = 0
    duplicate: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: list[str] = field(default_factory=list)  # article ids inserted or revised

    def add(self, other: BatchCounts) -> None:
        for name in ("seen", "new", "duplicate", "updated", "unchanged", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.written.extend(other.written)


def now_utc() -> str:
    return datetime.now(UTC).isoformat()


def begin_run(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    started_at: str,
    sources: list[str],
    flow_run_id: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO ingest_runs (run_id, flow_run_id, started_at, status, sources)"
        " VALUES (?, ?, ?, 'running', ?)",
        [run_id, flow_run_id, started_at, sources],
    )


def finish_run(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    counts: BatchCounts,
    note: str | None = None,
) -> None:
    conn.execute(
        "UPDATE ingest_runs SET finished_at = ?, status = ?, n_seen = ?, n_new = ?,"
        " n_duplicate = ?, n_updated = ?, n_unchanged = ?, n_rejected = ?, note = ?"
        " WHERE run_id = ?",
        [
            now_utc(),
            status,
            counts.seen,
            counts.new,
            counts.duplicate,
            counts.updated,
            counts.unchanged,
            counts.rejected,
            note,
            run_id,
        ],
    )


def known_raw_ids(conn: duckdb.DuckDBPyConnection, raw_ids: Iterable[str]) -> set[str]:
    """Raw inputs already stored: re-reading them would add nothing."""
    ids = list(raw_ids)
    if not ids:
        return set()
    rows = conn.execute(
        "SELECT raw_id FROM raw_documents WHERE list_contains(?, raw_id)", [ids]
    ).fetchall()
    return {r[0] for r in rows}


def record_rejections(
    conn: duckdb.DuckDBPyConnection, run_id: str, rejections: Iterable[Rejection], at: str
) -> int:
    rows = [[run_id, r.source_ref, r.stage, r.reason, r.detail, at, r.raw_id] for r in rejections]
    if rows:
        insert_rows(conn, "INSERT INTO rejections", rows)
    return len(rows)


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
    insert_rows(conn, "INSERT INTO raw_documents", rows, " ON CONFLICT DO NOTHING", chunk=50)


def write_labels(
    conn: duckdb.DuckDBPyConnection, labelled: list[tuple[str, Classification | None]]
) -> None:
    """Replace the classification side tables for these (article_id, labels) pairs."""
    ids = [article_id for article_id, _ in labelled]
    if not ids:
        return
    for table in ("article_topics", "article_actors", "article_evidence"):
        conn.execute(f"DELETE FROM {table} WHERE list_contains(?, article_id)", [ids])
    topics, actors, evidence = [], [], []
    for article_id, c in labelled:
        if c is None:
            continue
        topics += [[article_id, t.topic, t.score, list(t.evidence)] for t in c.topics]
        actors += [[article_id, m.actor, m.kind, m.mentions] for m in c.actors]
        evidence += [[article_id, "relevance", i, s] for i, s in enumerate(c.evidence)]
        evidence += [[article_id, "tone", i, s] for i, s in enumerate(c.tone_evidence)]
    insert_rows(conn, "INSERT INTO article_topics", topics)
    insert_rows(conn, "INSERT INTO article_actors", actors)
    insert_rows(conn, "INSERT INTO article_evidence", evidence)


def load_batch(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    raws: list[RawDoc],
    articles: list[Article],
    rejections: list[Rejection],
    at: str,
    dedup_settings: object | None = None,
) -> BatchCounts:
    """Write one batch atomically. A failure rolls the whole batch back and re-raises.

    `dedup_settings` must be the ones dedup ran with: signatures are stored per settings.
    """
    from ipwire.tasks.clean import outlet_country

    counts = BatchCounts(seen=len(raws))
    feed_country = {r.raw_id: r.hints.get("country") for r in raws}
    conn.execute("BEGIN TRANSACTION")
    try:
        insert_raws(conn, run_id, raws)
        ids = [a.article_id for a in articles]
        stored = {
            row[0]: _Known(*row[1:], in_table=True)
            for row in conn.execute(
                "SELECT article_id, content_hash, revision, first_run_id, body, title, raw_id,"
                " fetched_at FROM articles WHERE list_contains(?, article_id)",
                [ids or [""]],
            ).fetchall()
        }
        rows: dict[str, list] = {}  # article rows to insert, by id (last text wins)
        revisions: list[list] = []
        touched: list[str] = []
        written: dict[str, Article] = {}
        for a in articles:
            country = outlet_country(a.outlet, feed_country.get(a.raw_id))
            old = stored.get(a.article_id)
            if old is not None and old.content_hash == a.content_hash:
                touched.append(a.article_id)
                counts.unchanged += 1
                continue
            if old is None:
                revision, first_run = 1, run_id
                counts.duplicate += a.duplicate_of is not None
                counts.new += a.duplicate_of is None
            else:  # the same article with another text: a new revision
                revision, first_run = old.revision + 1, old.first_run_id
                if old.revision == 1:  # keep the first text too, so every revision has a row
                    revisions.append(
                        [
                            a.article_id,
                            1,
                            old.raw_id,
                            old.fetched_at,
                            old.title,
                            old.body,
                            old.content_hash,
                            None,
                            old.first_run_id,
                        ]
                    )
                revisions.append(
                    [
                        a.article_id,
                        revision,
                        a.raw_id,
                        a.fetched_at,
                        a.title,
                        a.body,
                        a.content_hash,
                        _diff(old.body, a.body),
                        run_id,
                    ]
                )
                counts.updated += 1
            rows[a.article_id] = _article_row(a, run_id, revision, first_run, country)
            stored[a.article_id] = _Known(
                a.content_hash,
                revision,
                first_run,
                a.body,
                a.title,
                a.raw_id,
                a.fetched_at,
                in_table=old is not None and old.in_table,
            )
            written[a.article_id] = a
        replaced = [i for i in rows if stored[i].in_table]
        if replaced:
            conn.execute("DELETE FROM articles WHERE list_contains(?, article_id)", [replaced])
        insert_rows(conn, f"INSERT INTO articles ({ARTICLE_COLUMNS})", list(rows.values()))
        insert_rows(conn, "INSERT INTO article_revisions", revisions, " ON CONFLICT DO NOTHING")
        if touched:
            conn.execute(
                "UPDATE articles SET last_run_id = ? WHERE list_contains(?, article_id)",
                [run_id, touched],
            )
        done = list(written.values())
        if done:
            conn.execute(
                "DELETE FROM stripped_blocks WHERE list_contains(?, article_id)", [list(written)]
            )
            insert_rows(
                conn,
                "INSERT INTO stripped_blocks",
                [[a.article_id, i, s.kind, s.text] for a in done for i, s in enumerate(a.stripped)],
            )
        write_labels(conn, [(a.article_id, a.classification) for a in done])
        counts.rejected = record_rejections(conn, run_id, rejections, at)
        if done:
            dedup.persist(conn, done, dedup_settings)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    counts.written = list(written)
    return counts


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
    conn.execute("BEGIN TRANSACTION")
    try:
        for u in updates:
            conn.execute(
                "INSERT INTO feeds (feed_url, name, outlet, country, language, etag, last_modified,"
                " last_hash, last_checked_at, last_success_at, last_status, last_http_status,"
                " last_note, consecutive_failures, next_check_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (feed_url) DO UPDATE SET name = excluded.name,"
                " outlet = excluded.outlet, country = excluded.country,"
                " language = excluded.language, etag = excluded.etag,"
                " last_modified = excluded.last_modified, last_hash = excluded.last_hash,"
                " last_checked_at = excluded.last_checked_at,"
                " last_success_at = coalesce(excluded.last_success_at, feeds.last_success_at),"
                " last_status = excluded.last_status, last_http_status = excluded.last_http_status,"
                " last_note = excluded.last_note,"
                " consecutive_failures = excluded.consecutive_failures,"
                " next_check_at = excluded.next_check_at",
                [
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
                ],
            )
        if entries:
            # article_id: the article actually loaded from the entry's link (its id comes from
            # the page's canonical URL, which may differ from the link), else the expected one.
            conn.executemany(
                "INSERT INTO feed_entries SELECT ?, ?, ?, ?, ?, coalesce("
                " (SELECT max(article_id) FROM articles WHERE source_ref = ?), ?)"
                " ON CONFLICT DO NOTHING",
                [
                    [e.feed_url, e.entry_key, e.guid, e.link, e.first_seen_at, e.link, e.article_id]
                    for e in entries
                ],
            )
        insert_raws(conn, run_id, feed_raws)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise


# --- re-scoring -------------------------------------------------------------------------


def articles_for_relabel(
    conn: duckdb.DuckDBPyConnection, after: str, limit: int
) -> list[tuple[str, str, str | None]]:
    """(article_id, body, title) in id order, a page at a time, for `ipwire reclassify`."""
    return conn.execute(
        "SELECT article_id, body, title FROM articles WHERE article_id > ? "
        "ORDER BY article_id LIMIT ?",
        [after, limit],
    ).fetchall()


def relabel(conn: duckdb.DuckDBPyConnection, labelled: list[tuple[str, Classification]]) -> int:
    """Replace labels (and only labels) of existing articles, in one transaction.

    Returns how many articles changed relevance, tone or classifier version.
    """
    changed = 0
    conn.execute("BEGIN TRANSACTION")
    try:
        for article_id, c in labelled:
            before = conn.execute(
                "SELECT relevance, tone, classifier_version FROM articles WHERE article_id = ?",
                [article_id],
            ).fetchone()
            conn.execute(
                "UPDATE articles SET relevance = ?, is_relevant = ?, relevance_reason = ?,"
                " tone = ?, classifier_version = ? WHERE article_id = ?",
                [c.relevance, c.is_relevant, c.reason, c.tone, c.classifier_version, article_id],
            )
            changed += before != (c.relevance, c.tone, c.classifier_version)
        write_labels(conn, labelled)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return changed


def stored_raws(conn: duckdb.DuckDBPyConnection) -> list[RawDoc]:
    """Every stored article input (not feed bodies), for re-running the pipeline offline."""
    rows = conn.execute(
        "SELECT raw_id, source_kind, source_ref, fetched_at::VARCHAR, content_type, sha256,"
        " content, url, hints FROM raw_documents WHERE source_kind <> 'feed'"
        " ORDER BY fetched_at, raw_id"
    ).fetchall()
    return [
        RawDoc(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            bytes(r[6]),
            url=r[7],
            hints=json.loads(r[8]) if r[8] else {},
        )
        for r in rows
    ]
