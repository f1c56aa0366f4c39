"""Dedup stage: exact and near duplicates, story clustering and wire credits.

Layer 1 (same canonical URL, a revision) belongs to the loader. This module does:

2. exact duplicates: the same normalised text (``content_hash``);
3. near duplicates: syndicated, truncated, re-chromed or lightly reworded copies, found with
   MinHash/LSH band keys and sentence hashes, decided on the estimated containment of the
   smaller word-shingle set in the larger;
4. stories: different reports of one event, found through what survives a rewrite (names,
   places, numbers, dates, quoted words), scored with inverse document frequency and gated by
   date window, relevance and topics.

Every article is compared with the whole warehouse, not only its batch. The keys live in
DuckDB (``dedup_keys``, migration 0002) and are read once per process, a seq range at a time,
into sorted numpy arrays (int32 doc numbers) that catch up with new rows by sequence number,
so a lookup is a binary search whose cost does not grow with the warehouse.

Order independence: duplicate roots and story names come from the earliest member by
(published time, article id); at the end of a run ``recluster_run`` re-clusters the stories
with the final key weights (the whole warehouse while it is small, see ``full_recluster_max``;
``recluster_all`` does it on demand), so the same articles give the same partitions whatever
order, batches or runs they came in.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import numpy as np

from ipwire.ids import content_hash as _content_hash
from ipwire.ids import normalise_text, stable_id
from ipwire.records import TOPICS, Article
from ipwire.settings import DedupSettings
from ipwire.tasks.clean import MONTHS, parse_date

# Key kinds in dedup_keys. 2 and 3 (LSH bands, sentence hashes) were the near keys of params
# v1; v2 uses sampled shingles (7) instead, which find copies that share half their wording.
KIND_EXACT, KIND_BAND, KIND_SENTENCE, KIND_ENTITY, KIND_NUMBER, KIND_QUOTE = 1, 2, 3, 4, 5, 6
KIND_SHINGLE = 7
NEAR_KINDS = (KIND_EXACT, KIND_BAND, KIND_SENTENCE, KIND_SHINGLE)
STORY_KINDS = (KIND_ENTITY, KIND_NUMBER, KIND_QUOTE)

# Agencies whose credit lines are recorded: canonical name -> patterns of the name itself.
WIRE_AGENCIES: dict[str, tuple[str, ...]] = {
    "PTI": (r"PTI", r"Press Trust of India"),
    "ANI": (r"ANI", r"Asian News International"),
    "IANS": (r"IANS", r"Indo[- ]Asian News Service"),
    "APP": (r"APP", r"Associated Press of Pakistan"),
    "Reuters": (r"Reuters", r"REUTERS"),
    "AP": (r"AP", r"Associated Press(?! of Pakistan)"),
    "AFP": (r"AFP", r"Agence France[- ]Presse"),
    "UNI": (r"UNI", r"United News of India"),
    "Xinhua": (r"Xinhua",),
    "Anadolu": (r"Anadolu Agency", r"Anadolu"),
    "Trend": (r"Trend",),
}


# --------------------------------------------------------------------------- text features

_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d,.:/]*\d|\d")
_QUOTE = re.compile(r"[“\"]([^”\"]{20,600})[”\"]")
# Capitalised words that name nothing: sentence openers, titles, days, publishing chrome.
_CAP_STOP = frozenset(
    """a an the and but or nor so yet for of in on at to by from with as after before while
    when where what who whom whose which why how this that these those there here it its he she
    they we i you his her their our my your him them us me also however meanwhile earlier later
    now then today yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday
    mr mrs ms dr prof sir said says according if no not all some many most more one two three
    published updated share read also advertisement photo file image video reuters pti ani ians
    app ap afp uni news report reports home latest breaking edition am pm ist pkt gmt utc
    first second third last new old other such both each every any several about over under
    into than only just even still between during against among through without within
    following amid despite since until because although though whether is are was were be been
    will would can could may might should must has have had do does did""".split()
)


def _h64(text: str) -> int:
    """A signed 64-bit hash (DuckDB BIGINT) that is the same in every process."""
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True
    )


def _h32(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "little")


_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)
_PERM_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _perms(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    if num_perm not in _PERM_CACHE:
        gen = np.random.RandomState(1)
        a = gen.randint(1, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
        b = gen.randint(0, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
        _PERM_CACHE[num_perm] = (a, b)
    return _PERM_CACHE[num_perm]


def minhash(shingle_hashes: list[int], num_perm: int) -> np.ndarray:
    """MinHash of a set of 32-bit shingle hashes (universal hashing as datasketch does)."""
    a, b = _perms(num_perm)
    if not shingle_hashes:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    hv = np.asarray(sorted(set(shingle_hashes)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        phv = ((hv[:, None] * a[None, :] + b[None, :]) % _MERSENNE) & _MAX32
    return phv.min(axis=0).astype(np.uint32)


@dataclass
class Features:
    """Everything dedup derives from one article's text."""

    content_hash: str
    n_shingles: int
    minhash: np.ndarray
    near_keys: list[tuple[int, int]]  # (key, kind)
    story_keys: list[tuple[int, int]]
    wire: list[tuple[str, str]] = field(default_factory=list)  # (agency, evidence)


def _sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SENT_SPLIT.split(text)) if s]


def _norm_entity(token: str) -> str:
    token = token.lower().replace("’", "'")
    if token.endswith("'s"):
        token = token[:-2]
    return token.strip("'-.")


def _mostly_upper(text: str) -> bool:
    """Whether a text is set in capitals: every word would look like a name, so such a text
    gets no story keys (it joins a story only as a copy of a text that has them)."""
    letters = [c for c in text[:5000] if c.isalpha()]
    return len(letters) >= 20 and sum(c.isupper() for c in letters) > 0.7 * len(letters)


def story_keys(text: str, settings: DedupSettings) -> list[tuple[int, int]]:
    """Keys that survive a rewrite: proper names (single and multi-word), numbers, dates and
    four-word windows of quoted speech, in order of first appearance."""
    text = unicodedata.normalize("NFKC", text)
    if _mostly_upper(text):
        return []
    seen: set[int] = set()
    keys: list[tuple[int, int]] = []

    def add(key_text: str, kind: int) -> None:
        k = _h64(key_text)
        if k not in seen:
            seen.add(k)
            keys.append((k, kind))

    for sentence in _sentences(text):
        tokens = _TOKEN.findall(sentence)
        run: list[str] = []
        for i, tok in enumerate(tokens + [""]):
            low = tok.lower()
            is_cap = bool(tok) and tok[0].isupper() and low not in _CAP_STOP and len(low) > 1
            if is_cap and low in MONTHS and i + 1 < len(tokens) and tokens[i + 1].isdigit():
                day = int(tokens[i + 1]) if len(tokens[i + 1]) <= 2 else 0
                if 1 <= day <= 31:
                    add(f"d:{MONTHS[low]}-{day}", KIND_NUMBER)
            if is_cap:
                run.append(_norm_entity(tok))
                add("e:" + run[-1], KIND_ENTITY)
                continue
            if len(run) >= 2:
                add("e:" + " ".join(run), KIND_ENTITY)
            run = []
            if tok and tok[0].isdigit():
                num = tok.replace(",", "").rstrip(".:/")
                if len(num) >= 2 or (i + 1 < len(tokens) and tokens[i + 1].lower() in MONTHS):
                    add("n:" + num, KIND_NUMBER)
                if i + 1 < len(tokens) and tokens[i + 1].lower() in MONTHS and len(num) <= 2:
                    if num.isdigit() and 1 <= int(num) <= 31:
                        add(f"d:{MONTHS[tokens[i + 1].lower()]}-{int(num)}", KIND_NUMBER)
    keys = keys[: settings.max_story_keys]
    n_quotes = 0
    for match in _QUOTE.finditer(text):
        words = normalise_text(match.group(1)).split()
        for i in range(0, max(0, len(words) - 3)):
            if n_quotes >= settings.max_quote_keys:
                break
            before = len(keys)
            add("q:" + " ".join(words[i : i + 4]), KIND_QUOTE)
            n_quotes += len(keys) - before
    return keys


_WIRE_CONTEXTS = (
    # dateline credit: "ISLAMABAD, Feb 26 (APP):", "NEW DELHI (Reuters) -"
    r"\(\s*{name}\s*\)",
    # by-line: "By Reuters", "Ag APP", "Source: PTI", "| IANS", "- PTI" at a line end
    r"(?:^|\n)[^\n]{{0,40}}\b(?:By|Ag|Source|Agencies|Agency)\s*[:|]?\s*{name}\b",
    r"(?:\||—|–|-)\s*{name}\s*(?:$|\n)",
    r"(?:^|\n)\s*{name}\s*(?:$|\n|\|)",
    r"\b(?:[Ww]ith|[Ii]nputs)\s+(?:inputs\s+)?(?:from\s+)?(?:agencies\s+and\s+)?{name}\b",
    r"(?:^|\n)[A-Z][A-Za-z .,/]{{2,40}}(?:,\s*[A-Z][a-z]{{2,8}}\.?\s*\d{{1,2}})?\s*"
    r"[:\-—–]?\s*\(?{name}\)?\s*[:\-—–]",
)


_WIRE_PATTERNS = [
    (
        agency,
        [re.compile(context.format(name=name)) for name in names for context in _WIRE_CONTEXTS],
    )
    for agency, names in WIRE_AGENCIES.items()
]


def wire_credits(text: str) -> list[tuple[str, str]]:
    """Agency credit lines in a text: datelines, by-lines, trailing credits, "with inputs from".
    A mere mention ("Reuters reported on Monday") is not a credit."""
    found: list[tuple[str, str]] = []
    for agency, patterns in _WIRE_PATTERNS:
        for pattern in patterns:
            m = pattern.search(text)
            if m:
                found.append((agency, m.group(0).strip()[:120]))
                break
    return found


def compute_features(article: Article, settings: DedupSettings) -> Features:
    """Fingerprints of one article (cached per article id, text and settings)."""
    body = article.body or ""
    chash = _content_hash(body)
    cache_key = (article.article_id, chash, settings.params())
    cached = _FEATURE_CACHE.get(cache_key)
    if cached is not None:
        return cached
    tokens = normalise_text(body).split()
    k = settings.shingle_size
    if len(tokens) >= k:
        shingles = [_h32(" ".join(tokens[i : i + k])) for i in range(len(tokens) - k + 1)]
    else:
        shingles = [_h32(" ".join(tokens))] if tokens else []
    n_shingles = len(set(shingles))
    mh = minhash(shingles, settings.num_perm)
    near: list[tuple[int, int]] = [(_h64("x:" + chash), KIND_EXACT)]
    if n_shingles >= settings.min_shingles:
        sampled = sorted({h for h in shingles if h % settings.sample_mod == 0})
        near.extend((h, KIND_SHINGLE) for h in sampled[: settings.max_sample_keys])
    title = article.title or ""
    feats = Features(
        content_hash=chash,
        n_shingles=n_shingles,
        minhash=mh,
        near_keys=near,
        story_keys=story_keys(
            f"{title}\n{body}" if title and title not in body else body, settings
        ),
        wire=wire_credits(body),
    )
    if len(_FEATURE_CACHE) > 20000:
        _FEATURE_CACHE.clear()
    _FEATURE_CACHE[cache_key] = feats
    return feats


_FEATURE_CACHE: dict[tuple[str, str, str], Features] = {}


# --------------------------------------------------------------------------- in-memory index


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


def _own_keys_vs(index: _Index, doc: int, view: _Overlay, root: tuple[int, int]) -> np.ndarray:
    keys = index.story_keys_of(doc)[0]
    return keys[~np.isin(keys, view.indexes[root[0]].story_keys_of(root[1])[0])]


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
        bounds = [chunk_lo, chunk_lo + _LOAD_CHUNK]
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


# --------------------------------------------------------------------------- matching


def _estimate(mh_a: np.ndarray, n_a: int, mh_b: np.ndarray, n_b: int) -> tuple[float, float]:
    """Estimated (Jaccard, containment of the smaller set) from two MinHash signatures."""
    j = float(np.mean(mh_a == mh_b))
    if n_a == 0 or n_b == 0:
        return j, 0.0
    inter = j * (n_a + n_b) / (1.0 + j)
    return j, min(1.0, inter / min(n_a, n_b))


def _day_of(published_at: str | None) -> int | None:
    if not published_at:
        return None
    try:
        d = datetime.fromisoformat(published_at.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            d = date.fromisoformat(published_at[:10])
        except ValueError:
            return None
    return (d - date(1970, 1, 1)).days


def _article_day(article: Article) -> int | None:
    """The article's day: its publication date, else a date in the first lines of its text
    (a dateline or by-line date such as "August 8, 2022"); a date later in the text is more
    often an earlier event than the report's own day."""
    day = _day_of(article.published_at)
    if day is None and article.body:
        day = _day_of(parse_date(article.body[:_LEAD_CHARS]))
    return day


_LEAD_CHARS = 200


def _labels(article: Article, settings: DedupSettings) -> tuple[bool | None, int | None]:
    """The relevance decision and the topics as a bit mask, as the story gates use them.

    An article whose relevance is within ``relevance_margin`` of the classifier's cut gets no
    topics (mask 0): the decision may be wrong either way, so it joins a story only on the
    stronger untopical evidence, from either side."""
    c = article.classification
    if c is None:
        return None, None
    if abs(float(c.relevance) - settings.relevance_cut) < settings.relevance_margin:
        return bool(c.is_relevant), 0
    mask = 0
    for t in c.topics:
        if t.topic in TOPICS:
            mask |= 1 << TOPICS.index(t.topic)
    return bool(c.is_relevant), mask


def _article_ts(article: Article) -> int | None:
    """Seconds since 1970 (UTC) of the article's publication; a date without a time, or a
    date from the first lines of the text, counts from the start of its day."""
    if article.published_at and len(article.published_at) > 10:
        try:
            dt = datetime.fromisoformat(article.published_at.replace("Z", "+00:00"))
        except ValueError:
            dt = None
        if dt is not None:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
            return int(dt.timestamp())
    day = _article_day(article)
    return None if day is None else day * 86400


_LAST_TS = 2**62


def _order_key(article: Article) -> tuple[int, str]:
    """Earliest publication time first (undated last), then article id: the order that
    decides which member of a chain or story is the first, whatever order the inputs came in."""
    ts = _article_ts(article)
    return (_LAST_TS if ts is None else ts, article.article_id)


_LAST_DAY = 2**31


def _cluster_key(index: _Index, doc: int) -> tuple[int, int, str]:
    """The order in which ``_recluster`` takes articles: published day, then the text's
    content hash (not the article id, which comes from the URL or file path: the same texts
    under other addresses must be taken in the same order and so cluster the same way)."""
    day = int(index.day[doc])
    return (_LAST_DAY if day == _UNKNOWN_DAY else day, int(index.chash[doc]), index.article_id[doc])


def _doc_key(index: _Index, doc: int) -> tuple[int, str]:
    return (int(index.ts[doc]), index.article_id[doc])


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


def _joinable(a: tuple, b: tuple, window: int) -> bool:
    """Gates no score can override, between every member of one group and every member of
    the other: none further apart than ``window`` days, of the other relevance decision, or
    with disjoint topics."""
    lo, hi = min(a[0], b[0]), max(a[1], b[1])
    if hi >= lo and hi - lo > window:
        return False
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


def _link_threshold(mask_a: int, mask_b: int, settings: DedupSettings) -> float:
    """The score a pair needs to link: higher when either side has no topic (mask 0)."""
    if mask_a == 0 or mask_b == 0:
        return settings.story_threshold_untopical
    return settings.story_threshold


def _component(
    view: _Overlay,
    start: list[tuple[int, int]],
    skip: set[str],
    weigher: _Weigher,
    settings: DedupSettings,
) -> tuple[list[tuple[int, int]], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Every article connected to ``start`` by a story link (a score at or above the link
    threshold, scored from both sides), a shared story or a shared duplicate root, up to
    ``story_max_component`` articles; and the links found. Stored rows of articles in
    ``skip`` (re-ingested in this batch) are left out."""
    seen: set[tuple[int, int]] = set()
    links: list[tuple[tuple[int, int], tuple[int, int]]] = []
    frontier = sorted(start)
    stored = view.indexes[0]
    while frontier and len(seen) < settings.story_max_component:
        node = frontier.pop(0)
        if node in seen:
            continue
        seen.add(node)
        ix_no, doc = node
        index = view.indexes[ix_no]
        keys, kinds = index.story_keys_of(doc)
        found: list[tuple[int, int]] = []
        for score, jx, other in _story_candidates(
            view.indexes, keys.tolist(), kinds.tolist(), weigher, settings
        ):
            oindex = view.indexes[jx]
            if (jx, other) == node or oindex.article_id[other] in skip and jx == 0:
                continue
            if score < min(settings.story_threshold, settings.story_threshold_untopical):
                break
            if score >= _link_threshold(int(index.tmask[doc]), int(oindex.tmask[other]), settings):
                found.append((jx, other))
                links.append((node, (jx, other)))
        sid = index.story_of(doc) if ix_no == 0 else None
        if sid:
            found += [m for m in view.members(view.resolve_story(sid)) if m[0] == 0]
        root = view.resolve_root(index.root_id[doc])
        at = view.doc_of(root)
        if at is not None:
            found.append(at)
            if at[0] == 0 and stored.story_of(at[1]):
                found += [m for m in view.members(stored.story_of(at[1])) if m[0] == 0]
        for other in found:
            if other not in seen and not (
                other[0] == 0 and view.indexes[0].article_id[other[1]] in skip
            ):
                frontier.append(other)
    return sorted(seen), links


def _recluster(
    view: _Overlay, nodes: list[tuple[int, int]], weigher: _Weigher, settings: DedupSettings
) -> dict[tuple[int, int], str]:
    """Story ids of a connected set of articles, from their pairwise scores alone.

    Copies (same duplicate root) form a unit. Units are taken in a fixed order, by their
    earliest member's (published day, article id); a unit joins every story built so far with
    a linking pair (score at or above the link threshold), a mean score over all member pairs
    of at least ``story_mean_threshold`` (average linkage) and the gates passed (window,
    relevance, topics). A story's id comes from its earliest member. The result depends on
    the set of articles only, not on the order or batches they arrived in."""
    info = {}
    for node in nodes:
        index = view.indexes[node[0]]
        keys, kinds = index.story_keys_of(node[1])
        w = weigher.weights(keys.tolist(), kinds.tolist())
        wmap = {k: x for k, x in zip(keys.tolist(), w.tolist(), strict=True) if x > 0}
        info[node] = (wmap, float(sum(wmap.values())), int(index.tmask[node[1]]))

    def score(a: tuple[int, int], b: tuple[int, int]) -> float:
        wa, ta, _ = info[a]
        wb, tb, _ = info[b]
        if ta <= 0 or tb <= 0:
            return 0.0
        if len(wb) < len(wa):
            wa, wb = wb, wa
        return sum(x for k, x in wa.items() if k in wb) / math.sqrt(ta * tb)

    units: dict[str, list[tuple[int, int]]] = {}
    for node in nodes:
        root = view.resolve_root(view.indexes[node[0]].root_id[node[1]])
        units.setdefault(root, []).append(node)
    order = sorted(
        units.values(), key=lambda u: min(_cluster_key(view.indexes[i], d) for i, d in u)
    )

    def unit_score(u: list[tuple[int, int]], v: list[tuple[int, int]]) -> tuple[float, bool]:
        """The best pair of copies: a report is as close as its best-kept copy (an all-caps
        or truncated copy loses names it still stands for). And whether a pair links."""
        pairs = [(score(a, b), a, b) for a in u for b in v]
        linked = any(x >= _link_threshold(info[a][2], info[b][2], settings) for x, a, b in pairs)
        return max(x for x, _, _ in pairs), linked

    clusters: list[list[list[tuple[int, int]]]] = []  # stories as lists of units
    groups: list[tuple] = []
    for unit in order:
        group = _group(view, unit)
        scored = []
        for c_no, units_in in enumerate(clusters):
            if not units_in:
                continue
            found = [unit_score(unit, other) for other in units_in]
            mean = sum(x for x, _ in found) / len(found)
            if any(ok for _, ok in found) and mean >= settings.story_mean_threshold:
                scored.append((-max(x for x, _ in found), c_no))
        chosen = []
        for _, c_no in sorted(scored):
            if _joinable(group, groups[c_no], settings.story_window_days):
                chosen.append(c_no)
                group = _union(group, groups[c_no])
        if not chosen:
            clusters.append([unit])
            groups.append(group)
            continue
        keep = min(chosen)
        for c_no in chosen:
            if c_no != keep:
                clusters[keep].extend(clusters[c_no])
                clusters[c_no] = []
                groups[c_no] = (_LAST_DAY, -_LAST_DAY, {0, 1}, set())  # never joinable
        clusters[keep].append(unit)
        groups[keep] = group
    out: dict[tuple[int, int], str] = {}
    for units_in in clusters:
        if not units_in:
            continue
        members = [node for unit in units_in for node in unit]
        first = min(_doc_key(view.indexes[i], d) for i, d in members)
        sid = stable_id("story", first[1])
        for node in members:
            out[node] = sid
    return out


def assign_stories(
    conn: duckdb.DuckDBPyConnection,
    articles: list[Article],
    settings: DedupSettings | None = None,
) -> None:
    """Set ``story_id`` (layer 4), in place, after classification.

    Each article is scored against the warehouse and its batch; the articles connected to
    the batch through story links (a score of at least ``story_threshold``, or
    ``story_threshold_untopical`` when either side has no topic), shared stories or shared
    duplicate roots are re-clustered together from their pairwise scores in a fixed order
    (see ``_recluster``). Stored articles whose story changes are carried as ("member",
    article id, story id) merges on the batch's articles of that component, for ``persist``
    to re-point. So the stories depend on the set of articles, not on input order or
    batching."""
    s = settings or DedupSettings()
    stored = warehouse_index(conn, s)
    batch = _Index(s, capacity=max(16, len(articles)))
    view = _Overlay(stored, batch)
    ordered = sorted(articles, key=_order_key)
    for art in ordered:  # chains merged by find_duplicates in this batch
        for layer, old, new in art.dedup_merges:
            if layer == "root":
                view.root_alias[old] = new
    for n, art in enumerate(ordered):
        art.story_id = None
        _add_batch_doc(batch, n, art, compute_features(art, s), with_story=True)
        root = view.doc_of(view.resolve_root(art.duplicate_of)) if art.duplicate_of else None
        if art.duplicate_of is None:
            batch.n_story_docs += 1
        batch.story_df.add_many(
            _own_keys(batch, n, None) if root is None else _own_keys_vs(batch, n, view, root)
        )
    skip = {art.article_id for art in ordered}
    weigher = _Weigher(view.indexes, s)
    start = [(1, n) for n in range(len(ordered))]
    for art in ordered:  # the stored chains this batch merged into an article's chain
        for layer, old, _ in art.dedup_merges:
            found = view.doc_of(old) if layer == "root" else None
            if found is not None and found[0] == 0 and old not in skip:
                start.append(found)
    nodes, links = _component(view, start, skip, weigher, s)
    for members in _split(view, nodes, links):
        stories = _recluster(view, members, weigher, s)
        repoints = []
        for (ix_no, doc), sid in sorted(stories.items()):
            if ix_no == 1:
                ordered[doc].story_id = sid
            else:
                current = stored.story_of(doc)
                current = view.resolve_story(current) if current else None
                if current != sid:
                    repoints.append(("member", stored.article_id[doc], sid))
        for ix_no, doc in members:
            if ix_no == 1:
                kept = [m for m in ordered[doc].dedup_merges if m[0] not in ("story", "member")]
                ordered[doc].dedup_merges = kept + repoints
    for n, art in enumerate(ordered):  # beyond the component cap: a story of its own
        if art.story_id is None:
            art.story_id = stable_id("story", art.article_id)
            batch.story_id[n] = art.story_id


def _split(
    view: _Overlay,
    nodes: list[tuple[int, int]],
    links: list[tuple[tuple[int, int], tuple[int, int]]],
) -> list[list[tuple[int, int]]]:
    """Connected components of ``nodes`` (story links, shared duplicate roots, shared stored
    stories), so each is clustered on its own."""
    parent = {node: node for node in nodes}

    def find(x: tuple[int, int]) -> tuple[int, int]:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: tuple[int, int], b: tuple[int, int]) -> None:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

    for a, b in links:
        join(a, b)
    by_root: dict[str, tuple[int, int]] = {}
    by_story: dict[str, tuple[int, int]] = {}
    for node in nodes:
        index = view.indexes[node[0]]
        root = view.resolve_root(index.root_id[node[1]])
        join(by_root.setdefault(root, node), node)
        if node[0] == 0 and index.story_of(node[1]):
            sid = view.resolve_story(index.story_of(node[1]))
            join(by_story.setdefault(sid, node), node)
    comps: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for node in nodes:
        comps.setdefault(find(node), []).append(node)
    return list(comps.values())


def recluster_touched(
    conn: duckdb.DuckDBPyConnection,
    article_ids: list[str],
    settings: DedupSettings | None = None,
) -> int:
    """Re-cluster, once a run has loaded all its batches, every story component touched by
    the run's articles with the final key weights; return the number of articles re-pointed.

    Batches are clustered with the document frequencies known at the time, which grow as the
    warehouse does, so a component clustered early kept weights that a later batch changed.
    Re-clustering with the end-of-run weights (same fixed order, same gates, see
    ``_recluster``) makes the stories depend on what is stored, not on the order the articles
    came in. Each component is bounded by ``story_max_component``. Changed rows
    (``articles.story_id``, ``dedup_signatures.story_id``) are re-pointed in one transaction
    and logged as "member" merges, like ``persist`` does."""
    s = settings or DedupSettings()
    if not article_ids:
        return 0
    stored = warehouse_index(conn, s)
    view = _Overlay(stored, _Index(s, capacity=16))
    weigher = _Weigher(view.indexes, s)
    todo = sorted({(0, stored.by_article[a]) for a in set(article_ids) if a in stored.by_article})
    todo = [node for node in todo if stored.live[node[1]]]
    done: set[tuple[int, int]] = set()
    moves: dict[str, tuple[str, str]] = {}  # article id -> (new story id, touched article)
    for start in todo:
        if start in done:
            continue
        nodes, links = _component(view, [start], set(), weigher, s)
        done.update(nodes)
        for members in _split(view, nodes, links):
            stories = _recluster(view, members, weigher, s)
            for (_, doc), sid in sorted(stories.items()):
                current = stored.story_of(doc)
                current = view.resolve_story(current) if current else None
                if current != sid:
                    moves[stored.article_id[doc]] = (sid, stored.article_id[start[1]])
    if not moves:
        return 0
    conn.execute("BEGIN TRANSACTION")
    try:
        for aid, (sid, via) in sorted(moves.items()):
            conn.execute(
                "UPDATE dedup_signatures SET story_id = ? WHERE article_id = ?", [sid, aid]
            )
            conn.execute("UPDATE articles SET story_id = ? WHERE article_id = ?", [sid, aid])
            conn.execute(
                "INSERT INTO dedup_merges (layer, old_id, new_id, via_article) VALUES (?,?,?,?)",
                ["member", aid, sid, via],
            )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    warehouse_index(conn, s)  # learn the moves now (member merges)
    return len(moves)


def recluster_all(conn: duckdb.DuckDBPyConnection, settings: DedupSettings | None = None) -> int:
    """Re-cluster every stored article with key weights read afresh from the warehouse;
    return the number of articles re-pointed. The stories then depend only on what is
    stored: the same articles give the same stories whatever the order, batches or runs
    they came in. Costs an index load plus a story lookup per article."""
    s = settings or DedupSettings()
    # reloaded, so the key counts follow the final duplicate roots (counts kept up to date
    # batch by batch still hold a chain's keys as they were before a root merge)
    _INDEXES.pop(_index_key(conn, s), None)
    stored = warehouse_index(conn, s)
    live = np.flatnonzero(stored.live[: stored.cap])
    return recluster_touched(conn, [stored.article_id[d] for d in live.tolist()], s)


def recluster_run(
    conn: duckdb.DuckDBPyConnection,
    article_ids: list[str],
    settings: DedupSettings | None = None,
) -> int:
    """The end-of-run story pass: the whole warehouse while it holds at most
    ``full_recluster_max`` articles (exact order independence), else the components of the
    run's articles and of their closest stored candidates (whose weights the run changed
    most); return the number of articles re-pointed."""
    s = settings or DedupSettings()
    if not article_ids:
        return 0
    stored = warehouse_index(conn, s)
    if stored.n_live <= s.full_recluster_max:
        return recluster_all(conn, s)
    view = [stored, _Index(s, capacity=16)]
    weigher = _Weigher(view, s)
    touched = set(article_ids)
    for aid in sorted(set(article_ids)):
        doc = stored.by_article.get(aid)
        if doc is None or not stored.live[doc]:
            continue
        keys, kinds = stored.story_keys_of(doc)
        for _, ix_no, other in _story_candidates(view, keys.tolist(), kinds.tolist(), weigher, s):
            if ix_no == 0:
                touched.add(stored.article_id[other])
    return recluster_touched(conn, sorted(touched), s)


# --------------------------------------------------------------------------- persistence


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
            conn.execute(
                "INSERT INTO dedup_merges (layer, old_id, new_id, via_article) VALUES (?,?,?,?)",
                [layer, old, new, art.article_id],
            )


def _insert_rows(
    conn: duckdb.DuckDBPyConnection, rows: list[tuple[Article, Features, tuple]]
) -> None:
    seqs = [
        r[0]
        for r in conn.execute("SELECT nextval('dedup_seq') FROM range(?)", [len(rows)]).fetchall()
    ]
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
