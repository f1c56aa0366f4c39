"""Comment threads in a paste: dated "… wrote:" heads and "Name • 2 weeks ago" heads that
open a thread of replies under the article."""

from __future__ import annotations

import re

from ipwire.tasks.clean.dates import _is_date_line
from ipwire.tasks.clean.lines import (
    _SENT_END,
    Line,
)

# a comment's head on one line: a year, then who wrote, "On December 23, 2014, at 10:07 PM,
# argusdc wrote:", "Anna am 3. Mai 2021 um 8:29 Uhr sagte:"
_DATED_HEAD = re.compile(
    r"\b(?:19|20)\d\d\b.{0,60}\b(?:wrote|writes|says|said|replied|schrieb|schreibt|sagt|"
    r"sagte|antwortete|a écrit|a dit|escribió|dijo|scrive|ha scritto|escreveu|disse|schreef|"
    r"zegt)\s*:\s*$",
    re.I,
)


# ... or a name with how long ago it was posted: "MA Sullivan • 2 weeks ago", "Anna · vor 3 Tagen"
_AGO_HEAD = re.compile(
    r"^[^•·|]{1,40}[•·|]\s*(?:(?:\d+|an?|one)\s+(?:second|minute|hour|day|week|month|year)s?\s+ago|"
    r"vor\s+(?:\d+|einer?|einem)\s+(?:sekunden?|minuten?|stunden?|tag(?:en)?|wochen?|monat(?:en)?|"
    r"jahr(?:en)?)|il y a\s+(?:\d+|une?)\s+\w+|hace\s+(?:\d+|una?)\s+\w+)\s*$",
    re.I,
)


# ... or a name (or nothing) with the date and time it was posted, as blog comment heads
# print it: "Rebel Raime July 25, 2015 at 7:01 pm", "Anna 3. Mai 2021 um 8:29 Uhr",
# "gabriel sempéré Le 11 septembre 2018 à 12:57", "26 abril 2022 a las 14:02"
_TIMED_HEAD = re.compile(
    r"\b(?:19|20)\d\d,?\s+(?:at|um|à|a las|alle|às|om)\s+\d{1,2}[:.]\d{2}\s*"
    r"(?:[ap]\.?\s?m\.?|uhr|h)?\s*$",
    re.I,
)
# such a head is short: a name and a stamp
_TIMED_HEAD_MAX_WORDS = 12

_HEAD_MAX_WORDS = 20


# a comment thread closes an article of at least this many kept prose words above it
THREAD_MIN_WORDS_BEFORE = 150


def _is_dated_head(ln: Line) -> bool:
    """A comment's head on one line: "On December 23, 2014, at 10:07 PM, argusdc wrote:"."""
    return ln.words <= _HEAD_MAX_WORDS and (
        _DATED_HEAD.search(ln.text) is not None
        or _AGO_HEAD.match(ln.text) is not None
        or (ln.words <= _TIMED_HEAD_MAX_WORDS and _TIMED_HEAD.search(ln.text) is not None)
    )


def _is_signature(lines: list[Line], i: int) -> bool:
    """A short name line followed by a date line, or a dated "… wrote:" line: the head of a
    comment."""
    ln = lines[i]
    if _is_dated_head(ln):
        return True
    return (
        i + 1 < len(lines)
        and 1 <= ln.words <= 5
        and not _SENT_END.search(ln.text)
        and _is_date_line(lines[i + 1].text, lines[i + 1].words)
    )


def _comment_thread_starts(lines: list[Line], i: int, hi: int) -> bool:
    """Line i starts a run of at least three name+date headed comments (inside the article's
    span; a thread of dated "… wrote:" heads is counted to the end, past where the line model
    stopped reading)."""
    if not _is_signature(lines, i):
        return False
    end = len(lines) if _is_dated_head(lines[i]) else min(hi + 1, len(lines) - 1)
    heads = sum(1 for j in range(i, end) if _is_signature(lines, j))
    return heads >= 3
