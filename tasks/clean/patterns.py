"""Regex helpers for the boilerplate rules: joined alternations, prefix trees, literals.

A rule pattern is ruled out cheaply before it is searched: anchored patterns by one joined
alternation, the others by a literal every match must contain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


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


_NOT_WORDISH = re.compile(r"[^\w' ]+")
_SPACES = re.compile(r"\s+")


def _norm_marker(text: str) -> str:
    text = text.strip().lower().replace("’", "'")
    return _SPACES.sub(" ", _NOT_WORDISH.sub(" ", text)).strip()


# The characters whose openers are worked out: a line opening with any other character
# tries every pattern.
_ASCII = tuple(map(chr, range(128)))


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The ASCII characters a match of an anchored ``pattern`` may open with, or None when
    any character may (or the pattern is not read here: a match may start inside the text,
    it may be empty, or it holds a construct this reader does not follow).

    The set may be larger than the truth (lookarounds and word boundaries are passed over as
    if absent; an inline ASCII-only flag is not applied), never smaller: a line whose first
    character is outside it cannot match. Each opening atom is compiled alone with the case
    flag in force where it stands, so case folding is the engine's own ("K" is the Kelvin
    sign's letter, "ſ" an "s").
    """
    if pattern.flags & re.MULTILINE:
        return None
    try:
        return _first_chars(pattern)
    except Exception:  # the parser is the engine's own, not a public API: where it reads
        return None  # otherwise, the pattern is tried on every line


def _first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """:func:`first_chars`, reading the pattern with the regex engine's own parser."""
    import re._compiler as compiler
    import re._constants as c
    import re._parser as parser

    parsed = parser.parse(pattern.pattern, pattern.flags)

    def atom(item: tuple[Any, Any], flags: int) -> frozenset[str]:
        state = parser.State()  # the compiler adds its state's flags: only these are wanted
        state.flags = flags
        one = compiler.compile(parser.SubPattern(state, [item]), flags)
        return frozenset(ch for ch in _ASCII if one.fullmatch(ch))

    def seq(items: list[tuple[Any, Any]], flags: int, at_start: bool) -> tuple[Any, bool]:
        """(first characters or None for any, whether the items may match nothing)."""
        found: set[str] = set()
        for op, av in items:
            if op is c.AT:
                if av is c.AT_BEGINNING and at_start:
                    continue
                if av is c.AT_BEGINNING:
                    return None, False
                continue  # a boundary or end test consumes nothing
            at_start = False
            if op in (c.LITERAL, c.IN):
                found |= atom((op, av), flags)
                return found, False
            if op in (c.ASSERT, c.ASSERT_NOT):
                continue  # a lookaround consumes nothing: passing over it only widens
            if op is c.SUBPATTERN:
                _, add, drop, sub = av
                first, empty = seq(list(sub), (flags | add) & ~drop, False)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                lo, _, sub = av
                first, empty = seq(list(sub), flags, False)
                empty = empty or lo == 0
            elif op is c.ATOMIC_GROUP:
                first, empty = seq(list(av), flags, False)
            elif op is c.BRANCH:
                first, empty = set(), False
                for alt in av[1]:
                    f, e = seq(list(alt), flags, False)
                    if f is None:
                        return None, False
                    first |= f
                    empty = empty or e
            else:
                return None, False  # any character, a back-reference, a conditional
            if first is None:
                return None, False
            found |= first
            if not empty:
                return found, False
        return found, True

    top = list(parsed)
    branches = top[0][1][1] if len(top) == 1 and top[0][0] is c.BRANCH else [top]
    opened: set[str] = set()
    for items in branches:
        # every branch opens with ``^``: else a match may start inside the text
        if not items or items[0] != (c.AT, c.AT_BEGINNING):
            return None
        first, empty = seq(list(items), pattern.flags, True)
        if first is None or empty:
            return None
        opened |= first
    return frozenset(opened)
