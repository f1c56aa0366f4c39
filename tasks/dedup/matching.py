"""Exact and near copies (layers 2 and 3) of each article, against warehouse and batch.

Exact duplicates have the same normalised text (``content_hash``). Near duplicates are
syndicated, truncated, re-chromed or lightly reworded copies, found through sampled shingle
keys and decided on the estimated containment of the smaller word-shingle set in the larger.
Layer 1 (same canonical URL, a revision) belongs to the loader.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np

from ipwire.records import Article
from ipwire.settings import DedupSettings
from ipwire.tasks.dedup.batch import _add_batch_doc, _Overlay, _set_merges
from ipwire.tasks.dedup.features import Features, compute_features
from ipwire.tasks.dedup.index import _chash_value, _Index
from ipwire.tasks.dedup.ordering import _order_key
from ipwire.tasks.dedup.stored_index import warehouse_index


def _estimate(mh_a: np.ndarray, n_a: int, mh_b: np.ndarray, n_b: int) -> tuple[float, float]:
    """Estimated (Jaccard, containment of the smaller set) from two MinHash signatures."""
    j = float(np.mean(mh_a == mh_b))
    if n_a == 0 or n_b == 0:
        return j, 0.0
    inter = j * (n_a + n_b) / (1.0 + j)
    return j, min(1.0, inter / min(n_a, n_b))


def _near_matches(
    indexes: list[_Index], article: Article, feats: Features, settings: DedupSettings
) -> list[tuple[float, str, int, int]]:
    """Every stored or batch copy of the article: (similarity, 'exact'|'near', index no., doc).

    Candidates share a sampled shingle (keys in more than ``near_df_cap`` texts are chrome and
    skipped); a candidate is a copy when the estimated containment of the smaller text reaches
    ``near_threshold``."""
    out: list[tuple[float, str, int, int]] = []
    exact_key = feats.near_keys[0][0]
    exact_docs: set[tuple[int, int]] = set()
    for ix_no, index in enumerate(indexes):
        for doc in index.near.lookup([exact_key])[0].tolist():
            if index.live[doc] and index.article_id[doc] != article.article_id:
                out.append((1.0, "exact", ix_no, doc))
                exact_docs.add((ix_no, doc))
    if feats.n_shingles < settings.min_shingles:
        return out
    keys = [k for k, _ in feats.near_keys[1:]]
    if not keys:
        return out
    n_docs = sum(ix.n_live for ix in indexes)
    cap = min(settings.near_df_cap, max(settings.near_df_floor, settings.near_df_share * n_docs))
    df = np.zeros(len(keys), dtype=np.int64)
    for index in indexes:
        df += np.asarray(index.near.counts(keys), dtype=np.int64)
    usable = [k for k, c in zip(keys, df.tolist(), strict=True) if 0 < c <= cap]
    if not usable:
        return out
    for ix_no, index in enumerate(indexes):
        hits: dict[int, int] = {}
        for docs in index.near.lookup(usable):
            for doc in docs.tolist():
                hits[doc] = hits.get(doc, 0) + 1
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
        for doc, n_hits in ranked[: settings.max_near_candidates]:
            # the share is of the smaller key set, so the pair is a candidate whichever
            # of the two texts arrives last
            m = min(len(keys), int(index.n_near[doc]))
            if n_hits < max(min(2, m), math.ceil(settings.near_min_key_share * m)):
                continue
            if (ix_no, doc) in exact_docs or not index.live[doc]:
                continue
            if index.article_id[doc] == article.article_id:
                continue
            if index.n_sh[doc] < settings.min_shingles:
                continue
            _, cont = _estimate(feats.minhash, feats.n_shingles, index.mh[doc], index.n_sh[doc])
            if cont >= settings.near_threshold:
                out.append((round(cont, 4), "near", ix_no, doc))
    return out


def find_duplicates(
    conn: duckdb.DuckDBPyConnection,
    articles: list[Article],
    settings: DedupSettings | None = None,
) -> None:
    """Mark exact and near copies (layers 2 and 3) and record wire credits, in place.

    Each article is compared with everything committed in the warehouse and with the rest of
    its batch. Copies form chains (connected by "is a copy of"); ``duplicate_of`` is the
    chain's root, its earliest member by published day (a stored member first on the same
    day, then article id). When an article is
    earlier than a stored chain's root, or joins two chains, the later roots are merged into
    the earliest one: the article carries the merges and ``persist`` re-points stored rows.
    So the chains do not depend on the order or batching of the inputs."""
    s = settings or DedupSettings()
    stored = warehouse_index(conn, s)
    batch = _Index(s, capacity=max(16, len(articles)))
    view = _Overlay(stored, batch)
    merged_by: dict[str, tuple[str, float]] = {}  # old root -> (reason, similarity)
    ordered = sorted(articles, key=_order_key)
    for n, art in enumerate(ordered):
        feats = compute_features(art, s)
        art.wire = [agency for agency, _ in feats.wire]
        merges: list[tuple[str, str, str]] = []
        matches = _near_matches(view.indexes, art, feats, s)
        art.duplicate_of, art.dup_reason, art.dup_similarity = None, None, None
        if matches:
            best = min(matches, key=lambda m: (m[1] != "exact", -m[0], m[2], m[3]))
            roots = {view.resolve_root(view.indexes[i].root_id[d]) for _, _, i, d in matches}
            roots.discard(art.article_id)
            # earliest published time first, then article id, so the root does not depend
            # on input order; only between identical texts published at the same time
            # (nothing tells them apart) does a stored root stay the root, so a re-sent
            # copy is the duplicate
            keys = {}
            for r in roots:
                ts, aid = view.key_of(r)
                found = view.doc_of(r)
                same_text = (
                    found is not None
                    and found[0] == 0
                    and int(view.indexes[0].chash[found[1]]) == _chash_value(feats.content_hash)
                )
                keys[r] = (ts, 0 if same_text else 1, aid)
            ts, aid = _order_key(art)
            keys[art.article_id] = (ts, 1, aid)
            root = min(keys, key=lambda r: keys[r])
            for old in sorted(roots - {root}):
                view.root_alias[old] = root
                merged_by[old] = (best[1], best[0])
                merges.append(("root", old, root))
            if root != art.article_id:
                art.duplicate_of, art.dup_reason, art.dup_similarity = root, best[1], best[0]
        _set_merges(art, "root", merges)
        _add_batch_doc(batch, n, art, feats, with_story=False)
    for art in ordered:  # a later article of the batch may have merged this one's chain
        root = view.resolve_root(art.duplicate_of or art.article_id)
        if root != (art.duplicate_of or art.article_id):
            if art.duplicate_of is None:
                art.dup_reason, art.dup_similarity = merged_by[art.article_id]
            art.duplicate_of = root
