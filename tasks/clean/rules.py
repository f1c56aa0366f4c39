"""Boilerplate rules (configuration): loading and validating ``ipwire/boilerplate.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

from ipwire.tasks.clean.model import (
    FEATURES1,
    FEATURES2,
    TITLE_FEATURES,
    TreeModel,
    load_trees,
)
from ipwire.tasks.clean.patterns import (
    _anchored,
    _any_of,
    _fold,
    _literals_of,
    _more_words_than,
    _norm_marker,
    _trie_pattern,
    first_chars,
)

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "ipwire" / "boilerplate.toml"
# Chrome lines are short: a longer line is a paragraph, tried only against the long-line
# patterns, and only over its opening characters (where a consent notice says who stores what).
LINE_RULES_MAX_CHARS = 300
LONG_LINE_SEARCH_CHARS = 400


@dataclass(frozen=True)
class Marker:
    """A standalone line that starts a chrome section (e.g. "Don't Miss" then teasers)."""

    kind: str
    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()
    needs_teasers: bool = True


@dataclass(frozen=True)
class BoilerplateRules:
    """Validated rules from ``ipwire/boilerplate.toml``.

    ``line_patterns`` drop a single line wherever it is (reading time, "ALSO READ: ..."), when
    it is short enough to be chrome (``LINE_RULES_MAX_CHARS``); ``long_line_patterns`` are the
    few that name a longer paragraph too (a consent platform's notice).
    ``section_markers`` start a trailing chrome section when they stand alone on a line after
    the article's main mass and are followed by teaser-shaped lines. ``chrome_phrases`` are
    only a feature of the line model, never a decision on their own.
    """

    line_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    section_markers: tuple[Marker, ...]
    chrome_phrases: tuple[str, ...]
    weights1: dict[str, float]
    weights2: dict[str, float]
    keep_threshold: float = 0.5
    span_threshold: float = 0.5
    marker_max_words: int = 6
    marker_min_share_before: float = 0.5
    html_threshold: float = 0.2
    trees: TreeModel | None = None
    paste_trees: TreeModel | None = None
    paste_trees_min_lines: int = 0
    paste_trees_blend: float = 1.0
    html_fallback: bool = True
    html_fallback_gain: float = 3.0
    html_fallback_max_share: float = 0.25
    html_nav_max_words: int = 0
    html_peel_edges: bool = True
    inner_keep_threshold: float = 0.5
    unsure_below: float = 0.0
    unsure_keep: float = 0.0
    inline_box_max_lines: int = 0
    marker_override_score: float = 1.0
    deck_max_lines: int = 0
    drop_twin_lines: bool = False
    title_weights: dict[str, float] | None = None
    long_line_patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Lookup tables built once: exact phrases, and one alternation per pattern family.
        phrases: dict[str, Marker] = {}
        for marker in self.section_markers:
            for phrase in marker.phrases:
                phrases.setdefault(phrase, marker)
        object.__setattr__(self, "_phrases", phrases)
        object.__setattr__(
            self,
            "_chrome_re",
            re.compile(_trie_pattern(self.chrome_phrases) or r"(?!x)x"),
        )
        # has_chrome_phrase asks of every line: one Aho-Corasick pass over the line finds
        # any phrase in it, where the regex above tries its alternation at every position
        object.__setattr__(
            self, "_chrome_automaton", _automaton({p: p for p in self.chrome_phrases if p})
        )
        object.__setattr__(self, "_cache", {})
        object.__setattr__(
            self,
            "_long_checks",
            tuple((k, p, _literals_of(p)) for k, p in self.long_line_patterns),
        )
        # Most lines are no chrome, so each pattern is ruled out cheaply first: the anchored
        # ones together by one alternation (a fraction of a search per pattern), the rest
        # by literals one of which every match must contain (substring tests, not an
        # unanchored search). An anchored pattern that opens with a run of any characters
        # ("^.{0,80}(?:all rights reserved|...)") is tried at each position of that run, so
        # it is ruled out by its literals too, not in the alternation.
        literals = [_literals_of(p) for _, p in self.line_patterns]
        starts = [_anchored(p) for _, p in self.line_patterns]
        joined = [
            p.pattern[:1] == "^" and (lits is None or not _opens_with_any_run(p.pattern))
            for (_, p), lits in zip(self.line_patterns, literals, strict=True)
        ]
        members = [
            (p, a) for (_, p), a, j in zip(self.line_patterns, starts, joined, strict=True) if j
        ]
        alternation = _any_of([p for p, _ in members])
        object.__setattr__(
            self,
            "_line_anchored",
            None if alternation is None else _matcher(alternation, all(a for _, a in members)),
        )
        object.__setattr__(
            self,
            "_line_anchored_by_first",
            {} if alternation is None else _by_first_char(members),
        )
        object.__setattr__(
            self,
            "_line_checks",
            tuple(
                (
                    k,
                    _matcher(p, a),
                    # one literal is kept as a string: a substring test costs far less than any()
                    lits[0] if lits and len(lits) == 1 else lits,
                    alternation is not None and j,  # ruled out with the joined alternation
                )
                for (k, p), lits, a, j in zip(
                    self.line_patterns, literals, starts, joined, strict=True
                )
            ),
        )
        # When the joined alternation rules its members out, only the others are left to try,
        # and their literals are in one automaton: a line's single pass over it names the
        # patterns whose literal the line holds, and only those (and any without a literal)
        # are tried, with their literal test already made.
        unjoined = [check for check in self._line_checks if not check[3]]  # type: ignore[attr-defined]
        by_literal: dict[str, list[int]] = {}
        always: list[int] = []
        for i, (_, _, lits, _) in enumerate(unjoined):
            words = (lits,) if isinstance(lits, str) else lits or ("",)
            if "" in words:
                always.append(i)
                continue
            for lit in words:
                by_literal.setdefault(lit, []).append(i)
        object.__setattr__(
            self,
            "_unjoined_literals",
            _automaton({lit: tuple(idx) for lit, idx in by_literal.items()}),
        )
        object.__setattr__(self, "_unjoined_always", frozenset(always))
        object.__setattr__(
            self, "_unjoined_bare", tuple((k, m, None, j) for k, m, _, j in unjoined)
        )
        markers = [p for marker in self.section_markers for p in marker.patterns]
        object.__setattr__(
            self,
            "_marker_any",
            _any_of(markers) if all(p.pattern[:1] == "^" for p in markers) else None,
        )

    def marker_kind(self, text: str) -> str | None:
        """The kind of section marker this whole line is, or None."""
        marker = self.marker_for(text)
        return marker.kind if marker else None

    def heading_kind(self, text: str) -> str | None:
        """The kind of the section marker whose phrase this whole line is ("Related",
        "À lire aussi"), not a line that only opens with one ("Related talks follow")."""
        if _more_words_than(text, self.marker_max_words):
            return None
        found = self._phrases.get(_norm_marker(text))  # type: ignore[attr-defined]
        return found.kind if found else None

    def marker_for(self, text: str) -> Marker | None:
        """The section marker this whole line is, or None."""
        key = ("m", text)
        cache = self._cache  # type: ignore[attr-defined]
        if key in cache:
            return cache[key]
        found = None
        if len(text) <= 200:
            joined = self._marker_any  # type: ignore[attr-defined]
            if joined is None or joined.search(text):
                for marker in self.section_markers:
                    if any(p.search(text) for p in marker.patterns):
                        found = marker
                        break
            long = found is None and _more_words_than(text, self.marker_max_words)
            low = _norm_marker(text) if found is None and not long else ""
            words = low.split()
            if low and len(words) <= self.marker_max_words:
                found = self._phrases.get(low)  # type: ignore[attr-defined]
                for n in range(len(words) - 1, 0, -1):
                    if found is not None:
                        break
                    prefix = " ".join(words[:n])
                    if len(prefix) >= 6:
                        found = self._phrases.get(prefix)  # type: ignore[attr-defined]
        if len(cache) > 50_000:
            cache.clear()
        cache[key] = found
        return found

    def marker_by_prefix(self, text: str) -> bool:
        """Whether ``text`` is a section marker only because it opens with a marker's words
        ("Recommended courses:" by "recommended"), not as a whole phrase or pattern."""
        if self.marker_for(text) is None:
            return False
        if any(p.search(text) for m in self.section_markers for p in m.patterns):
            return False
        return _norm_marker(text) not in self._phrases  # type: ignore[attr-defined]

    def has_chrome_phrase(self, low: str) -> bool:
        """Whether a chrome phrase is anywhere in ``low`` (a lowered line)."""
        automaton = self._chrome_automaton  # type: ignore[attr-defined]
        return automaton is not None and next(automaton.iter(low), None) is not None

    def chrome_word_starts(self, low: str) -> list[int]:
        """Where chrome phrases stand as whole words ("home" in "Home Minister", not in
        "homeland"): the character offsets of their starts, for the sentence checks."""
        starts = []
        pos, n = 0, len(low)
        while pos < n:
            m = self._chrome_re.search(low, pos)  # type: ignore[attr-defined]
            if m is None:
                break
            a, b = m.start(), m.end()
            if b > a and (a == 0 or not low[a - 1].isalnum()) and (b == n or not low[b].isalnum()):
                starts.append(a)
            pos = max(b, a + 1)
        return starts

    def _unjoined_candidates(self, text: str) -> list[tuple[Any, ...]]:
        """The line checks outside the joined alternation that may match ``text``, in
        their order: those whose literal the folded line holds, and any without one."""
        found = set(self._unjoined_always)  # type: ignore[attr-defined]
        automaton = self._unjoined_literals  # type: ignore[attr-defined]
        if automaton is not None:
            for _, idx in automaton.iter(_fold(text)):
                found.update(idx)
        bare = self._unjoined_bare  # type: ignore[attr-defined]
        return [bare[i] for i in sorted(found)]

    def line_kind(self, text: str) -> str | None:
        """The kind of a line that is chrome wherever it stands, or None."""
        key = ("l", text)
        cache = self._cache  # type: ignore[attr-defined]
        if key in cache:
            return cache[key]
        found = None
        if len(text) > LINE_RULES_MAX_CHARS:
            head = _fold(text[:LONG_LINE_SEARCH_CHARS])
            for kind, pattern, literals in self._long_checks:  # type: ignore[attr-defined]
                if literals is not None and not any(map(head.__contains__, literals)):
                    continue  # ruled out by a substring test, far cheaper than the search
                if pattern.search(text, 0, LONG_LINE_SEARCH_CHARS):
                    found = kind
                    break
        else:
            folded = None
            skip_joined = False
            joined = self._line_anchored  # type: ignore[attr-defined]
            if joined is not None:
                # only the members that may open with the line's first character (a line
                # opening with any other character tries them all)
                joined = self._line_anchored_by_first.get(text[:1], joined)  # type: ignore[attr-defined]
                skip_joined = joined is None or joined(text) is None
            checks = self._line_checks  # type: ignore[attr-defined]
            if skip_joined:
                checks = self._unjoined_candidates(text)
            for kind, matches, literals, _ in checks:
                if literals is not None:
                    if folded is None:
                        folded = _fold(text)
                    if type(literals) is str:
                        if literals not in folded:
                            continue
                    elif not any(map(folded.__contains__, literals)):
                        continue
                if matches(text):
                    found = kind
                    break
        if len(cache) > 50_000:
            cache.clear()
        cache[key] = found
        return found


def _automaton(words: dict[str, Any]) -> Any:
    """An Aho-Corasick automaton over the keys of ``words`` (each found with its value), or
    None when there are none."""
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for word, value in words.items():
        automaton.add_word(word, value)
    automaton.make_automaton()
    return automaton


def _by_first_char(members: list[tuple[re.Pattern[str], bool]]) -> dict[str, Any]:
    """For each ASCII character, the joined alternation of only the ``members`` whose
    matches may open with it (:func:`first_chars`), or None when none may: a line is tried
    against a few patterns instead of all of them. Characters outside ASCII are not keys:
    their lines try the whole alternation."""
    firsts = [first_chars(p) for p, _ in members]
    built: dict[tuple[int, ...], Any] = {}
    table: dict[str, Any] = {}
    for ch in map(chr, range(128)):
        idx = tuple(i for i, f in enumerate(firsts) if f is None or ch in f)
        if idx not in built:
            joined = _any_of([members[i][0] for i in idx]) if idx else None
            if idx and joined is None:
                return {}  # the members cannot be joined: every line takes the whole one
            built[idx] = (
                None if joined is None else _matcher(joined, all(members[i][1] for i in idx))
            )
        table[ch] = built[idx]
    return table


def _matcher(pattern: re.Pattern[str], anchored: bool) -> Any:
    """The pattern's ``match`` when every match starts the text, else its ``search``."""
    return pattern.match if anchored else pattern.search


def _opens_with_any_run(source: str) -> bool:
    """``^`` followed by a repeat of any character (``.{0,80}``, ``.*``, ``.+``)."""
    return source[1:3] in (".{", ".*", ".+")


def _kind_patterns(
    data: dict[str, Any], key: str, *, required: bool
) -> list[tuple[str, re.Pattern[str]]]:
    """The (kind, compiled pattern) pairs of a list of ``{kind, patterns}`` tables."""
    patterns: list[tuple[str, re.Pattern[str]]] = []
    items = _need(data, key, list, "") if required or key in data else []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"boilerplate rules: key '{key}[{i}]' must be a table")
        kind = _need(item, "kind", str, f"{key}[{i}].")
        for j, pat in enumerate(_need(item, "patterns", list, f"{key}[{i}].")):
            try:
                patterns.append((kind, re.compile(pat, re.IGNORECASE)))
            except (re.error, TypeError) as exc:
                raise ValueError(
                    f"boilerplate rules: key '{key}[{i}].patterns[{j}]' is not a "
                    f"valid regular expression: {exc}"
                ) from exc
    return patterns


def _need(table: dict[str, Any], key: str, typ: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise ValueError(f"boilerplate rules: missing key '{where}{key}'")
    value = table[key]
    if not isinstance(value, typ):
        raise ValueError(f"boilerplate rules: key '{where}{key}' has the wrong type")
    return value


def _share(table: dict[str, Any], key: str, default: float, where: str) -> float:
    """An optional number within [0, 1]."""
    value = table.get(key, default)
    if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ValueError(f"boilerplate rules: key '{where}{key}' must be within [0, 1]")
    return float(value)


def _count(table: dict[str, Any], key: str, where: str) -> int:
    """An optional whole number >= 0 (0 when absent: the step is off)."""
    value = table.get(key, 0)
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"boilerplate rules: key '{where}{key}' must be >= 0")
    return value


def _weights(model: dict[str, Any], name: str, names: tuple[str, ...]) -> dict[str, float]:
    """A model's weight table, one number per feature name."""
    table = _need(model, name, dict, "model.")
    missing = [n for n in names if n not in table]
    if missing:
        raise ValueError(f"boilerplate rules: key 'model.{name}.{missing[0]}' is missing")
    if not all(isinstance(v, int | float) for v in table.values()):
        raise ValueError(f"boilerplate rules: key 'model.{name}' must map names to numbers")
    return {k: float(v) for k, v in table.items()}


def _trees(model: dict[str, Any], key: str, folder: Path) -> TreeModel | None:
    """The tree model named by an optional file-name key, read from beside the rules."""
    name = model.get(key)
    if name is None:
        return None
    if not isinstance(name, str):
        raise ValueError(f"boilerplate rules: key 'model.{key}' must be a file name")
    return load_trees(folder / name)


def _flag(table: dict[str, Any], key: str, default: bool) -> bool:
    """An optional true/false key of ``[decision]``."""
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"boilerplate rules: key 'decision.{key}' must be true/false")
    return value


def load_rules(path: Path | None = None) -> BoilerplateRules:
    """Read and validate boilerplate rules; default is the packaged ``ipwire/boilerplate.toml``.

    Raises ValueError naming the offending key, so a broken edit fails at start-up.
    """
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"boilerplate rules: file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"boilerplate rules: {path} is not valid TOML: {exc}") from exc

    patterns = _kind_patterns(data, "line_patterns", required=True)
    long_patterns = _kind_patterns(data, "long_line_patterns", required=False)
    markers: list[Marker] = []
    for i, item in enumerate(_need(data, "section_markers", list, "")):
        if not isinstance(item, dict):
            raise ValueError(f"boilerplate rules: key 'section_markers[{i}]' must be a table")
        kind = _need(item, "kind", str, f"section_markers[{i}].")
        phrases = _need(item, "phrases", list, f"section_markers[{i}].")
        if not all(isinstance(p, str) and p.strip() for p in phrases):
            raise ValueError(
                f"boilerplate rules: key 'section_markers[{i}].phrases' must be non-empty strings"
            )
        compiled = []
        for j, pat in enumerate(item.get("patterns", [])):
            try:
                compiled.append(re.compile(pat, re.IGNORECASE))
            except (re.error, TypeError) as exc:
                raise ValueError(
                    f"boilerplate rules: key 'section_markers[{i}].patterns[{j}]' is not a "
                    f"valid regular expression: {exc}"
                ) from exc
        needs = item.get("needs_teasers", True)
        if not isinstance(needs, bool):
            raise ValueError(
                f"boilerplate rules: key 'section_markers[{i}].needs_teasers' must be true/false"
            )
        markers.append(
            Marker(kind, tuple(_norm_marker(p) for p in phrases), tuple(compiled), needs)
        )
    chrome = _need(data, "chrome_phrases", list, "")
    if not all(isinstance(p, str) for p in chrome):
        raise ValueError("boilerplate rules: key 'chrome_phrases' must be a list of strings")
    decide = _need(data, "decision", dict, "")
    model = _need(data, "model", dict, "")
    weights = [_weights(model, "stage1", FEATURES1), _weights(model, "stage2", FEATURES2)]
    thresholds = {}
    for key in ("keep_threshold", "span_threshold", "marker_min_share_before", "html_threshold"):
        value = _need(decide, key, int | float, "decision.")
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"boilerplate rules: key 'decision.{key}' must be within [0, 1]")
        thresholds[key] = float(value)
    max_words = _need(decide, "marker_max_words", int, "decision.")
    gain = decide.get("html_fallback_gain", 3.0)
    if not isinstance(gain, int | float) or gain < 1:
        raise ValueError("boilerplate rules: key 'decision.html_fallback_gain' must be >= 1")
    share = _share(decide, "html_fallback_max_share", 0.25, "decision.")
    inner = _share(decide, "inner_keep_threshold", thresholds["keep_threshold"], "decision.")
    override = _share(decide, "marker_override_score", 1.0, "decision.")
    unsure_below = _share(decide, "unsure_below", 0.0, "decision.")
    unsure_keep = _share(decide, "unsure_keep", 0.0, "decision.")
    deck = _count(decide, "deck_max_lines", "decision.")
    twins = _flag(decide, "drop_twin_lines", False)
    fallback = _flag(decide, "html_fallback", True)
    nav_max = _count(decide, "html_nav_max_words", "decision.")
    peel = _flag(decide, "html_peel_edges", True)
    box = _count(decide, "inline_box_max_lines", "decision.")
    title_weights = _weights(model, "title", TITLE_FEATURES) if "title" in model else None
    trees = _trees(model, "trees_file", path.parent)
    paste_trees = _trees(model, "paste_trees_file", path.parent)
    min_lines = _count(model, "paste_trees_min_lines", "model.")
    blend = _share(model, "paste_trees_blend", 1.0, "model.")
    return BoilerplateRules(
        paste_trees=paste_trees,
        paste_trees_min_lines=min_lines,
        paste_trees_blend=blend,
        trees=trees,
        html_fallback=fallback,
        html_fallback_gain=float(gain),
        html_fallback_max_share=share,
        html_nav_max_words=nav_max,
        html_peel_edges=peel,
        inner_keep_threshold=inner,
        unsure_below=unsure_below,
        unsure_keep=unsure_keep,
        inline_box_max_lines=box,
        marker_override_score=override,
        deck_max_lines=deck,
        drop_twin_lines=twins,
        title_weights=title_weights,
        line_patterns=tuple(patterns),
        long_line_patterns=tuple(long_patterns),
        section_markers=tuple(markers),
        chrome_phrases=tuple(p.lower() for p in chrome),
        weights1=weights[0],
        weights2=weights[1],
        marker_max_words=max_words,
        **thresholds,
    )


_DEFAULT_RULES: BoilerplateRules | None = None


def default_rules() -> BoilerplateRules:
    """The packaged rules, loaded once per process."""
    global _DEFAULT_RULES
    if _DEFAULT_RULES is None:
        _DEFAULT_RULES = load_rules()
    return _DEFAULT_RULES
