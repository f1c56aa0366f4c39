"""trafilatura's recall-mode pass over a parsed page, without the two tree copies it discards.

``bare_extraction(tree, favor_recall=True, include_comments=False)`` copies the cleaned tree
(a backup for justext) and the raw tree (for readability) on every page, though in recall
mode both serve only pages whose text comes out at most ``10 * min_extracted_size``
characters long (trafilatura skips the comparison with readability and justext for longer
texts). This runs the same steps as trafilatura 2.3.1's ``bare_extraction`` and
``trafilatura_sequence`` for those options and takes the backup and the copy only when the
comparison runs; the backup is rebuilt from the raw tree, which nothing has changed since.
The two prunes it starts with (infinite-scroll and share-button containers, then comment
containers) are trafilatura's XPaths read in Python: their ``re:test`` calls back into Python
for every div and section of the page, four times slower than one walk over those elements
with the same regular expressions. They run only while trafilatura's XPath sources are the
ones they were written from, and they delete the same elements in the same order.
Inside trafilatura's own steps, its content-container search and section prune run as the
Python walks of ``walks.py`` (same elements, a fraction of the cost), in this pass and in
the balanced one.
Every text is the one ``bare_extraction`` returns (the tests hold the two side by side). The
steps run only under the trafilatura whose code they were read from (its version, and a hash
of the source of the functions they repeat); under any other the public call runs.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
from copy import copy
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura import bare_extraction

from ipwire.tasks.clean.walks import python_walks

# the version whose steps ``recall_text`` repeats, and the SHA-256 of the source of the
# functions it repeats them from (``_steps_source``); any other code takes the public call
STEPS_OF = "2.3.1"
STEPS_SOURCE_SHA256 = "922450cdea2d2718a1935d03aaa57e33c57d9cebf370ab10bb711e1bb535a290"


def _steps_source() -> str | None:
    """The SHA-256 of the source of trafilatura's functions the steps below repeat, or None
    when it cannot be read."""
    try:
        from trafilatura import core, external

        parts = (
            core.bare_extraction,
            core.trafilatura_sequence,
            core._prepare_tree,
            core._extract_and_compare,
            external.compare_extraction,
        )
        source = "\n".join(inspect.getsource(f) for f in parts)
    except (AttributeError, ImportError, OSError, TypeError):
        return None
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


try:
    from trafilatura.baseline import baseline
    from trafilatura.core import _forum_thread_page
    from trafilatura.external import compare_extraction
    from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
    from trafilatura.main_extractor import extract_content
    from trafilatura.settings import Extractor
    from trafilatura.xml import delete_element, xmltotxt
    from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

    _IMPORTED = True
except ImportError:  # another layout: the public call only
    _IMPORTED = False


@functools.cache
def _steps_ready() -> bool:
    """Whether the installed trafilatura is the code the steps were read from; worked out on
    the first page (reading and hashing the source costs a few ms, kept out of start-up)."""
    return (
        _IMPORTED and trafilatura.__version__ == STEPS_OF and _steps_source() == STEPS_SOURCE_SHA256
    )


# trafilatura 2.3.1's raw-tree and comment prunes (xpaths.py), which the Python below reads;
# compared with white space collapsed
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
# re:test(s, p) is re.search(p, s), an absent attribute the empty string (lxml's EXSLT)
_SCROLLER = re.compile(r"mvp-post-add-(?:box|wrap)|infinite-?scroll")
_POST_ADD = re.compile(r"mvp-post-add-(?:box|wrap)")
_COMMENTS_ID = re.compile(r"^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)")
_COMMENT_LIST_ID = re.compile(r"^(?:[Cc]omment(?!ary)|comol)")
_COMMENTS_CLASS = re.compile(r"^[Cc]omment(?!ary)|(?:article|post)-comments")
_PRUNES_READ = _IMPORTED and (
    [" ".join(x.path.split()) for x in RAW_TREE_PRUNE_XPATH] == _RAW_PRUNE_SOURCES
    and [" ".join(x.path.split()) for x in REMOVE_COMMENTS_AND_LISTS_XPATH]
    == _COMMENT_PRUNE_SOURCES
)


def _delete_all(elements: list[Any]) -> None:
    """Delete in document order, each keeping its tail, as ``prune_unwanted_nodes`` does."""
    for el in elements:
        delete_element(el)


def _prune_raw(tree: Any) -> Any:
    """``prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)``: infinite-scroll containers of
    appended articles (unless one holds the page's h1), then share-button containers."""
    if not _PRUNES_READ:
        return prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
    hits = []
    for el in tree.iterdescendants("div", "section", "aside"):
        ident, cls = el.get("id") or "", el.get("class") or ""
        if (_SCROLLER.search(ident) or _SCROLLER.search(cls)) and (
            el.find(".//h1") is None or _POST_ADD.search(ident) or _POST_ADD.search(cls)
        ):
            hits.append(el)
    _delete_all(hits)
    shares = "elementor-share-buttons"
    _delete_all(
        [
            el
            for el in tree.iterdescendants("div", "section", "aside")
            if shares in (el.get("class") or "")
        ]
    )
    return tree


def _prune_comments(tree: Any) -> Any:
    """``prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)``: comment containers,
    and ``ol``/``ul`` comment lists."""
    if not _PRUNES_READ:
        return prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
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


def recall_text(tree: Any, url: str | None = None) -> str:
    """trafilatura's recall-mode main text of ``tree``, comments left out ("" when it
    finds none, or when trafilatura's steps raise the errors ``bare_extraction`` turns into
    no result); the tree itself is left as it was."""
    if not isinstance(tree, HtmlElement) or not _steps_ready():  # a string, bytes or None too
        return trafilatura_text(tree, url, recall=True)
    try:
        return _steps(tree, url)
    except (TypeError, ValueError):
        return ""


def _steps(tree: Any, url: str | None) -> str:
    options = Extractor(output_format="python", recall=True, comments=False, url=url)
    tree = copy(tree)  # bare_extraction's copy of a tree it is given
    is_forum = _forum_thread_page(tree)
    tree = _prune_raw(tree)
    if not is_forum:  # comments off: their containers and lists go before anything else
        tree = _prune_comments(tree)
    cleaned = convert_tags(tree_cleaning(copy(tree), options), options, url)
    with python_walks():
        body, text = extract_content(cleaned, options)
    if len(text) <= 10 * options.min_extracted_size:
        # the comparison recall mode runs on short texts, with the backup trafilatura would
        # have taken before converting the tags
        backup = tree_cleaning(copy(tree), options)
        body, text = compare_extraction(backup, copy(tree), body, text, options)
    if len(text) < options.min_extracted_size:
        found, found_text, found_len = baseline(tree)
        if found_len > len(text):
            body, text = found, found_text
    if len(text) < options.min_output_size:
        return ""
    return xmltotxt(body, options.formatting) or ""


def trafilatura_text(tree: Any, url: str | None, *, recall: bool) -> str:
    """``bare_extraction``'s main text (comments left out, no metadata) in recall or
    balanced mode, "" when it finds none."""
    with python_walks():
        doc = bare_extraction(
            tree, url=url, include_comments=False, with_metadata=False, favor_recall=recall
        )
    return (doc.text if doc is not None else "") or ""
