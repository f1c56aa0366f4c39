"""The HTML extractor's entry point: article text and metadata from HTML pages.

trafilatura finds the main content (comments excluded, favor_recall); when that text is
short and a small part of the page, trafilatura's balanced mode runs too (it retries with
justext, which recall mode never does) and its text is taken when it is much longer and
holds most of the recall text;
before it runs, the page's h2-h4 subheadings are noted and "embed" containers that hold
tables or long paragraphs are unmasked (trafilatura would discard them). Its output blocks
then go through the same line rules as text pastes (text.py): lines that are
chrome wherever they stand, photo-credit captions, trailing "Related"/"Don't Miss"
sections (only when little prose follows the marker) and short blocks the line model is
sure are chrome (see ``postfilter``). Subheadings trafilatura dropped above
a kept paragraph are put back. Metadata comes from the page's own declarations (JSON-LD,
Open Graph and article meta tags, ``<time>``, ``<h1>``), read once from the parsed tree:
cheaper than a full date search and it keeps the publisher's UTC offset.

The parts: ``html_meta`` (page metadata), ``decode`` (mojibake), ``render`` (parsing, rendering,
the text-model fallback), ``recall`` (trafilatura's recall pass, fewer tree copies),
``walks`` (its costliest XPaths read in Python), ``postfilter`` (line rules over trafilatura's
blocks) and ``siblings`` (what trafilatura dropped and comes back).
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from typing import Any

from lxml import etree
from trafilatura import html2txt

from ipwire.records import Extraction, Stripped
from ipwire.tasks.clean.decode import SOFT_HYPHEN, repair_mojibake
from ipwire.tasks.clean.html_meta import page_metadata
from ipwire.tasks.clean.lines import split_lines
from ipwire.tasks.clean.metadata import _find_author, headline_copies, stripped_byline_author
from ipwire.tasks.clean.patterns import fold_space
from ipwire.tasks.clean.postfilter import _filter_blocks_cut
from ipwire.tasks.clean.recall import recall_text, trafilatura_text
from ipwire.tasks.clean.render import _body, _parse, _text_model_fallback
from ipwire.tasks.clean.rules import BoilerplateRules, default_rules
from ipwire.tasks.clean.siblings import (
    _recover_siblings,
    _restore_subheadings,
    _subheadings,
    _unmask_content_containers,
)

_C1_MOJIBAKE = "\u00e2\u0080"


def extract_from_html(
    html: str, *, url: str | None = None, rules: BoilerplateRules | None = None
) -> Extraction:
    """Article text and metadata from one HTML page.

    Returns an Extraction with empty ``text`` when the page holds no article; every block
    dropped after trafilatura is listed in ``stripped`` with its kind.
    """
    rules = rules or default_rules()
    # the C1 control alone first: a search for one character runs several times faster
    # over a whole page than one for a pair, and almost no page holds it
    whole = "\x80" in html and _C1_MOJIBAKE in html
    if whole:
        # mangled quotes spelt with C1 controls ("â\x80\x99"): trafilatura drops the controls
        # and leaves "Investorâs", so such a page is repaired whole, before parsing
        html = repair_mojibake(html)
    tree = _parse(html)
    if tree is None:
        return Extraction(text="", method="trafilatura+lines")
    meta = page_metadata(tree, url)
    for key in ("title", "author"):
        if meta.get(key):
            meta[key] = repair_mojibake(meta[key])
    heads = _subheadings(tree)
    _unmask_content_containers(tree)
    found = _trafilatura(tree, url, recall=True)
    if _kept_little(found, tree):
        found = _wider(found, _trafilatura(tree, url, recall=False), rules)
    # any other page has its mangled UTF-8 repaired in the extracted text only: far cheaper
    # than the whole page
    raw = found if whole else repair_mojibake(found)
    text, stripped, closed = _filter_blocks_cut(raw, rules, meta.get("title"))
    text = _restore_subheadings(text, heads, stripped, rules)
    method = "trafilatura+lines"
    fallback = (
        _text_model_fallback(tree, text, rules, meta.get("title")) if rules.html_fallback else None
    )
    if fallback is not None:
        text, stripped, method = fallback.text, fallback.stripped, fallback.method
    elif text:
        text, stripped = _recover_siblings(tree, text, stripped, rules, closed)
    if text and _only_links(text, tree):
        # a section index, a menu or a list of teaser headlines: no article, and the audit
        # says what the page was
        stripped = [*stripped, *(Stripped("navigation", ln) for ln in _text_lines(text))]
        text = ""
    stripped = headline_copies(stripped, meta.get("title"))
    if not meta.get("author"):
        lines = split_lines(_head(raw, _AUTHOR_LINES + 1))
        meta["author"] = _find_author(
            lines, 0, min(_AUTHOR_LINES, len(lines))
        ) or stripped_byline_author(stripped)
    if not unicodedata.is_normalized("NFC", text):
        # a u followed by a combining diaeresis is one letter to readers, search and hashes
        text = unicodedata.normalize("NFC", text)
    # as in pastes, an invisible break hint ("Deutsch\xadland") splits no word: trafilatura
    # drops it, text brought back from the page's tree and its declared title may hold it
    text = text.replace(SOFT_HYPHEN, "")
    if meta["title"]:
        meta["title"] = meta["title"].replace(SOFT_HYPHEN, "")
    return Extraction(
        text=text,
        title=meta["title"],
        author=meta["author"],
        published_at=meta["published_at"],
        outlet=meta["outlet"],
        language=meta["language"],
        canonical_url=meta["canonical_url"],
        stripped=stripped,
        method=method,
    )


_AUTHOR_LINES = 6

# A text is the page's links, not an article, when this share of its words stand in lines
# that are each the whole text of a link on the page. No page of the three shared packs comes
# near it: the highest share of ipwire's text in whole link texts is 0.80 (a magazine page
# whose gold is 21 words), every other is under 0.24.
ONLY_LINKS_SHARE = 0.9
# Link lines are short: a text with more of its words in longer lines is never checked (and
# first, cheaper: one with more of its characters in lines longer than a 15-word line can be).
_LINK_LINE_MAX_WORDS = 15
_LINK_LINE_MAX_CHARS = 200


def _text_lines(text: str) -> list[str]:
    """The text's lines, each with its runs of white space as one space."""
    return [ln for ln in (" ".join(x.split()) for x in text.split("\n")) if ln]


def _only_links(text: str, tree: Any) -> bool:
    """Whether the text is (nearly) all whole link texts of the page: what trafilatura keeps
    of a page that is only a menu or a list of headlines. The page's links are read only
    when the text's lines are short enough for that to be possible."""
    rows = text.split("\n")
    if sum(len(r) for r in rows if len(r) <= _LINK_LINE_MAX_CHARS) < ONLY_LINKS_SHARE * len(text):
        return False
    lines = _text_lines(text)
    words = [len(ln.split()) for ln in lines]
    total = sum(words)
    short = sum(w for w in words if w <= _LINK_LINE_MAX_WORDS)
    if not total or short < ONLY_LINKS_SHARE * total:
        return False
    links = {fold_space(a.text_content()) for a in tree.iter("a")}
    linked = sum(w for ln, w in zip(lines, words, strict=True) if fold_space(ln) in links)
    return linked >= ONLY_LINKS_SHARE * total


def _trafilatura(tree: Any, url: str | None, *, recall: bool) -> str:
    """trafilatura's main text of the page, comments left out ("" when it fails).

    ``recall`` (favor_recall) keeps lists and link-rich blocks its balanced mode prunes;
    the balanced mode, when its first pass covers little of the page, retries in recall
    mode and with a second algorithm (justext), which recall mode never does.
    """
    try:
        if recall:
            return recall_text(tree, url)  # bare_extraction's text, two tree copies fewer
        return trafilatura_text(tree, url, recall=False)
    except Exception:  # noqa: BLE001 - trafilatura can fail on malformed trees
        return ""


# An extraction that "covers little of the page", after trafilatura's own test (its balanced
# mode's escalation, trafilatura 2.3.1 core.py, at 3,000 characters): fewer characters than
# this ... (6,000 chosen among 3,000, 6,000 and 10,000 on the three shared packs: 6,000 and
# 10,000 gave the same figures, a software price guide whose recall text was its 3,035-
# character FAQ got its article back; 5 more of 711 wcxb-dev pages run the balanced pass)
KEPT_LITTLE_CHARS = 6000
# ... and less than this share of the page's text (trafilatura's html2txt).
KEPT_LITTLE_SHARE = 0.2


def _kept_little(text: str, tree: Any) -> bool:
    """The recall-mode text is short and a small part of the page: the case trafilatura's
    balanced mode escalates and recall mode does not (it lost whole articles on wcxb-dev)."""
    if not text or len(text) >= KEPT_LITTLE_CHARS:
        return False
    bound = _page_text_bound(tree)
    if bound is not None and len(text) >= KEPT_LITTLE_SHARE * bound:
        return False  # not a small part of the page even at the page's longest
    try:
        page = html2txt(tree)  # it cleans a copy: the tree is left as it was
    except Exception:  # noqa: BLE001 - a tree lxml cannot serialise: no measure, no retry
        return False
    return len(text) < KEPT_LITTLE_SHARE * len(page)


# The text nodes html2txt may keep: all but those of scripts and styles, which it deletes.
_PAGE_TEXTS = etree.XPath(
    "descendant::text()[not(parent::script or parent::style)]", smart_strings=False
)


def _page_text_bound(tree: Any) -> int | None:
    """At least ``len(html2txt(tree))``, at a fifth of its cost (None when not known).

    html2txt copies the page, deletes scripts, styles and chrome sections (their tails
    stay), deletes control characters, puts a space on either side of each block
    element's text and collapses white space. Deleting text never lengthens the collapsed
    text and each added space lengthens it by one at most, so the collapsed text outside
    scripts and styles plus two per block element bounds it from above.
    """
    body = _body(tree)
    if body is None or _HTML2TXT_BLOCKS is None:
        return None
    collapsed = len(" ".join("".join(_PAGE_TEXTS(body)).split()))
    return collapsed + 2 * sum(1 for _ in body.iter(*_HTML2TXT_BLOCKS))


# the block elements html2txt spaces apart (trafilatura 2.3.1, baseline.py); without the
# list, no bound and html2txt is always run
_HTML2TXT_BLOCKS: tuple[str, ...] | None = (
    tuple(sorted(getattr(importlib.import_module("trafilatura.baseline"), "_BLOCK_ELEMS", ())))
    or None
)


# The balanced pass replaces the recall text only when it is this many times longer ...
WIDER_GAIN = 3.0
# ... and holds at least this share of the recall text's characters: a wider text that
# drops what recall kept has found another block (a gallery, a teaser list), not more of
# the article.
WIDER_COVER = 0.8


# recall mode writes a list item as "- item", the balanced mode as "item"
_LIST_MARK = re.compile(r"^- ")


def _wider(narrow: str, wide: str, rules: BoilerplateRules) -> str:
    """``wide`` when it is much longer than ``narrow`` and holds most of it, else ``narrow``.
    Lines of ``narrow`` that are chrome wherever they stand ("Recommended: ...") are not
    counted: the line rules strip them from either text, so a wider text that left them out
    has lost nothing."""
    if len(wide) <= WIDER_GAIN * len(narrow):
        return narrow
    folded = fold_space(wide)
    lines = [
        ln
        for ln in (raw.strip() for raw in narrow.split("\n"))
        if ln and rules.line_kind(ln) is None and not rules.marker_kind(ln)
    ]
    held = sum(len(ln) for ln in lines if fold_space(_LIST_MARK.sub("", ln)) in folded)
    return wide if held >= WIDER_COVER * sum(len(ln) for ln in lines) else narrow


def _head(text: str, n: int) -> str:
    """The first ``n`` non-blank lines of ``text`` (a byline is looked for there only)."""
    out: list[str] = []
    for line in text.split("\n", 4 * n)[: 4 * n]:
        if line.strip():
            out.append(line)
            if len(out) == n:
                return "\n".join(out)
    # fewer non-blank lines than asked for in the first pieces: read them all
    return text
