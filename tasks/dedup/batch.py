"""A batch's own index and the merges it decides over the stored index (the overlay)."""

from __future__ import annotations

import numpy as np

from ipwire.records import Article
from ipwire.tasks.dedup.features import Features
from ipwire.tasks.dedup.index import _LAST_TS, _Index, _resolve
from ipwire.tasks.dedup.ordering import _article_day, _article_ts, _doc_key, _labels


class _Overlay:
    """Merges decided in the current batch, over the stored index (which only learns them from
    ``dedup_merges`` after the loader commits), and the batch's own index."""

    def __init__(self, stored: _Index, batch: _Index) -> None:
        self.indexes = [stored, batch]
        self.root_alias: dict[str, str] = {}
        self.story_alias: dict[str, str] = {}
        self.absorbed: dict[str, list[str]] = {}  # story -> stored story ids merged into it

    def resolve_root(self, root: str) -> str:
        return _resolve(root, self.root_alias, self.indexes[0].root_alias)

    def resolve_story(self, story: str) -> str:
        return _resolve(story, self.story_alias, self.indexes[0].story_alias)

    def doc_of(self, article_id: str) -> tuple[int, int] | None:
        for ix_no, index in enumerate(self.indexes):
            doc = index.by_article.get(article_id)
            if doc is not None and index.live[doc]:
                return ix_no, doc
        return None

    def key_of(self, article_id: str) -> tuple[int, str]:
        found = self.doc_of(article_id)
        if found is None:
            return (_LAST_TS, article_id)
        return _doc_key(self.indexes[found[0]], found[1])

    def members(self, story: str) -> list[tuple[int, int]]:
        stored, batch = self.indexes
        out = [(0, d) for d in stored.members(story)]
        for old in self.absorbed.get(story, ()):
            out += [(0, d) for d in stored.members(old)]
        out += [(1, d) for d in batch.members(story)]
        return out

    def merge_story(self, old: str, new: str) -> None:
        self.story_alias[old] = new
        self.absorbed.setdefault(new, []).extend([old, *self.absorbed.pop(old, [])])
        self.indexes[1].merge_story(old, new)

    def first_of(self, story: str) -> tuple[int, str]:
        """Order key of a story's earliest member."""
        keys = [_doc_key(self.indexes[i], d) for i, d in self.members(story)]
        return min(keys) if keys else (_LAST_TS, story)


def _own_keys_vs(index: _Index, doc: int, view: _Overlay, root: tuple[int, int]) -> np.ndarray:
    keys = index.story_keys_of(doc)[0]
    return keys[~np.isin(keys, view.indexes[root[0]].story_keys_of(root[1])[0])]


def _set_merges(art: Article, layer: str, merges: list[tuple[str, str, str]]) -> None:
    """Keep the merges an article caused on the article itself (``persist`` applies them)."""
    kept = [m for m in art.dedup_merges if m[0] != layer]
    art.dedup_merges = kept + merges


def _add_batch_doc(index: _Index, n: int, art: Article, feats: Features, with_story: bool) -> None:
    rel, mask = _labels(art, index.settings)
    index.add_doc(
        n,
        art.article_id,
        feats.n_shingles,
        feats.minhash,
        _article_day(art),
        rel,
        mask,
        len(feats.story_keys),
        art.duplicate_of or art.article_id,
        art.story_id,
        len(feats.near_keys) - 1,
        feats.content_hash,
        _article_ts(art),
    )
    for key, _ in feats.near_keys:
        index.near.add(key, n)
    if with_story:
        for key, _ in feats.story_keys:
            index.story.add(key, n)
        index.set_story_keys(
            n,
            np.asarray([k for k, _ in feats.story_keys], dtype=np.int64),
            np.asarray([kind for _, kind in feats.story_keys], dtype=np.int8),
        )
