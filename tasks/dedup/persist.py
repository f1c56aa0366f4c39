"""Persistence: signatures, lookup keys, wire credits and merges written to DuckDB."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from ipwire.records import Article
from ipwire.settings import DedupSettings
from ipwire.tasks.dedup.features import Features, compute_features
from ipwire.tasks.dedup.ordering import _article_day, _article_ts, _labels, _order_key
from ipwire.warehouse.lake import next_seq


def persist(
    conn: duckdb.DuckDBPyConnection,
    articles: list[Article],
    settings: DedupSettings | None = None,
) -> None:
    """Store signatures, lookup keys and wire credits of new or changed articles.

    Runs inside the loader's transaction (no BEGIN/COMMIT here). An article whose stored row
    already has the same text, settings, root, story and labels is left alone, so calling this
    twice writes nothing the second time."""
    if not articles:
        return
    s = settings or DedupSettings()
    latest: dict[str, Article] = {a.article_id: a for a in articles}
    ids = sorted(latest)
    existing = {
        row[0]: row[1:]
        for row in conn.execute(
            """SELECT article_id, content_hash, params, root_id, story_id, story_day,
                      is_relevant, topic_mask, published_ts
               FROM dedup_signatures WHERE article_id IN (SELECT unnest(?::VARCHAR[]))""",
            [ids],
        ).fetchall()
    }
    rows = []
    for aid in ids:
        art = latest[aid]
        feats = compute_features(art, s)
        rel, mask = _labels(art, s)
        state = (
            feats.content_hash,
            s.params(),
            art.duplicate_of or aid,
            art.story_id,
            _article_day(art),
            rel,
            mask,
            _article_ts(art),
        )
        if existing.get(aid) == state:
            continue
        rows.append((art, feats, state))
    changed = [art.article_id for art, _, _ in rows]
    if changed:
        conn.execute(
            """DELETE FROM dedup_keys WHERE seq IN (SELECT seq FROM dedup_signatures
               WHERE article_id IN (SELECT unnest(?::VARCHAR[])))""",
            [changed],
        )
        conn.execute(
            "DELETE FROM dedup_signatures WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
            [changed],
        )
        conn.execute(
            "DELETE FROM article_wire WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
            [changed],
        )
        _insert_rows(conn, rows)
    _apply_merges(conn, sorted(articles, key=_order_key))


def _apply_merges(conn: duckdb.DuckDBPyConnection, articles: list[Article]) -> None:
    """Re-point stored rows of merged duplicate chains and stories, and log each merge.

    This writes rows other than the batch's own (``articles.duplicate_of``/``story_id`` and
    ``dedup_signatures.root_id``/``story_id`` of the merged chain or story), inside the
    loader's transaction so the batch and its merges commit together. The work is bounded by
    the size of the merged chains and stories, and merges happen only when an article is
    earlier than what it joins or links two of them."""
    done: set[tuple[str, str, str]] = set()
    logged: list[tuple[str, str, str, str]] = []
    for art in articles:
        for layer, old, new in art.dedup_merges:
            if (layer, old, new) in done:
                continue
            done.add((layer, old, new))
            if layer == "member":
                conn.execute(
                    "UPDATE dedup_signatures SET story_id = ? WHERE article_id = ?", [new, old]
                )
                conn.execute("UPDATE articles SET story_id = ? WHERE article_id = ?", [new, old])
            elif layer == "root":
                conn.execute(
                    "UPDATE dedup_signatures SET root_id = ? WHERE root_id = ?", [new, old]
                )
                conn.execute(
                    """UPDATE articles SET duplicate_of = ?,
                              dup_reason = coalesce(dup_reason, 'near')
                       WHERE duplicate_of = ? OR article_id = ?""",
                    [new, old, old],
                )
            else:
                conn.execute(
                    "UPDATE dedup_signatures SET story_id = ? WHERE story_id = ?", [new, old]
                )
                conn.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [new, old])
            logged.append((layer, old, new, art.article_id))
    log_merges(conn, logged)


def log_merges(conn: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, str]]) -> None:
    """Rows of `dedup_merges` (layer, old id, new id, via article), each with its `seq` drawn
    from `dedup_seq` here: a DuckLake warehouse has no `DEFAULT nextval`."""
    if not rows:
        return
    seqs = next_seq(conn, "dedup_seq", len(rows))
    conn.executemany(
        "INSERT INTO dedup_merges (seq, layer, old_id, new_id, via_article) VALUES (?,?,?,?,?)",
        [[seq, *row] for seq, row in zip(seqs, rows, strict=True)],
    )


def write_story_moves(conn: duckdb.DuckDBPyConnection, moves: dict[str, tuple[str, str]]) -> None:
    """Re-point articles to new stories ({article id: (story id, via article)}) in one
    transaction, logged as "member" merges; on a lake a conflicting commit runs it again."""
    from ipwire.warehouse.lake import run_batch

    def write(c: duckdb.DuckDBPyConnection) -> None:
        for aid, (sid, _via) in sorted(moves.items()):
            c.execute("UPDATE dedup_signatures SET story_id = ? WHERE article_id = ?", [sid, aid])
            c.execute("UPDATE articles SET story_id = ? WHERE article_id = ?", [sid, aid])
        log_merges(c, [("member", aid, sid, via) for aid, (sid, via) in sorted(moves.items())])

    run_batch(conn, write, claims=["articles"])


def _insert_rows(
    conn: duckdb.DuckDBPyConnection, rows: list[tuple[Article, Features, tuple]]
) -> None:
    seqs = next_seq(conn, "dedup_seq", len(rows))
    sig_cols: dict[str, list[Any]] = {
        c: []
        for c in (
            "seq",
            "article_id",
            "content_hash",
            "params",
            "n_shingles",
            "minhash",
            "n_story_keys",
            "root_id",
            "story_id",
            "story_day",
            "is_relevant",
            "topic_mask",
            "published_ts",
        )
    }
    key_k: list[int] = []
    key_kind: list[int] = []
    key_seq: list[int] = []
    wire_rows: list[tuple[str, str, str]] = []
    for seq, (art, feats, state) in zip(seqs, rows, strict=True):
        chash, params, root, story, day, rel, mask, ts = state
        for col, value in (
            ("seq", seq),
            ("article_id", art.article_id),
            ("content_hash", chash),
            ("params", params),
            ("n_shingles", feats.n_shingles),
            ("minhash", feats.minhash.astype("<u4").tobytes()),
            ("n_story_keys", len(feats.story_keys)),
            ("root_id", root),
            ("story_id", story),
            ("story_day", day),
            ("is_relevant", rel),
            ("topic_mask", mask),
            ("published_ts", ts),
        ):
            sig_cols[col].append(value)
        for key, kind in feats.near_keys + feats.story_keys:
            key_k.append(key)
            key_kind.append(kind)
            key_seq.append(seq)
        wire_rows.extend((art.article_id, agency, evidence) for agency, evidence in feats.wire)
    types = {
        "seq": "BIGINT",
        "article_id": "VARCHAR",
        "content_hash": "VARCHAR",
        "params": "VARCHAR",
        "n_shingles": "INTEGER",
        "minhash": "VARCHAR",
        "n_story_keys": "INTEGER",
        "root_id": "VARCHAR",
        "story_id": "VARCHAR",
        "story_day": "INTEGER",
        "is_relevant": "BOOLEAN",
        "topic_mask": "INTEGER",
        "published_ts": "BIGINT",
    }
    sig_cols["minhash"] = [b.hex() for b in sig_cols["minhash"]]
    selects = ", ".join(_unpacked(types[c]) for c in sig_cols)
    conn.execute(
        f"""INSERT INTO dedup_signatures (seq, article_id, content_hash, params, n_shingles,
               minhash, n_story_keys, root_id, story_id, story_day, is_relevant, topic_mask,
               published_ts)
           SELECT seq, article_id, content_hash, params, n_shingles, unhex(minhash),
                  n_story_keys, root_id, NULLIF(story_id, ''), story_day, is_relevant,
                  topic_mask, published_ts
           FROM (SELECT {selects}) AS t(seq, article_id, content_hash, params, n_shingles,
                 minhash, n_story_keys, root_id, story_id, story_day, is_relevant,
                 topic_mask, published_ts)""",
        [_packed(sig_cols[c]) for c in sig_cols],
    )
    insert_keys(
        conn,
        np.asarray(key_k, dtype=np.int64),
        np.asarray(key_kind, dtype=np.int8),
        np.asarray(key_seq, dtype=np.int64),
    )
    if wire_rows:
        conn.executemany("INSERT INTO article_wire VALUES (?, ?, ?)", wire_rows)


def _packed(values: list[Any]) -> str:
    """Values joined into one string parameter: DuckDB converts Python list parameters element
    by element (about 0.1 ms each), one string is split in SQL at no cost. None -> ''."""
    return _SEP.join("" if v is None else str(v) for v in values)


_SEP = "\x1f"


def _unpacked(sql_type: str) -> str:
    split = f"unnest(string_split(?, '{_SEP}'))"
    return split if sql_type == "VARCHAR" else f"NULLIF({split}, '')::{sql_type}"


def insert_keys(
    conn: duckdb.DuckDBPyConnection, keys: np.ndarray, kinds: np.ndarray, seqs: np.ndarray
) -> None:
    """Bulk insert of lookup keys in one statement."""
    if len(keys):
        conn.execute(
            f"INSERT INTO dedup_keys SELECT {_unpacked('BIGINT')}, {_unpacked('TINYINT')}, "
            f"{_unpacked('BIGINT')}",
            [_packed(keys.tolist()), _packed(kinds.tolist()), _packed(seqs.tolist())],
        )
