"""Regex helpers for the boilerplate rules: joined alternations, prefix trees, literals.

A rule pattern is ruled out cheaply before it is searched: anchored patterns by one joined
alternation, the others by a literal every match must contain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator


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


def fold_space(text: str) -> str:
    """Lowercased, runs of white space as one space: how a repeated paragraph or a title is
    recognised whatever its line breaks and capitals."""
    return " ".join(text.lower().split())


def _fold(text: str) -> str:
    """Case-folded as a case-insensitive regex compares letters (dotless and dotted i too)."""
    return text.casefold().replace("ı", "i").replace("\u0307", "")


def _literals_of(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """:func:`_required_literals` of a compiled pattern; none for a verbose one, where white
    space in the source is not text."""
    return None if pattern.flags & re.VERBOSE else _required_literals(pattern.pattern)


def _required_literals(source: str) -> tuple[str, ...] | None:
    """Literals one of which every match of the pattern contains: its
    :func:`_required_literal`, else the phrases of a top-level group that is an alternation
    of plain phrases ("^.{0,80}(?:alle rechte vorbehalten|tous droits réservés)$"). None
    when there are neither."""
    literal = _required_literal(source)
    if literal is not None:
        return (literal,)
    for body in _top_level_groups(source) or ():
        phrases = [alt.strip() for alt in body.split("|")]
        if all(len(alt) >= 4 and all(map(_plain_char, alt)) for alt in phrases):
            return tuple(_fold(alt) for alt in phrases)
    return None


def _plain_char(c: str) -> bool:
    """A character that is only itself in a pattern and folds to one character (the letters
    of any alphabet, digits, a space, a hyphen): a folded text holds it where a match has it."""
    return c in _PLAIN or (c.isalpha() and len(c.casefold()) == 1)


def _top_level_groups(source: str) -> list[str] | None:
    """The bodies of the non-capturing groups at the pattern's top level that every match
    passes through once (no quantifier after them); None when the pattern is an alternation
    at its top level."""
    groups: list[str] = []
    start = 0
    for kind, i, _, depth in _pieces(source):
        if kind == "(" and depth == 0:
            start = i
        elif kind == ")" and depth == 1:
            quantified = source[i + 1 : i + 2] in ("?", "*", "+", "{")
            if source[start + 1 : start + 3] == "?:" and not quantified:
                groups.append(source[start + 3 : i])
        elif kind == "|" and depth == 0:
            return None
    return groups


def _pieces(source: str) -> Iterator[tuple[str, int, int, int]]:
    """A pattern's source as (kind, start, end, depth) pieces, depth counted before the
    piece: an escape ("\\"), a character class ("["), a repeat count ("{2,3}"; any other
    brace is a character, as the engine reads it), a parenthesis
    ("(" or ")"), a top-level or nested "|", or one other character ("c"). The one walk
    over escapes, classes and parentheses that the literal and group finders share."""
    depth, i, n = 0, 0, len(source)
    while i < n:
        c = source[i]
        if c == "\\":
            j, kind = i + _ESCAPE_LENGTH.get(source[i + 1 : i + 2], 2), "\\"
        elif c == "[":
            j, kind = _class_end(source, i), "["
        elif c == "{" and (m := _COUNT.match(source, i)):
            j, kind = m.end(), "{"
        else:
            j, kind = i + 1, (c if c in "()|" else "c")
        yield kind, i, j, depth
        depth += 1 if kind == "(" else -1 if kind == ")" else 0
        i = j


def _anchored(pattern: re.Pattern[str]) -> bool:
    """Every match starts at the start of the text (``^`` opens it, no top-level
    alternation, not multi-line): ``match`` finds what ``search`` finds, without trying
    every other position."""
    return (
        pattern.pattern[:1] == "^"
        and not pattern.flags & re.MULTILINE
        and _top_level_groups(pattern.pattern) is not None
    )


def _class_end(source: str, i: int) -> int:
    """The index just after the character class that opens at ``source[i]``."""
    j = i + 1
    if source[j : j + 1] == "^":
        j += 1
    if source[j : j + 1] == "]":
        j += 1
    while j < len(source) and source[j] != "]":
        j += 2 if source[j] == "\\" else 1
    return j + 1


def _required_literal(source: str) -> str | None:
    """The longest run of plain characters (at least 4) outside any group, class, escape or
    quantifier: every match of the pattern contains it. None when there is none or the
    pattern is an alternation at its top level."""
    if "(?#" in source:
        return None  # a comment may stand between a character and its quantifier
    best = ""
    run: list[str] = []
    for kind, i, _, depth in _pieces(source):
        if kind == "\\" and (source[i + 1 : i + 2].isdigit() or source[i + 1 : i + 2] == "N"):
            return None  # back-reference, octal or named character: give up
        if kind == "|" and depth == 0:
            return None
        c = source[i]
        if kind == "c" and depth == 0 and c in _PLAIN and source[i + 1 : i + 2] not in _REPEATS:
            run.append(c)
            continue
        if len(run) > len(best):
            best = "".join(run)
        run.clear()
    if len(run) > len(best):
        best = "".join(run)
    literal = best.strip()
    return _fold(literal) if len(literal) >= 4 else None


_COUNT = re.compile(r"\{(?:\d+(?:,\d*)?|,\d+)\}")
# what makes the character before it optional or repeated
_REPEATS = ("?", "*", "{")


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
