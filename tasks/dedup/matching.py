"""Exact and near copies (layers 2 and 3) of each article, against warehouse and batch.

Exact duplicates have the same normalised text (``content_hash``). Near duplicates are
syndicated, truncated, re-chromed or lightly reworded copies, found through sampled shingle
keys and decided on the containment of the smaller word-shingle set in the larger: estimated
from MinHash, counted exactly near the threshold. A copy is a copy of one publication: texts
dated more than ``dup_max_days`` apart are never copies, however alike.
Layer 1 (same canonical URL, a revision) belongs to the loader.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import duckdb
import numpy as np

from ipwire.ids import content_hash, normalise_text
from ipwire.records import Article
from ipwire.settings import DedupSettings
from ipwire.tasks.dedup.batch import _add_batch_doc, _Overlay, _set_merges
from ipwire.tasks.dedup.features import Features, compute_features
from ipwire.tasks.dedup.index import _UNKNOWN_DAY, _chash_value, _Index
from ipwire.tasks.dedup.ordering import _article_day, _order_key
from ipwire.tasks.dedup.stored_index import warehouse_index


def _estimate(mh_a: np.ndarray, n_a: int, mh_b: np.ndarray, n_b: int) -> tuple[float, float]:
    """Estimated (Jaccard, containment of the smaller set) from two MinHash signatures."""
    j = float(np.mean(mh_a == mh_b))
    if n_a == 0 or n_b == 0:
        return j, 0.0
    inter = j * (n_a + n_b) / (1.0 + j)
    return j, min(1.0, inter / min(n_a, n_b))


def _days_apart(day_a: int | None, day_b: int) -> int | None:
    """Days between two article days, None when either is unknown."""
    if day_a is None or day_b == _UNKNOWN_DAY:
        return None
    return abs(day_a - day_b)


def _same_publication(day_a: int | None, day_b: int, settings: DedupSettings) -> bool:
    """Whether two texts can be copies of one publication: a copy is re-sent within a few
    days, so texts dated further apart than ``dup_max_days`` are never duplicates, however
    alike their wording (a yearly list exchange or visa notice repeats last year's text).
    Undated texts stay candidates."""
    gap = _days_apart(day_a, day_b)
    return gap is None or gap <= settings.dup_max_days


TextOf = Callable[[int, int], str | None]

_ON_WEEKDAY = re.compile(
    r"\bon\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE
)


def _days_named(text: str) -> set[str]:
    """The weekdays a text says its events happened on ("on Monday")."""
    return {m.lower() for m in _ON_WEEKDAY.findall(text)}


def _same_days_named(a: str, b: str | None) -> bool:
    """Whether two texts can be one publication by the weekdays they name: a copy keeps its
    "on Monday", while next year's run of a yearly exchange or notice, which repeats the
    wording, falls on another weekday. Texts naming no weekday (or unreadable) stay
    candidates."""
    if b is None:
        return True
    days_a, days_b = _days_named(a), _days_named(b)
    return not days_a or not days_b or bool(days_a & days_b)


_QUOTED = re.compile(r"[“\"]([^”\"\n]{1,2000})[”\"]")


def _lines(text: str) -> tuple[list[str], list[str]]:
    """A text's normalised non-empty lines, and the same lines without quoted speech."""

    def split(t: str) -> list[str]:
        return [line for line in (normalise_text(x) for x in t.splitlines()) if line]

    return split(text), split(_QUOTED.sub(" ", text))


def _shingle_set(lines: list[str], k: int) -> set[str]:
    tokens = " ".join(lines).split()
    return {" ".join(tokens[i : i + k]) for i in range(max(1, len(tokens) - k + 1))}


def _containment_of(a: list[str], b: list[str], settings: DedupSettings) -> tuple[float, int]:
    """Exact containment of the smaller line set's shingles in the other's, without the short
    lines the two have in common; and the smaller set's size."""
    common = set(a) & set(b)
    chrome = {line for line in common if len(line.split()) < settings.chrome_line_words}
    sa = _shingle_set([x for x in a if x not in chrome], settings.shingle_size)
    sb = _shingle_set([x for x in b if x not in chrome], settings.shingle_size)
    smaller = min(len(sa), len(sb))
    return len(sa & sb) / max(1, smaller), smaller


def _copy_containment(
    a: tuple[list[str], list[str]], b: tuple[list[str], list[str]], settings: DedupSettings
) -> float:
    """The exact containment that decides a borderline copy (texts as ``_lines`` gives them).

    Short lines the two have in common do not count: menus, related links, by-lines and
    copyright lines are a site's wording, not the report's. And a copy must share its own
    narrative too, not only quoted speech: independent reports of one statement quote the
    same words at length, so when the texts without their quotes share less than
    ``near_unquoted_min`` that (lower) share is the answer."""
    full, _ = _containment_of(a[0], b[0], settings)
    narrative, size = _containment_of(a[1], b[1], settings)
    if size >= settings.near_unquoted_min_shingles and narrative < settings.near_unquoted_min:
        return narrative
    return full


def _near_matches(
    indexes: list[_Index],
    article: Article,
    feats: Features,
    settings: DedupSettings,
    text_of: TextOf | None = None,
) -> list[tuple[float, str, int, int]]:
    """Every stored or batch copy of the article: (similarity, 'exact'|'near', index no., doc).

    Candidates share a sampled shingle (keys in more than ``near_df_cap`` texts are chrome and
    skipped); a candidate is a copy when the containment of the smaller text reaches
    ``near_threshold`` and the two are not dated more than ``dup_max_days`` apart (when
    either is undated: they name no different weekdays, see ``_same_days_named``). The
    MinHash estimate decides alone when it is more than ``near_verify_band`` from the
    threshold; in the band (two outlets' reports of one statement share a third to a half of
    their wording, a syndicated copy half or more) the exact containment of the two texts
    decides, when ``text_of`` can give the other text (index no., doc -> text)."""
    out: list[tuple[float, str, int, int]] = []
    own: tuple[list[str], list[str]] | None = None
    day = _article_day(article)
    exact_key = feats.near_keys[0][0]
    exact_docs: set[tuple[int, int]] = set()
    for ix_no, index in enumerate(indexes):
        for doc in index.near.lookup([exact_key])[0].tolist():
            if not _same_publication(day, int(index.day[doc]), settings):
                exact_docs.add((ix_no, doc))  # not a copy, and not a near candidate either
                continue
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
            if not _same_publication(day, int(index.day[doc]), settings):
                continue
            _, cont = _estimate(feats.minhash, feats.n_shingles, index.mh[doc], index.n_sh[doc])
            if abs(cont - settings.near_threshold) < settings.near_verify_band and text_of:
                other = text_of(ix_no, doc)
                if other is not None:
                    own = _lines(article.body or "") if own is None else own
                    cont = _copy_containment(own, _lines(other), settings)
            if cont < settings.near_threshold:
                continue
            undated = day is None or int(index.day[doc]) == _UNKNOWN_DAY
            if (
                undated
                and text_of
                and not _same_days_named(article.body or "", text_of(ix_no, doc))
            ):
                continue  # no dates to tell two years' notices apart, but their weekdays do
            out.append((round(cont, 4), "near", ix_no, doc))
    return out


def _match_root(view: _Overlay, match: tuple[float, str, int, int]) -> str:
    return view.resolve_root(view.indexes[match[2]].root_id[match[3]])


def _root_day(view: _Overlay, root: str) -> int:
    """The day of a chain's root (its earliest member), ``_UNKNOWN_DAY`` when undated."""
    found = view.doc_of(root)
    return _UNKNOWN_DAY if found is None else int(view.indexes[found[0]].day[found[1]])


def _text_reader(conn: duckdb.DuckDBPyConnection, view: _Overlay, ordered: list[Article]) -> TextOf:
    """The text of a stored (index 0, from ``articles.body``) or batch (index 1) doc, for the
    exact check of a borderline candidate; None when the stored body is missing or is not
    the text the signature was made from."""
    cache: dict[str, str | None] = {}

    def text_of(ix_no: int, doc: int) -> str | None:
        if ix_no == 1:
            return ordered[doc].body
        index = view.indexes[ix_no]
        aid = index.article_id[doc]
        if aid not in cache:
            row = conn.execute("SELECT body FROM articles WHERE article_id = ?", [aid]).fetchone()
            body = row[0] if row else None
            if body is not None and _chash_value(content_hash(body)) != int(index.chash[doc]):
                body = None
            cache[aid] = body
        return cache[aid]

    return text_of


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
    text_of = _text_reader(conn, view, ordered)
    for n, art in enumerate(ordered):
        feats = compute_features(art, s)
        art.wire = [agency for agency, _ in feats.wire]
        merges: list[tuple[str, str, str]] = []
        day = _article_day(art)
        # a chain is one publication too: a copy joins it only within the days of its root
        # (an undated text that copies two years' notices must not join them into one chain)
        matches = [
            m
            for m in _near_matches(view.indexes, art, feats, s, text_of)
            if _same_publication(day, _root_day(view, _match_root(view, m)), s)
        ]
        art.duplicate_of, art.dup_reason, art.dup_similarity = None, None, None
        if matches:
            roots = {_match_root(view, m) for m in matches}
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
            first = day if root == art.article_id else _root_day(view, root)
            first = None if first == _UNKNOWN_DAY else first
            roots = {r for r in roots if _same_publication(first, _root_day(view, r), s)}
            matches = [m for m in matches if _match_root(view, m) in roots | {root}]
            best = min(matches, key=lambda m: (m[1] != "exact", -m[0], m[2], m[3]))
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
