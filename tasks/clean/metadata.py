"""Metadata from the lines around the article: the headline and the byline."""

from __future__ import annotations

import math
import re

from ipwire.records import Stripped
from ipwire.tasks.clean.dates import _is_date_line, is_any_date_line, parse_date
from ipwire.tasks.clean.lines import (
    _DATELINE_OPENING,
    _SENT_END,
    _SEPARATORS,
    _WORD,
    STOPWORDS,
    Line,
    _is_dateline,
    _is_prose,
    _is_urlish,
    _title_candidate,
    is_post_attribution,
    not_a_title,
)
from ipwire.tasks.clean.model import TITLE_FEATURES, _dot
from ipwire.tasks.clean.names import byline_name, has_byline_label, without_trailing_date
from ipwire.tasks.clean.rows import not_a_headline
from ipwire.tasks.clean.rules import BoilerplateRules
from ipwire.tasks.clean.words import content_words

_NAME = re.compile(r"^(?:by\s+)?([A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|de|van|von|al|bin)){1,3})$")


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


_TITLE_REGION_AFTER = 8
# a headline sits within this many lines above the body (a longer head is menus, and
# scanning it only costs time)
_TITLE_REGION_BEFORE = 60


_MAIN_MIN_WORDS = 30
_TITLE_MIN_WORDS = 3  # 'ANI', 'Advertisement', 'News Flash': labels, not headlines


def title_candidates(
    lines: list[Line], keep: list[bool], probs: list[float], rules: BoilerplateRules
) -> tuple[list[int], list[list[float]]]:
    """Lines that may be the headline (from the top down to a few lines into the body) and
    their features (TITLE_FEATURES): shape, distance to the body, repeats elsewhere on the
    page (share text, breadcrumb tail), word overlap with the kept body, a byline or date
    just below, and where the line stands among the other candidates (a headline sits
    above its deck, right under the menus)."""
    kept = [i for i, k in enumerate(keep) if k]
    if not kept:
        return [], []
    first = kept[0]
    # the body proper: the first kept paragraph of some length (a kept notice or teaser
    # above it may stand before the headline)
    main = next((i for i in kept if lines[i].words >= _MAIN_MIN_WORDS), first)
    end = min(len(lines), max(first + _TITLE_REGION_AFTER, main) + 1)
    body_words = set().union(*(content_words(lines[i].text) for i in kept[:60]))
    lead_words = content_words(lines[main].text)
    norms = [" ".join(_WORD.findall(ln.text.lower())) for ln in lines]
    counts: dict[str, int] = {}
    for nm in norms:
        counts[nm] = counts.get(nm, 0) + 1
    later = set(norms[end:])
    near_max = max((lines[i].words for i in range(max(0, first - 8), end)), default=1)
    start = max(0, first - _TITLE_REGION_BEFORE)
    meta = [
        is_any_date_line(ln.text, ln.words) or ln.text.lower().startswith("by ")
        for ln in lines[start : end + 3]
    ]
    # under three kept paragraphs of some length, a headline-shaped line is one of the
    # article's subheadings or list labels ("Squads in ICC World Cup 2023:"), never its
    # title (under one or two it may be: a notice or a teaser can stand above the headline;
    # with two, a wcxb-dev page lost its headline under a two-paragraph disclosure)
    long_kept = [i for i in kept[:60] if lines[i].words >= _MAIN_MIN_WORDS][:3]
    if len(long_kept) == 3:
        end = min(end, long_kept[2])
    idx = [
        i
        for i in range(start, end)
        if _may_be_title(lines[i], norms[i], meta[i - start], rules)
        and not _echoes_page_lines(norms, i, lines[i].text)
        # a social post the article quotes, above its "— Name (@handle) June 1, 2017"
        and not (i + 1 < len(lines) and is_post_attribution(lines[i + 1].text))
    ]
    is_cand = set(idx)
    rows = []
    for i in idx:
        ln = lines[i]
        text, nm = ln.text, norms[i]
        toks = nm.split()
        alpha = [t for t in _WORD.findall(text) if t[:1].isalpha()]
        content = [t for t in toks if t not in STOPWORDS and len(t) > 2]
        tail = any(len(o) > len(nm) and o.endswith(" " + nm) for o in norms[max(0, i - 5) : i + 3])
        meta_below = any(meta[i + 1 - start : i + 4 - start])
        prev = lines[i - 1] if i > 0 else None
        cap = sum(1 for t in alpha if t[:1].isupper()) / max(len(alpha), 1)
        # another headline-shaped line just above (this may be its deck) or just below
        above = float(any(j in is_cand and norms[j] != nm for j in range(i - 3, i)))
        below = float(any(j in is_cand and norms[j] != nm for j in range(i + 1, i + 3)))
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
                cap,
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
                float(is_any_date_line(text, ln.words) or text.lower().startswith("by ")),
                float(meta_below),
                float(_is_urlish(text)),
                float(len(_SEPARATORS.findall(text)) >= 1),
                float(text.isupper()),
                probs[i],
                float(_is_prose(ln, rules)),
                float(i + 1 < len(lines) and _is_prose(lines[i + 1], rules)),
                ln.words / max(near_max, 1),
                float(
                    any(
                        norms[j] == nm
                        for j in range(max(0, i - 3), i + 4)
                        if j != i and j < len(lines)
                    )
                ),
                float(prev is None or prev.words <= 3),
                max(probs[max(0, i - 3) : i], default=0.0),
                above,
                below,
                math.log1p(sum(1 for j in idx if i < j < first and norms[j] != nm)),
                math.log1p(ln.words) ** 2,
                math.log1p(abs(main - i)),
                float(i > main),
                sum(1 for ab in lines[max(0, i - 5) : i] if ab.words <= 3) / 5,
                float(
                    any(
                        j in is_cand and norms[j] != nm and lines[j].words > ln.words
                        for j in (i + 1, i + 2)
                    )
                ),
                float(text.endswith("?") and first - i <= 2),
                float(
                    any(
                        norms[j] == nm
                        for j in range(max(0, i - 8), min(len(lines), i + 9))
                        if abs(j - i) > 3
                    )
                ),
                sum(1 for t in content if t in lead_words) / max(len(content), 1),
                above * (1.0 - cap),  # a sentence-case line under a headline: a deck
                below * cap,
            ]
        )
    return idx, rows


# The name of a home page, as the first step of a breadcrumb trail whose separators were
# lost in copying ("Home Glossary Mobile App What is a Mobile App?").
_HOME_STEP = re.compile(
    r"^(?:home(?: page)?|homepage|start|startseite|accueil|inicio|início|portada|"
    r"strona główna|главная)\s"
)
# how far from a line the page's other copies of its parts are looked for
_ECHO_SPAN = 12
_MENU_ECHO_SPAN = 60
_MENU_ITEM_WORDS = 4
_MENU_MIN_ITEMS = 3


def _echoes_page_lines(norms: list[str], i: int, text: str) -> bool:
    """Line ``i`` (``text``, normalised in ``norms``) is chrome made of other lines of the
    page: a trail opening with a home page's name, then capitalised steps, and ending with
    a nearby line (the headline the trail leads to); or a menu whose items, three or more
    of a few words each, stand one to a line elsewhere on the page. Either reads as a
    headline once a paste has run its parts together."""
    nm = norms[i]
    words = nm.split()
    if not words:
        return False
    if _HOME_STEP.match(nm):
        cased = _WORD.findall(text)
        lo, hi = max(0, i - _ECHO_SPAN), min(len(norms), i + _ECHO_SPAN + 1)
        for j in range(lo, hi):
            tail = len(norms[j].split())
            if j == i or tail < 2 or not nm.endswith(" " + norms[j]):
                continue
            steps = cased[1 : len(cased) - tail] if len(cased) == len(words) else []
            if steps and all(w[:1].isupper() or w[:1].isdigit() for w in steps):
                return True
    first = words[0]
    for j in range(max(0, i - _MENU_ECHO_SPAN), min(len(norms), i + _MENU_ECHO_SPAN)):
        if j == i or not norms[j] or norms[j].split()[0] != first:
            continue
        got: list[str] = []
        k = j
        while k < len(norms) and k != i and len(got) < len(words):
            part = norms[k].split()
            if not part:
                k += 1
                continue
            if len(part) > _MENU_ITEM_WORDS:
                break
            got += part
            k += 1
        if got == words and k - j >= _MENU_MIN_ITEMS:
            return True
    return False


def _may_be_title(ln: Line, nm: str, meta: bool, rules: BoilerplateRules) -> bool:
    """Headline-shaped: a few words, not prose, not a byline, date, caption or chrome."""
    if not _TITLE_MIN_WORDS <= ln.words <= 30 or not nm or _is_prose(ln, rules):
        return False
    if meta or rules.line_kind(ln.text) or rules.marker_kind(ln.text):
        return False  # a byline, a date, or chrome wherever it stands is never the headline
    return not (
        not_a_title(ln.text)
        or not_a_headline(ln.text)
        or _DATELINE_OPENING.match(ln.text)
        or _is_dateline(ln.text)
    )


def _rank_title(
    lines: list[Line],
    keep: list[bool],
    probs: list[float],
    rules: BoilerplateRules,
    before: int | None = None,
    since: int = 0,
) -> int | None:
    """The most headline-like candidate under the fitted title model (``model.title``),
    among lines above ``before`` when given, and from line ``since`` on."""
    if rules.title_weights is None:
        return None
    idx, rows = title_candidates(lines, keep, probs, rules)
    scored = [
        (_dot(rules.title_weights, TITLE_FEATURES, row), i)
        for i, row in zip(idx, rows, strict=True)
        if (before is None or i < before) and i >= since
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


_BARE_BY = re.compile(r"^\s*by\s", re.IGNORECASE)
_WRITER_LABEL = re.compile(r"\b(?:written|posted|authored)\s+by\b", re.IGNORECASE)


def headline_copies(stripped: list[Stripped], *titles: str | None) -> list[Stripped]:
    """The audit with each stripped copy of the headline called what it is, ``title``,
    whatever the pass that stripped it took it for (a breadcrumb's last step, a rail's link
    back to the article, a second copy under the first): the audit then says the headline's
    words went to the title, not that chrome was removed, and no copy reads as a byline.

    ``titles`` are the forms a copy may take (the title field, and a paste's headline line as
    printed, with its entities and site name). A ``duplicate``, a copy of a line the body
    keeps, stays one."""
    keys = {_copy_key(t) for t in titles if t and t.strip()}
    if not keys:
        return stripped
    return [
        Stripped("title", s.text)
        if s.kind not in ("title", "duplicate") and _copy_key(s.text) in keys
        else s
        for s in stripped
    ]


def _copy_key(text: str) -> str:
    """A line as a copy of the headline is compared: white space, case and soft hyphens (a
    page's break hints, in its title or in its text) aside."""
    return " ".join(text.replace("\xad", "").split()).casefold()


def stripped_byline_author(stripped: list[Stripped]) -> str | None:
    """The name in the first line the audit strips as a byline that holds one ("By Emily
    Way", "posted by Stadler at 12:53"): a paste whose byline stands far from its headline,
    below a lede or in an author box, still names its author.

    Bare "By …" lines naming two or more different things are a filter menu ("By
    Industry", "By Company Size"), not bylines; one word alone is a name only under a
    writer's label ("Written by Melissa", "posted by Stadler"), never under a bare "By"."""
    bare = {byline_name(b.text) for b in stripped if b.kind == "byline" and _BARE_BY.match(b.text)}
    if len(bare - {None}) >= 2:
        return None
    for block in stripped:
        if block.kind != "byline":
            continue
        text = block.text
        name = byline_name(text)
        if name is None:
            m = _BY_NAME.search(text)
            found = without_trailing_date(m.group(1)).strip() if m else ""
            name = byline_name(found) if _plausible_name(found) else None
        if name is None:
            continue
        if " " in name or _WRITER_LABEL.search(text):
            return name
        if has_byline_label(text) and not _BARE_BY.match(text):
            return name
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
