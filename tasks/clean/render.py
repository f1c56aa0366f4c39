"""HTML parsing and rendering: the parsed tree, its visible text, the fallback.

When trafilatura keeps too little of a page, the text-paste model reads the page's
rendering instead (``_text_model_fallback``).
"""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html

from ipwire.records import Extraction
from ipwire.tasks.clean.decode import repair_mojibake
from ipwire.tasks.clean.rules import BoilerplateRules
from ipwire.tasks.clean.text import extract_from_text

_SKIP_TAGS = frozenset(
    "script style noscript template svg iframe object embed canvas head select option button "
    "textarea map audio video picture source".split()
)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary "
    "table tbody thead tfoot tr td th ul br center".split()
)


def _body(tree: Any) -> Any | None:
    """The page's <body>: the parser puts it among the root's children, so look there
    before searching the whole tree (``find(".//body")`` walks every element)."""
    for child in tree:
        if child.tag == "body":
            return child
    return tree.find(".//body")


def render_text(tree: Any) -> str:
    """The page's visible text, one block element per line, as a person pasting it gets.

    Used when trafilatura keeps too little of a page: the text-paste model then reads this
    rendering instead.
    """
    body = _body(tree)
    root = body if body is not None else tree
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if (
            tag in _SKIP_TAGS
            or (el.get("hidden") is not None)
            or "display:none" in (el.get("style") or "").replace(" ", "")
        ):
            if el.tail:
                parts.append(el.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n\n".join(line for line in lines if line)


# Characters XML text may not hold (C0 controls but tab and newlines, U+FFFE, U+FFFF). lxml
# parses them into the tree, and trafilatura then fails on the first paragraph that holds one
# and returns nothing for the page: a stray BEL in a blog post lost the whole article.
# They are deleted from the UTF-8 bytes: a C0 control is one byte that is never part of
# another character's encoding, and bytes.translate deletes through a lookup table at a
# fraction of the cost of a regex search over the whole page.
# The two noncharacters are deleted from the text before it is encoded: a search of the
# text for one character is a fast scan (none at all when the page has no character that
# wide), five times cheaper than a search of the UTF-8 bytes for its three-byte form.
_NOT_XML_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_NONCHARACTERS = ("\ufffe", "\uffff")


def _parse(html: str) -> Any | None:
    if not html or html.isspace():
        return None
    for nonchar in _NONCHARACTERS:
        if nonchar in html:
            html = html.replace(nonchar, "")
    # bytes let lxml honour a declared charset; str input has no declaration problem
    data = html.encode("utf-8", errors="replace").translate(None, _NOT_XML_BYTES)
    try:
        return lxml_html.document_fromstring(data, parser=_PARSER)
    except Exception:  # noqa: BLE001 - lxml raises several types for junk input
        return None


# No table of element ids: nothing here or in trafilatura looks an element up by its id.
_PARSER = lxml_html.HTMLParser(
    encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False
)
# Every element is a plain HtmlElement: lxml.html's default lookup calls back into Python
# for each element object it creates (to pick form and input classes nobody here uses),
# and trafilatura and the passes below create thousands per page.
_PARSER.set_element_class_lookup(
    lxml_html.etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement,
        comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity,
    )
)


def _text_model_fallback(
    tree: Any, text: str, rules: BoilerplateRules, title: str | None
) -> Extraction | None:
    """The text-paste model over the page's rendering, when trafilatura kept too little.

    trafilatura sometimes settles on one teaser or the first section of a long page; the
    rendering then holds several times the article words it returned.
    """
    ours = len(text.split())
    body = _body(tree)
    # all text nodes (scripts included) bound the rendering from above: a cheap first test
    everything = (body if body is not None else tree).text_content()
    if ours >= rules.html_fallback_max_share * len(everything.split()):
        return None
    rendered = repair_mojibake(render_text(tree))
    if ours >= rules.html_fallback_max_share * len(rendered.split()):
        return None
    ex = extract_from_text(rendered, rules=rules, title_hint=title, paste=False)
    if len(ex.text.split()) < rules.html_fallback_gain * max(ours, 1):
        return None
    ex.method = "render+text-lines"
    return ex
