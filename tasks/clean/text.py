"""The text extractor's entry point: boilerplate removal from plain-text pastes of whole pages.

A paste ("select all, copy, paste") holds the article plus the page's chrome: menus, share
bars, "Related"/"Don't Miss" teasers, footers. We decide line by line with a small logistic
model over readable features (length, stop-word and punctuation density, position, block
shape, repeated lines, known chrome phrases) and a second pass that adds the neighbours'
scores, then keep the densest contiguous run of article lines (so a stray teaser far from
the article does not come back) and cut trailing related-story sections at their marker
lines. Weights, markers and phrases live in ``ipwire/boilerplate.toml`` so they can be
inspected and edited; ``bench/eval_extraction.py train`` refits the weights.

The same line scorer post-filters the blocks trafilatura returns for HTML pages
(``html.py``). The parts: ``rules`` (configuration), ``lines``, ``words``, ``rows`` and
``features`` (the line model's input), ``model`` (feature names, trees), ``decisions``
(the article span and where a trailing section cuts), ``passes`` (the paste passes over
those decisions), ``threads`` (comment-thread heads), ``metadata``, ``dates``.
"""

from __future__ import annotations

import html
import re
import unicodedata

from ipwire.records import Extraction, Stripped
from ipwire.tasks.clean.dates import headline_without_date
from ipwire.tasks.clean.decisions import LineDecision, _kind_for, _paragraph_net, decide
from ipwire.tasks.clean.decode import SOFT_HYPHEN, repair_mojibake
from ipwire.tasks.clean.html_meta import bare_title
from ipwire.tasks.clean.lines import (
    _SENT_END,
    AGENCY_AFTER_STOP,
    Line,
    _is_dateline,
    _is_running_text,
    _is_sentence,
    _title_candidate,
    byline_kind,
    join_wrapped_lines,
    not_a_title,
    split_lines,
)
from ipwire.tasks.clean.metadata import (
    _author_near,
    _find_author,
    _find_title,
    _rank_title,
    headline_copies,
    stripped_byline_author,
)
from ipwire.tasks.clean.postfilter import DUPLICATE_MIN_WORDS
from ipwire.tasks.clean.published import find_published
from ipwire.tasks.clean.rules import BoilerplateRules, default_rules
from ipwire.tasks.clean.stamps import headline_without_stamp
from ipwire.tasks.clean.words import _WORD, content_words

# how far above a text's only kept line its headline may stand (a date or byline between)
LONE_BODY_TITLE_ABOVE = 3
# a dateline under the headline ("Islamabad, Feb 18:") is this short; a paragraph that names
# a day and a clock time is the body
DATELINE_MAX_WORDS = 8
# a writer's or an agency's name under it ("Excelsior Correspondent", "ANI") is this short,
# and a headline has at most this many such notes under it before its body
NAME_MAX_WORDS = 4
HEADLINE_NOTES_MAX = 4


def _repeats_of(lines: list[Line], i: int, after: list[int]) -> set[int]:
    """The lines of ``after`` that have the same words as line ``i``."""
    words = _WORD.findall(lines[i].text.lower())
    return {j for j in after if _WORD.findall(lines[j].text.lower()) == words}


def _is_name_note(line: Line, rules: BoilerplateRules) -> bool:
    """A few words and no sentence: a writer's or agency's name under a headline."""
    return line.words <= NAME_MAX_WORDS and not _is_sentence(line, rules)


def _body_under_headline(
    lines: list[Line],
    under: list[int],
    repeats: set[int],
    rules: BoilerplateRules,
    headline_words: int,
) -> tuple[int | None, bool]:
    """The first of the kept lines ``under`` a headline candidate that may open its body, and
    whether a name stood above it (then only a sentence or running prose opens the body). A
    repeat of the headline, a credit or share row, a short dateline and a name are passed
    over: a writer's or agency's name, or a deck, byline or caption no longer than the
    headline that neither is nor ends like a sentence ("US says it mediated the truce",
    "Pallab Bhattacharya, from New Delhi")."""
    named = False
    for j in under:
        ln = lines[j]
        name = _is_name_note(ln, rules) or _is_deck(ln, headline_words)
        named = named or name
        if (
            name
            or j in repeats
            or not_a_title(ln.text)
            or (ln.words <= DATELINE_MAX_WORDS and _is_dateline(ln.text))
        ):
            continue
        return j, named
    return None, False


def _notes_window(lines: list[Line], after: list[int]) -> list[int]:
    """The kept lines under a headline where its body may open: a few notes (a name, a deck,
    a dateline), and any lines between them that are never a title (a byline with its date, a
    caption's credit), up to as many again: a headline over its byline and a captioned
    picture ("Story by IANS | Posted by … | Date 31-05-2022", "… (representational Image)"
    twice, "Islamabad") still has its body within reach."""
    out: list[int] = []
    notes = 0
    for j in after:
        if len(out) == 2 * HEADLINE_NOTES_MAX:
            break
        out.append(j)
        if not not_a_title(lines[j].text):
            notes += 1
            if notes == HEADLINE_NOTES_MAX:
                break
    return out


def _is_deck(line: Line, headline_words: int) -> bool:
    """A line under a headline that opens no body: no longer than the headline, and no
    closing stop (so no sentence either: ``_is_sentence`` needs one)."""
    return line.words <= headline_words and not _SENT_END.search(line.text)


def _opens_body(line: Line, headline_words: int, rules: BoilerplateRules) -> bool:
    """The line under a headline opens its body: it is longer than the headline, or it is
    a sentence (a lead shorter than a long headline: "The ministry claimed that ...")."""
    return line.words > headline_words or _is_sentence(line, rules)


# a list item's bullet or dash: a line that opens with one is a highlight, not the headline
_BULLETED = re.compile(r"^[-–—•*·▪●]\s")

# A kicker over a headline (a section label, a slogan, a prompt) is this short; the
# headline under it is longer and no sentence.
KICKER_MAX_WORDS = 5
# a dropped line may stand between them (an "Allow Notification" button)
KICKER_GAP = 1
# ... and shares less than this share of its content words with the headline and the lead
KICKER_MAX_SHARED = 0.5
# (read over the headline and the kept lines under it, to this many kept lines)
KICKER_READ = 8


def _headline_under_kicker(
    lines: list[Line], kept_idx: list[int], first: int, rules: BoilerplateRules
) -> int | None:
    """The headline under a kicker: the kept line right under a short first line (one dropped
    line may stand between) that is itself headline-shaped, longer and no sentence, with a
    kept line after it, when the first line names little of what the text goes on about.
    None otherwise: the first line is the headline. A trail glued to the headline it ends in
    ("HomeNewsBusinessA year after ceasefire: ...") over the headline alone is a kicker too."""
    if len(kept_idx) < 3 or kept_idx[0] != first:
        return None
    j = kept_idx[1]
    ln = lines[j]
    if j > first + KICKER_GAP + 1 or not _title_candidate(ln, rules):
        return None
    top = lines[first].text
    if len(top) > len(ln.text) and top.lower().endswith(ln.text.lower()):
        return j
    if not (
        lines[first].words <= KICKER_MAX_WORDS
        and lines[first].words < ln.words <= 20
        and not _is_sentence(ln, rules)
        and not not_a_title(ln.text)
    ):
        return None
    # a short headline over its deck ("Making Google Sans Flex" over "How seven design
    # problems shaped Google's iconic typeface") names what the text goes on about (Google
    # Sans, in its first paragraphs); a kicker names little of it
    mine = content_words(lines[first].text)
    told = set().union(*(content_words(lines[k].text) for k in kept_idx[1:KICKER_READ]))
    if mine and len(mine & told) >= KICKER_MAX_SHARED * len(mine):
        return None
    return j


def _is_statement(line: Line, rules: BoilerplateRules) -> bool:
    """A sentence that ends with a full stop ("When I woke up, there was nothing."): the
    article's own first line, which stays in the body even where it is the best headline
    the text has (headlines end without one)."""
    text = line.text.rstrip()
    return text.endswith((".", "。")) and not text.endswith("..") and _is_sentence(line, rules)


def extract_from_text(
    text: str,
    *,
    rules: BoilerplateRules | None = None,
    title_hint: str | None = None,
    paste: bool = True,
) -> Extraction:
    """Article text and metadata from a plain-text paste of a page.

    Returns an Extraction with empty ``text`` when no article is found; the caller turns that
    into a rejection. Every dropped line is reported in ``stripped`` with its kind.
    ``paste=False`` is for text ipwire rendered itself from HTML: the shared line model and
    decisions, not those fitted on what users paste.
    """
    rules = rules or default_rules()
    text = text or ""
    text = repair_mojibake(text)  # "isnâ€™t" in a paste of a page saved through cp1252
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)  # u + combining diaeresis is one letter
    if SOFT_HYPHEN in text:
        # an invisible break hint ("Deutsch\xadland"): it split words for the rules, the
        # line model, search and hashes alike
        text = text.replace(SOFT_HYPHEN, "")
    lines = join_wrapped_lines(split_lines(text), rules)
    if not lines:
        return Extraction(text="", method="text-lines")
    decision = decide(lines, rules, paste=paste)
    keep = decision.keep
    kept_idx = [i for i, k in enumerate(keep) if k]
    netted = not kept_idx
    if netted:
        # a text is never emptied while it holds paragraphs no chrome rule names
        keep = _paragraph_net(lines, rules)
        kept_idx = [i for i, k in enumerate(keep) if k]
    if not kept_idx:
        return Extraction(
            text="",
            method="text-lines",
            stripped=[Stripped(_kind_for(ln, rules, False), ln.text) for ln in lines],
        )
    # chrome that opens what was kept (a trail, a byline with its date, a credited caption)
    # leaves before the headline is looked for: the line under it may be the headline
    openers = _chrome_openers(lines, kept_idx)
    for i in openers:
        keep[i] = False
    kept_idx = kept_idx[len(openers) :]
    first = kept_idx[0]
    title_idx = _find_title(lines, first, rules, title_hint) if title_hint else None
    if title_idx is None:
        # in clean text the ranker only names a headline above the body: a line that opens
        # the text is left to the stricter first-line rule below; past a section marker that
        # closed the article come teasers
        # the net's paragraphs are the post itself: what follows them is its links; so are
        # the sentences kept where the model believed no line
        before = (
            first
            if decision.clean or netted or decision.unsure
            else _teasers_start(lines, decision, rules)
        )
        title_idx = _rank_title(lines, keep, decision.probs, rules, before=before)
        if title_idx is not None:
            title_idx = _fuller_headline(lines, keep, title_idx, rules, before)
    if title_idx is None:
        title_idx = _find_title(lines, first, rules, None)
    repeats: set[int] = set()
    kicker: int | None = None
    if title_idx is None:
        # A kept first line that looks like a headline and is followed by prose is the title.
        ln = lines[first]
        under = _notes_window(lines, kept_idx[1:])
        # the headline printed twice in a row (a page's title and its <h1>)
        repeats = _repeats_of(lines, first, under)
        nxt, named = _body_under_headline(lines, under, repeats, rules, ln.words)
        # past a name or deck, only a sentence or running prose is the body ("WATER, FOOD and
        # ENERGY" under a banner heads another headline)
        if (
            _title_candidate(ln, rules)
            and not _BULLETED.match(ln.text)
            and ln.words <= 20
            and nxt is not None
            and _opens_body(lines[nxt], ln.words, rules)
            and (
                not named
                or _is_sentence(lines[nxt], rules)
                or _is_running_text(lines[nxt], rules)  # a paragraph cut off mid-sentence
            )
            and first <= 5
        ):
            title_idx = first
            for j in repeats:
                keep[j] = False
                kept_idx.remove(j)
            headline = _headline_under_kicker(lines, kept_idx, first, rules)
            if headline is not None:
                # a section label, slogan or prompt above the headline ("Nation, Current
                # Affairs", "A new approach to journalism"): the headline is the title, the
                # label leaves the body
                keep[first] = keep[headline] = False
                kept_idx = kept_idx[2:]
                kicker, title_idx = first, headline
    if title_idx == first and len(kept_idx) == 1 and title_hint is None:
        # the only line kept is the body: it is not the headline as well (an empty body
        # would reject the text); a headline just above it may be
        title_idx = _rank_title(
            lines, keep, decision.probs, rules, before=first, since=first - LONE_BODY_TITLE_ABOVE
        )
    title = lines[title_idx].text if title_idx is not None else None
    if title and "&" in title:
        title = html.unescape(title)  # a pasted "&#8211;" or "&amp;" reads as its character
    if title:
        undated = headline_without_date(title) or headline_without_stamp(title) or title
        title = bare_title(undated)
    if (
        title_idx is not None
        and keep[title_idx]
        and title_idx == first
        and len(kept_idx) > 1
        and not _is_statement(lines[title_idx], rules)
    ):
        # A paste whose first kept line is the headline (seed 004 style) loses it from the
        # body only when there is a body after it.
        keep[title_idx] = False
        kept_idx = kept_idx[1:]
    below = _chrome_openers(lines, kept_idx)  # and chrome under the headline
    for i in below:
        keep[i] = False
    kept_idx = kept_idx[len(below) :]
    openers += below
    listed: set[int] = set()
    if (
        paste
        and len(kept_idx) >= LISTED_MIN_LINES
        and not any(_reads_on(lines[i]) for i in kept_idx)
    ):
        # a paste of a section page: every line a headline, not one sentence among them (a
        # short list may be a notice's body: the dates of a board's meetings)
        # the headline taken for the title (and its second copy) is one more of them
        listed = set(kept_idx) | repeats | ({title_idx} if title_idx is not None else set())
        for i in listed:
            keep[i] = False
        kept_idx, title, title_idx, repeats = [], None, None, set()
    header_lo = max(0, first - 12)
    body_first = kept_idx[0] if kept_idx else first
    # the headline's neighbourhood first: byline and date sit just below (or above) it
    near: list[Line] = []
    if title_idx is not None:
        near = lines[max(0, title_idx - 3) : min(len(lines), max(title_idx, body_first) + 6)]
    published = find_published(
        lines, near + lines[header_lo : body_first + 1] + lines[: min(4, len(lines))]
    )
    author = _author_near(near) if near else None
    if author is None:
        author = _find_author(lines, header_lo, body_first + 1)

    body = "\n\n".join(_join_blocks(lines, keep))
    kept_paragraphs = {ln.text.lower() for ln, k in zip(lines, keep, strict=True) if k}
    stripped: list[Stripped] = []
    for i, ln in enumerate(lines):
        if keep[i]:
            continue
        if i == title_idx or i in repeats:
            stripped.append(Stripped("title", ln.text))
            continue
        if i == kicker or i in listed:
            stripped.append(Stripped("navigation", ln.text))
            continue
        if ln.words >= DUPLICATE_MIN_WORDS and ln.text.lower() in kept_paragraphs:
            # a second copy of a kept paragraph (a summary the body repeats): neither a
            # teaser nor navigation, wherever it stands
            stripped.append(Stripped("duplicate", ln.text))
            continue
        if i in openers:
            kind = (
                "caption" if _CREDIT_WORD.search(ln.text) else byline_kind(ln.text) or "navigation"
            )
            stripped.append(Stripped(kind, ln.text))
            continue
        after = i > first
        if decision.cut_at is not None and i >= decision.cut_at:
            kind = rules.line_kind(ln.text) or decision.cut_kind or "related-links"
        else:
            kind = _kind_for(ln, rules, after)
        stripped.append(Stripped(kind, ln.text))
    stripped = headline_copies(
        stripped, title, lines[title_idx].text if title_idx is not None else None
    )
    if author is None:
        author = stripped_byline_author(stripped)
    return Extraction(
        text=body,
        title=title,
        author=author,
        published_at=published,
        stripped=stripped,
        method="text-lines",
    )


# A line of running text without its closing stop is this long (words, or characters where a
# script does not space its words); headlines are shorter
RUN_ON_MIN_WORDS = 20
RUN_ON_MIN_CHARS = 150
# a body of this many lines and not one sentence is a list of headlines
LISTED_MIN_LINES = 5


def _reads_on(line: Line) -> bool:
    """A line that is a sentence or part of one: it closes like a sentence (in any script)
    or runs longer than a headline. A body without one is a list of headlines."""
    return (
        line.words >= RUN_ON_MIN_WORDS
        or len(line.text) >= RUN_ON_MIN_CHARS
        or bool(_SENT_END.search(line.text))
    )


# The body's opening lines that are never article text: a photo's credit ("(Foto: DBT/...)"),
# a breadcrumb trail, a share row (lines.not_a_title). Only a few, and never the last line.
_OPENERS_MAX = 2
_OPENER_MAX_WORDS = 20
_CREDIT_WORD = re.compile(
    r"\b(?:foto|fotos|photo|photos|bild|image|picture|pic|credit|symbolbild|symbolfoto"
    rf"|archivbild|archivfoto|bildquelle|bildnachweis)\b|©|\|\s*file\b|{AGENCY_AFTER_STOP}",
    re.I,
)


def _chrome_openers(lines: list[Line], kept_idx: list[int]) -> list[int]:
    """The first kept lines, from the top, that are headline-shaped chrome."""
    out: list[int] = []
    distinct = 0
    for i in kept_idx[: len(kept_idx) - 1]:
        if out and lines[i].text == lines[out[-1]].text:
            out.append(i)  # a caption printed twice counts once
            continue
        if (
            distinct == _OPENERS_MAX
            or lines[i].words > _OPENER_MAX_WORDS
            or not not_a_title(lines[i].text)
        ):
            break
        out.append(i)
        distinct += 1
    return out


def _fuller_headline(
    lines: list[Line], keep: list[bool], idx: int, rules: BoilerplateRules, before: int | None
) -> int:
    """A line beside the chosen headline that repeats it and goes on ("What is an online
    course?" beside "What is an Online Course? Definition Explained"): the page's full
    headline, of which the chosen line is the short form. Never a kept line of the body (a
    lead that opens with the headline's words) nor one past where the ranker looked."""
    mine = " ".join(_WORD.findall(lines[idx].text.lower()))
    end = len(lines) if before is None else min(before, len(lines))
    for j in (idx + 1, idx - 1, idx + 2, idx - 2):
        if 0 <= j < end and not keep[j] and _title_candidate(lines[j], rules):
            other = " ".join(_WORD.findall(lines[j].text.lower()))
            # what follows is more headline, not a byline ("… Until July 31 by Eric Ries")
            if other.startswith(mine + " ") and not other[len(mine) + 1 :].startswith("by "):
                return j
    return idx


def _teasers_start(
    lines: list[Line], decision: LineDecision, rules: BoilerplateRules
) -> int | None:
    """Where teasers begin: the section marker that closed the article, else the first
    marker line after the article's span ("More From" below the last paragraph)."""
    if decision.cut_at is not None:
        return decision.cut_at
    after = range(decision.span[1] + 1, len(lines))
    return next((i for i in after if rules.marker_kind(lines[i].text)), None)


def _join_blocks(lines: list[Line], keep: list[bool]) -> list[str]:
    """Kept lines as paragraphs: each kept line is one block of the output."""
    return [ln.text for ln, k in zip(lines, keep, strict=True) if k]
