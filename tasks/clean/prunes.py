"""trafilatura's section prune (``OVERALL_DISCARD_XPATH``) read in Python, for ipwire's calls.

trafilatura 2.3.1 prunes every candidate subtree of a page with the two XPaths of
``OVERALL_DISCARD_XPATH`` (share boxes, menus, footers, hidden blocks). Their ``re:test``
calls go back into Python for each element they test, with or without the attribute, and
cost about an eighth of ipwire's CPU on a wcxb-dev page. The walks below test the same
attributes with the same regular expressions and return the same elements in the same
(document) order; they stand in for the XPaths only while ipwire's own trafilatura passes
run (:func:`section_prunes`), and only while trafilatura's XPath sources are the ones they
were read from. Everything else that calls trafilatura in the process sees it unchanged.

What the XPaths read that a plain walk must read the same way: ``re:test(@id|@class, p)``
tests the first of the two attributes in the element's source order (an XPath node-set's
string value is its first node's); an absent attribute is the empty string; ``.//*`` is the
descendants, not the subtree's root.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lxml import etree

try:
    from trafilatura import main_extractor
    from trafilatura.xpaths import OVERALL_DISCARD_XPATH
except ImportError:  # another layout: trafilatura's own XPaths only
    main_extractor = None
    OVERALL_DISCARD_XPATH = None

# trafilatura 2.3.1's two XPaths (xpaths.py), compared with white space collapsed
_SECTION_SOURCE = (
    ".//*[self::div or self::item or self::list or self::p or self::section or self::span][ "
    "@data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
    "contains(@data-component, 'MostPopularStories') or re:test(@id|@class, 'cookie') or "
    "re:test(@id, '^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|"
    "button|author|^(?:jp-|dpsp-content)|bmdh|footer|Footer|share|Share|nav|Nav|menu|related|"
    "message-container|premium|^ad-') or re:test(@class, '^shar|social|viral|newsletter|"
    "syndication|tags|sidebar|banner|bread-?crumb|button|author|^(?:nav|post-nav|ZendeskForm)|"
    "subnav|avigation|navbar|navbox|menu|bar| ad |-ad-|(?:^| )ad-|dfp[Aa]d|outbrain|taboola|"
    "criteo|paid-?content|widget|footer|Footer|byline|Byline|share-|sociable|embedded|embed|"
    "tag-list|consent|modal-content|permission|elated|next-|-stories|most-popular|more-on|meta|"
    "rating|attachment|timestamp|user-info|user-profile|-icon|article-infos|message-container|"
    "slide|viewport|overlay|options|expand|obfuscated|blurred|mol-factbox|yin|zlylin|nfoline')]"
)
_HIDDEN_SOURCE = (
    ".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or "
    "re:test(@id|@style, 'hidden') or contains(@style, 'display:none') or "
    "contains(@style, 'display: none') or re:test(@id, 'reader-comments|akismet') or "
    "re:test(@class, '^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|"
    "-hide-|hide-print| hidden| hide|noprint|notloaded') or @aria-hidden='true']"
)


def _regex_in(source: str, opening: str) -> re.Pattern[str]:
    """The regular expression quoted after ``opening`` in an XPath source, compiled as
    lxml's EXSLT ``re:test`` compiles it (``re.UNICODE``, no other flag)."""
    start = source.index(opening) + len(opening)
    return re.compile(source[start : source.index("'", start)], re.UNICODE)


_SECTION_TAGS = ("div", "item", "list", "p", "section", "span")
_CONSENT = _regex_in(_SECTION_SOURCE, "re:test(@id|@class, '")
_SECTION_ID = _regex_in(_SECTION_SOURCE, "re:test(@id, '")
_SECTION_CLASS = _regex_in(_SECTION_SOURCE, "re:test(@class, '")
_HIDDEN = _regex_in(_HIDDEN_SOURCE, "re:test(@id|@style, '")
_HIDDEN_ID = _regex_in(_HIDDEN_SOURCE, "re:test(@id, '")
_HIDDEN_CLASS = _regex_in(_HIDDEN_SOURCE, "re:test(@class, '")


def _first(
    keys: list[str], one: str, one_value: str | None, other: str, other_value: str | None
) -> str:
    """Whichever of two attribute values comes first in the element's source order ("" when
    it has neither): what an XPath union ``@one|@other`` reads as a string."""
    if one_value is None:
        return other_value or ""
    if other_value is None or keys.index(one) < keys.index(other):
        return one_value
    return other_value


def sections_to_discard(tree: Any) -> list[Any]:
    """The first XPath of ``OVERALL_DISCARD_XPATH``: blocks whose role, id or class names
    navigation, sharing, a sidebar, a footer, an ad, a byline or other chrome. (The tests
    are or-ed, so they run cheapest and likeliest first.)"""
    out = []
    by_class, by_id, consent = _SECTION_CLASS.search, _SECTION_ID.search, _CONSENT.search
    for el in tree.iterdescendants(*_SECTION_TAGS):
        keys = el.keys()
        if not keys:
            continue
        get = el.get
        cls, ident = get("class"), get("id")
        if (
            (cls is not None and by_class(cls))
            or (ident is not None and by_id(ident))
            or (
                (cls is not None or ident is not None)
                and consent(_first(keys, "id", ident, "class", cls))
            )
            or "nav" in (get("role") or "").replace("N", "n")
            or "data-lp-replacement-content" in keys
            or "MostPopularStories" in (get("data-component") or "")
        ):
            out.append(el)
    return out


def hidden_to_discard(tree: Any) -> list[Any]:
    """The second XPath of ``OVERALL_DISCARD_XPATH``: hidden blocks, reply and comment
    furniture, anything marked ``aria-hidden``."""
    out = []
    by_class, by_id, hidden = _HIDDEN_CLASS.search, _HIDDEN_ID.search, _HIDDEN.search
    for el in tree.iterdescendants(etree.Element):
        keys = el.keys()
        if not keys:
            continue
        get = el.get
        cls, ident, style = get("class"), get("id"), get("style")
        if (
            (cls is not None and (cls == "comments-title" or by_class(cls)))
            or (ident is not None and by_id(ident))
            or (style is not None and ("display:none" in style or "display: none" in style))
            or (
                (ident is not None or style is not None)
                and hidden(_first(keys, "id", ident, "style", style))
            )
            or (
                (cls is not None or ident is not None)
                and _first(keys, "id", ident, "class", cls).startswith("reply-")
            )
            or get("aria-hidden") == "true"
        ):
            out.append(el)
    return out


_WALKS = [sections_to_discard, hidden_to_discard]


def read_from(xpaths: list[Any] | None) -> bool:
    """Whether ``xpaths`` are the XPaths the walks were read from (white space aside)."""
    if xpaths is None:
        return False
    return [" ".join(getattr(x, "path", "").split()) for x in xpaths] == [
        _SECTION_SOURCE,
        _HIDDEN_SOURCE,
    ]


# the walks stand in only for the XPaths they were read from
READY = read_from(OVERALL_DISCARD_XPATH)


@contextmanager
def section_prunes() -> Iterator[None]:
    """Within the block, trafilatura's section prune runs the walks instead of its XPaths
    (same elements, same order). On leaving, trafilatura's own list is put back, whatever
    another thread did meanwhile: at worst a concurrent pass runs the slower XPaths."""
    if not READY:
        yield
        return
    main_extractor.OVERALL_DISCARD_XPATH = _WALKS
    try:
        yield
    finally:
        main_extractor.OVERALL_DISCARD_XPATH = OVERALL_DISCARD_XPATH
