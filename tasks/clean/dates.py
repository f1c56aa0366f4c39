"""Dates in text: month names, the date patterns, and a date with its time and offset."""

from __future__ import annotations

import re
from datetime import datetime

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
# Month names beyond English, for publication stamps and date lines (MONTHS keeps its English
# keys because dedup reads them as tokens): French, German, Spanish, Portuguese, Italian, Dutch,
# Hindi and Urdu, one row per month, common spellings and abbreviations included.
FOREIGN_MONTHS = [
    "janvier janv januar jänner enero ene janeiro gennaio januari जनवरी جنوری",
    "février fevrier févr fevr februar feber febrero fevereiro febbraio februari फ़रवरी फरवरी فروری",
    "mars märz maerz mrz marzo março maart मार्च مارچ",
    "avril avr abril aprile अप्रैल अप्रेल اپریل",
    "mai mayo maio maggio mei मई مئی مئ",
    "juin juni junio junho giugno जून جون",
    "juillet juil juli julio julho luglio जुलाई جولائی جولای",
    "août aout agosto augustus अगस्त اگست",
    "septembre septiembre setiembre setembro settembre सितंबर सितम्बर ستمبر",
    "octobre oktober okt octubre outubro ottobre अक्टूबर अक्तूबर اکتوبر",
    "novembre noviembre novembro नवंबर नवम्बर نومبر",
    "décembre decembre déc dezember dez diciembre dic dezembro dicembre दिसंबर दिसम्बर دسمبر",
]
# A date in another language's month names, or with a dot after its day, for date lines:
# "28. April 2020", "Mittwoch, 6. Mai 2020", "28 de abril de 2020", "mardi 28 avril 2020";
# the day, the month and the year all stand, so a short name ("mai", "dic") is no risk.
_DATE_LINE_MONTHS = {n for row in FOREIGN_MONTHS for n in row.split()} | set(MONTHS)
_FOREIGN_NAMES = "|".join(sorted(_DATE_LINE_MONTHS, key=len, reverse=True))
_FOREIGN_DATE = re.compile(
    rf"(?<![\d.])[0-3]?\d\.?\s+(?:de\s+)?(?:{_FOREIGN_NAMES})\.?\s+(?:de\s+)?(?:19|20)\d\d(?!\d)",
    re.IGNORECASE,
)
# 2019年6月24日 (Chinese, Japanese) / 2019년 6월 24일 (Korean); the stamp reader
# (published.py) reads the same shape with its clock time
CJK_DATE = (
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]"
)
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
    # 8 August 2022 / 8th Aug, 2022 / 12 February,2024
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_RE})\.?(?:,\s*|\s+)(?P<y>(?:19|20)\d\d)\b",
        re.IGNORECASE,
    ),
    re.compile(CJK_DATE),
]


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
        return _clock_time(date, t, offset)
    return date


def _clock_time(day: str, t: re.Match[str], offset: str) -> str:
    """``day`` with the matched clock time (12-hour forms read) and the offset; the bare day
    when the time is impossible ("13:30 pm", "25:10")."""
    groups = t.groupdict()  # an ISO date-time match has no am/pm group
    hour, minute = int(groups["H"]), int(groups["M"])
    ap = (groups.get("ap") or "").lower()
    if ap and not 1 <= hour <= 12:
        return day
    if ap == "p" and hour != 12:
        hour += 12
    elif ap == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return day
    return f"{day}T{hour:02d}:{minute:02d}:{groups.get('S') or '00'}{offset}"


def _is_date_line(text: str, words: int) -> bool:
    """A short line holding a date in English words or digits (a line model feature: the
    weights were fitted on this reading)."""
    return words <= 12 and parse_date(text) is not None


def is_any_date_line(text: str, words: int) -> bool:
    """A short line holding a date, in English or another language's month names ("Dienstag,
    28. April 2020", "28 de abril de 2020"): never a headline."""
    return _is_date_line(text, words) or (words <= 12 and _FOREIGN_DATE.search(text) is not None)


# a month and year closing a line: "AoAH Day 15: Porting a parser / Dec 2025"
_MONTH_YEAR_END = re.compile(
    rf"(?<![\d.])\s+(?P<date>(?:{_MONTH_RE})\.?,?\s+(?:19|20)\d\d)$", re.IGNORECASE
)
_EDGE_SEPARATORS = " \t-–—|/·•,:"
# "... meet on 12 March 2024": the date belongs to the headline's sentence
_DATE_IN_SENTENCE = re.compile(
    r"(?<![-–—|/·•,:\s])\s(?:on|in|of|since|by|until|till|from|before|after|at|for|to|the|and|or|&)\s$",
    re.IGNORECASE,
)
HEADLINE_MIN_WORDS = 3


def headline_without_date(text: str) -> str | None:
    """A headline a blog prints on one line with its date ("Backup Strategy  January 22nd,
    2019", "Dec 18 2025 Preparing a transition in Debusine"): the line without the date at
    its start or end, when at least three words are left and no other date; else None."""
    text = text.strip()
    m = next((m for p in _DATE_PATTERNS if (m := p.search(text))), None)
    if m is not None:
        start, end = m.span()
        before = text[:start]
    elif m := _MONTH_YEAR_END.search(text):
        start, end = m.span("date")
        before = text[: m.start() + 1]  # up to the first of the spaces before the month
    else:
        return None
    if start == 0:
        rest = text[end:]
    elif end == len(text) and not _DATE_IN_SENTENCE.search(before):
        rest = text[:start]
    else:
        return None
    rest = rest.strip(_EDGE_SEPARATORS)
    if len(rest.split()) < HEADLINE_MIN_WORDS or parse_date(rest) is not None:
        return None
    return rest
