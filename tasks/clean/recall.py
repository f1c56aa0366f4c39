"""trafilatura's recall-mode pass over a parsed page, without the two tree copies it discards.

``bare_extraction(tree, favor_recall=True, include_comments=False)`` copies the cleaned tree
(a backup for justext) and the raw tree (for readability) on every page, though in recall
mode both serve only pages whose text comes out at most ``10 * min_extracted_size``
characters long (trafilatura skips the comparison with readability and justext for longer
texts). This runs the same steps as trafilatura 2.3.1's ``bare_extraction`` and
``trafilatura_sequence`` for those options and takes the backup and the copy only when the
comparison runs; the backup is rebuilt from the raw tree, which nothing has changed since.
Every text is the one ``bare_extraction`` returns (the tests hold the two side by side); under
any other trafilatura version the public call runs instead, as the steps may have moved.
"""

from __future__ import annotations

from copy import copy
from typing import Any

import trafilatura
from trafilatura import bare_extraction

# the version whose steps ``recall_text`` repeats; any other takes the public call
STEPS_OF = "2.3.1"

try:
    from trafilatura.baseline import baseline
    from trafilatura.core import _forum_thread_page
    from trafilatura.external import compare_extraction
    from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
    from trafilatura.main_extractor import extract_content
    from trafilatura.settings import Extractor
    from trafilatura.xml import xmltotxt
    from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

    _STEPS = trafilatura.__version__ == STEPS_OF
except ImportError:  # another layout: the public call only
    _STEPS = False


def recall_text(tree: Any, url: str | None = None) -> str:
    """trafilatura's recall-mode main text of ``tree``, comments left out ("" when it
    finds none); the tree itself is left as it was. Exceptions propagate, as from
    ``bare_extraction``."""
    if not _STEPS:
        return _public(tree, url)
    options = Extractor(output_format="python", recall=True, comments=False, url=url)
    tree = copy(tree)  # bare_extraction's copy of a tree it is given
    is_forum = _forum_thread_page(tree)
    tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
    if not is_forum:  # comments off: their containers and lists go before anything else
        tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
    cleaned = convert_tags(tree_cleaning(copy(tree), options), options, url)
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


def _public(tree: Any, url: str | None) -> str:
    doc = bare_extraction(
        tree, url=url, include_comments=False, with_metadata=False, favor_recall=True
    )
    return (doc.text if doc is not None else "") or ""
