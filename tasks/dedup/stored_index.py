"""The index of the stored articles: read from DuckDB once per process and caught up.

The keys live in DuckDB (``dedup_keys``, migration 0002) and are read once per process, a seq
range at a time, into sorted numpy arrays (int32 doc numbers) that catch up with new rows by
sequence number, so a lookup is a binary search whose cost does not grow with the warehouse.
"""

from __future__ import annotations

import duckdb
import numpy as np

from ipwire.settings import DedupSettings
from ipwire.tasks.dedup.features import _FEATURE_CACHE, KIND_SHINGLE, STORY_KINDS
from ipwire.tasks.dedup.index import _Index, _own_keys

# One index per warehouse file, loaded once per process and brought up to date by seq.
_INDEXES: dict[tuple[str, str], _Index] = {}


def _db_key(conn: duckdb.DuckDBPyConnection) -> str:
    row = conn.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row[0] if row and row[0] else f"memory:{id(conn)}"


_LOAD_CHUNK = 100_000  # signatures (and their keys) read per query when loading an index


def _load_rows(index: _Index, conn: duckdb.DuckDBPyConnection, after: int) -> None:
    """Read signature and key rows with seq > after into the index, as numpy arrays straight
    from DuckDB, a seq range at a time (so neither DuckDB's result nor the minhash blobs are
    ever held for the whole warehouse at once). Posting arrays are filled in place and
    sorted once at the end; doc numbers are int32."""
    _load_merges(index, conn)
    lo, hi, n_sigs = conn.execute(
        """SELECT min(seq), max(seq), count(*) FROM dedup_signatures
           WHERE seq > ? AND params = ?""",
        [after, index.params],
    ).fetchone()
    if not n_sigs:
        return
    index._grow(int(hi) + 1)
    fresh = after == 0 and len(index.near.keys) == 0 and len(index.story.keys) == 0
    n_near_rows, n_story_rows = conn.execute(
        f"""SELECT count(*) FILTER (WHERE kind NOT IN {STORY_KINDS}),
                   count(*) FILTER (WHERE kind IN {STORY_KINDS})
            FROM dedup_keys WHERE seq > ? AND seq <= ?""",
        [after, hi],
    ).fetchone()
    near_k = np.empty(n_near_rows, dtype=np.int64)
    near_d = np.empty(n_near_rows, dtype=np.int32)
    story_d = np.empty(n_story_rows, dtype=np.int32)
    used_near = 0
    fwd_base = index.fwd_used
    need = fwd_base + n_story_rows
    if need > len(index.fwd_keys):
        index.fwd_keys = np.resize(index.fwd_keys, need)
        index.fwd_kinds = np.resize(index.fwd_kinds, need)
    # rows of other fingerprint settings are skipped (rarely any: only after a change)
    mixed = conn.execute(
        "SELECT count(*) > 0 FROM dedup_signatures WHERE seq > ? AND params <> ?",
        [after, index.params],
    ).fetchone()[0]
    is_root = np.zeros(int(hi) + 1, dtype=np.bool_)
    copies: list[tuple[int, str]] = []
    p = index.settings.num_perm
    for chunk_lo in range(int(lo) - 1, int(hi), _LOAD_CHUNK):
        # never past the ``hi`` the arrays were sized for: on a lake another writer commits
        # between these reads (each its own snapshot), and its rows wait for the next catch-up
        bounds = [chunk_lo, min(chunk_lo + _LOAD_CHUNK, int(hi))]
        cols = conn.execute(
            """SELECT seq, article_id, ('0x' || substr(content_hash, 1, 16))::UBIGINT AS chash,
                      n_shingles, minhash, story_day, is_relevant, topic_mask, n_story_keys,
                      root_id, story_id,
                      coalesce(published_ts, story_day::BIGINT * 86400) AS order_ts
               FROM dedup_signatures WHERE seq > ? AND seq <= ? AND params = ? ORDER BY seq""",
            [*bounds, index.params],
        ).fetchnumpy()
        seqs = np.asarray(cols["seq"], dtype=np.int64)
        if len(seqs) == 0:
            continue
        mh = np.frombuffer(b"".join(cols.pop("minhash").tolist()), dtype="<u4").reshape(-1, p)
        index.add_docs(seqs, cols, mh)
        del mh
        roots = cols["root_id"] == cols["article_id"]
        is_root[seqs] = roots
        copies += zip(seqs[~roots].tolist(), cols["root_id"][~roots].tolist(), strict=True)
        del cols
        # insertion order (DuckDB keeps it): by seq, each doc's keys in the order computed
        keys = conn.execute(
            "SELECT key, kind, seq FROM dedup_keys WHERE seq > ? AND seq <= ?", bounds
        ).fetchnumpy()
        kseq = np.asarray(keys["seq"], dtype=np.int64)
        kk = np.asarray(keys["key"], dtype=np.int64)
        kind = np.asarray(keys["kind"], dtype=np.int8)
        del keys
        if mixed:
            keep = np.isin(kseq, seqs)
            kseq, kk, kind = kseq[keep], kk[keep], kind[keep]
            del keep
        if len(kseq) and not bool(np.all(kseq[1:] >= kseq[:-1])):
            order = np.argsort(kseq, kind="stable")
            kseq, kk, kind = kseq[order], kk[order], kind[order]
            del order
        first = int(seqs[0])
        n_near = np.bincount(kseq[kind == KIND_SHINGLE] - first, minlength=len(seqs))
        index.n_near[first : first + len(n_near)] = n_near
        story_mask = (kind >= min(STORY_KINDS)) & (kind <= max(STORY_KINDS))
        n = int((~story_mask).sum())
        near_k[used_near : used_near + n] = kk[~story_mask]
        near_d[used_near : used_near + n] = kseq[~story_mask]
        used_near += n
        sk, skind, sseq = kk[story_mask], kind[story_mask], kseq[story_mask]
        starts = np.flatnonzero(np.r_[True, sseq[1:] != sseq[:-1]]) if len(sseq) else sseq
        docs = sseq[starts]
        counts = np.diff(np.r_[starts, len(sseq)])
        a, b = index.fwd_used, index.fwd_used + len(sk)
        index.fwd_keys[a:b] = sk
        index.fwd_kinds[a:b] = skind
        story_d[a - fwd_base : b - fwd_base] = sseq
        index.fwd_start[docs] = a + starts
        index.fwd_len[docs] = counts
        index.fwd_used = b
        index.high_water = max(index.high_water, int(seqs.max()))
        index.n_rows += len(seqs)
    near_k, near_d = near_k[:used_near], near_d[:used_near]
    story_k = index.fwd_keys[fwd_base : index.fwd_used]
    story_d = story_d[: index.fwd_used - fwd_base]
    # Document frequencies count a duplicate chain once: a copy adds only the keys its root
    # lacks (chrome, a changed name), so syndication does not make a story's names look common.
    index.n_story_docs += int(is_root.sum())
    for postings, k, d in ((index.near, near_k, near_d), (index.story, story_k, story_d)):
        if fresh:  # the order of docs under one key does not matter (lookups aggregate)
            order = np.argsort(k)
            postings.keys = k[order]
            postings.docs = d[order]
            del order
        else:
            for key, doc in zip(k.tolist(), d.tolist(), strict=True):
                postings.add(key, doc)
    if fresh and len(index.story_df.keys) == 0 and not index.story_df.delta:
        # the sorted postings give the chain roots' key counts without another sort
        rooted = index.story.keys[is_root[index.story.docs]]
        if len(rooted):
            starts = np.flatnonzero(np.r_[True, rooted[1:] != rooted[:-1]])
            index.story_df.keys = rooted[starts]
            index.story_df.n = np.diff(np.r_[starts, len(rooted)]).astype(np.int32)
        del rooted
    else:
        index.story_df.add_many(story_k[is_root[story_d]])
    for seq, root in copies:
        index.story_df.add_many(_own_keys(index, seq, index.by_article.get(root)))


def _load_merges(index: _Index, conn: duckdb.DuckDBPyConnection) -> None:
    """Apply merges of duplicate chains and stories recorded since the last catch-up."""
    rows = conn.execute(
        "SELECT seq, layer, old_id, new_id FROM dedup_merges WHERE seq > ? ORDER BY seq",
        [index.merge_water],
    ).fetchall()
    for seq, layer, old, new in rows:
        if layer == "root":
            index.root_alias[old] = new
        elif layer == "member":
            index.move_to_story(old, new)
        else:
            index.merge_story(old, new)
        index.merge_water = max(index.merge_water, int(seq))


def _index_key(conn: duckdb.DuckDBPyConnection, settings: DedupSettings) -> tuple:
    """Which cached index serves this warehouse and these settings."""
    return (_db_key(conn), settings.params() + repr(settings))


def warehouse_index(conn: duckdb.DuckDBPyConnection, settings: DedupSettings) -> _Index:
    """The index of everything committed in ``conn``'s warehouse, loaded once and caught up.

    Rows deleted since the last call (an article whose text changed) force a full reload."""
    key = _index_key(conn, settings)
    index = _INDEXES.get(key)
    n_rows, max_seq = conn.execute(
        "SELECT count(*), coalesce(max(seq), 0) FROM dedup_signatures WHERE params = ?",
        [settings.params()],
    ).fetchone()
    if index is not None:
        expected = (
            index.n_rows
            + conn.execute(
                "SELECT count(*) FROM dedup_signatures WHERE seq > ? AND params = ?",
                [index.high_water, settings.params()],
            ).fetchone()[0]
        )
        if expected != n_rows or max_seq < index.high_water:
            index = None
    if index is None:
        index = _Index(settings, capacity=int(max_seq) + 1024)
        _INDEXES[key] = index
    _load_rows(index, conn, index.high_water)
    return index


def clear_cache() -> None:
    """Forget loaded indexes (tests, or after the warehouse file was replaced)."""
    _INDEXES.clear()
    _FEATURE_CACHE.clear()
