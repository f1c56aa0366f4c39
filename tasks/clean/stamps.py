"""Dates that open a line: a stamp above an article ("01.11.2023 11:35"), a headline printed
after its date ("23.01.2022 - Dorothea Wierer …") and a ticker item under a bracketed date,
told apart in every date shape and month language the publication-date reader knows."""

from __future__ import annotations

import re

from ipwire.tasks.clean.dates import _EDGE_SEPARATORS
from ipwire.tasks.clean.published import _HAS_YEAR, _STAMP_WORD, _ascii_digits, _dates_in

# a clock time, 24-hour or with am/pm: "05:30", "11:35 Uhr", "7:07 pm"
_ANY_CLOCK = re.compile(r"\b\d{1,2}[:.h]\d\d(?::\d\d)?\s*(?:[ap]\.?m\.?|uhr|h)?(?!\w)", re.I)
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
# words a stamp may carry beside its date and time ("02.02.2022 A-Frauen": a section label)
STAMP_MAX_WORDS = 1


def is_stamp(text: str) -> bool:
    """A line that opens with a date, in any shape and month language the stamp reader
    knows, and holds at most its clock time and one word more ("6 de mayo de 2022 05:30",
    "01.11.2023 11:35", "02.02.2022 A-Frauen"): a stamp above an article, never its
    headline. A dated headline ("Dec 18 2025 Preparing a transition") has words to spare."""
    rest = _after_opening_date(text, only=False)
    if rest is None:
        return False
    return len(_LETTER_WORD.findall(_ANY_CLOCK.sub(" ", rest))) <= STAMP_MAX_WORDS


# what parts a dateline's place from its date: "New Delhi | 3 December 2025", "Lahore, …"
_PLACE_SEPARATORS = " |,–—-·/"
PLACE_MAX_WORDS = 3


def is_place_and_stamp(text: str) -> bool:
    """A dateline's place, a separator and its date, alone on the line, in any script the
    stamp reader knows ("New Delhi | 3 December 2025", "اسلام آباد | 3 دسمبر 2025"): at
    most three words of place and no other figures, so "Budget 2025 | 3 December 2025" is a
    headline."""
    if not _HAS_YEAR.search(text):
        return False
    text = _ascii_digits(text.strip())
    found = _dates_in(text, {})
    if len(found) != 1 or found[0][0] == 0:
        return False
    start, end = found[0][0], found[0][1]
    before = text[:start].rstrip()
    if not before or before[-1] not in _PLACE_SEPARATORS.strip():
        return False
    rest = before.strip(_PLACE_SEPARATORS) + " " + _ANY_CLOCK.sub(" ", text[end:])
    rest = rest.strip(_PLACE_SEPARATORS)
    return len(rest.split()) <= PLACE_MAX_WORDS and not any(map(str.isdigit, rest))


def headline_without_stamp(text: str) -> str | None:
    """A headline printed after its date, in any shape and month language the stamp reader
    knows ("23.01.2022 - Dorothea Wierer darf beim Abschluss noch jubeln"): the words after
    the date when at least three are left and they hold no other date; else None."""
    rest = _after_opening_date(text, only=True)
    if rest is None:
        return None
    rest = rest.strip(_EDGE_SEPARATORS)
    clock = _ANY_CLOCK.match(rest)
    if clock:
        rest = rest[clock.end() :].strip(_EDGE_SEPARATORS)
    return rest if len(rest.split()) >= 3 else None


def _after_opening_date(text: str, *, only: bool) -> str | None:
    """What follows the date a line opens with (digits in ASCII); None when no date opens
    it, or, with ``only``, when another date follows."""
    if not _HAS_YEAR.search(text):
        return None
    text = _ascii_digits(text.strip())
    found = _dates_in(text, {})
    if not found or found[0][0] > 0 or (only and len(found) != 1):
        return None
    return text[found[0][1] :]


def opens_with_bracketed_date(text: str) -> bool:
    """A ticker item: a date in brackets, then another story's headline ("[ 26. Februar
    2020 ] Am Windows Server …", "[ December 8, 2025 ] Top 10 …")."""
    if not text.startswith("[") or not _HAS_YEAR.search(text[:40]):
        return False
    head = _ascii_digits(text[1:].lstrip())
    found = _dates_in(head, {})
    return bool(found) and found[0][0] == 0 and head[found[0][1] :].lstrip().startswith("]")


_GLUED_COLON = re.compile(r"(?<=[^\W\d_]):(?=\d)")
# a stamp word glued to its date, as a page's visually hidden label pastes ("Published14
# April 2011"): the first digit of the line after a letter
_GLUED_DIGIT = re.compile(r"^([^\d]*[^\W\d_])(?=\d)")
_LIST_BULLET = re.compile(r"^[-–•*·]\s*")


def is_published_stamp(text: str) -> bool:
    """A stamp behind the words that announce it (``published._STAMP_WORD``: "Veröffentlicht
    am 26. Oktober 2023", "Publié le 3 mai 2024 à 10h", "Updated: 3 December 2025"), in any
    month language the stamp reader knows."""
    if not _HAS_YEAR.search(text):
        return False
    # a colon glued to the date ("Updated:3 December 2025") parts them as a space would, and
    # so does no space at all ("Published14 April 2011"); a list's bullet goes
    text = _LIST_BULLET.sub("", _ascii_digits(text.strip()))
    text = _GLUED_DIGIT.sub(r"\1 ", _GLUED_COLON.sub(": ", text))
    found = _dates_in(text, {})
    if not found or found[0][0] == 0:
        return False
    start = found[0][0]
    return _STAMP_WORD.fullmatch(text[:start]) is not None and is_stamp(text[start:])
