"""Word n-gram matcher: the word tokeniser and the word trie that finds taxonomy keys in text."""

from __future__ import annotations

import re

from ipwire.tasks.classify.errors import TaxonomyError

# Words: letters/digits, with an optional possessive or contraction ("Pakistan's", "didn't").
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


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
        # case-kept prefixes of wildcard keys ("DGMO*" matches "DGMOs" in that case only)
        self.sensitive_prefixes: dict[int, set[str]] = {}
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
                if w.endswith("*"):
                    self.sensitive_prefixes.setdefault(len(w) - 1, set()).add(w[:-1])
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
        if not self.sensitive_prefixes:
            return [w if w in sens else w.lower() for w in words]
        kept = self._kept
        return [w if w in sens or (w[1:2].isupper() and kept(w)) else w.lower() for w in words]

    def _kept(self, word: str) -> bool:
        """A word in capitals that continues a case-kept wildcard prefix ("DGMOs")."""
        return any(word[:n] in p for n, p in self.sensitive_prefixes.items())

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
