"""Classify stage: relevance, topics, tone and actors of an article, each with its evidence.

The classifier is a set of transparent rules driven by `ipwire/taxonomy.toml`, so an analyst
can read why an article got its labels and change the vocabulary without touching code.
It is pure Python and fast enough for nightly batches on one core.

Relevance asks whether the text is about relations *between* India and Pakistan: it counts
sentences that involve both states (or a bilateral marker such as the LoC or the Indus Waters
Treaty), ignores regional lists ("India, Pakistan and Bangladesh"), and weighs how much of the
text is about the pair against how much is about one state alone or one state and a third.
Tone reads event cues on a Goldstein/CAMEO-like scale in those sentences, turning a cue around
when it is negated ("talks did not resume") and weakening it when it is hedged.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipwire.records import TOPICS, ActorMention, Classification, TopicScore

RULES_VERSION = "rules-2"
DEFAULT_TAXONOMY = Path(__file__).resolve().parents[1] / "ipwire" / "taxonomy.toml"

ACTOR_KINDS = frozenset({"state", "person", "agency", "armed_group", "place", "third_party"})
SIDES = frozenset({"india", "pakistan", "both", "third", "none"})
REASONS = ("bilateral", "secondary_angle", "passing_mention", "domestic", "other_dyad")

_RELEVANCE_KEYS = {
    "threshold": float,
    "bias": float,
    "both_sentences": float,
    "both_share": float,
    "headline_both": float,
    "lead_both": float,
    "interaction_sentences": float,
    "other_dyad_share": float,
    "pair_sentences": float,
    "headline_side": float,
    "secondary_share": float,
    "peer_terms": list,
    "list_min_others": int,
    "list_countries": list,
}
_TOPIC_KEYS = {
    "description",
    "threshold",
    "max_per_cue",
    "scope",
    "relative_floor",
    "background_factor",
    "terms",
    "phrases",
    "patterns",
}
TOPIC_SCOPES = ("near", "both")
_ACTOR_KEYS = {"kind", "side", "aliases"}
_TONE_KEYS = {
    "negation_window": int,
    "negation_after": int,
    "negation_factor": float,
    "hedge_factor": float,
    "headline_weight": float,
    "both_weight": float,
    "side_weight": float,
    "other_weight": float,
    "prior": float,
    "intensity": float,
    "gain": float,
    "position_decay": float,
    "background_factor": float,
    "metaphor_factor": float,
    "metaphor_below": float,
    "appeal_factor": float,
    "negators": list,
    "hedges": list,
    "appeals": list,
    "background": list,
    "auxiliaries": list,
    "metaphor_topics": list,
    "cues": dict,
}
_TOP_KEYS = {"relevance", "actors", "topics", "topic_settings", "tone"}
_TOPIC_SETTING_KEYS = ("relative_floor", "far_factor", "headline_factor")

# Words: letters/digits, with an optional possessive or contraction ("Pakistan's", "didn't").
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_SENT_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREV = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|No|Jr|Sr|Prof|Rev|vs|U\.S|U\.N)\.$"
)
# A link to another story left over from the page ("Also read: India, Pakistan ...",
# "RELATED | ..."): it names the other story's subject, not this one's, so it is skipped.
_TEASER = re.compile(
    r"^\W*(?:also\s+(?:read|see|watch|check(?:\s+out)?)|read\s+(?:more|also|next|this)"
    r"|related(?:\s+(?:stories|story|news|articles?|coverage|content|links?))?"
    r"|recommended(?:\s+(?:stories|for\s+you))?|don['’]?t\s+miss|must\s+read|trending(?:\s+now)?"
    r"|more\s+(?:from|on|stories)\b[^:|]{0,30}|you\s+may\s+(?:also\s+)?like|watch(?:\s+video)?"
    r"|top\s+stories|latest\s+news|editor['’]?s\s+picks?)\s*[:|»>\-–—]",
    re.IGNORECASE,
)


class TaxonomyError(ValueError):
    """The taxonomy file is not valid; the message names the file, section and key."""


# --------------------------------------------------------------------------------------
# Taxonomy


@dataclass(frozen=True)
class Actor:
    name: str
    kind: str
    side: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    name: str
    threshold: float
    max_per_cue: int
    patterns: tuple[tuple[re.Pattern[str], float], ...]
    description: str = ""
    # "near": cues count fully in sentences naming a state and their neighbours;
    # "both": only in sentences that involve both states (a third party acting on the pair)
    scope: str = "near"
    # overrides [topic_settings] relative_floor for this topic when set
    relative_floor: float | None = None
    # cues after a [tone] background word in their sentence ("after the Pahalgam attack")
    # count this much: the event is the setting of the story, not its subject
    background_factor: float = 1.0


@dataclass
class Taxonomy:
    """A validated taxonomy with its lexicons compiled into one n-gram matcher."""

    path: Path
    digest: str
    relevance: dict[str, Any]
    tone: dict[str, Any]
    actors: dict[str, Actor]
    topics: dict[str, Topic]
    topic_settings: dict[str, float]
    matcher: _Matcher = field(repr=False)
    negators: frozenset[str] = frozenset()
    hedges: frozenset[str] = frozenset()
    list_countries: frozenset[str] = frozenset()

    @property
    def version(self) -> str:
        return f"{RULES_VERSION}+{self.digest}"


class _Node:
    """One word of a key prefix: the keys ending here, wildcard last words, next words."""

    __slots__ = ("entries", "next", "wild")

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, float]] = []
        self.next: dict[str, _Node] = {}
        self.wild: dict[str, list[tuple[str, str, float]]] = {}


class _Matcher:
    """Greedy longest-match lookup of word n-grams, separately per section.

    Sections are 'actor', 'tone' and 'topic:<name>'. A key is a tuple of word forms; the last
    form may end in '*' (prefix match). Words with two or more capitals are matched in their
    exact case, every other word in lower case. Keys are held in a word trie, so a scan
    follows only the prefixes the text actually continues.
    """

    MAX_REMEMBERED = 500_000  # word forms whose first step is kept

    def __init__(self) -> None:
        self.root = _Node()
        self.sensitive: set[str] = set()
        self.wild_lengths: tuple[int, ...] = ()
        # the first step from the root per word form met in text (most words start no key)
        self._first_step: dict[str, tuple] = {}

    @staticmethod
    def is_sensitive(word: str) -> bool:
        return sum(1 for ch in word if ch.isupper()) >= 2

    def key_of(self, term: str) -> tuple[str, ...]:
        wild = term.endswith("*")
        words = _WORD.findall(term.rstrip("*"))
        words = [_strip_possessive(w) for w in words]
        key = [w if self.is_sensitive(w) else w.lower() for w in words]
        if wild and key:
            key[-1] = key[-1] + "*"
        return tuple(key)

    def add(self, section: str, label: str, term: str, weight: float, where: str) -> None:
        key = self.key_of(term)
        if not key:
            raise TaxonomyError(f"{where}: term {term!r} has no words")
        entries = self._slot(key)
        for sec, lab, _ in entries:
            if sec == section and (section != "actor" or lab == label):
                raise TaxonomyError(
                    f"{where}: term {term!r} duplicates another term of the same section "
                    f"(same words after tokenising)"
                )
        entries.append((section, label, weight))
        for w in key:
            if self.is_sensitive(w.rstrip("*")):
                self.sensitive.add(w.rstrip("*"))
        self._first_step.clear()

    def _slot(self, key: tuple[str, ...]) -> list[tuple[str, str, float]]:
        """The trie's entry list for `key`, created on the way."""
        node = self.root
        for word in key[:-1]:
            node = node.next.setdefault(word, _Node())
        last = key[-1]
        if last.endswith("*"):
            length = len(last) - 1
            if length not in self.wild_lengths:
                self.wild_lengths = tuple(sorted({*self.wild_lengths, length}, reverse=True))
            return node.wild.setdefault(last, [])
        return node.next.setdefault(last, _Node()).entries

    def _step(
        self, node: _Node, word: str
    ) -> tuple[_Node | None, tuple[tuple[int, list[tuple[str, str, float]]], ...]]:
        """The first word of a key: where the trie goes on, and the one-word keys it ends."""
        found = []
        child = node.next.get(word)
        if child is not None and child.entries:
            found.append((1, child.entries))
        for length in self.wild_lengths:
            if len(word) >= length:
                entries = node.wild.get(word[:length] + "*")
                if entries:
                    found.append((1, entries))
        return child, tuple(found)

    def forms(self, words: list[str]) -> list[str]:
        sens = self.sensitive
        return [w if w in sens else w.lower() for w in words]

    def scan(self, forms: list[str]) -> list[tuple[int, int, str, str, float]]:
        """All (start, end, section, label, weight) hits, greedy longest per section.

        Among keys of the same length an exact last word goes before a wildcard one, and a
        longer wildcard prefix before a shorter one.
        """
        root = self.root
        wild = self.wild_lengths
        free: dict[str, int] = {}
        hits: list[tuple[int, int, str, str, float]] = []
        n_words = len(forms)
        first_step = self._first_step
        for i in range(n_words):
            word = forms[i]
            step = first_step.get(word)
            if step is None:  # a word form met for the first time: look it up once
                step = self._step(root, word)
                if len(first_step) < self.MAX_REMEMBERED:
                    first_step[word] = step
            child, first = step
            if child is None and not first:
                continue
            found = list(first)
            if child is not None:
                node = child
                j = i + 1
                while j < n_words:
                    word = forms[j]
                    n = j - i + 1
                    child = node.next.get(word)
                    if child is not None and child.entries:
                        found.append((n, child.entries))
                    if node.wild:
                        for length in wild:
                            if len(word) >= length:
                                entries = node.wild.get(word[:length] + "*")
                                if entries:
                                    found.append((n, entries))
                    if child is None:
                        break
                    node = child
                    j += 1
            if not found:
                continue
            found.sort(key=lambda item: -item[0])  # stable: same-length order kept
            done: set[str] = set()
            for n, entries in found:
                claimed: set[str] = set()
                for section, label, weight in entries:
                    if section in done or free.get(section, 0) > i:
                        continue
                    hits.append((i, i + n, section, label, weight))
                    claimed.add(section)
                for section in claimed:
                    done.add(section)
                    free[section] = i + n
        return hits


def _strip_possessive(word: str) -> str:
    if len(word) > 2 and word[-2] in "'’" and word[-1] in "sS":
        return word[:-2]
    return word


def _need(cond: bool, where: str, msg: str) -> None:
    if not cond:
        raise TaxonomyError(f"{where}: {msg}")


def _number(value: Any, where: str, lo: float | None = None, hi: float | None = None) -> float:
    _need(
        isinstance(value, int | float) and not isinstance(value, bool),
        where,
        f"must be a number, got {value!r}",
    )
    if lo is not None and hi is not None:
        _need(lo <= value <= hi, where, f"must be between {lo} and {hi}, got {value!r}")
    return float(value)


def _check_keys(table: dict[str, Any], allowed: Iterable[str], where: str) -> None:
    allowed = set(allowed)
    for key in table:
        _need(
            key in allowed,
            where,
            f"unknown key {key!r} (valid keys: {', '.join(sorted(allowed))})",
        )


_LOADED: dict[tuple[str, str], Taxonomy] = {}


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (default: the packaged `ipwire/taxonomy.toml`).

    The file is read every time, so an edit is seen at once; an unchanged file (same bytes)
    gives the taxonomy already built, with the word lookups it has learnt. Treat it as
    read-only.
    """
    path = Path(path) if path is not None else DEFAULT_TAXONOMY
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read taxonomy file ({exc.strerror})") from exc
    digest = hashlib.sha256(raw_bytes).hexdigest()[:10]
    cache_key = (str(path.resolve()), digest)
    if cache_key in _LOADED:
        return _LOADED[cache_key]
    taxonomy = _build_taxonomy(path, raw_bytes, digest)
    if len(_LOADED) >= 8:
        _LOADED.clear()
    _LOADED[cache_key] = taxonomy
    return taxonomy


def _build_taxonomy(path: Path, raw_bytes: bytes, digest: str) -> Taxonomy:
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path}: not valid TOML: {exc}") from exc
    _check_keys(data, _TOP_KEYS, f"{path}")
    for section in _TOP_KEYS:
        _need(section in data, f"{path}", f"missing section [{section}]")
    matcher = _Matcher()

    # [relevance]
    rel = data["relevance"]
    where = f"{path} [relevance]"
    _check_keys(rel, _RELEVANCE_KEYS, where)
    relevance: dict[str, Any] = {}
    for key, kind in _RELEVANCE_KEYS.items():
        _need(key in rel, where, f"missing key {key!r}")
        if kind is float:
            relevance[key] = _number(rel[key], f"{where} {key}")
        elif kind is int:
            _need(isinstance(rel[key], int), f"{where} {key}", "must be an integer")
            relevance[key] = rel[key]
        else:
            _need(
                isinstance(rel[key], list) and all(isinstance(x, str) for x in rel[key]),
                f"{where} {key}",
                "must be a list of strings",
            )
            relevance[key] = list(rel[key])
    _number(relevance["threshold"], f"{where} threshold", 0.0, 1.0)
    for term in relevance["peer_terms"]:
        matcher.add("peer", "peer", term, 1.0, f"{where} peer_terms")
    _number(relevance["secondary_share"], f"{where} secondary_share", 0.0, 1.0)

    # [actors.*]
    actors: dict[str, Actor] = {}
    _need(isinstance(data["actors"], dict), f"{path} [actors]", "must be a table")
    for name, spec in data["actors"].items():
        where = f"{path} [actors.{name}]"
        _need(isinstance(spec, dict), where, "must be a table with kind, side and aliases")
        _check_keys(spec, _ACTOR_KEYS, where)
        for key in _ACTOR_KEYS:
            _need(key in spec, where, f"missing key {key!r}")
        _need(
            spec["kind"] in ACTOR_KINDS,
            f"{where} kind",
            f"unknown kind {spec['kind']!r} (valid: {', '.join(sorted(ACTOR_KINDS))})",
        )
        _need(
            spec["side"] in SIDES,
            f"{where} side",
            f"unknown side {spec['side']!r} (valid: {', '.join(sorted(SIDES))})",
        )
        aliases = spec["aliases"]
        _need(
            isinstance(aliases, list) and aliases and all(isinstance(a, str) for a in aliases),
            f"{where} aliases",
            "must be a non-empty list of strings",
        )
        actors[name] = Actor(name, spec["kind"], spec["side"], tuple(aliases))
        for alias in aliases:
            matcher.add("actor", name, alias, 1.0, f"{where} aliases")

    # [topics.*]
    topics: dict[str, Topic] = {}
    _need(isinstance(data["topics"], dict), f"{path} [topics]", "must be a table")
    for name, spec in data["topics"].items():
        where = f"{path} [topics.{name}]"
        _need(
            name in TOPICS,
            where,
            f"unknown topic {name!r} (valid topics: {', '.join(TOPICS)})",
        )
        _need(isinstance(spec, dict), where, "must be a table")
        _check_keys(spec, _TOPIC_KEYS, where)
        _need("threshold" in spec, where, "missing key 'threshold'")
        threshold = _number(spec["threshold"], f"{where} threshold", 0.0, 100.0)
        max_per_cue = spec.get("max_per_cue", 2)
        _need(
            isinstance(max_per_cue, int) and max_per_cue >= 1,
            f"{where} max_per_cue",
            "must be an integer >= 1",
        )
        for part in ("terms", "phrases"):
            table = spec.get(part, {})
            _need(isinstance(table, dict), f"{where} {part}", "must be a table of term = weight")
            for term, weight in table.items():
                w = _number(weight, f"{where} {part} {term!r}", -10.0, 10.0)
                if part == "terms":
                    _need(
                        not any(ch.isspace() for ch in term),
                        f"{where} terms {term!r}",
                        "a term is one word; put several words under 'phrases'",
                    )
                matcher.add(f"topic:{name}", name, term, w, f"{where} {part}")
        patterns: list[tuple[re.Pattern[str], float]] = []
        table = spec.get("patterns", {})
        _need(isinstance(table, dict), f"{where} patterns", "must be a table of regex = weight")
        for regex, weight in table.items():
            w = _number(weight, f"{where} patterns {regex!r}", -10.0, 10.0)
            try:
                patterns.append((re.compile(regex, re.IGNORECASE), w))
            except re.error as exc:
                raise TaxonomyError(
                    f"{where} patterns {regex!r}: bad regular expression: {exc}"
                ) from exc
        scope = spec.get("scope", "near")
        _need(
            scope in TOPIC_SCOPES,
            f"{where} scope",
            f"unknown scope {scope!r} (valid: {', '.join(TOPIC_SCOPES)})",
        )
        floor = spec.get("relative_floor")
        if floor is not None:
            floor = _number(floor, f"{where} relative_floor", 0.0, 1.0)
        background = _number(
            spec.get("background_factor", 1.0), f"{where} background_factor", 0.0, 1.0
        )
        topics[name] = Topic(
            name,
            threshold,
            max_per_cue,
            tuple(patterns),
            str(spec.get("description", "")),
            scope,
            floor,
            background,
        )
    for name in TOPICS:
        _need(name in topics, f"{path} [topics]", f"missing topic {name!r}")

    # [topic_settings]
    where = f"{path} [topic_settings]"
    _check_keys(data["topic_settings"], _TOPIC_SETTING_KEYS, where)
    topic_settings: dict[str, float] = {}
    for key in _TOPIC_SETTING_KEYS:
        _need(key in data["topic_settings"], where, f"missing key {key!r}")
        topic_settings[key] = _number(data["topic_settings"][key], f"{where} {key}", 0.0, 10.0)

    # [tone]
    tone_raw = data["tone"]
    where = f"{path} [tone]"
    _check_keys(tone_raw, _TONE_KEYS, where)
    tone: dict[str, Any] = {}
    for key, kind in _TONE_KEYS.items():
        _need(key in tone_raw, where, f"missing key {key!r}")
        value = tone_raw[key]
        if kind is float:
            tone[key] = _number(value, f"{where} {key}")
        elif kind is int:
            _need(isinstance(value, int) and value >= 0, f"{where} {key}", "must be an integer")
            tone[key] = value
        elif kind is list:
            _need(
                isinstance(value, list) and all(isinstance(x, str) for x in value),
                f"{where} {key}",
                "must be a list of words",
            )
            tone[key] = [x.lower() for x in value]
    _need(isinstance(tone_raw["cues"], dict), f"{where} cues", "must be a table of cue = value")
    for cue, value in tone_raw["cues"].items():
        v = _number(value, f"{where}.cues {cue!r}", -2.0, 2.0)
        matcher.add("tone", "tone", cue, v, f"{where}.cues")

    return Taxonomy(
        path=path,
        digest=digest,
        relevance=relevance,
        tone=tone,
        actors=actors,
        topics=topics,
        topic_settings=topic_settings,
        matcher=matcher,
        negators=frozenset(tone["negators"]),
        hedges=frozenset(tone["hedges"]),
        list_countries=frozenset(c.lower() for c in relevance["list_countries"]),
    )


_DEFAULT: Taxonomy | None = None


def default_taxonomy() -> Taxonomy:
    """The packaged taxonomy, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_taxonomy()
    return _DEFAULT


CLASSIFIER_VERSION: str = (
    f"{RULES_VERSION}+{hashlib.sha256(DEFAULT_TAXONOMY.read_bytes()).hexdigest()[:10]}"
)


# --------------------------------------------------------------------------------------
# Text analysis


@dataclass
class _Sentence:
    text: str
    index: int
    headline: bool
    lower_words: list[str]
    india: int = 0
    pakistan: int = 0
    marker: int = 0
    third: int = 0
    peer: int = 0
    listed: bool = False
    tone_hits: list[tuple[float, str]] = field(default_factory=list)
    topic_hits: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    actors: dict[str, int] = field(default_factory=dict)

    @property
    def both(self) -> bool:
        return (self.india > 0 and self.pakistan > 0 and not self.listed) or self.marker > 0

    @property
    def side(self) -> bool:
        return self.india > 0 or self.pakistan > 0 or self.marker > 0


def split_sentences(text: str) -> list[str]:
    """Sentences as they appear in the text (paragraphs first, then sentence ends)."""
    out: list[str] = []
    for para in re.split(r"\n+", text):
        para = para.strip()
        if not para:
            continue
        start = 0
        for m in _SENT_END.finditer(para):
            candidate = para[start : m.start()].rstrip()
            if _ABBREV.search(candidate):
                continue
            if candidate:
                out.append(candidate)
            start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append(tail)
    return out


def _looks_like_headline(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not line.rstrip().endswith((".", ":", ";", ","))


def _analyse(text: str, title: str | None, tax: Taxonomy) -> list[_Sentence]:
    matcher = tax.matcher
    actors = tax.actors
    topics = tax.topics
    negators = tax.negators
    hedges = tax.hedges
    window = tax.tone["negation_window"]
    after = tax.tone["negation_after"]
    auxiliaries = set(tax.tone["auxiliaries"])
    neg_factor = tax.tone["negation_factor"]
    hedge_factor = tax.tone["hedge_factor"]
    background = set(tax.tone["background"])
    background_factor = tax.tone["background_factor"]
    metaphor_topics = tax.tone["metaphor_topics"]
    metaphor_factor = tax.tone["metaphor_factor"]
    metaphor_below = tax.tone["metaphor_below"]
    appeals = set(tax.tone["appeals"])
    appeal_factor = tax.tone["appeal_factor"]
    list_countries = tax.list_countries
    list_min = tax.relevance["list_min_others"]

    raw: list[tuple[str, bool]] = []
    if title and title.strip():
        raw.append((title.strip(), True))
    body_sents = split_sentences(text)
    if not raw and body_sents:
        first_line = text.strip().split("\n", 1)[0].strip()
        if body_sents[0] == first_line and _looks_like_headline(first_line):
            raw.append((body_sents.pop(0), True))
    raw.extend((s, False) for s in body_sents)

    sentences: list[_Sentence] = []
    for idx, (sent_text, is_head) in enumerate(raw):
        if _TEASER.match(sent_text):
            sentences.append(_Sentence(sent_text, idx, False, []))
            continue
        words = [_strip_possessive(w) for w in _WORD.findall(sent_text)]
        lower = [w.lower() for w in words]
        s = _Sentence(sent_text, idx, is_head, lower)
        forms = matcher.forms(words)
        # "talks did not resume": a negated main verb turns the positive cues before it
        clause_neg = 0
        for j, w in enumerate(lower):
            if (w.endswith("n't") and w[:-3] in auxiliaries) or (
                w == "not" and j > 0 and lower[j - 1] in auxiliaries
            ):
                clause_neg = j
                break
        # a cue after the first background word ("after", "amid") is setting, not subject
        first_bg = next((j for j, w in enumerate(lower) if w in background), len(lower))
        for start, _end, section, label, weight in matcher.scan(forms):
            if section == "actor":
                actor = actors[label]
                s.actors[label] = s.actors.get(label, 0) + 1
                if actor.side == "india":
                    s.india += 1
                elif actor.side == "pakistan":
                    s.pakistan += 1
                elif actor.side == "both":
                    s.marker += 1
                elif actor.side == "third":
                    s.third += 1
            elif section == "peer":
                s.peer += 1
            elif section == "tone":
                value = weight
                lo = max(0, start - window)
                scope = lower[lo:start] + lower[_end : _end + after]
                if any(w in negators or w.endswith("n't") for w in scope) or (
                    value > 0 and start < clause_neg
                ):
                    value *= neg_factor
                if start > first_bg:
                    value *= background_factor
                s.tone_hits.append((value, " ".join(words[start:_end])))
            else:
                factor = topics[label].background_factor
                if factor != 1.0 and start > first_bg:
                    weight *= factor
                s.topic_hits.setdefault(label, []).append((" ".join(forms[start:_end]), weight))
        if s.tone_hits and any(w in hedges for w in lower):
            s.tone_hits = [(v * hedge_factor, cue) for v, cue in s.tone_hits]
        if s.tone_hits and any(w in appeals for w in lower):
            # "the UK urged dialogue": a call for talks is made because there are none
            s.tone_hits = [(v * appeal_factor if v > 0 else v, c) for v, c in s.tone_hits]
        if s.tone_hits and any(t in s.topic_hits for t in metaphor_topics):
            # "clash", "attack", "aggression" in a match report are not hostilities, but
            # "rejected" or "ruled out" a series is still strain
            s.tone_hits = [
                (v * metaphor_factor if v <= metaphor_below else v, c) for v, c in s.tone_hits
            ]
        if s.india and s.pakistan and not s.marker:
            others = sum(1 for w in set(lower) if w in list_countries)
            if others >= list_min and _is_list(lower):
                s.listed = True
        sentences.append(s)
    # "its neighbour", "the two countries": the other state, once the text names both
    if any(s.india for s in sentences) and any(s.pakistan for s in sentences):
        for s in sentences:
            if s.peer and not s.listed:
                if s.india and not s.pakistan:
                    s.pakistan = s.peer
                elif s.pakistan and not s.india:
                    s.india = s.peer
                elif not s.india and not s.pakistan:
                    s.india = s.pakistan = s.peer
    return sentences


def _is_list(lower: list[str]) -> bool:
    """A sentence that enumerates countries rather than relating two of them."""
    return lower.count("and") + lower.count("or") >= 1


# --------------------------------------------------------------------------------------
# Scoring


def _sigmoid(x: float) -> float:
    if x < -40:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def relevance_features(sentences: list[_Sentence]) -> dict[str, float]:
    """The features the relevance score weighs (named as in [relevance] of the taxonomy)."""
    side_sents = [s for s in sentences if s.side]
    both_sents = [s for s in sentences if s.both]
    n_side = len(side_sents)
    other = [
        s for s in side_sents if s.third and not s.marker and (s.india == 0) != (s.pakistan == 0)
    ]
    n_india = sum(1 for s in sentences if s.india and not s.listed)
    n_pak = sum(1 for s in sentences if s.pakistan and not s.listed)
    return {
        "both_sentences": float(min(6, len(both_sents))),
        "both_share": len(both_sents) / (n_side + 2),
        "headline_both": 1.0 if any(s.headline and s.both for s in sentences) else 0.0,
        "lead_both": 1.0 if any(s.both for s in sentences[:3]) else 0.0,
        "interaction_sentences": float(min(4, sum(1 for s in both_sents if s.tone_hits))),
        "other_dyad_share": len(other) / (n_side + 2),
        "pair_sentences": float(min(5, n_india, n_pak)),
        "headline_side": 1.0 if any(s.headline and s.side for s in sentences) else 0.0,
    }


def article_features(
    text: str, title: str | None = None, *, taxonomy: Taxonomy | None = None
) -> dict[str, float]:
    """Relevance features of one text, for fitting the [relevance] weights."""
    tax = taxonomy or default_taxonomy()
    return relevance_features(_analyse(text or "", title, tax))


def _relevance(
    sentences: list[_Sentence], tax: Taxonomy
) -> tuple[float, bool, str, list[_Sentence]]:
    rel = tax.relevance
    feats = relevance_features(sentences)
    x = rel["bias"] + sum(rel[k] * v for k, v in feats.items())
    score = _sigmoid(x)
    is_rel = score >= rel["threshold"]
    both_sents = [s for s in sentences if s.both]
    india = any(s.india for s in sentences)
    pak = any(s.pakistan for s in sentences)
    if is_rel:
        reason = "bilateral" if feats["both_share"] > rel["secondary_share"] else "secondary_angle"
    elif both_sents or (india and pak):
        reason = (
            "other_dyad" if feats["other_dyad_share"] > feats["both_share"] else "passing_mention"
        )
    elif (india or pak) and any(s.third for s in sentences if s.side):
        reason = "other_dyad"
    else:
        reason = "domestic"
    return round(score, 4), is_rel, reason, both_sents


def topic_totals(
    sentences: list[_Sentence], tax: Taxonomy
) -> dict[str, tuple[float, list[tuple[float, int]]]]:
    """Summed cue weight per topic, with each sentence's share (for evidence)."""
    near: set[int] = set()
    for s in sentences:
        if s.side:
            near.update((s.index - 1, s.index, s.index + 1))
    pair = {s.index for s in sentences if s.both}
    out: dict[str, tuple[float, list[tuple[float, int]]]] = {}
    for name, topic in tax.topics.items():
        counts: dict[str, int] = {}
        total = 0.0
        contrib: list[tuple[float, int]] = []
        for s in sentences:
            hits = list(s.topic_hits.get(name, ()))
            for regex, weight in topic.patterns:
                if regex.search(s.text):
                    hits.append((regex.pattern, weight))
            if not hits:
                continue
            scope = pair if topic.scope == "both" else near
            factor = 1.0 if s.index in scope else tax.topic_settings["far_factor"]
            if s.headline:
                factor *= tax.topic_settings["headline_factor"]
            gained = 0.0
            for cue, weight in hits:
                seen = counts.get(cue, 0)
                if seen >= topic.max_per_cue:
                    continue
                counts[cue] = seen + 1
                gained += weight * factor
            total += gained
            if gained > 0:
                contrib.append((gained, s.index))
        out[name] = (total, contrib)
    return out


def _topics(sentences: list[_Sentence], tax: Taxonomy) -> list[TopicScore]:
    totals = topic_totals(sentences, tax)
    top = max((t for t, _ in totals.values()), default=0.0)
    out: list[TopicScore] = []
    for name, (total, contrib) in totals.items():
        topic = tax.topics[name]
        threshold = topic.threshold
        share = topic.relative_floor
        floor = (tax.topic_settings["relative_floor"] if share is None else share) * top
        if total < threshold or total < floor:
            continue
        score = round(1.0 - math.exp(-total / (2.0 * threshold)), 3)
        best = sorted(contrib, key=lambda c: (-c[0], c[1]))[:3]
        evidence = [sentences[i].text for _, i in sorted(best, key=lambda c: c[1])]
        out.append(TopicScore(name, score, evidence))
    out.sort(key=lambda t: -t.score)
    return out


def _tone(sentences: list[_Sentence], tax: Taxonomy) -> tuple[float, list[str]]:
    t = tax.tone
    num = 0.0
    den = t["prior"]
    scored: list[tuple[float, int]] = []
    for s in sentences:
        if not s.tone_hits:
            continue
        if s.both:
            weight = t["both_weight"]
        elif s.side:
            weight = t["side_weight"]
        else:
            weight = t["other_weight"]
        if s.headline:
            weight *= t["headline_weight"]
        weight /= 1.0 + t["position_decay"] * s.index
        sent_sum = 0.0
        for value, _cue in s.tone_hits:
            mag = abs(value) ** t["intensity"]
            sent_sum += math.copysign(mag, value)
        num += weight * sent_sum
        den += weight * len(s.tone_hits)
        scored.append((weight * sent_sum, s.index))
    mean = num / den
    tone = math.tanh(t["gain"] * mean)
    sign = 1 if tone >= 0 else -1
    best = sorted((c for c in scored if c[0] * sign > 0), key=lambda c: (-abs(c[0]), c[1]))[:3]
    evidence = [sentences[i].text for _, i in sorted(best, key=lambda c: c[1])]
    return round(tone, 3), evidence


def _actors(sentences: list[_Sentence], tax: Taxonomy) -> list[ActorMention]:
    counts: dict[str, int] = {}
    for s in sentences:
        for name, n in s.actors.items():
            counts[name] = counts.get(name, 0) + n
    out = [ActorMention(name, tax.actors[name].kind, n) for name, n in counts.items()]
    out.sort(key=lambda a: (-a.mentions, a.actor))
    return out


def classify(
    text: str, title: str | None = None, *, taxonomy: Taxonomy | None = None
) -> Classification:
    """Label one cleaned article body (with its title when known)."""
    tax = taxonomy or default_taxonomy()
    sentences = _analyse(text or "", title, tax)
    score, is_rel, reason, both_sents = _relevance(sentences, tax)
    ranked = sorted(both_sents, key=lambda s: (-len(s.tone_hits) - 2 * s.headline, s.index))
    evidence = [s.text for s in sorted(ranked[:3], key=lambda s: s.index)]
    topics: list[TopicScore] = []
    tone: float | None = None
    tone_evidence: list[str] = []
    if is_rel:
        topics = _topics(sentences, tax)
        tone, tone_evidence = _tone(sentences, tax)
    return Classification(
        relevance=score,
        is_relevant=is_rel,
        reason=reason,
        topics=topics,
        tone=tone,
        tone_evidence=tone_evidence,
        actors=_actors(sentences, tax),
        evidence=evidence,
        classifier_version=tax.version,
    )


def classify_many(
    items: Iterable[tuple[str, str | None]], *, taxonomy: Taxonomy | None = None
) -> list[Classification]:
    """Label a batch of (text, title) pairs with one taxonomy."""
    tax = taxonomy or default_taxonomy()
    return [classify(text, title, taxonomy=tax) for text, title in items]


def classification_to_json(item_id: str, c: Classification) -> dict[str, Any]:
    """One output line of `ipwire classify` (DESIGN.md), plus reason and tone evidence."""
    return {
        "id": item_id,
        "relevance": c.relevance,
        "is_relevant": c.is_relevant,
        "reason": c.reason,
        "topics": [{"topic": t.topic, "score": t.score} for t in c.topics],
        "tone": c.tone,
        "actors": [{"actor": a.actor, "kind": a.kind, "mentions": a.mentions} for a in c.actors],
        "evidence": list(c.evidence),
        "topic_evidence": {t.topic: list(t.evidence) for t in c.topics},
        "tone_evidence": list(c.tone_evidence),
        "classifier_version": c.classifier_version,
    }
