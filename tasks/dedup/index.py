"""The in-memory index: posting lists, key counts and per-document arrays, by doc number."""

from __future__ import annotations

from typing import Any

import numpy as np

from ipwire.settings import DedupSettings


class _Postings:
    """key -> doc numbers: a sorted numpy base plus a dict of additions since it was built."""

    def __init__(self, keys: np.ndarray | None = None, docs: np.ndarray | None = None) -> None:
        self.keys = keys if keys is not None else np.zeros(0, dtype=np.int64)
        self.docs = docs if docs is not None else np.zeros(0, dtype=np.int32)
        self.delta: dict[int, list[int]] = {}
        self.n_delta = 0

    def add(self, key: int, doc: int) -> None:
        self.delta.setdefault(key, []).append(doc)
        self.n_delta += 1
        if self.n_delta > 2_000_000:
            self.compact()

    def compact(self) -> None:
        if not self.delta:
            return
        dk = np.fromiter((k for k, v in self.delta.items() for _ in v), dtype=np.int64)
        dd = np.fromiter((d for v in self.delta.values() for d in v), dtype=np.int64)
        keys = np.concatenate([self.keys, dk])
        docs = np.concatenate([self.docs, dd])
        order = np.argsort(keys, kind="stable")
        self.keys, self.docs = keys[order], docs[order].astype(np.int32)
        self.delta, self.n_delta = {}, 0

    def lookup(self, keys: list[int]) -> list[np.ndarray]:
        """Doc numbers for each key, in one vectorised binary search over the base."""
        q = np.asarray(keys, dtype=np.int64)
        lo = np.searchsorted(self.keys, q, side="left")
        hi = np.searchsorted(self.keys, q, side="right")
        out = []
        for key, a, b in zip(keys, lo.tolist(), hi.tolist(), strict=True):
            extra = self.delta.get(key)
            base = self.docs[a:b]
            out.append(np.concatenate([base, np.asarray(extra, dtype=np.int64)]) if extra else base)
        return out

    def counts(self, keys: list[int]) -> list[int]:
        q = np.asarray(keys, dtype=np.int64)
        n = np.searchsorted(self.keys, q, side="right") - np.searchsorted(self.keys, q, "left")
        return [int(c) + len(self.delta.get(k, ())) for k, c in zip(keys, n.tolist(), strict=True)]


def _own_keys(index: _Index, doc: int, root: int | None) -> np.ndarray:
    """A doc's story keys that its chain root (in the same index) does not have."""
    keys = index.story_keys_of(doc)[0]
    if root is None or root == doc:
        return keys
    return keys[~np.isin(keys, index.story_keys_of(root)[0])]


class _KeyCounts:
    """key -> count: sorted unique keys with counts plus a dict of additions."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.n = np.zeros(0, dtype=np.int32)
        self.delta: dict[int, int] = {}

    def add_many(self, keys: np.ndarray) -> None:
        if len(keys) > 10_000 or len(self.delta) > 1_000_000:
            extra = np.fromiter(self.delta, dtype=np.int64, count=len(self.delta))
            reps = np.fromiter(self.delta.values(), dtype=np.int64, count=len(self.delta))
            allk = np.concatenate([np.repeat(self.keys, self.n), np.repeat(extra, reps), keys])
            self.keys, n = np.unique(allk, return_counts=True)
            self.n = n.astype(np.int32)
            self.delta = {}
            return
        for k in keys.tolist():
            self.delta[k] = self.delta.get(k, 0) + 1

    def counts(self, keys: list[int]) -> np.ndarray:
        q = np.asarray(keys, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.keys, q), max(0, len(self.keys) - 1))
        found = (self.keys[pos] == q) if len(self.keys) else np.zeros(len(q), dtype=np.bool_)
        out = np.where(found, self.n[pos] if len(self.keys) else 0, 0).astype(np.float64)
        if self.delta:
            plain = keys.tolist() if isinstance(keys, np.ndarray) else keys
            out += np.asarray([self.delta.get(k, 0) for k in plain], dtype=np.float64)
        return out


_UNKNOWN_DAY = -(2**31)


_LAST_TS = 2**62


class _Index:
    """Per-document data needed to decide a match, indexed by doc number (``seq``)."""

    def __init__(self, settings: DedupSettings, capacity: int = 1024) -> None:
        self.settings = settings
        self.params = settings.params()
        self.near = _Postings()
        self.story = _Postings()
        self.cap = 0
        self._grow(capacity)
        self.by_article: dict[str, int] = {}
        self.by_story: dict[str, list[int]] = {}
        self.fwd_keys = np.zeros(4096, dtype=np.int64)  # story keys of every doc, appended
        self.fwd_kinds = np.zeros(4096, dtype=np.int8)
        self.fwd_used = 0
        self.n_live = 0
        self.n_story_docs = 0  # chain roots, whose story keys are counted in story_df
        self.story_df = _KeyCounts()
        self.high_water = 0
        self.merge_water = 0
        self.n_rows = 0
        # Merged chains and stories: old root / story id -> the id that replaced it.
        self.root_alias: dict[str, str] = {}
        self.story_alias: dict[str, str] = {}

    def _grow(self, need: int) -> None:
        if need <= self.cap:
            return
        cap = max(need, self.cap * 2, 1024)
        p = self.settings.num_perm

        def grow(arr: np.ndarray | None, shape: tuple[int, ...], dtype: Any, fill: Any) -> Any:
            new = np.full(shape, fill, dtype=dtype)
            if arr is not None:
                new[: arr.shape[0]] = arr
            return new

        old = self.cap > 0
        self.n_sh = grow(self.n_sh if old else None, (cap,), np.int32, 0)
        self.mh = grow(self.mh if old else None, (cap, p), np.uint32, 0)
        self.day = grow(self.day if old else None, (cap,), np.int32, _UNKNOWN_DAY)
        # published time (seconds), or the start of its day; _LAST_TS when undated
        self.ts = grow(self.ts if old else None, (cap,), np.int64, _LAST_TS)
        self.rel = grow(self.rel if old else None, (cap,), np.int8, -1)
        self.tmask = grow(self.tmask if old else None, (cap,), np.int32, -1)
        self.n_story = grow(self.n_story if old else None, (cap,), np.int32, 0)
        self.n_near = grow(self.n_near if old else None, (cap,), np.int32, 0)
        self.live = grow(self.live if old else None, (cap,), np.bool_, False)
        self.article_id = grow(self.article_id if old else None, (cap,), object, None)
        # content hash as the number of its first 16 hex digits (same order as the text)
        self.chash = grow(self.chash if old else None, (cap,), np.uint64, 0)
        self.root_id = grow(self.root_id if old else None, (cap,), object, None)
        self.story_id = grow(self.story_id if old else None, (cap,), object, None)
        self.fwd_start = grow(self.fwd_start if old else None, (cap,), np.int64, 0)
        self.fwd_len = grow(self.fwd_len if old else None, (cap,), np.int32, 0)
        self.cap = cap

    def set_story_keys(self, doc: int, keys: np.ndarray, kinds: np.ndarray) -> None:
        """Remember a doc's story keys (to weigh its side of a story score)."""
        need = self.fwd_used + len(keys)
        if need > len(self.fwd_keys):
            size = max(need, 2 * len(self.fwd_keys))
            self.fwd_keys = np.resize(self.fwd_keys, size)
            self.fwd_kinds = np.resize(self.fwd_kinds, size)
        self.fwd_keys[self.fwd_used : need] = keys
        self.fwd_kinds[self.fwd_used : need] = kinds
        self.fwd_start[doc] = self.fwd_used
        self.fwd_len[doc] = len(keys)
        self.fwd_used = need

    def story_keys_of(self, doc: int) -> tuple[np.ndarray, np.ndarray]:
        a, n = int(self.fwd_start[doc]), int(self.fwd_len[doc])
        return self.fwd_keys[a : a + n], self.fwd_kinds[a : a + n]

    def add_docs(self, seqs: np.ndarray, cols: dict[str, np.ndarray], mh: np.ndarray) -> None:
        """Bulk version of ``add_doc`` for rows read from the warehouse (numpy, no row loop
        except for the dictionaries by article and by story)."""
        self._grow(int(seqs.max()) + 1)
        aids = cols["article_id"]
        for aid in sorted(self.by_article.keys() & set(aids.tolist())):  # re-persisted rows
            prev = self.by_article[aid]
            if self.live[prev]:
                self.live[prev] = False
                self.n_live -= 1
        self.by_article.update(zip(aids.tolist(), seqs.tolist(), strict=True))
        self.n_sh[seqs] = cols["n_shingles"]
        self.mh[seqs] = mh
        self.day[seqs] = _filled(cols["story_day"], _UNKNOWN_DAY)
        self.ts[seqs] = _filled(cols["order_ts"], _LAST_TS)
        self.rel[seqs] = _filled(cols["is_relevant"], -1)
        self.tmask[seqs] = _filled(cols["topic_mask"], -1)
        self.n_story[seqs] = cols["n_story_keys"]
        self.live[seqs] = True
        self.article_id[seqs] = aids
        self.chash[seqs] = cols["chash"]
        self.root_id[seqs] = cols["root_id"]
        stories = cols["story_id"]
        self.story_id[seqs] = stories
        for story, seq in zip(stories.tolist(), seqs.tolist(), strict=True):
            if story:
                self.by_story.setdefault(story, []).append(seq)
        self.n_live += len(seqs)

    def root(self, doc: int) -> str:
        return _resolve(self.root_id[doc], self.root_alias)

    def story_of(self, doc: int) -> str | None:
        sid = self.story_id[doc]
        return _resolve(sid, self.story_alias) if sid else None

    def members(self, story_id: str) -> list[int]:
        """Live docs of a story, including those of stories merged into it."""
        return [d for d in self.by_story.get(story_id, ()) if self.live[d]]

    def move_to_story(self, article_id: str, story_id: str) -> None:
        """Re-point one stored article to another story (a re-clustered component)."""
        doc = self.by_article.get(article_id)
        if doc is None:
            return  # not loaded yet: its row already holds the new story
        for sid in {self.story_id[doc], self.story_of(doc)}:
            docs = self.by_story.get(sid) if sid else None
            if docs and doc in docs:
                docs.remove(doc)
        self.story_alias.pop(story_id, None)
        self.story_id[doc] = story_id
        self.by_story.setdefault(story_id, []).append(doc)

    def merge_story(self, old: str, new: str) -> None:
        self.story_alias[old] = new
        moved = self.by_story.pop(old, [])
        if moved:
            self.by_story.setdefault(new, []).extend(moved)

    def add_doc(
        self,
        doc: int,
        article_id: str,
        n_shingles: int,
        mh: np.ndarray,
        day: int | None,
        rel: bool | None,
        tmask: int | None,
        n_story: int,
        root_id: str,
        story_id: str | None,
        n_near: int = 0,
        chash: str = "",
        ts: int | None = None,
    ) -> None:
        self._grow(doc + 1)
        previous = self.by_article.get(article_id)
        if previous is not None and self.live[previous]:
            self.live[previous] = False
            self.n_live -= 1
        self.by_article[article_id] = doc
        self.n_sh[doc] = n_shingles
        self.mh[doc] = mh
        self.day[doc] = _UNKNOWN_DAY if day is None else day
        self.ts[doc] = _LAST_TS if ts is None else ts
        self.rel[doc] = -1 if rel is None else int(rel)
        self.tmask[doc] = -1 if tmask is None else tmask
        self.n_story[doc] = n_story
        self.n_near[doc] = n_near
        self.live[doc] = True
        self.article_id[doc] = article_id
        self.chash[doc] = _chash_value(chash)
        self.root_id[doc] = root_id
        self.story_id[doc] = story_id
        if story_id:
            self.by_story.setdefault(story_id, []).append(doc)
        self.n_live += 1


def _chash_value(chash: str) -> int:
    """A content hash as the unsigned number of its first 16 hex digits: ordered like the
    hash text, 8 bytes in the index instead of a string object."""
    return int(chash[:16], 16) if chash else 0


def _filled(values: np.ndarray, fill: int) -> np.ndarray:
    """A fetchnumpy column with NULLs (masked or NaN) replaced by ``fill``, as integers."""
    if isinstance(values, np.ma.MaskedArray):
        return values.filled(fill).astype(np.int64)
    if values.dtype.kind == "f":
        return np.where(np.isnan(values), fill, values).astype(np.int64)
    if values.dtype == object:
        return np.asarray([fill if v is None else int(v) for v in values], dtype=np.int64)
    return values.astype(np.int64)


def _resolve(key: str, *aliases: dict[str, str]) -> str:
    """Follow merge aliases to the current id, each step through the first map that has one
    (chains are short: one per merge)."""
    for _ in range(1000):
        for alias in aliases:
            if key in alias:
                key = alias[key]
                break
        else:
            return key
    return key
