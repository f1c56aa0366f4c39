"""Story scores (IDF-weighted story keys) and the gates a story link must pass."""

from __future__ import annotations

import math

import numpy as np

from ipwire.settings import DedupSettings
from ipwire.tasks.dedup.batch import _Overlay
from ipwire.tasks.dedup.features import KIND_ENTITY, KIND_NUMBER, KIND_QUOTE, Features
from ipwire.tasks.dedup.index import _UNKNOWN_DAY, _Index
from ipwire.tasks.dedup.ordering import _LAST_DAY

# Untopical articles (no topic, or an undecided relevance) link only when they also share
# this estimated containment of their wording: independent reports of one match, ruling or
# statement share the names and figures but not the sentences; rewrites share some of both.
UNTOPICAL_TEXT_MIN = 0.1

_KIND_WEIGHT = {KIND_ENTITY: 1.0, KIND_NUMBER: 1.5, KIND_QUOTE: 1.5}
_KIND_WEIGHTS = np.zeros(8, dtype=np.float64)
for _kind, _weight in _KIND_WEIGHT.items():
    _KIND_WEIGHTS[_kind] = _weight


class _Weigher:
    """IDF weights of story keys over the warehouse plus the batch; common keys weigh 0."""

    def __init__(self, indexes: list[_Index], settings: DedupSettings) -> None:
        self.indexes = indexes
        self.n_docs = sum(ix.n_story_docs for ix in indexes) + 1
        self.cap = max(settings.story_df_floor, settings.story_df_share * self.n_docs)
        self._totals: dict[tuple[int, int], float] = {}

    def total(self, ix_no: int, doc: int) -> float:
        """A stored or batch doc's total key weight, computed once per weigher (the weights
        do not change while one weigher is in use)."""
        found = self._totals.get((ix_no, doc))
        if found is None:
            keys, kinds = self.indexes[ix_no].story_keys_of(doc)
            found = float(self.weights(keys, kinds).sum()) if len(keys) else 0.0
            self._totals[(ix_no, doc)] = found
        return found

    def weights(self, keys: list[int] | np.ndarray, kinds: list[int] | np.ndarray) -> np.ndarray:
        df = np.zeros(len(keys), dtype=np.float64)
        for ix in self.indexes:
            df += ix.story_df.counts(keys)
        kw = _KIND_WEIGHTS[np.asarray(kinds, dtype=np.int64)]
        w = kw * np.log((self.n_docs + 1) / (df + 1))
        w[df > self.cap] = 0.0
        return w


def story_scores(
    indexes: list[_Index], feats: Features, settings: DedupSettings
) -> list[tuple[float, int, int]]:
    """(score, index no., doc) of story candidates, best first.

    score = cosine of the two articles' IDF-weighted story-key sets: shared weight over the
    geometric mean of both sides' weight. Keys found in too many articles carry no evidence."""
    return _story_candidates(
        indexes,
        [k for k, _ in feats.story_keys],
        [kind for _, kind in feats.story_keys],
        _Weigher(indexes, settings),
        settings,
    )


def _story_candidates(
    indexes: list[_Index],
    keys: list[int],
    kinds: list[int],
    weigher: _Weigher,
    settings: DedupSettings,
) -> list[tuple[float, int, int]]:
    """``story_scores`` for a key list, with the weights of one weigher (so a pair scores the
    same whichever side asks)."""
    if not keys:
        return []
    weights = weigher.weights(keys, kinds)
    total = float(weights.sum())
    if total <= 0:
        return []
    out: list[tuple[float, int, int]] = []
    use = weights > 0
    wkeys = [k for k, u in zip(keys, use.tolist(), strict=True) if u]
    wvals = weights[use]
    for ix_no, index in enumerate(indexes):
        lists = index.story.lookup(wkeys)
        lens = np.fromiter((len(d) for d in lists), dtype=np.int64, count=len(lists))
        if not lens.sum():
            continue
        docs = np.concatenate(lists)
        cand, inv = np.unique(docs, return_inverse=True)
        shared = np.bincount(inv, weights=np.repeat(wvals, lens))
        top = np.lexsort((cand, -shared))[: settings.max_story_candidates]
        for doc, w in zip(cand[top].tolist(), shared[top].tolist(), strict=True):
            if not index.live[doc]:
                continue
            other_total = weigher.total(ix_no, doc)
            if other_total > 0:
                out.append((w / math.sqrt(total * other_total), ix_no, doc))
    out.sort(key=lambda t: (-t[0], t[1], t[2]))
    return out


def _group(view: _Overlay, docs: list[tuple[int, int]]) -> tuple[int, int, set[int], set[int]]:
    """What the gates need of a set of articles: first and last known day, the relevance
    decisions and topic masks seen."""
    lo, hi, rels, masks = _LAST_DAY, -_LAST_DAY, set(), set()
    for ix_no, doc in docs:
        index = view.indexes[ix_no]
        day = int(index.day[doc])
        if day != _UNKNOWN_DAY:
            lo, hi = min(lo, day), max(hi, day)
        if int(index.rel[doc]) >= 0:
            rels.add(int(index.rel[doc]))
        if int(index.tmask[doc]) > 0:
            masks.add(int(index.tmask[doc]))
    return lo, hi, rels, masks


def _joinable(a: tuple, b: tuple, window: int, rewrite: bool = False) -> bool:
    """Gates between every member of one group and every member of the other: none further
    apart than ``window`` days, of the other relevance decision, or with disjoint topics.
    Only the window holds for a ``rewrite`` (see ``_is_rewrite``): relevance and topics are
    the classifier's guesses, and two texts sharing names and a quarter of their wording
    are one report whatever it guessed for each."""
    lo, hi = min(a[0], b[0]), max(a[1], b[1])
    if hi >= lo and hi - lo > window:
        return False
    if rewrite:
        return True
    if len(a[2] | b[2]) > 1:
        return False
    return all(x & y for x in a[3] for y in b[3])


def _linked(
    members: list[tuple[int, int]],
    by_doc: dict[tuple[int, int], float],
    settings: DedupSettings,
) -> bool:
    """Whether an article matches a story as a whole rather than one of its members: its mean
    score over the members (a member outside the candidates scores 0) reaches
    ``story_mean_threshold``. One shared name must not chain two reports through a third."""
    if not members:
        return True
    total = sum(by_doc.get(m, 0.0) for m in members)
    return total / len(members) >= settings.story_mean_threshold


def _union(a: tuple, b: tuple) -> tuple:
    return (min(a[0], b[0]), max(a[1], b[1]), a[2] | b[2], a[3] | b[3])


def _text_overlap(view_indexes: list[_Index], a: tuple[int, int], b: tuple[int, int]) -> float:
    """Estimated containment (MinHash) of the smaller text's word shingles in the other's:
    two reports that share a quarter of their wording are rewrites of one report (story
    siblings) even when a rewrite keeps too few names to link on story keys."""
    ia, ib = view_indexes[a[0]], view_indexes[b[0]]
    na, nb = int(ia.n_sh[a[1]]), int(ib.n_sh[b[1]])
    if na == 0 or nb == 0:
        return 0.0
    j = float(np.count_nonzero(ia.mh[a[1]] == ib.mh[b[1]])) / ia.mh.shape[1]
    return min(1.0, j * (na + nb) / (1.0 + j) / min(na, nb))


def _pair_score(
    key_score: float,
    pair: tuple[list[_Index], tuple[int, int], tuple[int, int]],
    settings: DedupSettings,
) -> float:
    """A pair's story score: its story-key cosine, raised to the link threshold when two
    articles with topics share ``story_text_threshold`` of their wording (a rewrite of one
    report) and some names too (``story_text_key_floor``: wording alone may be a site's
    menus and related links), and to the pair's link threshold for a rewrite whatever the
    classifier said (``_is_rewrite``). Untopical articles (no topic, or an undecided
    relevance) link on strong names plus ``UNTOPICAL_TEXT_MIN`` of shared wording: no topic
    gate stands between them, so stock wording or chrome alone must not link them, and
    names alone are what two agencies' own reports of one event share."""
    indexes, a, b = pair
    untopical = int(indexes[a[0]].tmask[a[1]]) == 0 or int(indexes[b[0]].tmask[b[1]]) == 0
    if _is_rewrite(key_score, pair, settings):
        return max(key_score, settings.story_threshold_untopical if untopical else 0.0)
    if untopical and key_score >= settings.story_threshold_untopical:
        # no topic gate stands between the two: names alone are what two outlets' own
        # reports of one match or statement share too, so some wording must be shared
        if _text_overlap(*pair) < UNTOPICAL_TEXT_MIN:
            return min(key_score, _below(settings.story_threshold_untopical))
        return key_score
    if key_score < settings.story_text_key_floor or key_score >= settings.story_threshold:
        return key_score
    if int(indexes[a[0]].tmask[a[1]]) <= 0 or int(indexes[b[0]].tmask[b[1]]) <= 0:
        return key_score
    if _text_overlap(*pair) >= settings.story_text_threshold:
        return settings.story_threshold
    return key_score


def _is_rewrite(
    key_score: float,
    pair: tuple[list[_Index], tuple[int, int], tuple[int, int]],
    settings: DedupSettings,
) -> bool:
    """Whether two articles, at least one with topics, are one report rewritten: they share
    names enough to link (``story_threshold``) and ``story_text_threshold`` of their
    wording. Such a pair links and joins whatever topics or relevance the classifier gave
    each side. Two untopical articles have no classifier disagreement to overrule and link
    by the untopical rule only."""
    indexes, a, b = pair
    if int(indexes[a[0]].tmask[a[1]]) == 0 and int(indexes[b[0]].tmask[b[1]]) == 0:
        return False
    return key_score >= settings.story_threshold and (
        _text_overlap(*pair) >= settings.story_text_threshold
    )


def _below(threshold: float) -> float:
    """The largest score that does not reach ``threshold``."""
    return math.nextafter(threshold, 0.0)


def _link_threshold(mask_a: int, mask_b: int, settings: DedupSettings) -> float:
    """The score a pair needs to link: higher when either side has no topic (mask 0)."""
    if mask_a == 0 or mask_b == 0:
        return settings.story_threshold_untopical
    return settings.story_threshold
