"""The byline an HTML page states: in JSON-LD, meta tags and Yoast's reading card, or
shown on the page in microdata, an author link or a byline element.

The tree is searched only when the declarations say nothing or name only an organisation
or the site itself, so a page with a person's name declared costs no search.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

# "By", "Written by", "Author:", "Erstellt von", "Autor:"; a bare word of another language in
# lower case only ("von Anna Schmidt", not the "Von" of "Von Miller")
_BYLINE_PREFIX = re.compile(
    r"^(?:(?i:(?:written|posted|words|authored|reported|published)\s+by|by|authors?|autor(?:in)?"
    r"|auteur|autore|(?:erstellt|geschrieben|verfasst)\s+von|publié\s+par|escrito\s+por)"
    r"|von|par|por|di|door)\s*[:\-–—]?\s+"
)
# "ByMalcolm Harris": a "By" label and a linked name whose text runs together
_GLUED_BY = re.compile(r"^By(?=[A-Z][a-z])")
# "Von Tomas Spahn": a capitalised German, French or Spanish byline word, cut when a name of
# two or more words follows
_CAPITAL_PREFIX = re.compile(r"^(?:Von|Par|Por)\s+(?=\S+\s+\S)")
# a byline's trailing date, role or reading time: "Jane Doe | March 3, 2025", "Jane Doe · 5 min"
_BYLINE_TAIL = re.compile(
    r"\s+(?:[|•·—–]|-\s)\s*.*$"
    r"|\s+(?:on|[Ll]ast [Uu]pdated|[Ll]ast [Mm]odified|[Uu]pdated|UPDATED|[Pp]ublished"
    r"|[Pp]osted)\b.*$"
)
# A name is at most this many words: longer text in a byline element is a bio or a sentence.
NAME_MAX_WORDS = 6
_LOWER_PARTICLES = frozenset(
    "de van von der den da di la le du al bin bint el y and & dos das".split()
)
# a comment's author is not the article's: elements inside a comment section or a form
# (a comment form's "Name*" label) are passed over
_OUTSIDE_COMMENTS = (
    "[not(ancestor-or-self::*[contains(@class, 'comment') or contains(@id, 'comment')"
    " or self::form])]"
)
_LINK_AUTHOR = etree.XPath(
    "//a[@rel='author' or contains(@href, '/author/') or contains(@href, '/authors/')]"
    + _OUTSIDE_COMMENTS,
    smart_strings=False,
)
_ITEMPROP_AUTHOR = etree.XPath(
    "//*[@itemprop='author' or @itemprop='creator']" + _OUTSIDE_COMMENTS, smart_strings=False
)
_BYLINE_ELEMENTS = etree.XPath(
    "//*[contains(@class, 'author') or contains(@class, 'byline') or contains(@id, 'author')"
    " or contains(@id, 'byline')][not(self::body or self::html or self::article)]"
    + _OUTSIDE_COMMENTS,
    smart_strings=False,
)
_WORDS = re.compile(r"\w+")
_NOT_A_NAME = frozenset(
    "author authors about share home menu search login subscribe advertisement related "
    "reviewed updated published posted read more contact privacy terms our your news blog "
    "view all posts profile bio follow editor editors comments comment email avatar "
    "staff writer image photo admin administrator required name website autoren".split()
)


def visible_text(el: Any) -> str:
    """An element's text as readers see it: without the rules of a ``<style>`` or the code of
    a ``<script>`` inside it (CSS-in-JS puts ``.css-1x{font-size:16px}`` in headlines)."""
    if next(el.iter("style", "script", "noscript", "template"), None) is None:
        return el.text_content()
    return "".join(
        el.xpath(
            ".//text()[not(ancestor::style or ancestor::script or ancestor::noscript"
            " or ancestor::template)]"
        )
    )


def jsonld_author(nodes: list[dict], by_id: dict[str, dict]) -> Any:
    """The first ``author`` of the page's article nodes, a ``{"@id": …}`` reference resolved
    to the node it names (Yoast's graphs name the Person once, elsewhere in the graph); an
    article type's author before a WebPage's, which is often the site."""
    ranked = sorted(nodes, key=lambda n: _is_webpage(n))
    for node in ranked:
        value = node.get("author") or node.get("creator")
        if value:
            return _resolve(value, by_id)
    return None


def _is_webpage(node: dict) -> bool:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return all(not isinstance(k, str) or k.lower() == "webpage" for k in kinds)


def _resolve(value: Any, by_id: dict[str, dict]) -> Any:
    if isinstance(value, list):
        return [_resolve(v, by_id) for v in value]
    if isinstance(value, dict) and not value.get("name") and isinstance(value.get("@id"), str):
        return by_id.get(value["@id"], value)
    return value


def twitter_label_author(meta: dict[str, str]) -> str | None:
    """Yoast's reading card: ``twitter:label1`` "Written by", ``twitter:data1`` the name."""
    for k in ("1", "2"):
        label = (meta.get(f"twitter:label{k}") or "").strip().lower()
        if label in {"written by", "author", "by", "verfasst von", "écrit par", "escrito por"}:
            return meta.get(f"twitter:data{k}")
    return None


def microdata_author(tree: Any) -> str | None:
    """schema.org microdata: an ``itemprop="author"`` element's name, read from its own
    ``itemprop="name"`` or ``content``, else its text when that is a name."""
    for el in _ITEMPROP_AUTHOR(tree):
        inner = el.find(".//*[@itemprop='name']")
        value = (
            el.get("content")
            or (inner.get("content") if inner is not None else None)
            or (visible_text(inner) if inner is not None else None)
            or visible_text(el)
        )
        name = byline_name(value)
        if name:
            return name
    return None


def link_author(tree: Any) -> str | None:
    """An author link: ``rel="author"`` or an address under ``/author/`` whose text is a name
    (an avatar's link has none; "View all posts" is not one). A ``rel="author"`` link may
    name a user in lower case ("gnaddrig"): it declares an author, where an address only
    suggests one."""
    for el in _LINK_AUTHOR(tree):
        name = byline_name(visible_text(el), declared=el.get("rel") == "author")
        if name:
            return name
    return None


def byline_element_author(tree: Any) -> str | None:
    """The text of the first element whose class or id says author or byline, when it reads
    as a name once "By" and a trailing date or role are cut."""
    for el in _BYLINE_ELEMENTS(tree):
        if el.tag in ("script", "style", "meta", "link", "img", "noscript", "template"):
            continue
        name = byline_name(visible_text(el))
        if name:
            return name
    return None


def byline_name(text: str | None, *, declared: bool = False) -> str | None:
    """A person's or desk's name from a byline's text, or None when the text is not one.

    ``declared``: the element says it is an author, so one lower-case word (a user name)
    is taken too."""
    if not text:
        return None
    text = " ".join(text.split())
    if not text or len(text) > 120:
        return None
    text = _CAPITAL_PREFIX.sub("", _BYLINE_PREFIX.sub("", _GLUED_BY.sub("", text)))
    text = _BYLINE_TAIL.sub("", text).strip(" ,;:-–—")
    words = text.split()
    if not 1 <= len(words) <= NAME_MAX_WORDS or any(ch.isdigit() for ch in text):
        return None
    if any(mark in text for mark in ("@", "://", "/", "*")):
        return None
    if any(w in _NOT_A_NAME for w in _WORDS.findall(text.lower())):
        return None
    if declared and len(words) == 1:
        return text
    capitalised = [w for w in words if w[:1].isupper()]
    if not capitalised or any(
        not w[:1].isupper() and w.lower() not in _LOWER_PARTICLES for w in words
    ):
        return None
    return text
