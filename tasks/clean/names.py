"""A person's or desk's name read from a byline's text, in a page's markup or a paste.

"By Jane Doe | March 3, 2025", "Von Tomas Spahn", "Author: Sam Lee": the label and what
trails the name (a date, "Updated …", a role after a bar) are cut, and text that reads as
a bio, a date, a form label or a menu is no name.
"""

from __future__ import annotations

import re

from ipwire.tasks.clean.dates import _MONTH_RE

# "By", "Written by", "Author:", "Erstellt von", "Autor:"; a bare word of another language in
# lower case only ("von Anna Schmidt", not the "Von" of "Von Miller")
_BYLINE_PREFIX = re.compile(
    r"^(?:(?i:(?:written|posted|words|authored|reported|published)\s+by|by|authors?|autor(?:in)?"
    r"|auteur|autore|(?:erstellt|geschrieben|verfasst|veröffentlicht|eingestellt)\s+von"
    r"|(?:ein|alle)\s+(?:artikel|beitrag|beiträge)\s+von|zur\s+autorin"
    r"|zum\s+autor|publié\s+par|escrito\s+por)"
    r"|von|par|por|di|door)\s*[:\-–—]?\s+"
)
# a role after the name: "Jane Doe, Staff Writer", "Harry Rabinowitz Tech Reporter"
_ROLE_WORDS = (
    r"(?i:writer|reporter|correspondent|contributor|columnist|editor|redakteur(?:in)?"
    r"|journalist(?:in)?)"
)
_ROLE = re.compile(
    rf",\s*[^,]*\b{_ROLE_WORDS}\b.*$"
    rf"|(?:^|\s+)(?:(?i:staff|senior|chief|tech|business|political|sports|news|deputy|managing"
    rf"|contributing|associate|special)\s+)?{_ROLE_WORDS}\b.*$"
)
_LABELS = frozenset(
    "by von par por di door author authors autor autorin auteur autore written posted".split()
)
# "ByMalcolm Harris": a "By" label and a linked name whose text runs together
_GLUED_BY = re.compile(r"^By(?=[A-Z][a-z])")
# "Von Tomas Spahn": a capitalised German, French or Spanish byline word, cut when a name of
# two or more words follows
_CAPITAL_PREFIX = re.compile(r"^(?:Von|VON|Par|PAR|Por|POR)\s+(?=\S+\s+\S)")
# a byline's trailing date, role or reading time: "Jane Doe | March 3, 2025", "Jane Doe · 5 min"
_BYLINE_TAIL = re.compile(
    r"\s+(?:[|•·—–]|-\s)\s*.*$"
    r"|\s+(?:on|[Ll]ast [Uu]pdated|[Ll]ast [Mm]odified|[Uu]pdated|UPDATED|[Pp]ublished"
    r"|[Pp]osted|[Vv]eröffentlicht|[Pp]ublicado|[Pp]ublié|[Pp]ubblicato)\b.*$"
)
# a date after the name without a separator: "Ayaz Gul April 14, 2016", "Jane Doe 5 min read"
_TRAILING_DATE = re.compile(
    rf"[\s\-–—]+(?:(?i:on|at|am|um|le|el|il|the)\s+)?(?:(?i:{_MONTH_RE})\.?\s+)?\d.*$"
)
# months (English ones as dates.MONTHS spells them) and weekdays of the pack languages, whole
# or cut short: alone they are no name
_CALENDAR_WORD = re.compile(
    rf"(?:{_MONTH_RE}|januar|februar|märz|mai|juni"
    r"|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre"
    r"|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre"
    r"|octubre|noviembre|diciembre|mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?"
    r"|fri(?:day)?|sat(?:urday)?|sun(?:day)?|montag|dienstag|mittwoch|donnerstag|freitag"
    r"|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes"
    r"|miércoles|jueves|viernes|sábado|domingo)\.?"
)
# the parts of a byline row: "Dec 19, 2025 · Niko Matsakis", "By Sam Lee | Staff Writer"
_PARTS = re.compile(r"\s+[|•·—–]\s+")
# A byline is at most this many characters: a longer text is a bio or a paragraph.
BYLINE_MAX_CHARS = 120
# A name is at most this many words: longer text in a byline element is a bio or a sentence.
NAME_MAX_WORDS = 6
_LOWER_PARTICLES = frozenset(
    "de van von der den da di la le du al bin bint el y and & dos das del della do los las".split()
)
_WORDS = re.compile(r"\w+")
# words of a phrase, not of a name, written capitalised or in capitals ("PAR LES TEMPS QUI
# COURENT"); in lower case they may be a name's particles
_PHRASE_WORDS = frozenset(
    "les qui que des pour avec dans und oder mit für ist los las para con una gli che per".split()
)
_CLOSING_STOP = re.compile(r"\w{3}\.$")
_NOT_A_NAME = frozenset(
    "author authors about share home menu search login subscribe advertisement related "
    "reviewed updated published posted read more contact privacy terms our your news blog "
    "view all posts profile bio follow editor editors comments comment email avatar "
    "image photo admin administrator required name website autor autoren contributing "
    "autorin date datum über".split()
)


def has_byline_label(text: str) -> bool:
    """Whether the text opens with a byline's label ("By", "Von", "Autor:")."""
    return bool(_BYLINE_PREFIX.match(text.strip()) or _GLUED_BY.match(text.strip()))


def without_trailing_date(name: str) -> str:
    """A byline's name without the date that follows it with no separator between."""
    return _TRAILING_DATE.sub("", name)


def byline_name(text: str | None, *, declared: bool = False) -> str | None:
    """A person's or desk's name from a byline's text, or None when the text is not one: the
    first part (between bars or bullets) that reads as a name, so a date before the name
    ("Dec 19, 2025 · Niko Matsakis") is passed over as a role after it is cut.

    ``declared``: the element says it is an author, so one lower-case word (a user name)
    is taken too."""
    if not text:
        return None
    text = " ".join(text.split())
    if not text or len(text) > BYLINE_MAX_CHARS:
        return None
    for part in _PARTS.split(text):
        name = _name_in(part, declared)
        if name:
            return name
    return None


def _name_in(text: str, declared: bool) -> str | None:
    """The name in one part of a byline, or None."""
    if _BYLINE_PREFIX.fullmatch(text.strip() + " ") or text.strip().lower() in _LABELS:
        return None  # the label alone ("By" in its own element)
    text = _CAPITAL_PREFIX.sub("", _BYLINE_PREFIX.sub("", _GLUED_BY.sub("", text)))
    text = without_trailing_date(_BYLINE_TAIL.sub("", text))
    text = _ROLE.sub("", text).strip(" ,;:-–—")
    if _CLOSING_STOP.search(text):
        text = text[:-1]  # "Jeff Cobb." closing a sentence; "Jeff T." keeps its initial
    words = text.split()
    if not 1 <= len(words) <= NAME_MAX_WORDS or any(ch.isdigit() for ch in text):
        return None
    if any(mark in text for mark in ("@", "://", "/", "*")):
        return None
    lowered = _WORDS.findall(text.lower())
    if any(w in _NOT_A_NAME for w in lowered):
        return None
    cased = any(c.isupper() or c.islower() for c in text)
    if len(words) == 1 and (len(lowered[0]) <= 2 and cased if lowered else True):
        return None  # an initial or a stray mark: "S.", "–"; "王华" is a name
    if len(words) == 1 and _CALENDAR_WORD.fullmatch(lowered[0]):
        return None  # what a date line leaves once its numbers are cut: "Sat", "Dezember"
    if sum(w.casefold() in _PHRASE_WORDS and not w.islower() for w in words) >= 2:
        return None  # "PAR LES TEMPS QUI COURENT"; "Con Coughlin" keeps its name
    if declared and len(words) == 1:
        return text
    # a word opens with a capital, or with a letter of a script without case (Chinese,
    # Arabic); only a name's particles ("de", "van", "bin") are in lower case
    if any(w[:1].islower() and w.lower() not in _LOWER_PARTICLES for w in words):
        return None
    if not any(not w[:1].islower() and w[:1].isalpha() for w in words):
        return None
    return text
