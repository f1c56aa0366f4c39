"""Load stage: the only place that writes the warehouse.

A batch is written in one transaction: raw documents, articles (insert, revision or touch),
their topics, actors, evidence and stripped blocks, rejections, and the dedup signatures.
Everything is keyed by stable ids, so loading the same batch twice changes nothing but
`last_run_id`.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from ipwire.records import Article, Classification, RawDoc, Rejection
from ipwire.tasks import dedup
from ipwire.tasks.load_rows import (  # noqa: F401 - feed state and failures re-exported here
    ARTICLE_COLUMNS,
    BATCH_CLAIMS,
    BATCH_RETRIES,
    _article_row,
    _diff,
    _Known,
    disk_full,
    failure_note,
    feed_state,
    insert_keyed,
    insert_raws,
    insert_rows,
    known_canonical_urls,
    rollback,
    seen_entry_keys,
    write_feed_results,
)
from ipwire.warehouse.lake import is_lake, run_batch


@dataclass
class BatchCounts:
    seen: int = 0
    new: int = 0
    duplicate: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: list[str] = field(default_factory=list)  # article ids inserted or revised
    late: list[Rejection] = field(default_factory=list)  # rejected inside the transaction

    def add(self, other: BatchCounts) -> None:
        for name in ("seen", "new", "duplicate", "updated", "unchanged", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.written.extend(other.written)
        self.late.extend(other.late)


def now_utc() -> str:
    return datetime.now(UTC).isoformat()


def begin_run(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    started_at: str,
    sources: list[str],
    flow_run_id: str | None = None,
) -> None:
    """The run's row, `running`, with the process that runs it (so a later run can tell)."""
    conn.execute(
        "INSERT INTO ingest_runs (run_id, flow_run_id, started_at, status, sources, pid, host)"
        " VALUES (?, ?, ?, 'running', ?, ?, ?)",
        [run_id, flow_run_id, started_at, sources, os.getpid(), socket.gethostname()],
    )


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def mark_crashed_runs(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Runs left `running` by a process that died: marked `crashed`; returns their ids.

    Call it holding the writer lock: every run takes that lock before its row is written and
    keeps it until the row is closed, so while we hold it no other run is going, and a row
    still `running` was left by a process that ended (killed, out of memory, power cut)
    before it could close it. A lake has no writer lock: there only runs of this host whose
    process is gone are marked.
    """
    host = socket.gethostname()
    rows = conn.execute(
        "SELECT run_id, pid, host FROM ingest_runs WHERE status = 'running'"
    ).fetchall()
    if is_lake(conn):  # writers run at once: only a dead process of this host is known dead
        rows = [r for r in rows if r[2] == host and r[1] is not None and not process_alive(r[1])]
    for run_id, pid, run_host in rows:
        if pid is None:
            why = "its process is unknown and no longer holds the writer lock"
        elif run_host == host and not process_alive(pid):
            why = f"process {pid} on {run_host} is gone"
        else:
            where = run_host or "an unknown host"
            why = f"process {pid} on {where} no longer holds the writer lock"
        conn.execute(
            "UPDATE ingest_runs SET status = 'crashed', finished_at = coalesce(finished_at, ?),"
            " note = ? WHERE run_id = ? AND status = 'running'",
            [now_utc(), f"ended without closing its run: {why}", run_id],
        )
    return [r[0] for r in rows]


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
    prepare: Callable | None = None,
) -> BatchCounts:
    """Write one batch atomically. A failure rolls the whole batch back and re-raises; on a
    DuckLake a conflict with another writer's commit runs the batch again (it reads what it
    depends on inside its transaction).

    `dedup_settings` must be the ones dedup ran with: signatures are stored per settings.
    `prepare(conn, articles)` -> (articles, rejections), when given, runs first inside every
    attempt's transaction (dedup and stories on a lake, see `tasks.lake_batch`).
    """
    from ipwire.tasks.clean import outlet_country

    feed_country = {r.raw_id: r.hints.get("country") for r in raws}
    given = articles

    def write(conn: duckdb.DuckDBPyConnection) -> BatchCounts:
        counts = BatchCounts(seen=len(raws))
        articles, late = prepare(conn, given) if prepare else (given, [])
        counts.late = late
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
        insert_keyed(conn, "article_revisions", revisions)
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
        counts.rejected = record_rejections(conn, run_id, [*rejections, *late], at)
        if done:
            dedup.persist(conn, done, dedup_settings)
        counts.written = list(written)
        return counts

    # On a lake, batches of several writers claim the article key space, so one of two that
    # store the same article is run again and then finds the other's row.
    return run_batch(conn, write, claims=BATCH_CLAIMS, retries=BATCH_RETRIES)


def load_isolated(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    raws: list[RawDoc],
    articles: list[Article],
    rejections: list[Rejection],
    at: str,
    dedup_settings: object | None = None,
    prepare: Callable | None = None,
) -> tuple[BatchCounts, list[Rejection]]:
    """`load_batch`, and when it fails because of one article, each article in a transaction
    of its own: the ones that fail are rejected (returned), their raw inputs still stored so
    `ipwire reprocess` can try them again. A full disk or an I/O error still raises.
    """
    from ipwire.tasks.web.boundary import is_fatal, isolate

    try:
        counts = load_batch(conn, run_id, raws, articles, rejections, at, dedup_settings, prepare)
        return counts, list(counts.late)
    except Exception as exc:
        if is_fatal(exc):
            raise
    by_raw = {r.raw_id: r for r in raws}

    def one_by_one(batch: list[Article]) -> list[BatchCounts]:
        mine = [by_raw[a.raw_id] for a in batch if a.raw_id in by_raw]
        return [load_batch(conn, run_id, mine, batch, [], at, dedup_settings, prepare)]

    done, failed = isolate(articles, one_by_one, lambda a: (a.source_ref, a.raw_id), "load")
    counts = BatchCounts()
    for part in done:
        counts.add(part)
    loaded = {a.raw_id for a in articles} - {r.raw_id for r in failed}
    rest = [r for r in raws if r.raw_id not in loaded]
    counts.add(load_batch(conn, run_id, rest, [], rejections + failed, at, dedup_settings))
    return counts, failed + counts.late


def fail_run(conn: duckdb.DuckDBPyConnection, run_id: str, note: str) -> None:
    """Mark a closed run failed after all (its snapshot could not be published)."""
    conn.execute(
        "UPDATE ingest_runs SET status = 'failed', note = ? WHERE run_id = ?", [note, run_id]
    )


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

    def write(conn: duckdb.DuckDBPyConnection) -> int:
        changed = 0
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
        return changed

    return run_batch(conn, write, claims=BATCH_CLAIMS)


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
