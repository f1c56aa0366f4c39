"""Publication dates of a bare text: datelines, stamps and bylines around the headline, in
the opening lines and first paragraph, and a lone "First published" stamp at the end.

`parse_date` (dates.py) stays as the line model, the title rules and dedup know it; this is
wider and answers only "when was this text published".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date as date_type
from datetime import timedelta
from typing import TYPE_CHECKING

from ipwire.tasks.clean.dates import CJK_DATE, FOREIGN_MONTHS, MONTHS, ZONE_OFFSETS, _clock_time

if TYPE_CHECKING:
    from ipwire.tasks.clean.lines import Line

_MONTH_OF = dict(MONTHS) | {
    name: month for month, row in enumerate(FOREIGN_MONTHS, 1) for name in row.split()
}
_ANY_MONTH = "|".join(sorted(map(re.escape, _MONTH_OF), key=len, reverse=True))
# Devanagari, Arabic-Indic, Urdu and Bengali digits read as ASCII (one character for one,
# so match positions stay those of the line).
_DIGITS = str.maketrans(
    {chr(zero + i): str(i) for zero in (0x0966, 0x0660, 0x06F0, 0x09E6) for i in range(10)}
)


_NATIVE_DIGIT = re.compile("[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u09e6-\u09ef]")


def _ascii_digits(text: str) -> str:
    """``text`` with other scripts' digits as ASCII (most lines have none: no copy then), and
    a Chinese, Japanese or Korean date and time in the ISO shape the patterns read."""
    if _NATIVE_DIGIT.search(text):
        text = text.translate(_DIGITS)
    if "年" in text or "년" in text:
        text = _CJK_DATE.sub(_cjk_date_iso, text)
    return text


# "2025年12月3日 10時21分", "2024년 3월 5일": rewritten in place, to the same length (offsets
# into the text stay true), as "2025-12-3  10:21 "
_CJK_DATE = re.compile(CJK_DATE + r"(?:\s*(?P<H>\d{1,2})\s*[時时]\s*(?P<M>\d\d)\s*分)?")


def _cjk_date_iso(m: re.Match) -> str:
    iso = f"{m['y']}-{m['m']}-{m['d']}"
    if m["H"]:
        iso += f" {int(m['H']):02d}:{m['M']}"
    return iso.ljust(len(m.group(0)))


_YEAR = r"(?P<y>(?:19|20)\d\d)(?!\d)"
_HAS_YEAR = re.compile(r"(?:19|20)\d\d(?!\d)")  # a cheap test before the date patterns
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_STAMP_PATTERNS = [
    # 2023-03-26, 2023/03/26, 2025-05-06T21:59:17+5:30
    re.compile(
        r"(?<![\d./-])(?P<y>(?:19|20)\d\d)(?P<sep>[-/.])(?P<m>[01]?\d)(?P=sep)(?P<d>[0-3]?\d)"
        r"(?!\d)(?:[T ](?P<H>[0-2]\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?(?:\.\d+)?"
        r"(?P<tz>Z|[+-]\d{1,2}:?\d\d)?)?"
    ),
    # March 26th, 2023 / Mar. 26 2023 / May18/ 2024 / October 22,2024
    re.compile(
        rf"(?P<mon>{_ANY_MONTH})\.?\s*{_DAY}(?![\d:])(?:\s*[,/]\s*|\s+){_YEAR}", re.IGNORECASE
    ),
    # 26 March 2023 / 10 April,2016 / 1st of May 2024 / 15. März 2024 / 15 de marzo de 2024
    re.compile(
        rf"(?<![\d:./-]){_DAY}\.?\s*(?:of\s+|de\s+)?(?P<mon>{_ANY_MONTH})\.?(?:\s+de)?"
        rf"\s*[,/،]?\s*{_YEAR}",
        re.IGNORECASE,
    ),
    # 26.03.2023 / 14-10-2024 / 03/26/2023: which number is the day is settled later
    re.compile(r"(?<![\d./-])(?P<a>[0-3]?\d)(?P<sep>[-/.])(?P<b>[0-3]?\d)(?P=sep)" + _YEAR),
]
_TIME_AFTER_STAMP = re.compile(
    r"\s*(?:[,;.|/–—-]\s*|at\s+)?(?P<H>[0-2]?\d)[:.](?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?\s*"
    r"(?:hrs\b\.?\s*)?(?:(?P<ap>[aApP])\.?\s*[mM]\b\.?)?\s*\(?"
    r"(?P<zone>(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d\d)?|[A-Z]{2,5}(?![A-Za-z])|[+-]\d{1,2}:?\d\d)?"
)
_ZONE_AFTER = re.compile(r"\s*\(?([A-Z]{2,5})(?![A-Za-z])")  # "2010-01-01 09:32:17 UTC"
# A time written before its date: "Published: 22:00 GMT, 26 September 2020".
_TIME_BEFORE_STAMP = re.compile(
    r"(?<![\d:])(?P<H>[0-2]?\d)[:.](?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?\s*"
    r"(?:(?P<ap>[aApP])\.?\s*[mM]\b\.?)?\s*"
    r"(?P<zone>(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d\d)?|[A-Z]{2,5}|[+-]\d{1,2}:?\d\d)?\s*,?\s*$"
)
_WEEKDAY = (
    r"(?i:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
    r"|lunes|martes|miércoles|jueves|viernes|sábado|domingo)"
)
# A stamp's words just before its date ("Published:", "Updated on", "First Published on",
# "Last Updated :", "Date", "Publié le", "Gepubliceerd op", "प्रकाशित", ...). Group "upd"
# marks an update, which a published stamp close by outranks.
_STAMP_WORD = re.compile(
    r"(?<!\w)(?:(?P<upd>(?:last\s+)?updated?|modified|mis à jour|aktualisiert|actualizado"
    r"|atualizado|aggiornato|bijgewerkt|अपडेट(?:ेड)?)"
    r"|(?:first\s+)?published|posted|created|dated?|publié|veröffentlicht|erschienen"
    r"|publicado|pubblicato|gepubliceerd|प्रकाशित|شائع)"
    r"(?:\s+(?:on|at|le|am|el|em|il|op))?\s*[:|-]?\s*"
    r"(?:\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?(?:\s+[a-z]{2,5})?\s*,?\s*)?"  # "22:00 GMT, "
    rf"(?:{_WEEKDAY}\.?,?\s*)?$",
    re.IGNORECASE,
)
# What may stand before a dateline's date: a place of up to three words in capitals or
# title case, with its punctuation ("NEW DELHI,", "SRINAGAR, India,", "Bishkek [Kyrgyzstan],",
# "Karachi/ Lahore:"), and a weekday.
_DATELINE_PREFIX = re.compile(
    r"^[\W_]*(?:[A-Z][\w.'’-]*(?:[\s/]+[A-Z][\w.'’-]*){0,2}\s*"
    r"(?:\[[^\]]{1,30}\]|\([^)]{1,30}\))?\s*[,:–—-]+\s*){0,2}"
    rf"(?:{_WEEKDAY}\.?,?\s*)?$"
)
# A byline, which often runs on into the date: "Written by A. Writer June 23, 2023 | 12:43 pm".
_BYLINE = re.compile(
    r"\W*(?:(?:written|reported|story|posted|edited|reviewed|compiled)\s+)?by\b", re.IGNORECASE
)
_SHORT_LINE = 12  # words: a line this short with a date in it is a date stamp
_PROSE_LINE = 25  # words: the first line this long opens the article's prose
_STAMP_WORD_REACH = 60  # characters: where a stamp word may start in a longer line
_LONG_LINE_HEAD = 200  # characters of a prose line that can hold its dateline or stamp
_FIRST_LINES = 15  # lines searched for a dateline when the header had no stamp
_LAST_LINES = 6  # lines searched at the end for a "First published" stamp
_LIST_SIZE, _LIST_GAP = 3, 4  # this many plain dated lines, each this close: a list
_OUTRANK_REACH = 8  # lines after the first stamp where a published stamp still wins
_PUBLISHED, _PLAIN, _UPDATED = 0, 1, 2  # a stamp's rank: lower wins within one line


@dataclass(frozen=True)
class _Stamp:
    """One date of a line: where it starts, its ISO value, and what kind of stamp it is."""

    start: int
    value: str
    rank: int


def find_published(lines: Sequence[Line], head: Sequence[Line] = ()) -> str | None:
    """The publication date a bare text shows, as ISO 8601 with the publisher's offset when
    a time with a known zone follows it; None when the text shows no date with its year.

    Looks first in ``head`` (the lines around the headline and byline, in the caller's order
    of trust), then in the opening lines up to the first paragraph after a standfirst (a
    dateline such as "LONDON, May 7, 2025 (AFP) -"), then in the last lines for a "First
    published" stamp. Dates inside running prose are events, and lists of dated lines are
    related stories or comments: neither is taken. Nothing is worked out from the clock: a
    date without its year ("NEW DELHI, APRIL 15:") and relative days ("on Thursday",
    "yesterday", "2 hours ago") give no date.
    """
    reader = _StampReader(lines)
    opening: list[Line] = []
    prose = 0
    for ln in lines[:_FIRST_LINES]:
        opening.append(ln)
        prose += ln.words > _PROSE_LINE
        if prose == 2:  # a standfirst, then the first paragraph with its dateline
            break
    found = reader.first(head) or reader.first(opening)
    if found:
        return found
    end = lines[-_LAST_LINES:]
    if sum(bool(reader.stamps(ln, tail=True)) for ln in end) == 1:
        return reader.first(end, tail=True)  # several there: a list of related stories
    return _day_the_opening_names(lines[:_WEEKDAY_LINES])


# "on Tuesday", "Tuesday's", "late on Friday": the weekday a report says its news happened
_ON_WEEKDAY = re.compile(
    r"\b(?:on|late|early|last|this)\s+(?P<w>monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday)\b|\b(?P<p>monday|tuesday|wednesday|thursday|friday|saturday|sunday)['’]s\b",
    re.IGNORECASE,
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_LINES = 4  # opening lines (caption, standfirst, first paragraphs) read for it
_FILE_PHOTO = re.compile(r"\b(?:file|archive|archival)\b", re.IGNORECASE)
# a deadline or a period, not the day of the news: "by September 30, 2024", "since May 1, 2020"
_NOT_THE_DAY = re.compile(r"\b(?:by|until|till|before|since|from|after|through)\s*$", re.I)


def _day_the_opening_names(opening: Sequence[Line]) -> str | None:
    """The one full date of the opening lines that falls on the weekday they name.

    A report says when its news happened ("on Tuesday") and often prints that day in full
    in a photo caption or its first paragraph ("... on October 14, 2025"). When exactly one
    such date agrees with the named weekday, it is the day the report is about, the day it
    was published or the one before. Every other case (no weekday, no full date, several
    candidates, a file photo) gives no date: nothing is worked out from the clock."""
    text = " ".join(ln.text for ln in opening)
    if not _HAS_YEAR.search(text):
        return None
    named = {(m.group("w") or m.group("p")).lower() for m in _ON_WEEKDAY.finditer(text)}
    if len(named) != 1:
        return None
    weekday = _WEEKDAYS.index(named.pop())
    latest = max(int(y) for y in _HAS_YEAR.findall(_ascii_digits(text)))
    days = set()
    for ln in opening:
        line = _ascii_digits(ln.text)
        if _FILE_PHOTO.search(line):
            continue
        for start, _, ymd, _ in _dates_in(line, {}):
            if (
                ymd is not None
                and ymd[0] == latest  # a report is dated by the latest year it names
                and not _NOT_THE_DAY.search(line[max(0, start - 12) : start])
                and date_type(*ymd).weekday() == weekday
            ):
                days.add(ymd)
    if len(days) != 1:
        return None
    y, m, d = days.pop()
    return f"{y:04d}-{m:02d}-{d:02d}"


def parse_stamp(text: str) -> str | None:
    """The first date in ``text`` read the way :func:`find_published` reads a stamp: any of
    its date shapes and month languages, with the time and the offset of a named zone
    ("12 Mar 2024, 10:05 PKT" -> "2024-03-12T10:05:00+05:00"). For one value that is known
    to be a date, such as a record's own ``published`` field."""
    text = _ascii_digits(text)
    for _, end, ymd, match in _dates_in(text, {}):
        value = _with_time(ymd, text[end:], match)
        if value:
            return value
    return None


class _StampReader:
    """The stamps of one text's lines, read with what the whole text says: which way round
    its numeric dates go, and which dated lines form a list."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self._order = _numeric_order(_ascii_digits(ln.text) for ln in lines)
        self._cache: dict[tuple[int, bool], list[_Stamp]] = {}
        self._listed: set[int] = set()
        run: list[tuple[int, Line]] = []
        for i, ln in enumerate(lines):
            stamps = self._read(ln, tail=False)
            if not stamps or any(st.rank != _PLAIN for st in stamps):
                continue
            if run and i - run[-1][0] > _LIST_GAP:
                self._mark(run)
                run = []
            run.append((i, ln))
        self._mark(run)

    def _mark(self, run: list[tuple[int, Line]]) -> None:
        """Flag ``run`` as a list when it is long and its dates differ (one date written
        three times over is the article's own, pasted twice)."""
        days = {st.value[:10] for _, ln in run for st in self._read(ln, tail=False)}
        if len(run) >= _LIST_SIZE and len(days) > 1:
            self._listed.update(id(ln) for _, ln in run)

    def _read(self, ln: Line, *, tail: bool) -> list[_Stamp]:
        key = (id(ln), tail)
        if key not in self._cache:
            self._cache[key] = _line_stamps(ln.text, ln.words, tail=tail, order=self._order)
        return self._cache[key]

    def stamps(self, ln: Line, *, tail: bool = False) -> list[_Stamp]:
        """The stamps of ``ln``; none for a line of a list of dated lines."""
        return [] if id(ln) in self._listed else self._read(ln, tail=tail)

    def first(self, scope: Sequence[Line], *, tail: bool = False) -> str | None:
        """The best stamp of the first line in ``scope`` that has one, unless a published
        stamp follows within a few lines: "Published:" beats a bare date or an "Updated"
        above it (a clock in the page header, a weather box, the update written first)."""
        best: _Stamp | None = None
        seen: set[int] = set()
        after = 0
        for ln in scope:
            if id(ln) in seen:
                continue
            seen.add(id(ln))
            if best is not None:
                after += 1
                if after > _OUTRANK_REACH:
                    break
            stamps = self.stamps(ln, tail=tail)
            if not stamps:
                continue
            top = min(stamps, key=lambda st: (st.rank, st.start))
            if best is None or top.rank == _PUBLISHED:
                best = top
            if best.rank == _PUBLISHED:
                break
        return best.value if best else None


def _numeric_order(texts: Iterable[str]) -> dict[str, str]:
    """Per separator, "dmy" or "mdy" when the text's unambiguous numeric dates (a number
    above 12) all go the same way: "11.24.2025" elsewhere makes "09.10.2024" September 10."""
    seen: dict[str, set[str]] = {}
    for text in texts:
        if not _HAS_YEAR.search(text):
            continue
        for m in _STAMP_PATTERNS[3].finditer(text):
            a, b = int(m.group("a")), int(m.group("b"))
            if (a > 12) != (b > 12):
                seen.setdefault(m.group("sep"), set()).add("dmy" if a > 12 else "mdy")
    return {sep: orders.pop() for sep, orders in seen.items() if len(orders) == 1}


def _line_stamps(
    text: str, words: int, *, tail: bool = False, order: dict[str, str] | None = None
) -> list[_Stamp]:
    """The dates of one line that read as a publication stamp: after a stamp word, at the
    start of the line (a dateline), in a byline, or anywhere in a short line. At the end of
    a text a date needs a stamp word, or a short line and a time with its zone, since
    related-story teasers there carry dates too."""
    if words > _PROSE_LINE:
        text = text[:_LONG_LINE_HEAD]  # only a dateline or a stamp word at its start counts
    text = _ascii_digits(text)
    if not _HAS_YEAR.search(text):
        return []
    found: list[tuple[int | None, int, int, tuple[int, int, int] | None, re.Match]] = []
    for start, end, ymd, match in _dates_in(text, order or {}):
        lo = max(0, start - 50)
        word = _STAMP_WORD.search(text[lo:start])
        rank: int | None = None
        if word and (words <= _PROSE_LINE or lo + word.start() < _STAMP_WORD_REACH):
            rank = _UPDATED if word.group("upd") else _PUBLISHED
        elif words <= _SHORT_LINE or (
            not tail
            and (
                _DATELINE_PREFIX.match(text[:start])
                or (words <= _PROSE_LINE and _BYLINE.match(text))
            )
        ):
            rank = _PLAIN
        found.append((rank, start, end, ymd, match))
    # a line with a stamp word is a stamp line: its other dates are stamps too
    # ("on December 28, 2014 at 9:10 PM, updated December 29, 2014")
    stamp_line = words <= _PROSE_LINE and any(f[0] in (_PUBLISHED, _UPDATED) for f in found)
    out: list[_Stamp] = []
    for rank, start, end, ymd, match in found:
        if rank is None and not stamp_line:
            continue
        rank = _PLAIN if rank is None else rank
        value = _with_time(ymd, text[end:], match, text[max(0, start - 30) : start])
        if value and (rank != _PLAIN or not tail or "T" in value):
            out.append(_Stamp(start, value, rank))
    return out


def _dates_in(
    text: str, order: dict[str, str]
) -> list[tuple[int, int, tuple[int, int, int] | None, re.Match]]:
    """Every date in ``text`` as (start, end, (year, month, day), match), in text order; the
    day is None for a numeric date whose day and month neither the text's ``order`` nor
    the separator settles (its zone may, later)."""
    found: list[tuple[int, int, tuple[int, int, int] | None, re.Match]] = []
    for k, pattern in enumerate(_STAMP_PATTERNS):
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e, _, _ in found):
                continue
            if k in (1, 2) and not _month_stands_alone(text, m):
                continue
            year = int(m.group("y"))
            if k == 3:
                a, b = int(m.group("a")), int(m.group("b"))
                if a > 12:
                    ymd = (year, b, a)
                elif b > 12:
                    ymd = (year, a, b)
                elif order.get(m.group("sep")) == "mdy":
                    ymd = (year, a, b)
                elif order.get(m.group("sep")) == "dmy" or m.group("sep") == ".":
                    ymd = (year, b, a)  # 26.03.2023: dotted dates are mostly day first
                else:
                    ymd = None
            elif k == 0:
                ymd = (year, int(m.group("m")), int(m.group("d")))
            else:
                ymd = (year, _MONTH_OF[m.group("mon").lower()], int(m.group("d")))
            if ymd is not None and not _real_day(*ymd):
                continue
            found.append((m.start(), m.end(), ymd, m))
    return sorted(found, key=lambda f: f[0])


def _month_stands_alone(text: str, m: re.Match) -> bool:
    """A month name is its own word; one glued to a lower-case word before it counts only
    when capitalised ("SiddiquiJanuary 01, 2018": a byline run into its date)."""
    s, e = m.span("mon")
    if e < len(text) and text[e].isalpha():
        return False
    if s == 0 or not text[s - 1].isalpha():
        return True
    return text[s].isascii() and text[s].isupper() and text[s - 1].islower()


def _real_day(year: int, month: int, day: int) -> bool:
    """A day of the calendar and not after tomorrow: a publication date is never ahead."""
    try:
        return date_type(year, month, day) <= date_type.today() + timedelta(days=1)
    except ValueError:
        return False


def _with_time(
    ymd: tuple[int, int, int] | None, rest: str, match: re.Match, before: str = ""
) -> str | None:
    """The stamp's ISO value: the date, plus the time and offset when a time with a known
    zone follows it (or stands just before it: "22:00 GMT, 26 September 2020").

    A numeric date whose day and month are both 12 or less (03-04-2024) is read day first
    when its zone lies east of the Atlantic (IST, PKT, GMT...), month first when the zone is
    American, and not at all when no zone tells.
    """
    groups = match.groupdict()
    if groups.get("H"):  # an ISO date and time: its own offset, or a zone written after it
        day = f"{int(groups['y']):04d}-{int(groups['m']):02d}-{int(groups['d']):02d}"
        if groups.get("tz"):
            offset = _offset(groups["tz"])
        else:
            z = _ZONE_AFTER.match(rest)
            offset = ZONE_OFFSETS.get(z.group(1)) if z else None
        if offset is None:
            return day
        return _clock_time(day, match, offset)  # refuses an impossible hour ("T25:10")
    t = _TIME_AFTER_STAMP.match(rest)
    if not (t and t.group("zone")) and before:
        t = _TIME_BEFORE_STAMP.search(before) or t
    offset = None
    if t and t.group("zone"):
        zone = t.group("zone")
        offset = ZONE_OFFSETS.get(zone) if zone.isalpha() else _offset(zone)
    if ymd is None:
        if offset is None:
            return None
        a, b, year = int(groups["a"]), int(groups["b"]), int(groups["y"])
        ymd = (year, a, b) if offset.startswith("-") else (year, b, a)
        if not _real_day(*ymd):
            return None
    day = f"{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}"
    if offset is None:
        return day
    return _clock_time(day, t, offset)


def _offset(zone: str) -> str | None:
    """ "+05:30" from "+5:30", "+0530", "Z" or "GMT+5:30"; None when out of range."""
    if zone == "Z":
        return "+00:00"
    m = re.fullmatch(r"(?:GMT|UTC)?\s*([+-])\s*(\d{1,2}):?(\d\d)?", zone)
    hours, minutes = (int(m.group(2)), int(m.group(3) or 0)) if m else (99, 0)
    if hours > 14 or minutes > 59:
        return None
    sign = "+" if hours == minutes == 0 else m.group(1)  # "-0000" is UTC as well
    return f"{sign}{hours:02d}:{minutes:02d}"
