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
DuckDB (``dedup_keys``, migration 0002) and are read once per process into a sorted in-memory
index that catches up with new rows by sequence number, so a lookup is a binary search whose
cost does not grow with the warehouse.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import numpy as np

from ipwire.ids import content_hash as _content_hash
from ipwire.ids import normalise_text, stable_id
from ipwire.records import Article

TOPICS = (
    "diplomacy",
    "kashmir",
    "military",
    "terrorism",
    "nuclear",
    "water",
    "trade_economy",
    "people",
    "sport",
    "third_party",
)

KIND_EXACT, KIND_BAND, KIND_SENTENCE, KIND_ENTITY, KIND_NUMBER, KIND_QUOTE = 1, 2, 3, 4, 5, 6
NEAR_KINDS = (KIND_EXACT, KIND_BAND, KIND_SENTENCE)
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


@dataclass(frozen=True)
class DedupSettings:
    """Thresholds and sizes of the dedup stage; defaults are what the evaluation measured.

    Changing a fingerprint setting (num_perm, bands, shingle_size, sentence or story key
    sizes) changes ``params()``; rows built with other params are ignored until re-persisted.
    """

    num_perm: int = 128  # MinHash permutations
    bands: int = 32  # LSH bands (num_perm // bands rows each): candidates from Jaccard ~0.4
    shingle_size: int = 3  # words per shingle
    near_threshold: float = 0.45  # estimated containment of the smaller text to call it a copy
    min_shingles: int = 8  # texts shorter than this are only matched exactly
    max_sentence_keys: int = 6  # longest sentences hashed as candidate keys
    min_sentence_words: int = 8
    max_near_candidates: int = 64  # candidates verified per article
    story_threshold: float = 0.2  # cosine of IDF-weighted story keys to join a story
    story_threshold_untopical: float = 0.55  # the same when either side has no topic
    story_window_days: int = 30  # reports further apart never share a story
    max_story_keys: int = 64  # names, places, numbers kept per article (first seen first)
    max_quote_keys: int = 12  # four-word windows of quoted speech kept per article
    story_df_share: float = 0.05  # keys in more than this share of articles are ignored ...
    story_df_floor: int = 25  # ... once they are in more than this many articles
    max_story_candidates: int = 64

    def params(self) -> str:
        """The fingerprint-relevant settings as a string stored with each signature row."""
        return (
            f"v1;p{self.num_perm};b{self.bands};k{self.shingle_size};"
            f"s{self.max_sentence_keys}/{self.min_sentence_words};"
            f"e{self.max_story_keys};q{self.max_quote_keys}"
        )


# --------------------------------------------------------------------------- text features

_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d,.:/]*\d|\d")
_QUOTE = re.compile(r"[“\"]([^”\"]{20,600})[”\"]")
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
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


def story_keys(text: str, settings: DedupSettings) -> list[tuple[int, int]]:
    """Keys that survive a rewrite: proper names (single and multi-word), numbers, dates and
    four-word windows of quoted speech, in order of first appearance."""
    text = unicodedata.normalize("NFKC", text)
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
            if is_cap and low in _MONTHS and i + 1 < len(tokens) and tokens[i + 1].isdigit():
                day = int(tokens[i + 1]) if len(tokens[i + 1]) <= 2 else 0
                if 1 <= day <= 31:
                    add(f"d:{_MONTHS[low]}-{day}", KIND_NUMBER)
            if is_cap:
                run.append(_norm_entity(tok))
                add("e:" + run[-1], KIND_ENTITY)
                continue
            if len(run) >= 2:
                add("e:" + " ".join(run), KIND_ENTITY)
            run = []
            if tok and tok[0].isdigit():
                num = tok.replace(",", "").rstrip(".:/")
                if len(num) >= 2 or (i + 1 < len(tokens) and tokens[i + 1].lower() in _MONTHS):
                    add("n:" + num, KIND_NUMBER)
                if i + 1 < len(tokens) and tokens[i + 1].lower() in _MONTHS and len(num) <= 2:
                    if num.isdigit() and 1 <= int(num) <= 31:
                        add(f"d:{_MONTHS[tokens[i + 1].lower()]}-{int(num)}", KIND_NUMBER)
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
        rows = settings.num_perm // settings.bands
        for band in range(settings.bands):
            chunk = mh[band * rows : (band + 1) * rows].tobytes()
            near.append((_h64(f"b{band}:" + chunk.hex()), KIND_BAND))
        sentences = [normalise_text(s) for s in _sentences(body)]
        sentences = [s for s in sentences if len(s.split()) >= settings.min_sentence_words]
        ranked = sorted(enumerate(sentences), key=lambda p: (-len(p[1]), p[0]))
        chosen = {s for _, s in ranked[: settings.max_sentence_keys]}
        near.extend((_h64("s:" + s), KIND_SENTENCE) for s in sorted(chosen))
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
        self.docs = docs if docs is not None else np.zeros(0, dtype=np.int64)
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
        self.keys, self.docs = keys[order], docs[order]
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
        self.high_water = 0
        self.n_rows = 0

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
        self.rel = grow(self.rel if old else None, (cap,), np.int8, -1)
        self.tmask = grow(self.tmask if old else None, (cap,), np.int32, -1)
        self.n_story = grow(self.n_story if old else None, (cap,), np.int32, 0)
        self.live = grow(self.live if old else None, (cap,), np.bool_, False)
        self.article_id = grow(self.article_id if old else None, (cap,), object, None)
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
        self.rel[doc] = -1 if rel is None else int(rel)
        self.tmask[doc] = -1 if tmask is None else tmask
        self.n_story[doc] = n_story
        self.live[doc] = True
        self.article_id[doc] = article_id
        self.root_id[doc] = root_id
        self.story_id[doc] = story_id
        if story_id:
            self.by_story.setdefault(story_id, []).append(doc)
        self.n_live += 1


# One index per warehouse file, loaded once per process and brought up to date by seq.
_INDEXES: dict[tuple[str, str], _Index] = {}


def _db_key(conn: duckdb.DuckDBPyConnection) -> str:
    row = conn.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row[0] if row and row[0] else f"memory:{id(conn)}"


def _load_rows(index: _Index, conn: duckdb.DuckDBPyConnection, after: int) -> None:
    """Read signature and key rows with seq > after into the index."""
    cols = conn.execute(
        """SELECT seq, article_id, n_shingles, minhash, story_day, is_relevant, topic_mask,
                  n_story_keys, root_id, story_id
           FROM dedup_signatures WHERE seq > ? AND params = ? ORDER BY seq""",
        [after, index.params],
    ).fetchnumpy()
    seqs = cols["seq"]
    if len(seqs) == 0:
        return
    p = index.settings.num_perm
    mh = np.frombuffer(b"".join(cols["minhash"].tolist()), dtype="<u4").reshape(-1, p)
    index._grow(int(seqs.max()) + 1)

    def opt(values: Any, i: int) -> Any:
        v = values[i]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    days, rels, masks = (
        cols["story_day"].tolist(),
        cols["is_relevant"].tolist(),
        cols["topic_mask"].tolist(),
    )
    for i, seq in enumerate(seqs.tolist()):
        index.add_doc(
            seq,
            cols["article_id"][i],
            int(cols["n_shingles"][i]),
            mh[i],
            opt(days, i),
            opt(rels, i),
            opt(masks, i),
            int(cols["n_story_keys"][i]),
            cols["root_id"][i],
            cols["story_id"][i],
        )
    keys = conn.execute(
        """SELECT k.key, k.kind, k.seq FROM dedup_keys k
           WHERE k.seq > ? AND k.seq IN (SELECT seq FROM dedup_signatures WHERE params = ?)
           ORDER BY k.key, k.seq""",
        [after, index.params],
    ).fetchnumpy()
    near_mask = keys["kind"] <= KIND_SENTENCE
    story_mask = ~near_mask
    if story_mask.any():
        sk, skind, sseq = keys["key"][story_mask], keys["kind"][story_mask], keys["seq"][story_mask]
        order = np.argsort(sseq, kind="stable")
        sk, skind, sseq = sk[order], skind[order], sseq[order]
        bounds = np.flatnonzero(np.diff(sseq)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(sseq)]])
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            index.set_story_keys(int(sseq[a]), sk[a:b], skind[a:b])
    for postings, mask in ((index.near, near_mask), (index.story, story_mask)):
        k, d = keys["key"][mask].astype(np.int64), keys["seq"][mask].astype(np.int64)
        if after == 0 and len(postings.keys) == 0:
            postings.keys, postings.docs = k, d
        else:
            for key, doc in zip(k.tolist(), d.tolist(), strict=True):
                postings.add(key, doc)
    index.high_water = max(index.high_water, int(seqs.max()))
    index.n_rows += len(seqs)


def warehouse_index(conn: duckdb.DuckDBPyConnection, settings: DedupSettings) -> _Index:
    """The index of everything committed in ``conn``'s warehouse, loaded once and caught up.

    Rows deleted since the last call (an article whose text changed) force a full reload."""
    key = (_db_key(conn), settings.params() + repr(settings))
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


def _labels(article: Article) -> tuple[bool | None, int | None]:
    c = article.classification
    if c is None:
        return None, None
    mask = 0
    for t in c.topics:
        if t.topic in TOPICS:
            mask |= 1 << TOPICS.index(t.topic)
    return bool(c.is_relevant), mask


def _order_key(article: Article) -> tuple[bool, str, str]:
    """Earliest publication first, then article id: the same order whatever the input order."""
    return (article.published_at is None, article.published_at or "", article.article_id)


def _near_match(
    indexes: list[_Index], article: Article, feats: Features, settings: DedupSettings
) -> tuple[str, str, float] | None:
    """(root article id, 'exact'|'near', similarity) of the best earlier copy, if any."""
    exact_key = feats.near_keys[0][0]
    best: tuple[float, int, int, str] | None = None  # (-sim, index no., doc, root)
    for ix_no, index in enumerate(indexes):
        for doc in index.near.lookup([exact_key])[0].tolist():
            if index.live[doc] and index.article_id[doc] != article.article_id:
                cand = (-1.0, ix_no, doc, index.root_id[doc])
                best = cand if best is None or cand < best else best
    if best is not None:
        return best[3], "exact", 1.0
    if feats.n_shingles < settings.min_shingles:
        return None
    keys = [k for k, _ in feats.near_keys[1:]]
    for ix_no, index in enumerate(indexes):
        hits: dict[int, int] = {}
        for docs in index.near.lookup(keys):
            for doc in docs.tolist():
                hits[doc] = hits.get(doc, 0) + 1
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
        for doc, _ in ranked[: settings.max_near_candidates]:
            if not index.live[doc] or index.article_id[doc] == article.article_id:
                continue
            if index.n_sh[doc] < settings.min_shingles:
                continue
            _, cont = _estimate(feats.minhash, feats.n_shingles, index.mh[doc], index.n_sh[doc])
            if cont >= settings.near_threshold:
                cand = (-round(cont, 6), ix_no, doc, index.root_id[doc])
                best = cand if best is None or cand < best else best
    if best is None:
        return None
    return best[3], "near", round(-best[0], 4)


def find_duplicates(
    conn: duckdb.DuckDBPyConnection,
    articles: list[Article],
    settings: DedupSettings | None = None,
) -> None:
    """Mark exact and near copies (layers 2 and 3) and record wire credits, in place.

    Each article is compared with everything committed in the warehouse and with earlier
    articles of the batch (earliest publication first, then article id, so input order does
    not matter). ``duplicate_of`` is the root of the chain: the first copy."""
    s = settings or DedupSettings()
    stored = warehouse_index(conn, s)
    batch = _Index(s, capacity=max(16, len(articles)))
    for n, art in enumerate(sorted(articles, key=_order_key)):
        feats = compute_features(art, s)
        art.wire = [agency for agency, _ in feats.wire]
        match = _near_match([stored, batch], art, feats, s)
        if match is None:
            art.duplicate_of, art.dup_reason, art.dup_similarity = None, None, None
        else:
            art.duplicate_of, art.dup_reason, art.dup_similarity = match
        _add_batch_doc(batch, n, art, feats, with_story=False)


def _add_batch_doc(index: _Index, n: int, art: Article, feats: Features, with_story: bool) -> None:
    rel, mask = _labels(art)
    index.add_doc(
        n,
        art.article_id,
        feats.n_shingles,
        feats.minhash,
        _day_of(art.published_at),
        rel,
        mask,
        len(feats.story_keys),
        art.duplicate_of or art.article_id,
        art.story_id,
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


def _compatible(
    indexes: list[_Index],
    story_id: str,
    day: int | None,
    rel: bool | None,
    mask: int | None,
    window: int,
) -> bool:
    """Gates no score can override, checked against every member of the story: no member
    further than ``window`` days, of the other relevance decision, or with disjoint topics."""
    for index in indexes:
        for doc in index.by_story.get(story_id, ()):
            if not index.live[doc]:
                continue
            other_day = int(index.day[doc])
            if day is not None and other_day != _UNKNOWN_DAY and abs(day - other_day) > window:
                return False
            other_rel = int(index.rel[doc])
            if rel is not None and other_rel >= 0 and int(rel) != other_rel:
                return False
            other_mask = int(index.tmask[doc])
            if mask and other_mask > 0 and not (mask & other_mask):
                return False
    return True


class _Weigher:
    """IDF weights of story keys over the warehouse plus the batch; common keys weigh 0."""

    def __init__(self, indexes: list[_Index], settings: DedupSettings) -> None:
        self.indexes = indexes
        self.n_docs = sum(ix.n_live for ix in indexes) + 1
        self.cap = max(settings.story_df_floor, settings.story_df_share * self.n_docs)

    def weights(self, keys: list[int], kinds: list[int]) -> np.ndarray:
        df = np.zeros(len(keys), dtype=np.float64)
        for ix in self.indexes:
            df += np.asarray(ix.story.counts(keys), dtype=np.float64)
        kw = np.asarray([_KIND_WEIGHT[k] for k in kinds], dtype=np.float64)
        w = kw * np.log((self.n_docs + 1) / (df + 1))
        w[df > self.cap] = 0.0
        return w


def story_scores(
    indexes: list[_Index], feats: Features, settings: DedupSettings
) -> list[tuple[float, int, int]]:
    """(score, index no., doc) of story candidates, best first.

    score = cosine of the two articles' IDF-weighted story-key sets: shared weight over the
    geometric mean of both sides' weight. Keys found in too many articles carry no evidence."""
    if not feats.story_keys:
        return []
    keys = [k for k, _ in feats.story_keys]
    weigher = _Weigher(indexes, settings)
    weights = weigher.weights(keys, [kind for _, kind in feats.story_keys])
    total = float(weights.sum())
    if total <= 0:
        return []
    out: list[tuple[float, int, int]] = []
    for ix_no, index in enumerate(indexes):
        shared: dict[int, float] = {}
        for w, docs in zip(weights.tolist(), index.story.lookup(keys), strict=True):
            if w <= 0:
                continue
            for doc in docs.tolist():
                shared[doc] = shared.get(doc, 0.0) + w
        ranked = sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))
        for doc, w in ranked[: settings.max_story_candidates]:
            if not index.live[doc]:
                continue
            other_keys, other_kinds = index.story_keys_of(doc)
            other_total = float(weigher.weights(other_keys.tolist(), other_kinds.tolist()).sum())
            if other_total > 0:
                out.append((w / math.sqrt(total * other_total), ix_no, doc))
    out.sort(key=lambda t: (-t[0], t[1], t[2]))
    return out


def assign_stories(
    conn: duckdb.DuckDBPyConnection,
    articles: list[Article],
    settings: DedupSettings | None = None,
) -> None:
    """Set ``story_id`` (layer 4), in place, after classification.

    A duplicate takes its original's story. Another article joins the story of its best-scoring
    earlier report (warehouse or batch) when the score reaches ``story_threshold`` (or
    ``story_threshold_untopical`` when either side was classified with no topic) and no member
    of that story is more than ``story_window_days`` away, of the other relevance decision or
    with disjoint topics; otherwise it starts a story whose id comes from its own article id."""
    s = settings or DedupSettings()
    stored = warehouse_index(conn, s)
    batch = _Index(s, capacity=max(16, len(articles)))
    indexes = [stored, batch]
    for n, art in enumerate(sorted(articles, key=_order_key)):
        feats = compute_features(art, s)
        art.story_id = None
        if art.duplicate_of:
            for index in indexes:
                doc = index.by_article.get(art.duplicate_of)
                if doc is not None and index.live[doc] and index.story_id[doc]:
                    art.story_id = index.story_id[doc]
                    break
        if art.story_id is None:
            day = _day_of(art.published_at)
            rel, mask = _labels(art)
            tried: set[str] = set()
            for score, ix_no, doc in story_scores(indexes, feats, s):
                if score < s.story_threshold:
                    break
                index = indexes[ix_no]
                story = index.story_id[doc]
                if index.article_id[doc] == art.article_id or not story or story in tried:
                    continue
                tried.add(story)
                untopical = mask == 0 or int(index.tmask[doc]) == 0
                if untopical and score < s.story_threshold_untopical:
                    continue
                if _compatible(indexes, story, day, rel, mask, s.story_window_days):
                    art.story_id = story
                    break
        if art.story_id is None:
            art.story_id = stable_id("story", art.duplicate_of or art.article_id)
        _add_batch_doc(batch, n, art, feats, with_story=True)


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
                      is_relevant, topic_mask
               FROM dedup_signatures WHERE article_id IN (SELECT unnest(?::VARCHAR[]))""",
            [ids],
        ).fetchall()
    }
    rows = []
    for aid in ids:
        art = latest[aid]
        feats = compute_features(art, s)
        rel, mask = _labels(art)
        state = (
            feats.content_hash,
            s.params(),
            art.duplicate_of or aid,
            art.story_id,
            _day_of(art.published_at),
            rel,
            mask,
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
        )
    }
    key_k: list[int] = []
    key_kind: list[int] = []
    key_seq: list[int] = []
    wire_rows: list[tuple[str, str, str]] = []
    for seq, (art, feats, state) in zip(seqs, rows, strict=True):
        chash, params, root, story, day, rel, mask = state
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
    }
    sig_cols["minhash"] = [b.hex() for b in sig_cols["minhash"]]
    selects = ", ".join(_unpacked(types[c]) for c in sig_cols)
    conn.execute(
        f"""INSERT INTO dedup_signatures (seq, article_id, content_hash, params, n_shingles,
               minhash, n_story_keys, root_id, story_id, story_day, is_relevant, topic_mask)
           SELECT seq, article_id, content_hash, params, n_shingles, unhex(minhash),
                  n_story_keys, root_id, NULLIF(story_id, ''), story_day, is_relevant,
                  topic_mask
           FROM (SELECT {selects}) AS t(seq, article_id, content_hash, params, n_shingles,
                 minhash, n_story_keys, root_id, story_id, story_day, is_relevant,
                 topic_mask)""",
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
