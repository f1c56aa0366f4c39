"""The byline an HTML page states: in JSON-LD, meta tags and Yoast's reading card, or
shown on the page in microdata, an author link or a byline element.

The tree is searched only when the declarations say nothing or name only an organisation
or the site itself, so a page with a person's name declared costs no search.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from ipwire.tasks.clean.names import byline_name

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
