"""Lines of a text and their shapes: the Line record, splitting and joining, prose tests.

The shape tests (prose, running text, short sentence, subheading, headline candidate)
read one line at a time; the line model, the decisions and the metadata all use them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ipwire.tasks.clean.dates import _MONTH_RE, _is_date_line, is_any_date_line, parse_date
from ipwire.tasks.clean.patterns import _fold
from ipwire.tasks.clean.published import _HAS_YEAR, parse_stamp
from ipwire.tasks.clean.rows import not_a_headline
from ipwire.tasks.clean.rules import BoilerplateRules
from ipwire.tasks.clean.stamps import is_stamp, opens_with_bracketed_date
from ipwire.tasks.clean.words import _WORD, STOPWORDS, word_count, words_of

# Running prose has at least this share of function words (news ledes are noun-heavy).
PROSE_STOPWORD_SHARE = 0.2


def _char_class(test: Callable[[str], bool]) -> str:
    """A regex character class (without brackets) of the BMP characters ``test`` accepts."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if test(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    parts = (re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)
    return "".join(parts)


# Capital letters of every script that has them: a signature's first letter.
_UPPER = _char_class(str.isupper)
# what may follow the closing mark of a sentence: quotes, brackets, their full-width forms
SENTENCE_CLOSERS = r"\"'”’»«›‹)\]」』）】"
# the closing marks of the Latin scripts, which a German or Czech low-opening quote follows
_LATIN_MARKS = ".!?…:;"


class QuoteAwareEnd:
    """A line-end pattern for a set of closing marks, built from one table so that the
    sentence, clause and heading tests differ only in their marks.

    It also reads German and Czech low-opening quotes: „…“ and ‚…‘ close with the marks
    English opens with, so a closing “ or ‘ ends a sentence only in a line that opened such
    a quote (an English line ending '.“' is a typo, not a close). Guillemets close either
    way round (« … », » … «) and are among the closers. ``tail`` adds alternatives to the
    closers (regex text starting with "|") that may stand between the mark and the line end.
    """

    __slots__ = ("plain", "quoted")

    def __init__(self, marks: str, closers: str = SENTENCE_CLOSERS, tail: str = "") -> None:
        # one punctuation class first: the regex engine then skips to its characters in C,
        # where an alternation at the top would be tried at every position (four times slower)
        self.plain = re.compile(rf"[{marks}](?:[{closers}]*{tail})\s*$")
        latin = "".join(c for c in marks if c in _LATIN_MARKS)
        self.quoted = re.compile(rf"[{latin}][{SENTENCE_CLOSERS}]*[“‘][\"'”’)\]]*\s*$")

    def search(self, text: str) -> re.Match[str] | None:
        found = self.plain.search(text)
        if found is None and text.rstrip()[-1:] in "“‘" and ("„" in text or "‚" in text):
            return self.quoted.search(text)
        return found


# sentence ends of the Latin scripts, their full-width Chinese and Japanese forms, the
# Devanagari danda and the Urdu full stop and question mark; a sentence may close with a
# dashed signature of up to four words, the first capitalised ("... dazzle. -- Sandstrom",
# a review's or a letter's sign-off), or with a bracketed word or three that is no date,
# link or photo credit ("... home. [MUSIC]", "... on Monday. (Reuters)")
# A teaser's summary or another page's excerpt ends clipped so; an article's sentence does not.
CLIPPED_ENDS = ("...", "…")
_SENT_END = QuoteAwareEnd(
    ".!?…:;。！？：；।॥۔؟",
    tail=(
        rf"|(?<=[.!?…])[\"'”’»«›‹)\]]*\s+(?:(?:--|—|–)\s*[{_UPPER}][\w.'’-]*"
        r"(?:,?\s+[^\W\d_][\w.'’-]*){0,3}"
        r"|[\[(](?![^\])]*(?i:symbol|foto|photo|bild|file|archiv|image|pic))"
        r"[^\W\d_]+(?: [^\W\d_]+){0,2}[\])])"
    ),
)
_URLISH = re.compile(r"https?://|www\.|@\w+\.\w|\.com\b", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-•*·▪►»›>]|\d{1,2}[.)])\s")
# Chinese, Japanese, Hindi and Urdu punctuation is punctuation, not a symbol
_SYMBOL = re.compile(r"[^\w\s.,'’\"\-，。、！？：；「」『』《》（）।॥۔،؟]")
_SEPARATORS = re.compile(r"[|»›•·/]")


@dataclass(slots=True)
class Line:
    """One non-empty line of the paste and the block (blank-line separated run) it sits in."""

    idx: int
    text: str
    block: int
    words: int = 0
    # the line's \w+ tokens when the maker had them at hand: the line features reuse them
    # instead of searching the text again (every line of every page is scored)
    toks: list[str] | None = field(default=None, repr=False, compare=False)


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
        toks = words_of(stripped)
        lines.append(Line(len(lines), stripped, block, word_count(stripped, toks), toks))
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
    alpha = [t for t in words_of(text) if t[:1].isalpha()]
    return sum(1 for t in alpha if t[:1].islower()) / max(len(alpha), 1)


# A line that opens with a picture's credit ("photo: AFP", "picture credits- Yahoo News")
_CREDIT_OPENING = re.compile(
    r"(?:photo|image|picture|pic)s?\s*(?:(?:credits?|source|courtesy)\s*[:\-–—]|:)", re.IGNORECASE
)


# Across a blank line of a double-spaced paste, a wrapped line runs this long at least: a
# shorter one above a line in lower case is a label or a link.
_SPACED_JOIN_MIN_WORDS = 5


def _continues(line: Line, nxt: Line, rules: BoilerplateRules, *, spaced: bool = False) -> bool:
    """``nxt`` carries on the sentence of ``line`` (a paragraph hard-wrapped mid-sentence).

    Sentence-like lines only: Title Case menu entries ("Who We Are", "Sign in"), bylines,
    dates and chrome lines (reading time, "Also read") are never joined.
    """
    text = line.text
    if line.words < 3 or _SENT_END.search(text):
        return False
    if nxt.block != line.block and not (spaced and nxt.block == line.block + 1):
        return False
    if nxt.text[:1].islower():
        if spaced and line.words < _SPACED_JOIN_MIN_WORDS and nxt.block != line.block:
            return False  # "Sponsor me Github" above "rustc_codegen_gcc: Progress Report"
    elif line.words < 6 or _lower_share(text) < 0.3:
        return False
    elif not text.endswith(","):
        m = _LAST_WORD.search(text)
        if not (m and text[-1:].isalnum() and m.group(1).lower() in _CONTINUES):
            return False
    if _CREDIT_OPENING.match(nxt.text):
        return False  # "picture credits- yahoo news" under a headline is its picture's credit
    for ln in (line, nxt):
        if (
            rules.line_kind(ln.text) is not None
            or rules.marker_for(ln.text) is not None
            or _is_date_line(ln.text, ln.words)
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
    # A paste with a blank line after every line (double-spaced) says nothing with its
    # blank lines: there a wrapped sentence may go on across them.
    blocks = lines[-1].block + 1
    spaced = len(lines) >= 6 and blocks >= 0.9 * len(lines)
    out: list[Line] = []
    for ln in lines:
        if out and _continues(out[-1], ln, rules, spaced=spaced):
            prev = out[-1]
            # the joined line ends in the last piece's block (they differ only when spaced)
            # a space parts the two pieces, so the joined line's tokens are theirs in turn
            toks = prev.toks + ln.toks if prev.toks is not None and ln.toks is not None else None
            out[-1] = Line(
                prev.idx, prev.text + " " + ln.text, ln.block, prev.words + ln.words, toks
            )
        else:
            out.append(Line(len(out), ln.text, ln.block, ln.words, ln.toks))
    return out


def _is_urlish(text: str) -> bool:
    """``_URLISH`` searched only when the line holds "@" or a folded "http", "www." or ".com"
    (each of its matches contains one)."""
    if "@" not in text:
        folded = _fold(text)
        if "http" not in folded and "www." not in folded and ".com" not in folded:
            return False
    return _URLISH.search(text) is not None


def low_tokens(line: Line) -> list[str]:
    """The \\w+ tokens of the lowered line, from the line's own tokens lowered one by one:
    the same list at a third of the cost of a new search. Two letters break that: "İ" is the
    only character that lowers to two ("i" and a combining dot, which splits the token) and
    "Σ" lowers by its context (final "ς"); a line holding either is searched again. (Every
    other character lowers to one that is a word character exactly when it was one.)"""
    text = line.text
    if line.toks is not None and "İ" not in text and "Σ" not in text:
        return list(map(str.lower, line.toks))
    return words_of(text.lower())


def _is_prose(line: Line, rules: BoilerplateRules) -> bool:
    """Running prose: long, sentence-final punctuation, full of function words."""
    if line.words < 15 or not _SENT_END.search(line.text):
        return False
    key = ("p", line.text)
    cache = rules._cache  # type: ignore[attr-defined]
    found = cache.get(key)
    if found is None:
        toks = low_tokens(line)
        found = (
            sum(map(STOPWORDS.__contains__, toks)) >= PROSE_STOPWORD_SHARE * len(toks)
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
    return _function_words_and_no_chrome(line.text, rules)


def _function_words_and_no_chrome(text: str, rules: BoilerplateRules) -> bool:
    """Enough function words to be running text, and no chrome kind or section marker."""
    toks = words_of(text.lower())
    return (
        sum(map(STOPWORDS.__contains__, toks)) >= PROSE_STOPWORD_SHARE * len(toks)
        and rules.line_kind(text) is None
        and rules.marker_for(text) is None
    )


# A cut-off last line this short may still be the article's: "The decision was taken by the
# FATF in its plenary held in". Menus and footers carry few function words.
CUT_OFF_MIN_WORDS = 6


def _is_cut_off_sentence(ln: Line, rules: BoilerplateRules) -> bool:
    """The head of a sentence the text stops in: a capital first, function words, no
    closing punctuation and nothing chrome."""
    if ln.words < CUT_OFF_MIN_WORDS or _SENT_END.search(ln.text) or not ln.text[:1].isupper():
        return False
    return (
        _function_words_and_no_chrome(ln.text, rules)
        and not _reads_as_chrome(ln, rules)
        and not _is_date_line(ln.text, ln.words)
        and "|" not in ln.text
    )


def _is_short_sentence(line: Line, rules: BoilerplateRules) -> bool:
    """A sentence too short for :func:`_is_prose`: five words or more, a verb-ish function
    word and closing punctuation ("Talks resume in Islamabad on Monday, officials said.")."""
    if line.words < 5 or not _SENT_END.search(line.text) or line.text.endswith(":"):
        return False
    toks = words_of(line.text.lower())
    if not any(t in STOPWORDS for t in toks):
        return False
    return (
        rules.line_kind(line.text) is None
        and rules.marker_for(line.text) is None
        and not _reads_as_chrome(line, rules)
    )


def _is_sentence(line: Line, rules: BoilerplateRules) -> bool:
    """Prose or a sentence too short for it (:func:`_is_prose`, :func:`_is_short_sentence`)."""
    return _is_prose(line, rules) or _is_short_sentence(line, rules)


# A sentence this long that names one chrome word in passing ("made the announcement on
# Twitter", "according to the Home Minister's website") is the article's own; chrome
# sentences are short, or lead with the word ("Share this story", "Your email address ...").
PASSING_CHROME_MIN_WORDS = 8


def _names_chrome(line: Line, rules: BoilerplateRules) -> bool:
    """A line that says it is chrome wherever it stands: a chrome line pattern, a section
    marker, a link, a date or a shouted label."""
    text = line.text
    return bool(
        rules.line_kind(text)
        or rules.marker_for(text)
        or _is_urlish(text)
        or text.isupper()
        or _is_date_line(text, line.words)
    )


def _reads_as_chrome(line: Line, rules: BoilerplateRules) -> bool:
    """A sentence-shaped line that reads as chrome: a chrome phrase beside a web address, or
    as a whole word in a short line, twice, or among its first two words."""
    low = line.text.lower()
    if not rules.has_chrome_phrase(low):
        return False
    if _is_urlish(line.text):
        return True  # it points readers to an address
    starts = rules.chrome_word_starts(low)
    if not starts:
        return False  # only inside longer words: "approved", "homeland", "shared"
    if len(starts) > 1 or line.words < PASSING_CHROME_MIN_WORDS:
        return True
    return len(_WORD.findall(low[: starts[0]])) < 2


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


def _teaser_shaped(lines: list[Line]) -> bool:
    """Headline-like lines (short, no closing punctuation) make up half of what follows."""
    following = lines[:6]
    if not following:
        return True
    short = sum(1 for ln in following if ln.words <= 14 and not _SENT_END.search(ln.text))
    return short * 2 >= len(following)


# A wire dateline opening a paragraph: "PESHAWAR, Feb 20 (DNA):", "SRINAGAR, India, Sept 18
# (Reuters) -", "NEW DELHI (PTI) –". A headline never starts with one.
_DATELINE_OPENING = re.compile(
    r"^[A-Z][A-Z.'’ -]{2,30}(?:,\s*[A-Z][\w.]*)*"
    r"(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?\s*(?:\([^)]{2,20}\))?"
    r"|\s*\([A-Za-z]{2,12}\))\s*[:–—-]\s"
)


# A dateline on its own line: "Amritsar, June 3", or a date with its clock time ("May 29,
# 2023 07:07 pm | Updated ... IST - Ahmedabad"). Never a headline, however many words.
_PLACE_AND_DAY = re.compile(
    rf"^[A-Z][\w.'’ -]{{1,30}},\s*(?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:,?\s*\d{{4}})?\s*[:–—-]?\s*$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"\b\d{1,2}:\d\d\s*(?:[ap]\.?m\b|[A-Z]{3,4}\b)", re.IGNORECASE)


def _is_dateline(text: str) -> bool:
    """A place and a day, or a date with a clock time: a dateline line, not a headline. A
    clock time beside a year is one too, in any language ("Januar 2020, 9:21 Uhr"), and so
    is a date that opens the line with little else (``stamps.is_stamp``)."""
    if _PLACE_AND_DAY.match(text) or is_stamp(text):
        return True
    if not _CLOCK.search(text):
        return False
    return _HAS_YEAR.search(text) is not None or parse_date(text) is not None


# A caption's closing credit naming its agency after the sentence ("… pasado. EFE")
AGENCY_AFTER_STOP = (
    r"(?-i:[.!?]\s+(?:EFE|AFP|AP|dpa|DPA|Reuters|REUTERS|Xinhua|ANSA|EPA|APA|ANP|Belga|KNA"
    r"|epd|Imago|IMAGO|Keystone|KEYSTONE|Getty Images|PTI|ANI|IANS)\.?\s*$)"
)

# Lines shaped like a headline that never are one, on any site: a picture's caption ending
# in its credit ("... Fighting Falcon | File", "Photo: Reuters", "Pic/AFP", "Credit: Name",
# "Picture courtesy: PMO"), an image-source label, a breadcrumb trail ("Home page > Public
# directory > ..."), a share, follow or subscribe prompt, a "View All" link, a comment form's
# notice, a reviewer line, an editorial-policy link, a table of contents, a "[ December 8,
# 2025 ] Other story" ticker, a "Home / Essays / 2017" or "> Blogs > Asia" trail, a caption
# that ends in a German credit ("Bild: AFP/SID") or holds a copyright sign, one that ends in
# "(File)", "(Pic: Twitter)" or ". File", a "picture credits- ..." line, a post's meta
# line ("On January 12, 2025 By Name In Category"), an "Enter your email" prompt. A "Photo:"
# or "Image source:" label counts first on its line, after punctuation or after a lower-case
# word ("troops at the border Image: AFP"): a title-case headline may name images ("Docker
# Hardened Images: Security …"). A caption that ends in its credit ("... for the holidays
# Credit: Apple", "... top pick for EVs. Image by John Goreham") is told from a headline by
# case: the credit word is capitalised after a lower-case word or a sentence's end, where a
# title-case headline ("Bad Credit: What To Do") capitalises the word before too.
_NOT_A_TITLE = re.compile(
    r"\|\s*(?:file(?:\s+photo)?|photo|image|pic|picture)\b[^|]{0,40}$"
    r"|(?:^|[^\w\s]\s*|(?-i:(?<![\w'’-])[a-z][\w'’-]*)\s+)(?:photo|image|picture)\s*(?:source|credit)?s?\s*:"
    r"|©"
    r"|(?-i:\b(?:Bild|Foto|Fotos)\s*:\s*(?:[A-Z][\w.-]*(?:\s*/\s*|\s+)?){1,5}$)"
    r"|^\(?\s*(?:bild|bilder|foto|fotos)\s*:"
    r"|^(?:(?:posted|published|updated)\s+)?on\s+[a-z]{3,9}\.?\s+\d{1,2},?\s+(?:19|20)\d\d"
    r"|^enter your e-?mail\b"
    r"|^(?:follow|share|sign up|join)\b.{0,40}\b(?:on|us|with|via)\b"
    r"|^subscribe\b|^(?:photo\s+|image\s+)?credits?\s*:"
    r"|^(?:medically\s+)?(?:reviewed|fact[- ]?checked|edited)\s+by\b"
    r"|\bpress enter or click\b|\beditorial (?:process|polic(?:y|ies)|guidelines|standards)\b"
    r"|\b(?:pic|photo|image)s?\s*/\s*[\w.]+\s*$|\b(?:pic|photo|picture|image)s?\s+courtesy\b"
    r"|(?:view|see) all\s*$"
    r"|\bwill not be published\b|\brequired fields are marked\b"
    r"|^table of contents\b|^\[\s*\w+ \d{1,2}, \d{4}\s*\]"
    r"|(?-i:(?:\b[a-z]+[,;)]?|[.!?])\s+(?:Photo |Image )?Credits?:\s+\S)"
    r"|(?-i:(?:^|[.!?]\s+)(?:Image|Photo|Picture|Illustration)s? (?:by|via|courtesy of) [A-Z])"
    r"|(?-i:(?:^|[.!?]\s+)Photographs? by [A-Z][\w'’-]+ [A-Z])"  # a name: "… by Sea" is a title
    r"|\b(?:photo|image|picture)\s*(?:source|credit)s?\s*[-–—]\s*\S"
    r"|\(\s*(?:file|representational)(?:\s+(?:photo|image|pic|picture))?\s*\)\s*$"
    r"|\(\s*(?:photo|pic|picture|image)s?\s*(?::|by\b|courtesy\b)[^()]{0,40}\)\s*$"
    # a caption's closing credit after its sentence or in brackets, in the languages of the
    # packs: "… nicht gut. (Foto: Volkswagen)", "… Unterstützern. Bild: dpa", "(Foto: Andina)"
    r"|(?:[.!?]\s+|\(\s*)(?:foto|fotos|bild|bilder|photo|photos|image|images|imagem|imagen"
    r"|afbeelding|fotografía|fotografia)\s*:\s*[^()]{1,60}\)?\s*$"
    r"|(?-i:[.!?]\s+(?:File|FILE)(?:\s+(?:[Pp]hoto|PHOTO|[Ii]mage|IMAGE))?\.?\s*$)"
    # a link's arrows at its end: "Czytaj więcej w wydaniu …>>>", "Read the full story →"
    r"|(?:>>|»»|→|⟶)\s*$"
    # a trail's step or a link with its separator left at the end: "Actus et médias >"
    r"|\s(?:>|›)\s*$"
    # one step of a trail: a site or section name in capitalised words, then the page
    # ("Creative Commons > What we do", "News › Politics"); » is left out, a quotation mark
    # in German and French headlines, and so is a comparison ("Why 5G > 4G for gamers")
    r"|(?-i:^(?:[A-Z][\w.&’'-]*\s){0,2}[A-Z][\w.&’'-]*\s(?:>|›)\s[A-Z][^>›:]{0,50}$)"
    # a credit for words and pictures ("Text & Fotos: Ivan Valetny"), a caption naming who
    # stands where ("(von links)", "(l-r)") or asking for a click to enlarge, a count of
    # comments ("1 Kommentar"), a licence notice ("Creative Commons License", "CC BY-NC")
    r"|\b(?:text|texte|texto)\s*(?:&|und|and|et|y|/)\s*(?:fotos?|bilder|photos?)\s*:"
    r"|\((?:von links|v\.\s?l\.(?:\s?n\.\s?r\.)?|from left|left to right|l-r|l to r"
    r"|de gauche à droite|de izquierda a derecha)\)"
    r"|\b(?:zum vergrößern|click to enlarge|cliquez pour agrandir)\b"
    r"|(?-i:\b\d+\s+(?:Kommentare?|[Cc]omments?|[Cc]ommentaires?|[Cc]omentarios?)\b"
    r"(?!\s+[a-zäöüéè]))"
    r"|\bcreative commons (?:licen[cs]e|lizenz)|(?-i:\bCC BY(?:-[A-Z]{2}){0,3}\b)"
    # a caption that ends in its agency after its sentence ("… el 11 de febrero pasado. EFE")
    # or in a bracketed stock-picture note ("Parade zum Christopher-Street-Day (Symbolbild)")
    rf"|{AGENCY_AFTER_STOP}"
    r"|\((?:symbolbild|symbolfoto|archivbild|archivfoto|illustration|image d'archives"
    r"|photo d'archives|foto de archivo|imagen de archivo|foto d'archivio)\)\s*$"
    # a post's tags or category, labelled in the languages of the packs ("TAG: CVS Health,
    # …", "Getaggt mit Derek Jarman", "Ausgabe 2022/3 Kategorie: Grundlagen", "Posted in News")
    r"|(?:^|\s)(?:tags?|schlagw[öo]rter|stichw[öo]rter|kategorien?|categor(?:y|ies)"
    r"|catégories?|categor[íi]as?|categorie|rubriken?|etiquetas|tagi)\s*:\s*\S"
    r"|^(?:tagged with|getaggt mit|filed under|posted in|abgelegt unter|veröffentlicht in"
    r"|publié dans|publicado en)\b"
    # a link to a file with its size ("Safety Alert Electrical.pdf (619.83 KB)")
    r"|\.(?:pdf|docx?|xlsx?|pptx?|odt|zip)\b.{0,40}\(\s*[\d.,]+\s*[kmg]i?b\s*\)"
    # an image's file name alone ("CSD-Parade.jpg"), a German picture credit ("…, Bildquelle:
    # G. Warnke")
    r"|^\S+\.(?:jpe?g|png|gif|webp|svg)\s*$|\b(?:bildquelle|bildnachweis|fotonachweis|fotoquelle)\s*:",
    re.IGNORECASE,
)

# A byline or a date stamp ("von AUTO ZEITUNG 02.11.2021", "Veröffentlicht am 15/07/2014 von
# Guido Beyss", "Ein Artikel von …, veröffentlicht am 23.01.2020", "Datum: 18.10.2021"): a
# short line holding a date and a byline's or stamp's word in the languages of the packs. A
# headline may hold a date ("Protokoll der Vorstandssitzung vom 10. Oktober 2019") or a
# deadline ("… to repay by 30 June 2024": "by" right before the date is no byline).
_STAMP_MAX_WORDS = 15
_BYLINE_OR_STAMP_WORD = re.compile(
    r"(?<!\w)(?:von|par|por|av|przez|autor(?:in)?|author|datum"
    r"|erscheinungsdatum|published|posted|veröffentlicht|publié|publicado|pubblicato"
    r"|gepubliceerd|opublikowano|erschienen|updated|aktualisiert"
    rf"|by(?!\s+(?:\d|(?:{_MONTH_RE})\b)))(?!\w)|(?<!\w)(?:date|fecha|data)\s*:",
    re.IGNORECASE,
)
# A byline in the languages of the packs, names alone after its word ("Von Benjamin Fischer
# und Marcus Theurer", "Par Jean Dupont", "Por Rodrigo Mejías"): each name two to four
# capitalised words, none an English title-case function word, so a headline that opens with
# the same word runs on in lower case ("Von Frankfurt nach Barcelona") or is an English one
# ("Par For The Course").
_CAP = r"(?!(?:For|The|With|Of|To|In|On|At|An?|Is|Are|And|Or)\b)[A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻ][\w'’.-]*"
_BYNAME = rf"{_CAP}(?:\s+{_CAP}){{1,3}}"
_FOREIGN_BYLINE = re.compile(
    rf"^(?i:von|par|por|av|przez)\s+{_BYNAME}"
    rf"(?:\s*(?:,|&|(?i:und|and|et|y|e|en|i|og|och))\s*{_BYNAME})*\s*$"
)


# Capitalised names of two to four words joined by slashes ("Kaswar Klasra/ Salim Ahmed")
_NAMES_BY_SLASH = re.compile(rf"^{_BYNAME}(?:\s*/\s*{_BYNAME})+\s*$")


def is_dated_byline(text: str) -> bool:
    """A short line with a date and a byline's or stamp's word (``_BYLINE_OR_STAMP_WORD``):
    who wrote it and when, never the headline."""
    if len(text.split()) > _STAMP_MAX_WORDS or not _HAS_YEAR.search(text):
        return False
    return _BYLINE_OR_STAMP_WORD.search(text) is not None and parse_stamp(text) is not None


# A row of tags or sections as a page's template joins its links: items parted by a comma
# with a space on both sides ("HVW-Verband , Presse , Allgemein"), which typeset text never
# has.
_TAG_ROW_SEP = " , "
_TAG_ROW_MIN_SEPS = 2
# "Ab-initio - Ausbildung - Bremen Airport - CAE - CAE GmbH - …": a headline with its section
# and site has three parts, a longer one among them
_DASH_SEP = re.compile(r"\s[-–—]\s")
_DASH_ROW_MIN_ITEMS = 5


# A breadcrumb trail: "Home page > Public directory > ...", "> Blogs > Asia", "Home / Essays /
# 2017 / January", "Startseite » Politik".
_TRAIL = re.compile(
    r"(?:\s(?:>|»|›)\s.*){2,}|^\s*(?:>|»|›)\s.*\s(?:>|»|›)\s|(?:\s/\s.*){3,}"
    r"|^(?:home(?:\s*page)?|startseite|accueil|inicio|início|portada)\s*(?:/|>|»|›|\||::)"
    # the name of a home page, never a headline's first word, before the trail's steps
    # run together ("Startseite Panorama Mitarbeiter fordern …"); glued to a sentence, the
    # line is the article's lead
    r"|^(?:startseite|accueil|portada)\s+[^.!?]+$",
    re.IGNORECASE,
)

# A row of share buttons or legal links run together ("Facebook 0 Twitter Email RSS feed",
# "políticas de privacidad ... política de cookies"): three names of either set. A headline
# names two networks at most ("Facebook and Twitter ban ...").
_SHARE_NAMES = re.compile(
    r"\b(facebook|twitter|whatsapp|linkedin|pinterest|reddit|telegram|instagram|youtube"
    r"|e-?mail|rss|xing|tumblr)\b",
    re.IGNORECASE,
)
_LEGAL_NAMES = re.compile(
    r"\b(privacy|privacidad|privacidade|privacité|datenschutz\w*|confidentialité|cookies?"
    r"|terms|impressum|imprint|mentions légales|aviso legal|nutzungsbedingungen|condiciones"
    r"|derechos|agb|kontakt|contact|contacto)\b",
    re.IGNORECASE,
)
_LINK_ROW_NAMES = 3


# The attribution line an embedded social post ends with: "— Name (@handle) March 4, 2025".
_POST_ATTRIBUTION = re.compile(
    r"^\s*[—–-]+\s*\S.{0,80}\(@\w{1,30}\)\s*\w+\.?\s+\d{1,2},\s+\d{4}\s*$"
)


def is_post_attribution(text: str) -> bool:
    """Who posted the embedded post above and when: part of the quote the article shows
    (the line model reads a name, a handle and a date as a byline or a teaser's stamp)."""
    return "(@" in text and _POST_ATTRIBUTION.match(text) is not None


# A news text's closing credit or publisher's note, in English and the main European
# languages: "Additional reporting by …; Editing by …", "(With inputs from PTI)", "This
# article originally appeared on …", "… contributed to this report", "… may be reached at …".
_CLOSING_NOTE = re.compile(
    r"\b(?:additional reporting|reporting by|editing by|writing by|with inputs from"
    r"|contributed (?:to )?this (?:report|story|article)|originally (?:appeared|published)"
    r"|(?:may|can) be reached at|compiled by"
    r"|mit material (?:von|der|des)|dieser (?:artikel|beitrag) erschien zuerst"
    r"|avec (?:l[\x27’])?afp|(?:cet|l[\x27’]) article a (?:d[\x27’]abord |initialement )?été publié"
    r"|con información de|publicado originalmente|com informações d[aeo]s?)\b",
    re.IGNORECASE,
)


# An update, correction or editor's note the newsroom adds at the top or foot of a story:
# "Update July 3rd, 8:05AM ET: Added ARKit explanation.", "Correction: An earlier version …",
# "Editor's note: …", "Anmerkung der Redaktion: …", "Mise à jour : …", "Actualización: …"; a
# sentence follows the colon (a lower-case word), where a stamp has a date ("Updated: Dec 3").
_NEWSROOM_NOTE = re.compile(
    r"^\W{0,3}(?:updated?|correction|clarification|editor[’\x27]?s note|note from the editor"
    r"|korrektur|anmerkung der redaktion|aktualisierung|nachtrag|correctif|rectificatif"
    r"|mise à jour|note de la rédaction|corrección|actualización|nota del editor"
    r"|nota de la redacción|aggiornamento|correzione|nota della redazione|atualização"
    r"|correção|nota do editor)\b[^:.!?]{0,50}:\s*(?=\S)(?-i:(?=.*\b[a-zà-ÿ]{3,}\b))",
    re.IGNORECASE,
)


def is_closing_note(text: str) -> bool:
    """A credit or publisher's note that closes a news text, or a newsroom's update or
    correction note: the article's own words, which the line model, taught on pastes that
    end in chrome, doubts at the edges."""
    return len(text) <= 300 and (
        _CLOSING_NOTE.search(text) is not None or _NEWSROOM_NOTE.search(text) is not None
    )


def is_credit_line(text: str) -> bool:
    """An embedded post's attribution or a closing credit or publisher's note: who said it,
    who reported it. The line model alone never drops one."""
    return is_post_attribution(text) or is_closing_note(text)


def not_a_title(text: str) -> bool:
    """A line shaped like a headline that never is one (``_NOT_A_TITLE``, a trail, a row of
    share or legal links, a ticker item under a bracketed date in any language)."""
    return (
        _NOT_A_TITLE.search(text) is not None
        or trail_or_link_row(text)
        or opens_with_bracketed_date(text)
        or is_writer_bio(text)
        or is_menu_row(text)
        or is_tag_row(text)
        or is_byline_line(text)
        # writers' names joined by slashes, a byline with no "by" ("Kaswar Klasra/ Salim
        # Ahmed"); a menu's pair of links may read the same ("Join Now / Your Account")
        or ("/" in text and _NAMES_BY_SLASH.match(text) is not None)
    )


def is_byline_line(text: str) -> bool:
    """A byline or a date stamp in the languages of the packs, beyond English "By …"
    (``is_dated_byline``, ``_FOREIGN_BYLINE``)."""
    return is_dated_byline(text) or _FOREIGN_BYLINE.match(text) is not None


# the words that name a writer, not only a date ("Story by IANS | … | Date 31-05-2022")
_WRITER_WORD = re.compile(r"(?<!\w)(?:von|by|par|por|av|przez|autor(?:in)?|author)(?!\w)", re.I)


def byline_kind(text: str) -> str | None:
    """The audit's kind for a line ``is_byline_line`` names: "byline" when it names its
    writer, "dateline" for a stamp alone ("Updated: 22-10-2022 08:24 IST | Created: …")."""
    if not is_byline_line(text):
        return None
    return "byline" if _WRITER_WORD.search(text) else "dateline"


def is_tag_row(text: str) -> bool:
    """A post's tags or sections as its template joins the links: parted by a comma with a
    space on both sides, or five or more items of a few words parted by spaced dashes."""
    return text.count(_TAG_ROW_SEP) >= _TAG_ROW_MIN_SEPS or _short_items(
        text, _DASH_SEP, _DASH_ROW_MIN_ITEMS
    )


# A menu row: three or more items of one to three words each, parted by bars or dots
# ("About Us | Our Team | Our Columnists | For our Contributors"). A page title with its
# section and site ("India, Pakistan agree to talks | World | Dawn") has a longer headline.
_MENU_SEP = re.compile(r"[|•·]")
MENU_ROW_MIN_ITEMS = 3
MENU_ITEM_MAX_WORDS = 3


def is_menu_row(text: str) -> bool:
    """Items of a few words each, three or more, parted by bars or dots: a menu, never a
    headline."""
    return _short_items(text, _MENU_SEP, MENU_ROW_MIN_ITEMS)


def _short_items(text: str, sep: re.Pattern[str], min_items: int) -> bool:
    """``text`` parted by ``sep`` into ``min_items`` or more items of one to
    ``MENU_ITEM_MAX_WORDS`` words each."""
    parts = sep.split(text)
    return len(parts) >= min_items and all(
        1 <= len(part.split()) <= MENU_ITEM_MAX_WORDS for part in parts
    )


def trail_or_link_row(text: str) -> bool:
    """A breadcrumb trail or a row of share or legal links: chrome even where a page declares
    it as its headline (an ``<h1>``), where captions and credits are not to be feared."""
    if _TRAIL.search(text):
        return True
    low = text.lower()
    return any(
        len({m.lower().replace("-", "") for m in names.findall(low)}) >= _LINK_ROW_NAMES
        for names in (_SHARE_NAMES, _LEGAL_NAMES)
    )


def _title_candidate(line: Line, rules: BoilerplateRules) -> bool:
    text = line.text
    return (
        3 <= line.words <= 30
        and not _DATELINE_OPENING.match(text)
        and not _is_dateline(text)
        and not not_a_title(text)
        and not not_a_headline(text)
        and not text.endswith((".", ":", ",", ";"))
        and not rules.line_kind(text)
        and rules.marker_kind(text) is None
        and not is_any_date_line(text, line.words)
        and not text.lower().lstrip("-–—•* ").startswith("by ")  # "- By Raju Kumar" too
        and not _is_urlish(text)
    )


def _opens_byline(ln: Line, rules: BoilerplateRules) -> bool:
    """A short line that opens with "By" and is a byline by the rules: "By Monday, the two
    sides had agreed." opens with it too, and is the article's sentence."""
    return ln.words <= 8 and ln.text[:3].lower() == "by " and rules.line_kind(ln.text) == "byline"


# A writer's bio: a name, then what the writer is ("… is a content writer at Tastewise",
# "… is the CEO and co-founder of …", "… is a professor at Vanderbilt Law School").
_BIO = re.compile(
    r"^(?:[A-Z][\w.'’-]+\s+){1,4}(?:is|was)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,4}"
    r"(?i:writer|reporter|journalist|editor|correspondent|columnist|author|contributor|analyst|"
    r"researcher|producer|founder|co-founder|ceo|instructor|professor|lecturer|fellow)\b"
)
TAIL_BIO_MAX_WORDS = 80


def is_writer_bio(text: str) -> bool:
    """A short paragraph that names a writer and says what they are (``_BIO``)."""
    return _BIO.match(text) is not None and len(text.split()) <= TAIL_BIO_MAX_WORDS
