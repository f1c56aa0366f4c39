"""The HTML extractor's entry point: article text and metadata from HTML pages.

trafilatura finds the main content (one call per page, comments excluded, favor_recall);
before it runs, the page's h2-h4 subheadings are noted and "embed" containers that hold
tables or long paragraphs are unmasked (trafilatura would discard them). Its output blocks
then go through the same line rules as text pastes (text.py): lines that are
chrome wherever they stand, photo-credit captions, trailing "Related"/"Don't Miss"
sections (only when little prose follows the marker), blocks the line model is sure are
chrome, and short low-scored lines at the two edges. Subheadings trafilatura dropped above
a kept paragraph are put back. Metadata comes from the page's own declarations (JSON-LD,
Open Graph and article meta tags, ``<time>``, ``<h1>``), read once from the parsed tree:
cheaper than a full date search and it keeps the publisher's UTC offset.

The parts: ``html_meta`` (page metadata), ``render`` (parsing, rendering, mojibake,
the text-model fallback), ``postfilter`` (line rules over trafilatura's blocks) and
``siblings`` (what trafilatura dropped and comes back).
"""

from __future__ import annotations

import unicodedata

from trafilatura import bare_extraction

from ipwire.records import Extraction
from ipwire.tasks.clean.html_meta import page_metadata
from ipwire.tasks.clean.lines import split_lines
from ipwire.tasks.clean.metadata import _find_author
from ipwire.tasks.clean.postfilter import _filter_blocks_cut
from ipwire.tasks.clean.render import _parse, _text_model_fallback, repair_mojibake
from ipwire.tasks.clean.rules import BoilerplateRules, default_rules
from ipwire.tasks.clean.siblings import (
    _recover_siblings,
    _restore_subheadings,
    _subheadings,
    _unmask_content_containers,
)


def extract_from_html(
    html: str, *, url: str | None = None, rules: BoilerplateRules | None = None
) -> Extraction:
    """Article text and metadata from one HTML page.

    Returns an Extraction with empty ``text`` when the page holds no article; every block
    dropped after trafilatura is listed in ``stripped`` with its kind.
    """
    rules = rules or default_rules()
    tree = _parse(html)
    if tree is None:
        return Extraction(text="", method="trafilatura+lines")
    meta = page_metadata(tree, url)
    for key in ("title", "author"):
        if meta.get(key):
            meta[key] = repair_mojibake(meta[key])
    heads = _subheadings(tree)
    _unmask_content_containers(tree)
    try:
        doc = bare_extraction(
            tree, url=url, include_comments=False, with_metadata=False, favor_recall=True
        )
    except Exception:  # noqa: BLE001 - trafilatura can fail on malformed trees
        doc = None
    # mangled UTF-8 is repaired in the extracted text only: far cheaper than the whole page
    raw = repair_mojibake((doc.text if doc is not None else "") or "")
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
    if not meta.get("author"):
        lines = split_lines(_head(raw, _AUTHOR_LINES + 1))
        meta["author"] = _find_author(lines, 0, min(_AUTHOR_LINES, len(lines)))
    if not unicodedata.is_normalized("NFC", text):
        # a u followed by a combining diaeresis is one letter to readers, search and hashes
        text = unicodedata.normalize("NFC", text)
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
