"""Boilerplate removal from plain-text pastes of whole pages.

A paste ("select all, copy, paste") holds the article plus the page's chrome: menus, share
bars, "Related"/"Don't Miss" teasers, footers. We decide line by line with a small logistic
model over readable features (length, stop-word and punctuation density, position, block
shape, repeated lines, known chrome phrases) and a second pass that adds the neighbours'
scores, then keep the densest contiguous run of article lines (so a stray teaser far from
the article does not come back) and cut trailing related-story sections at their marker
lines. Weights, markers and phrases live in ``ipwire/boilerplate.toml`` so they can be
inspected and edited; ``bench/eval_extraction.py train`` refits the weights.

The same line scorer post-filters the blocks trafilatura returns for HTML pages
(``tasks/extract_html.py``).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ipwire.records import Extraction, Stripped

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[1] / "ipwire" / "boilerplate.toml"

# Function words: a sentence of running prose is full of them, a menu or a headline is not.
# English first (the corpus is English news), plus the commonest words of a few neighbours.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself said says one two new may might must shall us many much even still yet however
    der die das und ist nicht ein eine mit von zu den des sich auf für le la les et est un une
    des du dans pour que qui pas el los las y es en una por con para del se lo il che di non
    per de het een van op""".split()
)

_WORD = re.compile(r"\w+", re.UNICODE)
_SENT_END = re.compile(r"[.!?…:;][\"'”’)\]]*\s*$")
_URLISH = re.compile(r"https?://|www\.|@\w+\.\w|\.com\b", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-•*·▪►»›>]|\d{1,2}[.)])\s")
_DIGIT = re.compile(r"\d")
_SYMBOL = re.compile(r"[^\w\s.,'’\"-]")
_SEPARATORS = re.compile(r"[|»›•·/]")

MONTHS = {
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
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_PATTERNS = [
    # 2022-08-08, 2022-08-08T10:30:00+05:30
    re.compile(
        r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)"
        r"(?:[T ](?P<H>\d\d):(?P<M>\d\d)(?::(?P<S>\d\d))?(?:\.\d+)?(?P<tz>Z|[+-]\d\d:?\d\d)?)?"
    ),
    # August 8, 2022 / Aug. 8 2022
    re.compile(
        rf"\b(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b",
        re.IGNORECASE,
    ),
    # 8 August 2022 / 8th Aug, 2022
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_RE})\.?,?\s+(?P<y>(?:19|20)\d\d)\b",
        re.IGNORECASE,
    ),
]


# ---------------------------------------------------------------------------------------------
# Rules (configuration)
# ---------------------------------------------------------------------------------------------


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

    ``line_patterns`` drop a single line wherever it is (reading time, "ALSO READ: ...").
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
    html_fallback_gain: float = 3.0
    html_fallback_max_share: float = 0.25
    inner_keep_threshold: float = 0.5
    inline_box_max_lines: int = 0
    marker_override_score: float = 1.0
    deck_max_lines: int = 0
    drop_twin_lines: bool = False
    title_weights: dict[str, float] | None = None
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
        object.__setattr__(self, "_cache", {})
        # Most lines are no chrome, so each pattern is ruled out cheaply first: the anchored
        # ones together by one alternation (a fraction of a search per pattern), the rest
        # by a literal every match must contain (a substring test, not an unanchored search).
        anchored = _any_of([p for _, p in self.line_patterns if p.pattern.startswith("^")])
        object.__setattr__(self, "_line_anchored", anchored)
        object.__setattr__(
            self,
            "_line_checks",
            tuple(
                (k, p, _literal_of(p), anchored is not None and p.pattern[:1] == "^")
                for k, p in self.line_patterns
            ),
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

    def has_chrome_phrase(self, low: str) -> bool:
        return self._chrome_re.search(low) is not None  # type: ignore[attr-defined]

    def line_kind(self, text: str) -> str | None:
        """The kind of a line that is chrome wherever it stands, or None."""
        key = ("l", text)
        cache = self._cache  # type: ignore[attr-defined]
        if key in cache:
            return cache[key]
        found = None
        if len(text) <= 300:
            folded = None
            joined = self._line_anchored  # type: ignore[attr-defined]
            skip_anchored = joined is not None and joined.search(text) is None
            for kind, pattern, literal, anchored in self._line_checks:  # type: ignore[attr-defined]
                if anchored and skip_anchored:
                    continue
                if literal is not None:
                    if folded is None:
                        folded = _fold(text)
                    if literal not in folded:
                        continue
                if pattern.search(text):
                    found = kind
                    break
        if len(cache) > 50_000:
            cache.clear()
        cache[key] = found
        return found


def _any_of(patterns: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One alternation that matches a text exactly when one of ``patterns`` does, or None
    when there is none to build: no patterns, a back-reference (its group numbers would
    shift), flags that differ, or group names used twice.

    Only patterns anchored with ``^`` are worth joining: the engine then tries each
    alternative at the start of the line, where an unanchored one is tried at every
    position of it.
    """
    if not patterns or any(_BACKREF.search(p.pattern) for p in patterns):
        return None
    if len({p.flags for p in patterns}) != 1:
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
    except re.error:
        return None


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


def _trie_pattern(phrases: tuple[str, ...] | list[str]) -> str:
    """One regex matching any of the literal `phrases`, written as a prefix tree so the
    engine follows shared prefixes once instead of trying every phrase in turn."""
    trie: dict[str, dict] = {}
    for phrase in phrases:
        if not phrase:
            continue
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}  # end of a phrase

    def emit(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    if not trie:
        return ""
    return emit(trie)


_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -")
_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _fold(text: str) -> str:
    """Case-folded as a case-insensitive regex compares letters (dotless and dotted i too)."""
    return text.casefold().replace("ı", "i").replace("\u0307", "")


def _literal_of(pattern: re.Pattern[str]) -> str | None:
    """:func:`_required_literal` of a compiled pattern; none for a verbose one, where white
    space in the source is not text."""
    return None if pattern.flags & re.VERBOSE else _required_literal(pattern.pattern)


def _required_literal(source: str) -> str | None:
    """The longest run of plain characters (at least 4) outside any group, class, escape or
    quantifier: every match of the pattern contains it. None when there is none or the
    pattern is an alternation at its top level."""
    best = ""
    run: list[str] = []
    depth = 0
    i, n = 0, len(source)

    def close() -> None:
        nonlocal best
        if len(run) > len(best):
            best = "".join(run)
        run.clear()

    while i < n:
        c = source[i]
        if c == "\\":
            close()
            nxt = source[i + 1 : i + 2]
            if nxt.isdigit() or nxt == "N":
                return None  # back-reference, octal or named character: give up
            i += _ESCAPE_LENGTH.get(nxt, 2)
        elif c == "[":
            close()
            j = i + 1
            if source[j : j + 1] == "^":
                j += 1
            if source[j : j + 1] == "]":
                j += 1
            while j < n and source[j] != "]":
                j += 2 if source[j] == "\\" else 1
            i = j + 1
        elif c == "{":  # a repeat count: its digits are not text
            close()
            j = source.find("}", i)
            i = j + 1 if j > 0 else n
        elif c in "()":
            close()
            depth += 1 if c == "(" else -1
            i += 1
        elif c == "|" and depth == 0:
            return None
        elif depth == 0 and c in _PLAIN and source[i + 1 : i + 2] not in ("?", "*", "{"):
            run.append(c)
            i += 1
        else:
            close()
            i += 1
    close()
    literal = best.strip()
    return _fold(literal) if len(literal) >= 4 else None


_WORDISH = re.compile(r"[\w'’]")


def _more_words_than(text: str, limit: int) -> bool:
    """Whether `_norm_marker(text)` would have more than `limit` words, without building it:
    every whitespace-separated piece holding a word character or an apostrophe leaves at
    least one word."""
    pieces = text.split()
    if len(pieces) <= limit:
        return False
    wordy = 0
    for piece in pieces:
        if piece.isalnum() or _WORDISH.search(piece):
            wordy += 1
            if wordy > limit:
                return True
    return False


def _norm_marker(text: str) -> str:
    text = text.strip().lower().replace("’", "'")
    text = re.sub(r"[^\w' ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


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

    patterns: list[tuple[str, re.Pattern[str]]] = []
    for i, item in enumerate(_need(data, "line_patterns", list, "")):
        if not isinstance(item, dict):
            raise ValueError(f"boilerplate rules: key 'line_patterns[{i}]' must be a table")
        kind = _need(item, "kind", str, f"line_patterns[{i}].")
        for j, pat in enumerate(_need(item, "patterns", list, f"line_patterns[{i}].")):
            try:
                patterns.append((kind, re.compile(pat, re.IGNORECASE)))
            except (re.error, TypeError) as exc:
                raise ValueError(
                    f"boilerplate rules: key 'line_patterns[{i}].patterns[{j}]' is not a "
                    f"valid regular expression: {exc}"
                ) from exc
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
    deck = _count(decide, "deck_max_lines", "decision.")
    twins = decide.get("drop_twin_lines", False)
    if not isinstance(twins, bool):
        raise ValueError("boilerplate rules: key 'decision.drop_twin_lines' must be true/false")
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
        html_fallback_gain=float(gain),
        html_fallback_max_share=share,
        inner_keep_threshold=inner,
        inline_box_max_lines=box,
        marker_override_score=override,
        deck_max_lines=deck,
        drop_twin_lines=twins,
        title_weights=title_weights,
        line_patterns=tuple(patterns),
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


# ---------------------------------------------------------------------------------------------
# Lines and features
# ---------------------------------------------------------------------------------------------


@dataclass
class Line:
    """One non-empty line of the paste and the block (blank-line separated run) it sits in."""

    idx: int
    text: str
    block: int
    words: int = 0


def split_lines(text: str) -> list[Line]:
    """Non-empty lines with their block number; a blank line closes a block."""
    lines: list[Line] = []
    block = 0
    prev_blank = True
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = " ".join(raw.split())
        if not stripped:
            if not prev_blank:
                block += 1
            prev_blank = True
            continue
        prev_blank = False
        lines.append(Line(len(lines), stripped, block, len(_WORD.findall(stripped))))
    return lines


# A line that ends in one of these (or a comma) stops mid-sentence: the next line goes on with it.
_CONTINUES = frozenset(
    "a an the of for on in to and or but with by from at as that which who whose than into "
    "onto upon about over under after before between against during without within via per "
    "its their his her our your this these those is are was were be been has have had will "
    "would could should can may might must not nor said says".split()
)
_LAST_WORD = re.compile(r"(\w+)\W*$")


def _lower_share(text: str) -> float:
    alpha = [t for t in _WORD.findall(text) if t[:1].isalpha()]
    return sum(1 for t in alpha if t[:1].islower()) / max(len(alpha), 1)


def _continues(line: Line, nxt: Line, rules: BoilerplateRules) -> bool:
    """``nxt`` carries on the sentence of ``line`` (a paragraph hard-wrapped mid-sentence).

    Sentence-like lines only: Title Case menu entries ("Who We Are", "Sign in"), bylines,
    dates and chrome lines (reading time, "Also read") are never joined.
    """
    text = line.text
    if line.words < 3 or nxt.block != line.block or _SENT_END.search(text):
        return False
    if nxt.text[:1].islower():
        pass
    elif line.words < 6 or _lower_share(text) < 0.3:
        return False
    elif not text.endswith(","):
        m = _LAST_WORD.search(text)
        if not (m and text[-1:].isalnum() and m.group(1).lower() in _CONTINUES):
            return False
    for ln in (line, nxt):
        low = ln.text.lower()
        if (
            rules.line_kind(ln.text) is not None
            or rules.marker_for(ln.text) is not None
            or _is_date_line(ln.text, ln.words)
            or (low.startswith("by ") and ln.words <= 8)
        ):
            return False
    return True


def join_wrapped_lines(lines: list[Line], rules: BoilerplateRules) -> list[Line]:
    """Join a paragraph that was hard-wrapped into short lines back into one line.

    A line without closing punctuation that is followed (in the same block) by a line
    starting in lower case, or that ends in a comma or a function word ("... lauded India
    for" / "following ..."), continues on the next line. Scoring the pieces one by one
    would see a run of short, unpunctuated, headline-shaped lines and drop the article.
    Menus and teaser lists do not end in "for"/"the" or go on in lower case, so page pastes
    are left as they are.
    """
    if len(lines) < 2:
        return lines
    out: list[Line] = []
    for ln in lines:
        if out and _continues(out[-1], ln, rules):
            prev = out[-1]
            out[-1] = Line(prev.idx, prev.text + " " + ln.text, prev.block, prev.words + ln.words)
        else:
            out.append(Line(len(out), ln.text, ln.block, ln.words))
    return out


FEATURES1 = (
    "bias",
    "log_words",
    "long_line",
    "tiny_line",
    "stopword_ratio",
    "sentence_end",
    "comma_density",
    "capitalised_share",
    "digit_share",
    "symbol_share",
    "log_block_lines",
    "block_mean_log_words",
    "repeated",
    "chrome_phrase",
    "marker",
    "line_pattern",
    "position",
    "position_sq",
    "date_like",
    "by_line",
    "urlish",
    "bullet",
    "separators",
    "all_caps",
)
FEATURES2 = (
    "bias",
    "self_logit",
    "prev1",
    "next1",
    "prev3",
    "next3",
    "prev10",
    "next10",
    "block_mean",
    "share_good_before",
    "share_good_after",
    "in_span",
)


def _sigmoid(x: float) -> float:
    if x < -30:
        return 0.0
    if x > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


def parse_date(text: str) -> str | None:
    """First date in ``text`` as ISO 8601; date-only stays date-only, a given offset is kept."""
    if "19" not in text and "20" not in text:
        return None  # every pattern's year starts with one of them
    for pattern in _DATE_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        groups = m.groupdict()
        try:
            year, day = int(groups["y"]), int(groups["d"])
            month = MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
            datetime(year, month, day)
        except (ValueError, KeyError):
            continue
        out = f"{year:04d}-{month:02d}-{day:02d}"
        if groups.get("H"):
            out += f"T{groups['H']}:{groups['M']}:{groups.get('S') or '00'}"
            tz = groups.get("tz")
            if tz:
                if tz != "Z" and ":" not in tz:
                    tz = tz[:3] + ":" + tz[3:]
                out += "+00:00" if tz == "Z" else tz
        return out
    return None


# Zone abbreviations with one meaning; ET, PT and CST (US or China) are left out because
# they are ambiguous.
ZONE_OFFSETS = {
    "UTC": "+00:00",
    "GMT": "+00:00",
    "IST": "+05:30",
    "PKT": "+05:00",
    "EST": "-05:00",
    "EDT": "-04:00",
    "CDT": "-05:00",
    "MST": "-07:00",
    "MDT": "-06:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "BST": "+01:00",
    "CET": "+01:00",
    "CEST": "+02:00",
    "AEST": "+10:00",
    "AEDT": "+11:00",
    "JST": "+09:00",
    "SGT": "+08:00",
}
_TIME_AFTER_DATE = re.compile(
    r"^\s*,?\s*(?:at\s+|-\s+|\|\s+)?(?P<H>\d{1,2}):(?P<M>\d\d)(?::(?P<S>\d\d))?\s*"
    r"(?:(?P<ap>[ap])\.?\s*m\.?)?\s*(?P<zone>[A-Z]{3,4}|[+-]\d\d:?\d\d)\b",
    re.IGNORECASE,
)


def parse_published(text: str) -> str | None:
    """The first date in ``text`` as :func:`parse_date` gives it, with the time and the
    publisher's offset when a time with an unambiguous zone follows the date
    ("May 02, 2024 07:44 PM IST" -> "2024-05-02T19:44:00+05:30"); a time without a zone
    is left out rather than guessed."""
    date = parse_date(text)
    if date is None or "T" in date or _DATE_PATTERNS[0].search(text):
        return date
    for pattern in _DATE_PATTERNS[1:]:
        m = pattern.search(text)
        if not m:
            continue
        t = _TIME_AFTER_DATE.match(text[m.end() :])
        if not t:
            return date
        zone = t.group("zone")
        offset = ZONE_OFFSETS.get(zone.upper()) if zone[0].isalpha() else zone
        if offset is None:
            return date
        if ":" not in offset:
            offset = offset[:3] + ":" + offset[3:]
        hour, minute = int(t.group("H")), int(t.group("M"))
        ap = (t.group("ap") or "").lower()
        if ap and not 1 <= hour <= 12:
            return date
        if ap == "p" and hour != 12:
            hour += 12
        elif ap == "a" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            return date
        return f"{date}T{hour:02d}:{minute:02d}:{t.group('S') or '00'}{offset}"
    return date


def _is_date_line(text: str, words: int) -> bool:
    return words <= 12 and parse_date(text) is not None


def line_features(lines: list[Line], rules: BoilerplateRules) -> list[list[float]]:
    """Stage-1 features of each line (see FEATURES1 for the names).

    Every line of every page passes here, so each feature takes its cheapest exact form:
    counts via C-level ``map`` over token first letters, and the URL and date searches only
    when the literal text each of their matches needs is present.
    """
    n = len(lines)
    counts: dict[str, int] = {}
    lows = [line.text.lower() for line in lines]
    for key in lows:
        counts[key] = counts.get(key, 0) + 1
    block_sizes: dict[int, list[int]] = {}
    for line in lines:
        block_sizes.setdefault(line.block, []).append(line.words)
    block_mean = {b: sum(math.log1p(w) for w in ws) / len(ws) for b, ws in block_sizes.items()}
    log_blocks = {b: math.log(len(ws)) for b, ws in block_sizes.items()}
    stop = STOPWORDS.__contains__
    last = max(n - 1, 1)
    rows = []
    for line, low in zip(lines, lows, strict=True):
        text = line.text
        words = line.words
        toks = _WORD.findall(text)
        nw = max(len(toks), 1)
        # first letters of tokens that start with a letter; capitalised = upper-case ones
        firsts = "".join(filter(str.isalpha, _TOKEN_START.findall(text)))
        caps = sum(map(str.isupper, firsts))
        nchar = max(len(text), 1)
        pos = line.idx / last
        rows.append(
            [
                1.0,
                math.log1p(words),
                float(words >= 15),
                float(words <= 3),
                sum(map(stop, map(str.lower, toks))) / nw,
                float(bool(_SENT_END.search(text))),
                min(text.count(",") / nw, 1.0),
                caps / max(len(firsts), 1),
                len(_DIGIT.findall(text)) / nchar,
                len(_SYMBOL.findall(text)) / nchar,
                log_blocks[line.block],
                block_mean[line.block],
                float(counts[low] > 1 and words < 12),
                float(words <= 15 and rules.has_chrome_phrase(low)),
                float(rules.marker_for(text) is not None),
                float(rules.line_kind(text) is not None),
                pos,
                pos * pos,
                float(_is_date_line(text, words)),
                float(low.startswith("by ") and words <= 8),
                float(_is_urlish(text)),
                float(bool(_BULLET.match(text))),
                float(len(_SEPARATORS.findall(text)) >= 2),
                float(text.isupper() and words >= 1),
            ]
        )
    return rows


# The first character of each \w+ token.
_TOKEN_START = re.compile(r"\b\w")


def _is_urlish(text: str) -> bool:
    """``_URLISH`` searched only when the line holds "@" or a folded "http", "www." or ".com"
    (each of its matches contains one)."""
    if "@" not in text:
        folded = _fold(text)
        if "http" not in folded and "www." not in folded and ".com" not in folded:
            return False
    return _URLISH.search(text) is not None


def _dot(weights: dict[str, float], names: tuple[str, ...], row: list[float]) -> float:
    return sum(weights[name] * value for name, value in zip(names, row, strict=True))


def best_span(lines: list[Line], probs: list[float], threshold: float) -> tuple[int, int]:
    """The contiguous run of lines with the largest word-weighted sum of (p - threshold).

    Articles are contiguous; chrome that happens to look like prose (teasers, bios) sits
    apart from them, so the best-scoring run is a robust anchor.
    """
    best, best_lo, best_hi = 0.0, 0, -1
    cur, lo = 0.0, 0
    for i, (line, p) in enumerate(zip(lines, probs, strict=True)):
        gain = (p - threshold) * (line.words + 1)
        if cur <= 0:
            cur, lo = gain, i
        else:
            cur += gain
        if cur > best:
            best, best_lo, best_hi = cur, lo, i
    return best_lo, best_hi


def stage2_features(
    lines: list[Line], logits: list[float], span_threshold: float
) -> list[list[float]]:
    """Stage-2 features: own stage-1 logit plus the neighbourhood's stage-1 scores."""
    n = len(lines)
    probs = [_sigmoid(z) for z in logits]
    w = [ln.words + 1 for ln in lines]
    good = [p * wi for p, wi in zip(probs, w, strict=True)]
    total_good = sum(good) or 1.0
    cum = [0.0]
    for g in good:
        cum.append(cum[-1] + g)
    by_block: dict[int, list[float]] = {}
    for ln, p in zip(lines, probs, strict=True):
        by_block.setdefault(ln.block, []).append(p)
    lo, hi = best_span(lines, probs, span_threshold)

    def window(i: int, a: int, b: int) -> float:
        a, b = max(a, 0), min(b, n)
        if a >= b:
            return 0.0
        num = sum(good[a:b])
        den = sum(w[a:b])
        return num / den

    rows = []
    for i, ln in enumerate(lines):
        block = by_block[ln.block]
        rows.append(
            [
                1.0,
                logits[i],
                probs[i - 1] if i > 0 else 0.0,
                probs[i + 1] if i + 1 < n else 0.0,
                window(i, i - 3, i),
                window(i, i + 1, i + 4),
                window(i, i - 10, i),
                window(i, i + 1, i + 11),
                sum(block) / len(block),
                cum[i] / total_good,
                (total_good - cum[i + 1]) / total_good,
                float(lo <= i <= hi),
            ]
        )
    return rows


FEATURES3 = (
    "stage2_logit",
    "words_before_share",
    "prose",
    "short_run",
    "block_prose_share",
    "lines_before_span",
    "lines_after_span",
    "markers_since_span",
    "prev_log_words",
    "next_log_words",
    "prev_stopword_ratio",
    "next_stopword_ratio",
    "prev_sentence_end",
    "next_sentence_end",
    "title_repeat",
    "bio_like",
    "call_to_action",
    "chars_per_word",
    "lowercase_start",
    "question",
    "log_doc_lines",
    "lines_to_prose",
)

# An author-bio line: "Name Surname is/writes ...", "... is a reporter ...", "follow her".
_BIO_LEAD = re.compile(
    r"(?:[A-Z][\w.'’-]+\s+){1,4}(?:is|was|has been|writes|covers|reports|joined)\b"
)
_BIO_ROLE = re.compile(
    r"\b(?:is|was) an? (?:[\w-]+ ){0,3}(?:writer|reporter|journalist|editor|correspondent|"
    r"columnist|author|contributor|analyst|producer)\b"
)
_BIO_CONTACT = re.compile(
    r"\b(?:follow (?:him|her|them)|email (?:him|her|them)|reach (?:him|her|them))\b"
)


def _is_bio(text: str) -> bool:
    """The three bio shapes, each searched only when its fixed words are in the line."""
    return bool(
        _BIO_LEAD.match(text)
        or ("s a" in text and _BIO_ROLE.search(text))
        or (
            ("follow " in text or "email " in text or "reach " in text)
            and _BIO_CONTACT.search(text)
        )
    )


_CTA = re.compile(
    r"^(?:sign up|subscribe|click|tap|join|follow|download|get (?:the|our)|support|donate|"
    r"read more|learn more|share|watch|listen|sponsored|advertisement|don't miss|never miss)\b",
    re.IGNORECASE,
)


def tree_features(
    lines: list[Line],
    rules: BoilerplateRules,
    feats1: list[list[float]],
    feats2: list[list[float]],
    logits2: list[float],
) -> list[list[float]]:
    """Features of the boosted-tree scorer: stage-1 and stage-2 rows (bias dropped) plus the
    page-shape features of FEATURES3 (runs of short lines, distance to the article span,
    section markers passed, neighbours, author-bio and call-to-action shapes)."""
    import numpy as np

    if not lines:
        return []
    return tree_matrix(
        lines, rules, np.asarray(feats1, dtype=float), np.asarray(feats2, dtype=float), logits2
    ).tolist()


def tree_matrix(
    lines: list[Line], rules: BoilerplateRules, f1: Any, f2: Any, logits2: list[float]
) -> Any:
    """:func:`tree_features` as a float array, filled a column at a time: the scorer runs on
    every line of every page, and whole columns (neighbours are shifted stage-1 columns)
    cost far less than a Python list per line. Same values as the rows, bit for bit."""
    import numpy as np

    n = len(lines)
    k1, k2 = f1.shape[1] - 1, f2.shape[1] - 1
    x = np.zeros((n, k1 + k2 + len(FEATURES3)))
    if n == 0:
        return x
    x[:, :k1] = f1[:, 1:]
    x[:, k1 : k1 + k2] = f2[:, 1:]
    col = k1 + k2
    probs2 = [_sigmoid(z) for z in logits2]
    lo, hi = best_span(lines, probs2, rules.span_threshold)
    prose = [float(_is_prose(ln, rules)) for ln in lines]
    words = [ln.words for ln in lines]
    total_words = sum(words) or 1
    run = [0] * n
    i = 0
    while i < n:
        j = i
        while j < n and words[j] <= 4:
            j += 1
        for k in range(i, j):
            run[k] = j - i
        i = j + 1 if j == i else j
    block_prose: dict[int, list[float]] = {}
    for ln, pr in zip(lines, prose, strict=True):
        block_prose.setdefault(ln.block, []).append(pr)
    block_share = {b: sum(v) / len(v) for b, v in block_prose.items()}
    to_prose = [float(n)] * n
    last = None
    for i in range(n):
        if prose[i]:
            last = i
        if last is not None:
            to_prose[i] = i - last
    last = None
    for i in range(n - 1, -1, -1):
        if prose[i]:
            last = i
        if last is not None:
            to_prose[i] = min(to_prose[i], last - i)
    texts = [ln.text for ln in lines]
    lows = [t.lower() for t in texts]
    head = set(lows[:6])
    counts: dict[str, int] = {}
    for low in lows:
        counts[low] = counts.get(low, 0) + 1
    markers, seen = [], 0
    for i, text in enumerate(texts):
        if i > lo and rules.marker_for(text) is not None:
            seen += 1
        markers.append(float(min(seen, 3)))
    cum, acc = [], 0
    for w in words:
        cum.append(acc / total_words)
        acc += w
    chrome = f1[:, FEATURES1.index("chrome_phrase")]
    x[:, col] = logits2
    x[:, col + 1] = cum
    x[:, col + 2] = prose
    x[:, col + 3] = [math.log1p(r) for r in run]
    x[:, col + 4] = [block_share[ln.block] for ln in lines]
    x[:, col + 5] = [math.log1p(max(lo - i, 0)) for i in range(n)]
    x[:, col + 6] = [math.log1p(max(i - hi, 0)) for i in range(n)]
    x[:, col + 7] = markers
    # neighbours: log_words, stopword_ratio, sentence_end of the line before and after
    for off, j in ((8, 1), (10, 4), (12, 5)):
        x[1:, col + off] = f1[:-1, j]
        x[:-1, col + off + 1] = f1[1:, j]
    x[:, col + 14] = [
        float(w >= 3 and counts[low] > 1 and low in head)
        for w, low in zip(words, lows, strict=True)
    ]
    x[:, col + 15] = [float(_is_bio(t)) for t in texts]
    # stage 1 already searched the chrome phrases of lines up to 15 words
    x[:, col + 16] = [
        float(
            bool(_CTA.match(t))
            or (chrome[i] > 0 if words[i] <= 15 else rules.has_chrome_phrase(lows[i]))
        )
        for i, t in enumerate(texts)
    ]
    x[:, col + 17] = [min(len(t) / max(w, 1), 20.0) for t, w in zip(texts, words, strict=True)]
    x[:, col + 18] = [float(t[:1].islower()) for t in texts]
    x[:, col + 19] = [float(t.rstrip().endswith("?")) for t in texts]
    x[:, col + 20] = math.log1p(n)
    x[:, col + 21] = [math.log1p(t) for t in to_prose]
    return x


def tree_feature_names() -> tuple[str, ...]:
    """Column names of :func:`tree_features` rows, as written in the trees file."""
    return FEATURES1[1:] + FEATURES2[1:] + FEATURES3


@dataclass(frozen=True)
class TreeModel:
    """Gradient-boosted depth-limited trees over :func:`tree_features` (logistic loss).

    Each tree is complete: node k tests ``x[feature[k]] > threshold[k]`` and goes to child
    2k+2 when true, 2k+1 otherwise; after ``depth`` tests the leaf value is added to the
    logit. Fitted by ``bench/eval_extraction.py train``; the file lists feature names so a
    reader can see what each split looks at.
    """

    base: float
    depth: int
    features: tuple[str, ...]
    feature_idx: Any  # numpy int array (trees, internal nodes)
    thresholds: Any  # numpy float array (trees, internal nodes)
    leaves: Any  # numpy float array (trees, leaves)

    def logits(self, rows: Any) -> list[float]:
        """Logit of each row (a list of feature rows or a 2-D array of them)."""
        import numpy as np

        x = np.asarray(rows, dtype=float)
        n_trees = self.feature_idx.shape[0]
        node = np.zeros((x.shape[0], n_trees), dtype=np.int64)
        cols = np.arange(n_trees)
        for _ in range(self.depth):
            f = self.feature_idx[cols, node]
            go = x[np.arange(x.shape[0])[:, None], f] > self.thresholds[cols, node]
            node = 2 * node + 1 + go
        first_leaf = 2**self.depth - 1
        out = self.base + self.leaves[cols, node - first_leaf].sum(axis=1)
        return [float(v) for v in out]


def load_trees(path: Path) -> TreeModel:
    """Read a trees file; ValueError when it does not match this code's feature names."""
    import json

    import numpy as np

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"boilerplate rules: trees file not found: {path}") from exc
    except ValueError as exc:
        raise ValueError(f"boilerplate rules: trees file {path} is not valid JSON") from exc
    names = tuple(data.get("features", ()))
    if names != tree_feature_names():
        raise ValueError(f"boilerplate rules: trees file {path} was fitted on other features")
    depth = int(data["depth"])
    index = {name: i for i, name in enumerate(names)}
    trees = data["trees"]
    return TreeModel(
        base=float(data["base"]),
        depth=depth,
        features=names,
        feature_idx=np.array([[index[f] for f in t["feature"]] for t in trees], dtype=np.int64),
        thresholds=np.array([t["threshold"] for t in trees], dtype=float),
        leaves=np.array([t["leaf"] for t in trees], dtype=float),
    )


def score_lines(lines: list[Line], rules: BoilerplateRules, *, paste: bool = False) -> list[float]:
    """Probability that each line belongs to the article.

    ``paste`` scores with the paste trees (``model.paste_trees_file``) when there are any:
    whole-page pastes get their own, larger tree model, and the HTML post-filter keeps the
    shared one. A text of fewer than ``paste_trees_min_lines`` lines is no whole page (a
    news text with a caption or two) and keeps the shared, smoother trees.
    """
    if not lines:
        return []
    import numpy as np

    f1 = np.asarray(line_features(lines, rules), dtype=float)
    w1 = np.array([rules.weights1[name] for name in FEATURES1])
    logits = (f1 @ w1).tolist()
    f2 = np.asarray(stage2_features(lines, logits, rules.span_threshold), dtype=float)
    w2 = np.array([rules.weights2[name] for name in FEATURES2])
    logits2 = (f2 @ w2).tolist()
    trees, shared_share = rules.trees, 0.0
    if paste and rules.paste_trees is not None and len(lines) >= rules.paste_trees_min_lines:
        trees = rules.paste_trees
        if rules.trees is not None:
            shared_share = 1.0 - rules.paste_trees_blend
    if trees is None:
        return [_sigmoid(z) for z in logits2]
    rows = tree_matrix(lines, rules, f1, f2, logits2)
    z = trees.logits(rows)
    if shared_share > 0:
        # the paste trees fit one half of the pages closely; averaging their logit with the
        # shared trees' keeps the decision smoother on pages unlike those
        zs = rules.trees.logits(rows)
        z = [(1 - shared_share) * a + shared_share * b for a, b in zip(z, zs, strict=True)]
    return [_sigmoid(v) for v in z]


# ---------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------


def _teaser_shaped(lines: list[Line]) -> bool:
    """Headline-like lines (short, no closing punctuation) make up half of what follows."""
    following = lines[:6]
    if not following:
        return True
    short = sum(1 for ln in following if ln.words <= 14 and not _SENT_END.search(ln.text))
    return short * 2 >= len(following)


def _is_prose(line: Line, rules: BoilerplateRules) -> bool:
    """Running prose: long, sentence-final punctuation, full of function words."""
    if line.words < 15 or not _SENT_END.search(line.text):
        return False
    key = ("p", line.text)
    cache = rules._cache  # type: ignore[attr-defined]
    found = cache.get(key)
    if found is None:
        toks = _WORD.findall(line.text.lower())
        found = (
            sum(map(STOPWORDS.__contains__, toks)) >= 0.25 * len(toks)
            and rules.line_kind(line.text) is None
            and rules.marker_for(line.text) is None
        )
        if len(cache) > 50_000:
            cache.clear()
        cache[key] = found
    return found


def _is_running_text(line: Line, rules: BoilerplateRules) -> bool:
    """Prose that may lack its closing punctuation: a paragraph cut off mid-sentence (a text
    truncated to its opening, a feed summary) or a whole article pasted as one long line.
    Used where the strict :func:`_is_prose` finds nothing, never as a model feature."""
    if _is_prose(line, rules):
        return True
    if line.words < 15:
        return False
    toks = _WORD.findall(line.text.lower())
    return (
        sum(map(STOPWORDS.__contains__, toks)) >= 0.25 * len(toks)
        and rules.line_kind(line.text) is None
        and rules.marker_for(line.text) is None
    )


def _is_short_sentence(line: Line, rules: BoilerplateRules) -> bool:
    """A sentence too short for :func:`_is_prose`: five words or more, a verb-ish function
    word and closing punctuation ("Talks resume in Islamabad on Monday, officials said.")."""
    if line.words < 5 or not _SENT_END.search(line.text) or line.text.endswith(":"):
        return False
    toks = _WORD.findall(line.text.lower())
    if not any(t in STOPWORDS for t in toks):
        return False
    low = line.text.lower()
    return (
        rules.line_kind(line.text) is None
        and rules.marker_for(line.text) is None
        and not rules.has_chrome_phrase(low)
    )


def _is_subheading(line: Line, rules: BoilerplateRules) -> bool:
    return (
        1 <= line.words <= 14
        and rules.line_kind(line.text) is None
        and rules.marker_for(line.text) is None
        and not _is_date_line(line.text, line.words)
    )


def _introduces_prose(
    lines: list[Line], prose: list[bool], i: int, rules: BoilerplateRules
) -> bool:
    """A headline or subheading: a short plain line directly above a prose line."""
    return i + 1 < len(lines) and prose[i + 1] and _is_subheading(lines[i], rules)


def _is_clean_document(lines: list[Line], prose: list[bool], rules: BoilerplateRules) -> bool:
    """Already-clean article text (a JSON record's ``text``, a note, a wire item).

    A page paste carries dozens of menu, teaser and footer lines around its prose; clean text
    has prose plus at most a handful of other lines (headline, dateline, byline, a credit).
    Prose is article by default, so such a document keeps its prose whatever the line model,
    trained on whole-page pastes, makes of its unusual shape.
    """
    n_prose = sum(prose)
    if not n_prose:
        return False
    first_prose = prose.index(True)
    other = sum(
        1
        for i in range(len(lines))
        if not prose[i]
        and not _introduces_prose(lines, prose, i, rules)
        and not _expected_in_clean_text(lines, i, first_prose, rules)
    )
    return other <= min(3 + n_prose // 4, 8)


def _expected_in_clean_text(
    lines: list[Line], i: int, first_prose: int, rules: BoilerplateRules
) -> bool:
    """Lines an article's own text carries besides its paragraphs: sentences too short to be
    prose, bare list dashes, the first line's headline and a dateline or byline above the body.
    They say nothing about page chrome around the text."""
    ln = lines[i]
    if ln.words == 0 or _is_short_sentence(ln, rules):
        return True
    if i >= first_prose:
        return False
    low = ln.text.lower()
    return (
        (i == 0 and _title_candidate(ln, rules))
        or _is_date_line(ln.text, ln.words)
        or (low.startswith("by ") and ln.words <= 8)
    )


def _keep_clean(
    lines: list[Line], prose: list[bool], probs: list[float], rules: BoilerplateRules
) -> list[bool]:
    """Keep/drop in a clean document: everything but chrome lines and the header's date/byline."""
    first_prose = prose.index(True)
    last_prose = len(prose) - 1 - prose[::-1].index(True)
    keep = []
    for i, ln in enumerate(lines):
        low = ln.text.lower()
        drop = rules.line_kind(ln.text) is not None
        if not prose[i] and not drop:
            drop = (
                (i < first_prose and _is_date_line(ln.text, ln.words))
                or (i < first_prose and low.startswith("by ") and ln.words <= 8)
                or (ln.words <= 15 and rules.has_chrome_phrase(low) and probs[i] < 0.5)
                # a site name or a "Powered by" credit around the text, which the model
                # is sure of; headlines and sentences stay
                or (
                    not first_prose <= i <= last_prose
                    and probs[i] < 0.1
                    and ln.words < 3
                    and not _is_short_sentence(ln, rules)
                )
                or (
                    i > last_prose
                    and probs[i] < 0.1
                    and not _is_short_sentence(ln, rules)
                    and not _is_running_text(ln, rules)
                )
            )
        keep.append(not drop)
    return keep


def _best_prose_run(lines: list[Line], prose: list[bool]) -> tuple[int, int]:
    """The run of lines between prose lines (gaps of at most two lines) with most prose words."""
    best, best_lo, best_hi = -1, 0, -1
    i, n = 0, len(lines)
    while i < n:
        if not prose[i]:
            i += 1
            continue
        lo = hi = i
        words = lines[i].words
        j = i + 1
        while j < n:
            if prose[j]:
                hi, words = j, words + lines[j].words
                j += 1
            elif j + 1 < n and prose[j + 1]:
                j += 1
            elif j + 2 < n and prose[j + 2]:
                j += 2
            else:
                break
        if words > best:
            best, best_lo, best_hi = words, lo, hi
        i = hi + 1
    return best_lo, best_hi


def _extend_span(
    lines: list[Line], keep: list[bool], lo: int, hi: int, rules: BoilerplateRules
) -> tuple[int, int]:
    """Grow the article span over adjacent prose (and subheadings that introduce prose).

    The model is shy at the very top and bottom of a paste; a paste with no chrome at all
    (seed 000) must keep every line, and prose touching the article is part of it.
    """
    kept = [i for i in range(lo, hi + 1) if keep[i]]
    if not kept:
        return lo, hi
    lo, hi = kept[0], kept[-1]
    n = len(lines)
    j = hi + 1
    while j < n:
        if _is_prose(lines[j], rules):
            keep[j] = True
            j += 1
        elif j + 1 < n and _is_subheading(lines[j], rules) and _is_prose(lines[j + 1], rules):
            keep[j] = keep[j + 1] = True
            j += 2
        else:
            break
    hi = j - 1
    j = lo - 1
    while j >= 0:
        if _is_prose(lines[j], rules):
            keep[j] = True
            j -= 1
        else:
            break
    lo = j + 1
    # subheadings inside the span that introduce kept prose belong to the article
    for i in range(lo, hi):
        if (
            not keep[i]
            and keep[i + 1]
            and _is_subheading(lines[i], rules)
            and _is_prose(lines[i + 1], rules)
        ):
            keep[i] = True
    return lo, hi


def _is_signature(lines: list[Line], i: int) -> bool:
    """A short name line followed by a date line: the head of a comment."""
    return (
        i + 1 < len(lines)
        and 1 <= lines[i].words <= 5
        and not _SENT_END.search(lines[i].text)
        and _is_date_line(lines[i + 1].text, lines[i + 1].words)
    )


def _comment_thread_starts(lines: list[Line], i: int, hi: int) -> bool:
    """Line i starts a run of at least three name+date headed comments."""
    if not _is_signature(lines, i):
        return False
    heads = sum(1 for j in range(i, min(hi + 1, len(lines) - 1)) if _is_signature(lines, j))
    return heads >= 3


def _kind_for(line: Line, rules: BoilerplateRules, after_article: bool) -> str:
    kind = rules.line_kind(line.text) or rules.marker_kind(line.text)
    if kind:
        return kind
    low = line.text.lower()
    if _is_date_line(line.text, line.words):
        return "dateline"
    if low.startswith("by ") and line.words <= 8:
        return "byline"
    if any(p in low for p in ("share", "tweet", "whatsapp", "facebook", "subscribe", "newsletter")):
        return "share-subscribe"
    if "©" in line.text or "copyright" in low or "all rights reserved" in low:
        return "footer"
    if "comment" in low and line.words <= 8:
        return "comments"
    return "related-links" if after_article else "navigation"


def _fill_blocks(
    lines: list[Line], keep: list[bool], probs: list[float], rules: BoilerplateRules
) -> None:
    """Keep the doubted lines of a block the article already holds lines of.

    A paste puts a table or a list in one block (no blank lines between its rows); row by
    row it looks like chrome, but when some of its rows are kept the rest are the article's
    too, unless the model is sure they are not or they carry chrome phrases or links.
    """
    by_block: dict[int, list[int]] = {}
    for i, ln in enumerate(lines):
        by_block.setdefault(ln.block, []).append(i)
    for members in by_block.values():
        kept_words = sum(lines[i].words for i in members if keep[i])
        if not kept_words or all(keep[i] for i in members):
            continue
        for i in members:
            ln = lines[i]
            if keep[i] or probs[i] < rules.inner_keep_threshold:
                continue
            if (
                rules.line_kind(ln.text)
                or rules.marker_for(ln.text)
                or (ln.words <= 15 and rules.has_chrome_phrase(ln.text.lower()))
                or _is_urlish(ln.text)
                or ln.words <= 2
                or ln.text.isupper()
                or _is_date_line(ln.text, ln.words)
            ):
                continue
            keep[i] = True


def _drop_deck(lines: list[Line], keep: list[bool], rules: BoilerplateRules) -> None:
    """Drop kept lines that stand above the byline or dateline at the head of the article.

    A page prints the headline, then a deck (standfirst), a photo caption or a cookie
    notice, then "By ..." or the date, then the body; the article text starts below the
    byline. Only a byline or date within ``deck_max_lines`` lines of the first kept line,
    with kept text after it, counts.
    """
    kept = [i for i, k in enumerate(keep) if k]
    if len(kept) < 2:
        return
    first = kept[0]
    for j in range(first + 1, min(first + 1 + rules.deck_max_lines, len(lines))):
        ln = lines[j]
        if keep[j]:
            continue
        low = ln.text.lower()
        if _is_date_line(ln.text, ln.words) or (low.startswith("by ") and ln.words <= 8):
            if any(keep[k] for k in range(j + 1, len(lines))):
                later = {lines[k].text.lower() for k in range(j + 1, len(lines))}
                for k in range(first, j):
                    # a paragraph the body repeats stays (its later copy is the one dropped)
                    if lines[k].text.lower() not in later:
                        keep[k] = False
            return


def _drop_twins(lines: list[Line], keep: list[bool]) -> None:
    """Drop short lines printed twice in a row: a teaser card's image text and its link.

    An article does not repeat a heading or a sentence on the next line; a card of
    related stories ("Best Backpacking Quilts of 2026" as the image's alt text, then as
    the link) does.
    """
    n = len(lines)
    for i in range(n - 1):
        a, b = lines[i], lines[i + 1]
        if a.words <= 15 and a.text.lower() == b.text.lower():
            keep[i] = keep[i + 1] = False


def _inline_box_end(
    lines: list[Line],
    probs: list[float],
    prose: list[bool],
    i: int,
    hi: int,
    rules: BoilerplateRules,
) -> int | None:
    """Where a teaser box that starts at marker line ``i`` ends, when article prose follows.

    A "You May Also Like" box in the middle of an article is a few short teaser lines, then
    the article goes on with confident prose; a trailing related section is not followed by
    a run of such prose. None when the marker closes the article.
    """
    limit = rules.inline_box_max_lines
    if not limit:
        return None
    end = min(hi + 1, len(lines))
    for j in range(i + 1, min(i + 1 + limit, end)):
        if prose[j] and probs[j] >= 0.8:
            after = [k for k in range(j, min(j + 6, end)) if prose[k] and probs[k] >= 0.8]
            return j if len(after) >= 3 else None
    return None


def _model_reads_on(
    lines: list[Line], probs: list[float], i: int, hi: int, rules: BoilerplateRules
) -> bool:
    """The line model is confident the text after marker ``i`` is still the article.

    "Popular distribution channels to consider:" or "Subscribe now" can open a section of
    the article itself; when the lines after it, to the article's end, score on average
    (by words) at least ``marker_override_score``, the marker does not close the article.
    """
    score = rules.marker_override_score
    if score >= 1.0:
        return False
    after = range(i + 1, hi + 1)
    words = sum(lines[j].words + 1 for j in after)
    if not words:
        return False
    return sum(probs[j] * (lines[j].words + 1) for j in after) / words >= score


@dataclass
class LineDecision:
    """What the text extractor decided; used by the HTML extractor too."""

    keep: list[bool]
    probs: list[float]
    span: tuple[int, int]
    cut_at: int | None
    cut_kind: str | None
    clean: bool = False


def decide(lines: list[Line], rules: BoilerplateRules, *, paste: bool = False) -> LineDecision:
    """Keep/drop for each line: model score, the article span and trailing section markers.

    ``paste`` turns on the rules tuned for whole-page pastes (the HTML post-filter leaves it
    off): inside the article, a line between kept lines needs only
    ``inner_keep_threshold`` (list items, "Pros"/"Cons", short subheads), and a section
    marker whose teaser box is followed by more article prose drops only the box.
    """
    probs = score_lines(lines, rules, paste=paste)
    if not lines:
        return LineDecision([], [], (0, -1), None, None)
    prose = [_is_prose(ln, rules) for ln in lines]
    if not any(prose) and len(lines) <= 4:
        # a note or wire snippet of short sentences: its sentences are the article
        prose = [_is_short_sentence(ln, rules) for ln in lines]
    clean = _is_clean_document(lines, prose, rules)
    if not clean:
        # clean text cut off mid-sentence (a feed summary, the opening of an article, one
        # long line): its last line is prose without the closing punctuation
        running = prose[:-1] + [_is_running_text(lines[-1], rules)]
        if running != prose and _is_clean_document(lines, running, rules):
            prose, clean = running, True
    if clean:
        keep = _keep_clean(lines, prose, probs, rules)
        kept = [i for i, k in enumerate(keep) if k]
        lo, hi = (kept[0], kept[-1]) if kept else (0, -1)
    else:
        lo, hi = best_span(lines, probs, rules.span_threshold)
        keep = [lo <= i <= hi and p >= rules.keep_threshold for i, p in enumerate(probs)]
        if not any(k and pr for k, pr in zip(keep, prose, strict=True)):
            # the model never drops the only prose there is: keep the richest prose run,
            # or, when no line ends like prose, the richest run of running text
            net = prose if any(prose) else [_is_running_text(ln, rules) for ln in lines]
            if any(net):
                lo, hi = _best_prose_run(lines, net)
                for i in range(lo, hi + 1):
                    keep[i] = keep[i] or net[i]
        lo, hi = _extend_span(lines, keep, lo, hi, rules)
        if paste and rules.inner_keep_threshold < rules.keep_threshold:
            _fill_blocks(lines, keep, probs, rules)
        if paste and rules.deck_max_lines:
            _drop_deck(lines, keep, rules)
        if paste and rules.drop_twin_lines:
            _drop_twins(lines, keep)
    seen_long: set[str] = set()
    for i, ln in enumerate(lines):
        if keep[i] and rules.line_kind(ln.text):
            keep[i] = False
        if ln.words >= 12:
            # a paragraph repeated verbatim (teaser above the body, sticky summary) counts once
            key = ln.text.lower()
            if key in seen_long:
                keep[i] = False
            seen_long.add(key)
    # A standalone section marker after most of the article, followed by teaser-shaped lines,
    # closes the article: "Don't Miss" as body text (inside a sentence, or as a subheading
    # followed by prose, or early in the piece) does not.
    cut_at, cut_kind = None, None
    span_words = sum(ln.words for ln, k in zip(lines, keep, strict=True) if k) or 1
    before = 0
    for i in range(lo, hi + 1):
        ln = lines[i]
        marker = rules.marker_for(ln.text)
        kind = marker.kind if marker else None
        if marker is None and _comment_thread_starts(lines, i, hi):
            kind = "comments"
        if (
            kind
            and before / span_words >= rules.marker_min_share_before
            # in clean text a "Related Topics" list with article prose after it is inline
            and not (clean and any(prose[i + 1 : hi + 1]))
            and (
                marker is None or not marker.needs_teasers or _teaser_shaped(lines[i + 1 : hi + 1])
            )
        ):
            box_end = _inline_box_end(lines, probs, prose, i, hi, rules) if paste else None
            if box_end is not None:
                # a teaser box inside the article: drop the box, read on after it
                for j in range(i, box_end):
                    keep[j] = False
                continue
            if not (paste and _model_reads_on(lines, probs, i, hi, rules)):
                cut_at, cut_kind = i, kind
                for j in range(i, len(lines)):
                    keep[j] = False
                break
        if keep[i]:
            before += ln.words
    return LineDecision(keep, probs, (lo, hi), cut_at, cut_kind, clean)


# ---------------------------------------------------------------------------------------------
# Metadata from the lines around the article
# ---------------------------------------------------------------------------------------------

_NAME = re.compile(r"^(?:by\s+)?([A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|de|van|von|al|bin)){1,3})$")


def _title_candidate(line: Line, rules: BoilerplateRules) -> bool:
    text = line.text
    return (
        3 <= line.words <= 30
        and not text.endswith((".", ":", ",", ";"))
        and not rules.line_kind(text)
        and rules.marker_kind(text) is None
        and not _is_date_line(text, line.words)
        and not text.lower().startswith("by ")
        and not _is_urlish(text)
    )


def _find_title(
    lines: list[Line], first_kept: int, rules: BoilerplateRules, hint: str | None
) -> int | None:
    """The headline: the hinted title if present, else a headline-shaped line just above the
    article's first kept line (skipping dateline, byline and reading-time lines)."""
    if hint:
        target = " ".join(_WORD.findall(hint.lower()))
        for i, ln in enumerate(lines[: max(first_kept + 3, 1)]):
            if " ".join(_WORD.findall(ln.text.lower())) == target:
                return i
    for i in range(first_kept - 1, max(first_kept - 9, -1), -1):
        ln = lines[i]
        if _title_candidate(ln, rules):
            return i
        if ln.words > 40:
            break
    # A paste that starts with its headline (seed 004): the first headline-shaped line
    # within the header lines above the body.
    return None


TITLE_FEATURES = (
    "bias",
    "log_words",
    "short",
    "long",
    "log_lines_above_body",
    "below_body_start",
    "is_body_start",
    "sentence_end",
    "colon_or_question",
    "capitalised_share",
    "stopword_share",
    "repeated",
    "repeated_later",
    "breadcrumb_tail",
    "body_overlap",
    "chrome",
    "date_or_byline",
    "meta_below",
    "urlish",
    "separators",
    "all_caps",
    "line_prob",
    "prose",
    "next_prose",
    "longest_near",
)
_TITLE_REGION_AFTER = 8
# a headline sits within this many lines above the body (a longer head is menus, and
# scanning it only costs time)
_TITLE_REGION_BEFORE = 60


_TITLE_MIN_WORDS = 3  # 'ANI', 'Advertisement', 'News Flash': labels, not headlines


def title_candidates(
    lines: list[Line], keep: list[bool], probs: list[float], rules: BoilerplateRules
) -> tuple[list[int], list[list[float]]]:
    """Lines that may be the headline (from the top down to a few lines into the body) and
    their features (TITLE_FEATURES): shape, distance to the body, repeats elsewhere on the
    page (share text, breadcrumb tail), word overlap with the kept body and a byline or
    date just below."""
    kept = [i for i, k in enumerate(keep) if k]
    if not kept:
        return [], []
    first = kept[0]
    end = min(len(lines), first + _TITLE_REGION_AFTER + 1)
    body_words = {
        t
        for i in kept[:60]
        for t in _WORD.findall(lines[i].text.lower())
        if t not in STOPWORDS and len(t) > 2
    }
    norms = [" ".join(_WORD.findall(ln.text.lower())) for ln in lines]
    counts: dict[str, int] = {}
    for nm in norms:
        counts[nm] = counts.get(nm, 0) + 1
    later = set(norms[end:])
    idx, rows = [], []
    near_max = max((lines[i].words for i in range(max(0, first - 8), end)), default=1)
    start = max(0, first - _TITLE_REGION_BEFORE)
    meta = [
        _is_date_line(ln.text, ln.words) or ln.text.lower().startswith("by ")
        for ln in lines[start : end + 3]
    ]
    for i in range(start, end):
        ln = lines[i]
        if not _TITLE_MIN_WORDS <= ln.words <= 30 or not norms[i] or _is_prose(ln, rules):
            continue
        if meta[i - start] or rules.line_kind(ln.text) or rules.marker_kind(ln.text):
            continue  # a byline, a date, or chrome wherever it stands is never the headline
        text, nm = ln.text, norms[i]
        toks = nm.split()
        alpha = [t for t in _WORD.findall(text) if t[:1].isalpha()]
        content = [t for t in toks if t not in STOPWORDS and len(t) > 2]
        tail = any(len(o) > len(nm) and o.endswith(" " + nm) for o in norms[max(0, i - 5) : i + 3])
        meta_below = any(meta[i + 1 - start : i + 4 - start])
        rows.append(
            [
                1.0,
                math.log1p(ln.words),
                float(ln.words <= 2),
                float(ln.words > 20),
                math.log1p(max(first - i, 0)),
                float(i > first),
                float(i == first),
                float(bool(_SENT_END.search(text)) and not text.endswith((":", "?"))),
                float(text.endswith((":", "?"))),
                sum(1 for t in alpha if t[:1].isupper()) / max(len(alpha), 1),
                sum(1 for t in toks if t in STOPWORDS) / len(toks),
                float(counts[nm] > 1),
                float(nm in later),
                float(tail),
                sum(1 for t in content if t in body_words) / max(len(content), 1),
                float(
                    rules.has_chrome_phrase(text.lower())
                    or rules.line_kind(text) is not None
                    or rules.marker_for(text) is not None
                ),
                float(_is_date_line(text, ln.words) or text.lower().startswith("by ")),
                float(meta_below),
                float(_is_urlish(text)),
                float(len(_SEPARATORS.findall(text)) >= 1),
                float(text.isupper()),
                probs[i],
                float(_is_prose(ln, rules)),
                float(i + 1 < len(lines) and _is_prose(lines[i + 1], rules)),
                ln.words / max(near_max, 1),
            ]
        )
        idx.append(i)
    return idx, rows


def _rank_title(
    lines: list[Line],
    keep: list[bool],
    probs: list[float],
    rules: BoilerplateRules,
    before: int | None = None,
) -> int | None:
    """The most headline-like candidate under the fitted title model (``model.title``),
    among lines above ``before`` when given."""
    if rules.title_weights is None:
        return None
    idx, rows = title_candidates(lines, keep, probs, rules)
    scored = [
        (_dot(rules.title_weights, TITLE_FEATURES, row), i)
        for i, row in zip(idx, rows, strict=True)
        if before is None or i < before
    ]
    return max(scored)[1] if scored else None


_NAME_WORD = r"[A-Z][\w.'’-]*"
_NAME_PART = rf"{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|de|van|von|al|bin|da|di|la|le)){{0,3}}"
_BY_NAME = re.compile(
    rf"(?:^|[\s|•·,(–—-])(?:[Bb]y|BY|[Aa]uthor|[Ww]ritten by|[Pp]osted by)[:\s]+\s*({_NAME_PART}"
    rf"(?:\s+(?:and|&)\s+{_NAME_PART})?)"
)
_NAME_LINE = re.compile(rf"^{_NAME_PART}$")
_BY_ALONE = re.compile(
    r"^(?:by|written by|posted by|words by|author|authored by|reviewed by)\s*:?$", re.IGNORECASE
)
_DATED = re.compile(r"\b(?:published|updated|posted|last updated|on)\b", re.IGNORECASE)
_NOT_NAMES = frozenset(
    "share home menu search login subscribe advertisement related reviewed updated published "
    "posted read more contact about privacy terms the our your news blog".split()
)


def _plausible_name(name: str) -> bool:
    words = name.split()
    return (
        1 <= len(words) <= 8
        and not any(w.lower().strip(".") in _NOT_NAMES for w in words)
        and not any(ch.isdigit() for ch in name)
    )


def _author_near(near: list[Line]) -> str | None:
    """The byline around the headline: "By Name", "Author: Name", a "date • section • Name"
    line, or a line of two to four capitalised words next to a date or reading-time line."""
    for ln in near:
        if ln.words > 25:
            continue
        m = _BY_NAME.search(ln.text)
        if m and _plausible_name(m.group(1)):
            return m.group(1).strip()
    for k, ln in enumerate(near[:-1]):
        # "By" / "Written By" / "Author" alone on its line, the name on the next
        if _BY_ALONE.match(ln.text):
            name = near[k + 1].text.split(",")[0].strip()
            if _NAME_LINE.match(name) and _plausible_name(name):
                return name
    for k, ln in enumerate(near):
        if _SENT_END.search(ln.text):
            continue
        head = ln.text.split(",")[0].strip()  # "Audrey Huang, Print Managing Editor"
        if head != ln.text and ln.words <= 10:
            ln = Line(ln.idx, head, ln.block, len(_WORD.findall(head)))
        if not 2 <= ln.words <= 4:
            continue
        beside = [near[j] for j in (k - 1, k + 1) if 0 <= j < len(near)]
        dated = any(
            _is_date_line(b.text, b.words) or re.search(r"\bmin(?:ute)?s? read\b", b.text, re.I)
            for b in beside
        )
        if dated and _NAME_LINE.match(ln.text) and _plausible_name(ln.text):
            return ln.text
    for ln in near:
        if ln.words > 20 or not _is_date_line(ln.text, ln.words):
            continue
        for part in re.split(r"\s+[|•·—–]\s+", ln.text):
            part = part.strip()
            if (
                _NAME_LINE.match(part)
                and 2 <= len(part.split()) <= 4
                and _plausible_name(part)
                and parse_date(part) is None
            ):
                return part
    return None


def _find_author(lines: list[Line], lo: int, hi: int) -> str | None:
    for ln in lines[max(lo, 0) : hi]:
        m = re.match(r"^by\s+(.{3,60}?)(?:\s*[|,•·]\s*.*)?$", ln.text, re.IGNORECASE)
        if m and ln.words <= 10:
            name = m.group(1).strip()
            if _NAME.match(name) or len(name.split()) <= 4:
                return name
    for i in range(max(lo, 0), hi):
        ln = lines[i]
        near_date = any(
            _is_date_line(lines[j].text, lines[j].words)
            for j in (i - 1, i + 1)
            if 0 <= j < len(lines)
        )
        if near_date and _NAME.match(ln.text) and 2 <= ln.words <= 4:
            return ln.text.removeprefix("By ").strip()
    return None


# ---------------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------------


def extract_from_text(
    text: str,
    *,
    rules: BoilerplateRules | None = None,
    title_hint: str | None = None,
    paste: bool = True,
) -> Extraction:
    """Article text and metadata from a plain-text paste of a page.

    Returns an Extraction with empty ``text`` when no article is found; the caller turns that
    into a rejection. Every dropped line is reported in ``stripped`` with its kind.
    ``paste=False`` is for text ipwire rendered itself from HTML: the shared line model and
    decisions, not those fitted on what users paste.
    """
    rules = rules or default_rules()
    lines = join_wrapped_lines(split_lines(text or ""), rules)
    if not lines:
        return Extraction(text="", method="text-lines")
    decision = decide(lines, rules, paste=paste)
    keep = decision.keep
    kept_idx = [i for i, k in enumerate(keep) if k]
    if not kept_idx:
        return Extraction(
            text="",
            method="text-lines",
            stripped=[Stripped(_kind_for(ln, rules, False), ln.text) for ln in lines],
        )
    first = kept_idx[0]
    title_idx = _find_title(lines, first, rules, title_hint) if title_hint else None
    if title_idx is None:
        # in clean text the ranker only names a headline above the body: a line that opens
        # the text is left to the stricter first-line rule below
        title_idx = _rank_title(
            lines, keep, decision.probs, rules, before=first if decision.clean else None
        )
    if title_idx is None:
        title_idx = _find_title(lines, first, rules, None)
    if title_idx is None:
        # A kept first line that looks like a headline and is followed by prose is the title.
        ln = lines[first]
        if (
            _title_candidate(ln, rules)
            and ln.words <= 20
            and len(kept_idx) > 1
            and lines[kept_idx[1]].words > ln.words
            and not any(_is_date_line(x.text, x.words) for x in lines[:first])
            and first <= 5
        ):
            title_idx = first
    title = lines[title_idx].text if title_idx is not None else None
    if title_idx is not None and keep[title_idx] and title_idx == first:
        # A paste whose first kept line is the headline (seed 004 style) loses it from the
        # body only when there is a body after it.
        keep[title_idx] = False
        kept_idx = kept_idx[1:]
    header_lo = max(0, first - 12)
    body_first = kept_idx[0] if kept_idx else first
    # the headline's neighbourhood first: byline and date sit just below (or above) it
    near: list[Line] = []
    if title_idx is not None:
        near = lines[max(0, title_idx - 3) : min(len(lines), max(title_idx, body_first) + 6)]
    published = None
    for ln in near + lines[header_lo : body_first + 1] + lines[: min(4, len(lines))]:
        if _is_date_line(ln.text, ln.words) or (ln.words <= 25 and _DATED.search(ln.text)):
            published = parse_published(ln.text)
            if published:
                break
    author = _author_near(near) if near else None
    if author is None:
        author = _find_author(lines, header_lo, body_first + 1)

    body = "\n\n".join(_join_blocks(lines, keep))
    stripped: list[Stripped] = []
    for i, ln in enumerate(lines):
        if keep[i]:
            continue
        if i == title_idx:
            stripped.append(Stripped("title", ln.text))
            continue
        after = i > first
        if decision.cut_at is not None and i > decision.cut_at:
            kind = rules.line_kind(ln.text) or decision.cut_kind or "related-links"
        else:
            kind = _kind_for(ln, rules, after)
        stripped.append(Stripped(kind, ln.text))
    return Extraction(
        text=body,
        title=title,
        author=author,
        published_at=published,
        stripped=stripped,
        method="text-lines",
    )


def _join_blocks(lines: list[Line], keep: list[bool]) -> list[str]:
    """Kept lines as paragraphs: each kept line is one block of the output."""
    return [ln.text for ln, k in zip(lines, keep, strict=True) if k]
