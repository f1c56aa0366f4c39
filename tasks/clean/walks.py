"""trafilatura's costliest XPaths read in Python, for ipwire's own trafilatura passes.

trafilatura 2.3.1 picks a page's content container with the ``BODY_XPATH`` expressions and
prunes each candidate with the two XPaths of ``OVERALL_DISCARD_XPATH`` (share boxes, menus,
footers, hidden blocks). Their ``re:test`` calls go back into Python for each element they
test, with or without the attribute: together about a fifth of ipwire's CPU on a wcxb-dev
page. The walks below test the same attributes with the same regular expressions and give
the same elements in the same (document) order; a container search stops at the first
match, which is all trafilatura reads of it. They stand in for the XPaths only while
ipwire's own trafilatura passes run (:func:`python_walks`), and only while trafilatura's
XPath sources, and the trafilatura code that reads their results, are the ones they were
read from. Outside those passes the process's trafilatura is unchanged (a pass in another
thread while one runs may get the walks too: the same elements, only sooner). The recall
pass (``recall.py``) starts with two more of trafilatura's prunes, infinite-scroll and
share-button containers, then comment containers: :func:`prune_raw` and
:func:`prune_comments` read those XPaths the same way, under the same guard.

What the XPaths read that a plain walk must read the same way: ``re:test(@id|@class, p)``
tests the first of the two attributes in the element's source order (lxml's EXSLT
functions take a node-set argument's first node, and libxml2 hands it over in document
order); an absent attribute is the empty string, which none of the patterns matches;
``.//*`` is the descendants, not the subtree's root; ``.//*[test][1]`` is every first
matching child, whose first in document order is the first matching element.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lxml import etree

try:
    from trafilatura import htmlprocessing, main_extractor
    from trafilatura.xml import delete_element
    from trafilatura.xpaths import (
        BODY_XPATH,
        OVERALL_DISCARD_XPATH,
        RAW_TREE_PRUNE_XPATH,
        REMOVE_COMMENTS_AND_LISTS_XPATH,
    )

    IMPORTED = True
except ImportError:  # another layout: trafilatura's own XPaths only
    htmlprocessing = main_extractor = delete_element = None
    BODY_XPATH = OVERALL_DISCARD_XPATH = RAW_TREE_PRUNE_XPATH = None
    REMOVE_COMMENTS_AND_LISTS_XPATH = None
    IMPORTED = False

# SHA-256 of the exact sources of the XPaths the walks were read from (the section prune's
# two, the five container expressions, the raw-tree prune's two, the comment prune's one),
# and of the trafilatura functions that read their results (the container search reads only
# the first element; each prune deletes what its XPaths find, in order)
XPATHS_SHA256 = "4c8ebf25ca300655cb92e2530262bc173f6969a282c0020c2b9eeb9773aaaf4a"
READERS_SHA256 = "72cc61ca08794b065e932dce73020316e3ff39510044af46f8f735f140f30cb5"

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


def _quoted(source: str, opening: str, nth: int = 0) -> str:
    """The string quoted after the ``nth`` ``opening`` in an XPath source."""
    start = -1
    for _ in range(nth + 1):
        start = source.index(opening, start + 1)
    start += len(opening)
    return source[start : source.index("'", start)]


def _regex_in(source: str, opening: str, nth: int = 0, flags: int = 0) -> re.Pattern[str]:
    """The regular expression quoted after the ``nth`` ``opening`` in an XPath source,
    compiled as lxml's EXSLT ``re:test`` compiles it (``re.UNICODE``, and ``re.IGNORECASE``
    for its "i" flag)."""
    return re.compile(_quoted(source, opening, nth), re.UNICODE | flags)


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


# trafilatura 2.3.1's content-container expressions (xpaths.py BODY_XPATH), in its order
_BODY_SOURCES = [
    (
        ".//*[self::article or self::div or self::main or self::section][ @class='post' "
        "or @class='entry' or @itemprop='articleBody' or @id='articleContent' or "
        "re:test(@id, '(?:entry|article|art)-content|article__content|article(?:-|"
        "__)?body|articleBody|body-text') or re:test(@class, 'post[-_]text|post-body|"
        "post-?entry|post[-_]?content|postContent|post_inner_wrapper|article-?text|"
        "articleText|(?:entry|page|text|article|art)-content|article__content|article(?:-|"
        "__)?body|articleBody|ArticleContent|body-text|article__container') ][1]"
    ),
    "(.//article)[1]",
    (
        "(.//*[self::article or self::div or self::main or self::section][ "
        "@role='article' or @id='article' or @id='story' or @class='postarea' or "
        "@class='art-postcontent' or @class='text' or @class='cell' or @class='story' or "
        "re:test(@id, '^primary|story-body') or re:test(@class, 'fulltext', 'i') or "
        "re:test(@class, '^article |post-bodycopy|story-?content|(?:theme|blog|section|"
        "single)-content|single-post|main-column|wpb_text_column|story-body|field-body') "
        "])[1]"
    ),
    (
        "(.//*[self::article or self::div or self::main or self::section][ @id='content' "
        "or @class='content' or re:test(@id, 'content-main|content-body|contentBody') or "
        "re:test(@class, 'content[-_]main|content(?:-|__)body') or "
        "contains(translate(@id, 'CM','cm'), 'main-content') or "
        "contains(translate(@class, 'CM','cm'), 'main-content') or "
        "contains(translate(@class, 'CP','cp'), 'page-content') ])[1]"
    ),
    (
        "(.//*[self::article or self::div or self::section][ starts-with(@class, 'main') "
        "or starts-with(@id, 'main') or starts-with(@role, 'main')])[1]|(.//main)[1]"
    ),
]
_BODY_TAGS = ("article", "div", "main", "section")
_ARTICLE_ID = _regex_in(_BODY_SOURCES[0], "re:test(@id, '")
_ARTICLE_CLASS = _regex_in(_BODY_SOURCES[0], "re:test(@class, '")
_STORY_ID = _regex_in(_BODY_SOURCES[2], "re:test(@id, '")
_FULLTEXT = _regex_in(_BODY_SOURCES[2], "re:test(@class, '", flags=re.IGNORECASE)
_STORY_CLASS = _regex_in(_BODY_SOURCES[2], "re:test(@class, '", nth=1)
_MAIN_ID = _regex_in(_BODY_SOURCES[3], "re:test(@id, '")
_MAIN_CLASS = _regex_in(_BODY_SOURCES[3], "re:test(@class, '")


def _article_container(el: Any) -> bool:
    get = el.get
    cls, ident = get("class"), get("id")
    return (
        cls == "post"
        or cls == "entry"
        or get("itemprop") == "articleBody"
        or ident == "articleContent"
        or (ident is not None and _ARTICLE_ID.search(ident) is not None)
        or (cls is not None and _ARTICLE_CLASS.search(cls) is not None)
    )


def _story_container(el: Any) -> bool:
    get = el.get
    cls, ident = get("class"), get("id")
    return (
        get("role") == "article"
        or ident in ("article", "story")
        or cls in ("postarea", "art-postcontent", "text", "cell", "story")
        or (ident is not None and _STORY_ID.search(ident) is not None)
        or (cls is not None and (_FULLTEXT.search(cls) or _STORY_CLASS.search(cls)) is not None)
    )


def _main_container(el: Any) -> bool:
    get = el.get
    cls, ident = get("class"), get("id")
    if ident == "content" or cls == "content":
        return True
    if ident is not None and (
        _MAIN_ID.search(ident) or "main-content" in ident.replace("C", "c").replace("M", "m")
    ):
        return True
    return cls is not None and (
        _MAIN_CLASS.search(cls) is not None
        or "main-content" in cls.replace("C", "c").replace("M", "m")
        or "page-content" in cls.replace("C", "c").replace("P", "p")
    )


class _FirstContainer:
    """A stand-in for one content-container XPath: the first matching element (as a list),
    read until it is found."""

    def __init__(self, test: Any) -> None:
        self._test = test

    def __call__(self, tree: Any) -> list[Any]:
        test = self._test
        for el in tree.iterdescendants(*_BODY_TAGS):
            if el.keys() and test(el):
                return [el]
        return []

    def __repr__(self) -> str:  # trafilatura logs the expression that found the container
        return f"first element by {self._test.__name__.strip('_')}"


def _body_walks(xpaths: list[Any]) -> list[Any]:
    """trafilatura's container expressions with the three that call ``re:test`` read in
    Python; the other two (no Python in them) stay XPaths."""
    return [
        _FirstContainer(_article_container),
        xpaths[1],
        _FirstContainer(_story_container),
        _FirstContainer(_main_container),
        xpaths[4],
    ]


_WALKS = [sections_to_discard, hidden_to_discard]

# trafilatura 2.3.1's raw-tree prune (RAW_TREE_PRUNE_XPATH) and comment prune
# (REMOVE_COMMENTS_AND_LISTS_XPATH), which the recall pass runs before anything else
_RAW_PRUNE_SOURCES = [
    ".//*[self::div or self::section or self::aside]["
    " re:test(@id, 'mvp-post-add-(?:box|wrap)|infinite-?scroll') or"
    " re:test(@class, 'mvp-post-add-(?:box|wrap)|infinite-?scroll')]["
    " not(.//h1) or re:test(@id, 'mvp-post-add-(?:box|wrap)') or"
    " re:test(@class, 'mvp-post-add-(?:box|wrap)')]",
    ".//*[self::div or self::section or self::aside][contains(@class, 'elementor-share-buttons')]",
]
_COMMENT_PRUNE_SOURCES = [
    ".//*[self::div or self::list or self::section or self::details or self::ol or self::ul]["
    " re:test(@id, '^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)') or"
    " re:test(@class, '^[Cc]omment(?!ary)|(?:article|post)-comments')]["
    " not(self::ol or self::ul) or re:test(@id, '^(?:[Cc]omment(?!ary)|comol)') or"
    " re:test(@class, '^[Cc]omment(?!ary)|(?:article|post)-comments')]"
]
_SCROLLER = _regex_in(_RAW_PRUNE_SOURCES[0], "re:test(@id, '")
_POST_ADD = _regex_in(_RAW_PRUNE_SOURCES[0], "re:test(@id, '", nth=1)
_SHARE_BUTTONS = _quoted(_RAW_PRUNE_SOURCES[1], "contains(@class, '")
_COMMENTS_ID = _regex_in(_COMMENT_PRUNE_SOURCES[0], "re:test(@id, '")
_COMMENTS_CLASS = _regex_in(_COMMENT_PRUNE_SOURCES[0], "re:test(@class, '")
_COMMENT_LIST_ID = _regex_in(_COMMENT_PRUNE_SOURCES[0], "re:test(@id, '", nth=1)


def _delete_all(elements: list[Any]) -> None:
    """Delete in document order, each keeping its tail, as ``prune_unwanted_nodes`` does."""
    for el in elements:
        delete_element(el)


def prune_raw(tree: Any) -> Any:
    """``prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)``: infinite-scroll containers of
    appended articles (unless one holds the page's h1), then share-button containers."""
    if not ready():
        return htmlprocessing.prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
    hits = []
    for el in tree.iterdescendants("div", "section", "aside"):
        ident, cls = el.get("id") or "", el.get("class") or ""
        if (_SCROLLER.search(ident) or _SCROLLER.search(cls)) and (
            el.find(".//h1") is None or _POST_ADD.search(ident) or _POST_ADD.search(cls)
        ):
            hits.append(el)
    _delete_all(hits)
    _delete_all(
        [
            el
            for el in tree.iterdescendants("div", "section", "aside")
            if _SHARE_BUTTONS in (el.get("class") or "")
        ]
    )
    return tree


def prune_comments(tree: Any) -> Any:
    """``prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)``: comment containers,
    and ``ol``/``ul`` comment lists."""
    if not ready():
        return htmlprocessing.prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
    hits = []
    for el in tree.iterdescendants("div", "list", "section", "details", "ol", "ul"):
        ident, cls = el.get("id") or "", el.get("class") or ""
        if not (_COMMENTS_ID.search(ident) or _COMMENTS_CLASS.search(cls)):
            continue
        if el.tag in ("ol", "ul") and not (
            _COMMENT_LIST_ID.search(ident) or _COMMENTS_CLASS.search(cls)
        ):
            continue
        hits.append(el)
    _delete_all(hits)
    return tree


def _sources(xpaths: list[Any] | None) -> list[str] | None:
    if xpaths is None:
        return None
    return [" ".join(getattr(x, "path", "").split()) for x in xpaths]


def read_from(
    prunes: list[Any] | None,
    bodies: list[Any] | None,
    raw_prunes: list[Any] | None,
    comment_prunes: list[Any] | None,
) -> bool:
    """Whether trafilatura's section prune, container, raw-tree prune and comment prune
    XPaths are the ones the walks were read from: the same text, white space and all."""
    expected = (
        [_SECTION_SOURCE, _HIDDEN_SOURCE],
        [" ".join(x.split()) for x in _BODY_SOURCES],
        _RAW_PRUNE_SOURCES,
        _COMMENT_PRUNE_SOURCES,
    )
    given = (prunes, bodies, raw_prunes, comment_prunes)
    if any(_sources(xs) != want for xs, want in zip(given, expected, strict=True)):
        return False
    exact = "\n".join(x.path for xs in given for x in xs)  # type: ignore[union-attr]
    return hashlib.sha256(exact.encode("utf-8")).hexdigest() == XPATHS_SHA256


def _readers_source() -> str | None:
    """The source of the trafilatura functions that read the XPaths' results."""
    try:
        parts = (
            main_extractor._extract,
            main_extractor.prune_unwanted_sections,
            htmlprocessing.prune_unwanted_nodes,
        )
        return "\n".join(inspect.getsource(f) for f in parts)
    except (AttributeError, OSError, TypeError):
        return None


@functools.cache
def ready() -> bool:
    """Whether the walks may stand in: trafilatura's XPaths and the code reading their
    results are those they were read from (worked out on the first page: reading and
    hashing the source costs a few ms, kept out of start-up)."""
    if main_extractor is None or _BODIES is None:
        return False
    source = _readers_source()
    return (
        source is not None and hashlib.sha256(source.encode("utf-8")).hexdigest() == READERS_SHA256
    )


# None when trafilatura's XPaths are not those the walks were read from
_BODIES = (
    _body_walks(BODY_XPATH)
    if read_from(
        OVERALL_DISCARD_XPATH, BODY_XPATH, RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH
    )
    else None
)


@contextmanager
def python_walks() -> Iterator[None]:
    """Within the block, trafilatura's container search and section prune run the walks
    instead of its XPaths (same elements, same order); on leaving, the lists that were in
    place are put back, after an error or a timeout too."""
    if not ready():
        yield
        return
    saved = main_extractor.OVERALL_DISCARD_XPATH, main_extractor.BODY_XPATH
    try:
        main_extractor.OVERALL_DISCARD_XPATH = _WALKS
        main_extractor.BODY_XPATH = _BODIES
        yield
    finally:
        main_extractor.OVERALL_DISCARD_XPATH, main_extractor.BODY_XPATH = saved
