"""Taxonomy types, loading and validation of the taxonomy file, and the classifier version.

The classifier is a set of transparent rules driven by `ipwire/taxonomy.toml`, so an analyst
can read why an article got its labels and change the vocabulary without touching code.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipwire.records import TOPICS
from ipwire.tasks.classify.errors import TaxonomyError
from ipwire.tasks.classify.matcher import _Matcher
from ipwire.tasks.classify.weights import MODEL_FILE, Model, load_model

RULES_VERSION = "rules-4"
DEFAULT_TAXONOMY = Path(__file__).resolve().parents[2] / "ipwire" / "taxonomy.toml"

ACTOR_KINDS = frozenset({"state", "person", "agency", "armed_group", "place", "third_party"})
SIDES = frozenset({"india", "pakistan", "both", "third", "none"})

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
# keys of [tone] that a taxonomy may leave out (an older file reads as before)
_TONE_OPTIONAL = {"relievers": list}
_TOP_KEYS = {"relevance", "actors", "topics", "topic_settings", "tone"}
_TOPIC_SETTING_KEYS = ("relative_floor", "far_factor", "headline_factor")


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
    relievers: frozenset[str] = frozenset()
    list_countries: frozenset[str] = frozenset()
    # the fitted weights beside the taxonomy file (None: the rules decide alone)
    model: Model | None = None

    @property
    def version(self) -> str:
        return _version(self.digest, self.model.digest if self.model else None)


def _version(digest: str, model_digest: str | None) -> str:
    """Rules, taxonomy bytes and model bytes: a change to any of them is a new classifier."""
    if model_digest is None:
        return f"{RULES_VERSION}+{digest}"
    return f"{RULES_VERSION}+{digest}.m{model_digest}"


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


_LOADED: dict[tuple[str, str, str], Taxonomy] = {}


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (default: the packaged `ipwire/taxonomy.toml`).

    The fitted model, when a `classifier_model.json` sits beside the file, comes with it.

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
    model = load_model(path.with_name(MODEL_FILE))
    cache_key = (str(path.resolve()), digest, model.digest if model else "")
    if cache_key in _LOADED:
        return _LOADED[cache_key]
    taxonomy = _build_taxonomy(path, raw_bytes, digest)
    taxonomy.model = model
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
    _check_keys(tone_raw, {**_TONE_KEYS, **_TONE_OPTIONAL}, where)
    tone: dict[str, Any] = {}
    for key, kind in {**_TONE_KEYS, **_TONE_OPTIONAL}.items():
        if key in _TONE_OPTIONAL and key not in tone_raw:
            tone[key] = []
            continue
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
        relievers=frozenset(tone["relievers"]),
        list_countries=frozenset(c.lower() for c in relevance["list_countries"]),
    )


_DEFAULT: Taxonomy | None = None


def default_taxonomy() -> Taxonomy:
    """The packaged taxonomy, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_taxonomy()
    return _DEFAULT


def _file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else None


CLASSIFIER_VERSION: str = _version(
    _file_digest(DEFAULT_TAXONOMY) or "", _file_digest(DEFAULT_TAXONOMY.with_name(MODEL_FILE))
)
