"""trafilatura's recall-mode pass over a parsed page, without the two tree copies it discards.

``bare_extraction(tree, favor_recall=True, include_comments=False)`` copies the cleaned tree
(a backup for justext) and the raw tree (for readability) on every page, though in recall
mode both serve only pages whose text comes out at most ``10 * min_extracted_size``
characters long (trafilatura skips the comparison with readability and justext for longer
texts). This runs the same steps as trafilatura 2.3.1's ``bare_extraction`` and
``trafilatura_sequence`` for those options and takes the backup and the copy only when the
comparison runs; the backup is rebuilt from the raw tree, which nothing has changed since.
The two prunes it starts with (infinite-scroll and share-button containers, then comment
containers) run as Python walks of ``walks.py``, in this pass only (the balanced pass is
``bare_extraction``, which runs trafilatura's own). Inside trafilatura's steps, its
content-container search and section prune run as walks too, in this pass and in the
balanced one. Each walk is one of trafilatura's XPaths read in Python (their ``re:test``
calls back into Python for every element tested): the same elements deleted or found in
the same order, at a fraction of the cost.
Every text is the one ``bare_extraction`` returns (the tests hold the two side by side). The
steps run only under the trafilatura whose code they were read from (its version, and a hash
of the source of the functions they repeat); under any other the public call runs.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from copy import copy
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura import bare_extraction

from ipwire.tasks.clean.walks import IMPORTED as _WALKS_IMPORTED
from ipwire.tasks.clean.walks import prune_comments, prune_raw, python_walks

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
    from trafilatura.htmlprocessing import convert_tags, tree_cleaning
    from trafilatura.main_extractor import extract_content
    from trafilatura.settings import Extractor
    from trafilatura.xml import xmltotxt

    _IMPORTED = True
except ImportError:  # another layout: the public call only
    _IMPORTED = False


@functools.cache
def _steps_ready() -> bool:
    """Whether the installed trafilatura is the code the steps were read from; worked out on
    the first page (reading and hashing the source costs a few ms, kept out of start-up)."""
    return (
        _IMPORTED
        and _WALKS_IMPORTED  # the opening prunes read trafilatura's XPaths from walks.py
        and trafilatura.__version__ == STEPS_OF
        and _steps_source() == STEPS_SOURCE_SHA256
    )


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
    tree = prune_raw(tree)
    if not is_forum:  # comments off: their containers and lists go before anything else
        tree = prune_comments(tree)
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
