"""Text a page declares or shows, as readers see it: entities decoded, scripts and styles
left out, white space collapsed."""

from __future__ import annotations

import html
import unicodedata
from typing import Any

from lxml import etree

_HIDDEN = ("style", "script", "noscript", "template")


def declared_text(text: str | None) -> str | None:
    """A declared value as readers see it: entities decoded (JSON-LD and meta attributes often
    carry a second, escaped layer such as ``&#8211;``), NFC, white space collapsed."""
    if not text:
        return None
    text = str(text)
    for _ in range(2):  # "&amp;#8230;" is escaped twice over
        if "&" not in text:
            break
        text = html.unescape(text)
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text or None


def visible_text(el: Any) -> str:
    """An element's text as readers see it: without the rules of a ``<style>`` or the code of
    a ``<script>`` inside it (CSS-in-JS puts ``.css-1x{font-size:16px}`` in headlines)."""
    if next(el.iter(*_HIDDEN), None) is None:
        return el.text_content()
    return "".join(
        el.xpath(
            ".//text()[not(ancestor::style or ancestor::script or ancestor::noscript"
            " or ancestor::template)]"
        )
    )


# A byline or date element holds a few inline elements (a link, spans, a <time>): one with
# more than this many is a wrapper, however little text its elements hold. Elements of an
# inline picture (an <svg> icon of many paths) and of scripts and styles are not counted:
# their subtrees are passed over, none of their text being shown as the byline's.
SHORT_MAX_ELEMENTS = 40
_PASSED_OVER = frozenset({*_HIDDEN, "svg"})
# lxml's walk, named here so that a test can count what this module walks
_iterwalk = etree.iterwalk


def short_text(el: Any, limit: int) -> str | None:
    """An element's visible text with a space between its text nodes ("By" and a linked
    name, a name and a date in two spans), or None once it runs past ``limit`` characters
    or :data:`SHORT_MAX_ELEMENTS` elements: a byline or date element is short, and a
    wrapper around the article is not read past its first ``limit`` characters (nor a
    wrapper of empty elements through all of them)."""
    parts: list[str] = []
    size = 0
    elements = 0
    walk = _iterwalk(el, events=("start", "end", "comment", "pi"))
    for event, node in walk:
        if event in ("comment", "pi"):
            # a comment's own text is not shown, the text after it is ("By <!-- -->Jane")
            texts = [node.tail]
        elif event == "start":
            if node is el and node.tag in _HIDDEN:
                return None  # a script or a style shows no text
            if node is not el and node.tag in _PASSED_OVER:
                walk.skip_subtree()  # its "end" still comes, and with it its tail
                continue
            elements += 1
            if elements > SHORT_MAX_ELEMENTS:
                return None
            texts = [node.text]
        else:
            texts = [node.tail] if node is not el else []
        for text in texts:
            if text:
                size += len(text)
                if size > limit:
                    return None
                parts.append(text)
    return " ".join(" ".join(parts).split()) or None
