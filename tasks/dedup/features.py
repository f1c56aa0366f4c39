"""Text features of one article: key kinds, MinHash, near and story keys, wire credits.

Near keys (the content hash and sampled word shingles) find copies; story keys (proper
names, numbers, dates, quoted words) are what survives a rewrite of the same event.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from ipwire.ids import content_hash as _content_hash
from ipwire.ids import normalise_text
from ipwire.records import Article
from ipwire.settings import DedupSettings
from ipwire.tasks.clean.dates import MONTHS

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


_ROSTER_ITEM = re.compile(r"^(?:[A-Z][\w'’\-.]*\s*){1,4}(?:\([^)]{1,12}\))?$")
_ROSTER_SPLIT = re.compile(r",|;|\band\b")


def _is_roster(sentence: str) -> bool:
    """Whether a line is a list of names and nothing else (a squad, a line-up, a panel): it
    names a team rather than an event, and every report of that team's matches repeats it,
    so its names are no evidence that two reports tell one story."""
    items = [x.strip() for x in _ROSTER_SPLIT.split(sentence.rstrip(". ")) if x.strip()]
    return len(items) >= 5 and all(_ROSTER_ITEM.match(x) for x in items)


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
        if _is_roster(sentence):
            continue
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
