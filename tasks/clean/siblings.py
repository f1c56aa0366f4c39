"""What trafilatura drops and we put back: embed containers, subheadings, sibling blocks.

Before trafilatura runs, "embed" containers holding article content are unmasked and the
page's h2-h4 subheadings are noted; after it, dropped subheadings above kept paragraphs
and paragraphs of sibling containers inside the article's container are restored.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import html as lxml_html

from ipwire.records import Stripped
from ipwire.tasks.clean.decode import repair_mojibake
from ipwire.tasks.clean.lines import _WORD, CLIPPED_ENDS
from ipwire.tasks.clean.postfilter import chrome_line_kind
from ipwire.tasks.clean.render import _BLOCK_TAGS, _SKIP_TAGS, _body
from ipwire.tasks.clean.rules import BoilerplateRules

_MASKING = lxml_html.etree.XPath("//div[contains(@class, 'embed')]")


def _unmask_content_containers(tree: Any) -> None:
    """Drop the class of an "embed" container that holds article content.

    trafilatura discards any element whose class contains "embed" (meant for social-media
    embeds); site builders also use it for custom-code blocks that hold the article's
    tables and FAQ ("w-embed"). A container with a table or two long paragraphs is content.
    """
    for el in _MASKING(tree):
        if (
            el.find(".//table") is not None
            or sum(1 for p in el.iterfind(".//p") if len(p.text_content().split()) >= 20) >= 2
        ):
            el.attrib.pop("class", None)


_HEADINGS = ("h2", "h3", "h4")
_KEY_WORDS = 8
_KEY_CHARS = 200
# the prefix read first for a key: nine words of news prose fit in it
_KEY_PROBE = 96


def _start_key(parts: Any) -> str | None:
    """The first words of a block (lowercased word tokens), or None when it is too short."""
    words: list[str] = []
    for part in parts:
        found = _first_words(part, _WORD, _KEY_WORDS - len(words))
        # a word cut at the prefix end is never among the first _KEY_WORDS when one follows
        if len(part) > _KEY_CHARS and len(words) + len(found) <= _KEY_WORDS:
            found = _WORD.findall(part.lower())
        words.extend(found)
        if len(words) >= _KEY_WORDS:
            return " ".join(words[:_KEY_WORDS])
    return None


def _first_words(text: str, pattern: re.Pattern[str], need: int) -> list[str]:
    """``pattern``'s tokens in the lowercased first ``_KEY_CHARS`` characters of ``text``,
    or in its first ``_KEY_PROBE`` when those hold more than ``need``: the token after the
    last one needed starts inside the probe, so the needed ones ended in it and are the same.

    Every block of the article's container is keyed, and most are long paragraphs: the short
    probe spares lowering and scanning the longer prefix. Lowering is the same letter by
    letter in any prefix but for a capital sigma, which looks at what follows it; a probe
    holding one takes the longer way.
    """
    if len(text) > _KEY_PROBE and "Σ" not in text[:_KEY_PROBE]:
        found = pattern.findall(text[:_KEY_PROBE].lower())
        if len(found) > need:
            return found
    return pattern.findall(text[:_KEY_CHARS].lower())


def _subheadings(tree: Any) -> list[tuple[str, str]]:
    """(subheading, first words of the block after it) for each short h2-h4 in the page.

    Read before trafilatura runs (it prunes the tree): trafilatura sometimes keeps a
    section's paragraphs but not the heading above them.
    """
    out = []
    for el in tree.iter(*_HEADINGS):
        head = " ".join(el.text_content().split())
        if not head or len(head.split()) > 15:
            continue
        nxt = el.getnext()
        while nxt is not None and (
            not isinstance(nxt.tag, str) or not any(t.strip() for t in nxt.itertext())
        ):
            nxt = nxt.getnext()
        if nxt is None or nxt.tag in _HEADINGS or nxt.tag in ("h1", "h5", "h6"):
            continue
        key = _start_key(nxt.itertext())
        if key:
            out.append((head, key))
    return out


def _restore_subheadings(
    text: str, heads: list[tuple[str, str]], stripped: list[Stripped], rules: BoilerplateRules
) -> str:
    """Put back a subheading trafilatura dropped above a paragraph it kept."""
    if not heads or not text:
        return text
    paras = text.split("\n\n")
    keys = [_start_key([para]) for para in paras]
    starts: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key and key not in starts:
            starts[key] = i
    insert: dict[int, str] = {}
    known: _KnownTexts | None = None
    for head, key in heads:
        i = starts.get(key)
        # only between kept paragraphs, and never a heading that is chrome by the rules
        if not i or i >= len(paras) - 1 or i in insert:
            continue
        if known is None:
            known = _KnownTexts(paras, keys, [s.text for s in stripped])
        if known.holds(head):
            continue
        if rules.line_kind(head) or rules.marker_for(head):
            continue
        insert[i] = head
    if not insert:
        return text
    out = []
    for i, para in enumerate(paras):
        if i in insert:
            out.append(insert[i])
        out.append(para)
    return "\n\n".join(out)


_ANCHOR_MIN_WORDS = 12
EDGE_RUN_PROSE_WORDS = 15
RECOVER_MIN_WORDS = 100
EDGE_RUN_MIN_PROSE = 2
# class/id words of containers that hold page chrome, not article text; matched as parts of
# short class names ("related-posts", "site_footer"), not inside long builder names
# ("kt-pane-header-alignment-left" styles an accordion pane)
_CHROME_WORDS = frozenset(
    "comment comments related share sharing social sidebar widget newsletter subscribe promo "
    "advert ad ads adsense footer header nav navbar navigation menu breadcrumb breadcrumbs "
    "author byline cookie cookies popup modal recommended recommendations teaser teasers "
    "signup banner toc".split()
)
_CLASS_PARTS = re.compile(r"[a-z]+")
_CHROME_TAGS = frozenset("nav aside footer header form button select figure figcaption".split())
_BLOCKS = ("p", "li", "h2", "h3", "h4", "dd", "blockquote")


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


class _KnownTexts:
    """The page's kept and stripped texts, asked whether one has the same ``_norm`` as a
    heading. A text of eight words or more is told by its start key (its first eight
    words) before it is tokenised whole, so a page's long paragraphs are read once, for
    their keys, not again for every heading."""

    def __init__(self, paras: list[str], keys: list[str | None], others: list[str]) -> None:
        self.short: set[str] = set()  # the norms of texts under eight words
        self.long: dict[str, list[str]] = {}  # start key -> the texts of eight words or more
        for text, key in [*zip(paras, keys, strict=True), *((t, _start_key([t])) for t in others)]:
            if key is None:
                self.short.add(_norm(text))
            else:
                self.long.setdefault(key, []).append(text)

    def holds(self, text: str) -> bool:
        norm = _norm(text)
        words = norm.split(" ") if norm else []
        if len(words) < _KEY_WORDS:
            return norm in self.short
        return any(_norm(t) == norm for t in self.long.get(" ".join(words[:_KEY_WORDS]), ()))


def _recover_siblings(
    tree: Any,
    text: str,
    stripped: list[Stripped],
    rules: BoilerplateRules,
    closed: bool,
    min_words: int = RECOVER_MIN_WORDS,
) -> tuple[str, list[Stripped]]:
    """Paragraphs between the ones trafilatura kept, inside the container that holds them.

    trafilatura drops whole sibling containers of a multi-part article (accordion panes,
    "collapse" sections, builder columns) while it keeps their neighbours. The lowest common
    ancestor of the kept paragraphs bounds the article; blocks inside it that trafilatura
    did not return are put back in page order, unless they sit in a chrome container, are
    mostly links, or are chrome by the line rules. Before the first or after the last kept
    paragraph only a run with prose of its own comes back, and nothing after a marker
    closed the article.
    """
    paras = text.split("\n\n")
    keys: dict[str, int] = {}
    for i, para in enumerate(paras):
        if para.count(" ") + 1 >= _ANCHOR_MIN_WORDS:
            key = _plain_key(para)
            if key and key not in keys:
                keys[key] = i
    body = _body(tree)
    if len(keys) < 2 or body is None:
        return text, stripped
    # a subtree is one stretch of the page in document order, so the first and the last
    # kept paragraph found in the page fix the container of all of them
    blocks = list(body.iter("p", "li"))  # document order, as ".//p|.//li" at half its cost
    first = next((el for el in blocks if _plain_key(el.text_content()) in keys), None)
    if first is None:
        return text, stripped
    final = next((el for el in reversed(blocks) if _plain_key(el.text_content()) in keys), None)
    if final is None or first is final:
        return text, stripped
    lca = _common_ancestor([first, final])
    if lca is None or lca.tag in ("body", "html"):
        return text, stripped
    # nothing to gain when the container holds few more words than trafilatura kept
    if len(lca.text_content().split()) < len(text.split()) + min_words:
        return text, stripped
    # blocks already returned are recognised by their first words (a set lookup); only
    # the rest are searched for in the kept text, as part of a longer paragraph
    kept = {_plain_key(t) or _plain(t) for t in [*paras, *(s.text for s in stripped)]}
    present = ""
    masked: dict[Any, bool] = {lca: False}
    after: dict[int, list[tuple[str, str]]] = {}
    last = -1
    for el in lca.iter(*_BLOCKS):
        whole = el.text_content()
        key = _plain_key(whole)
        if key is not None:
            i = keys.get(key) if el.tag in ("p", "li") else None
            if i is not None:
                last = i
                continue
            if key in kept:
                continue
        if el.tag == "li" and next(el.iterdescendants("p"), None) is not None:
            continue
        # a block in a chrome container never comes back: told before its text is searched
        # for in the kept text, with each container's verdict read once for all its blocks
        if _masked(el, lca, masked):
            continue
        n = _plain(whole)
        if not n or n in kept:
            continue
        if not present:
            present = " " + _plain(text) + " " + " ".join(_plain(s.text) for s in stripped) + " "
        if (" " + n + " ") in present:
            continue
        content = _block_text(el, whole)
        n = _plain(content)
        if not n or (" " + n + " ") in present:
            continue
        words = n.count(" ") + 1
        if el.tag in ("p", "dd", "blockquote") and words < 6:
            continue
        linked = sum(_plain(a.text_content()).count(" ") + 1 for a in el.iter("a"))
        if linked > 0.3 * words:
            continue
        content = repair_mojibake(content)
        after.setdefault(last, []).append((el.tag, "- " + content if el.tag == "li" else content))
        present += n + " "
    for edge in (-1, last):
        run = after.get(edge)
        if run and (
            (closed and edge == last)
            or sum(1 for g, t in run if g == "p" and t.count(" ") + 1 >= EDGE_RUN_PROSE_WORDS)
            < EDGE_RUN_MIN_PROSE
        ):
            del after[edge]
    if not after:
        return text, stripped
    out = list(_recovered(after.get(-1, []), rules, stripped))
    for i, para in enumerate(paras):
        out.append(para)
        out.extend(_recovered(after.get(i, []), rules, stripped))
    return "\n\n".join(out), stripped


def _recovered(gap: list[tuple[str, str]], rules: BoilerplateRules, stripped: list[Stripped]):
    """The blocks of one recovered run that are not chrome (those go to ``stripped``)."""
    kinds = [_chrome_kind(block, rules) for _, block in gap]
    stripped.extend(Stripped(k, block) for (_, block), k in zip(gap, kinds, strict=True) if k)
    left = [item for item, k in zip(gap, kinds, strict=True) if not k]
    for j, (tag, block) in enumerate(left):
        # a heading or "...:" lead-in needs recovered text under it (a run of headings is a
        # card grid; "Buy now from:" introduces buttons; "Related Topics" over a teaser that
        # left is a heading over nothing)
        if (tag in _HEADINGS or block.endswith(":")) and (
            j + 1 == len(left) or left[j + 1][0] in _HEADINGS
        ):
            continue
        yield block


def _chrome_kind(block: str, rules: BoilerplateRules) -> str | None:
    """The kind of a recovered block the post-filter would drop wherever it stands: a chrome
    line, a photo credit, a teaser cut off or closing with its story link."""
    kind = chrome_line_kind(block, block.count(" ") + 1, rules)
    # a block cut off with an ellipsis is a teaser excerpt of another page (a "related
    # posts" card), not a paragraph of this article: trafeval recovered such cards
    if not kind and block.endswith(CLIPPED_ENDS):
        kind = "related-links"
    return kind


def _plain_key(text: str) -> str | None:
    """The first words of a block as ``_plain`` tokens (within its first ``_KEY_CHARS``
    characters), or None when it is too short."""
    words = _first_words(text, _ASCII_WORDS, _KEY_WORDS)
    return " ".join(words[:_KEY_WORDS]) if len(words) >= _KEY_WORDS else None


def _common_ancestor(els: list[Any]) -> Any | None:
    """The deepest element that contains all of ``els``."""
    chain = [*reversed(list(els[0].iterancestors())), els[0]]
    depth = len(chain)
    for el in els[1:]:
        anc = [*reversed(list(el.iterancestors())), el]
        n = 0
        while n < min(depth, len(anc)) and anc[n] is chain[n]:
            n += 1
        depth = n
        if depth == 0:
            return None
    return chain[depth - 1]


_ASCII_WORDS = re.compile(r"[a-z0-9]+")


def _plain(text: str) -> str:
    """Lowercased ASCII word tokens (mangled accents and quotes do not break a match)."""
    return " ".join(_ASCII_WORDS.findall(text.lower())) or _norm(text)


# What makes a block's visible text differ from all its text run together: a block child
# (spaced apart), a hidden one (left out), or a node that is no element.
_TEXT_BREAKS = (
    *sorted(_SKIP_TAGS | _BLOCK_TAGS),
    lxml_html.etree.Comment,
    lxml_html.etree.ProcessingInstruction,
    lxml_html.etree.Entity,
)


def _block_text(el: Any, whole: str | None = None) -> str:
    """A block's visible text, child elements spaced apart (scripts and styles left out).

    ``whole`` is ``el.text_content()`` when the caller has it: a block with none of
    ``_TEXT_BREAKS`` inside (a paragraph with links and emphasis) reads the same, and a
    search in C for them spares a walk of the block in Python."""
    if whole is not None and next(el.iterdescendants(*_TEXT_BREAKS), None) is None:
        return " ".join(whole.split())
    parts: list[str] = []

    def walk(node: Any) -> None:
        if not isinstance(node.tag, str) or node.tag in _SKIP_TAGS:
            return
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        parts.append(" " if node.tag in _BLOCK_TAGS else "")

    walk(el)
    return " ".join("".join(parts).split())


def _masked(el: Any, stop: Any, memo: dict[Any, bool]) -> bool:
    """Inside a chrome container (nav, aside, comments, share bar...) below ``stop``, which
    ``memo`` must hold (as not masked); ``memo`` keeps each element's verdict, so the blocks
    of one container read its ancestors once."""
    path = []
    node = el
    while node not in memo:
        if _is_chrome_container(node):
            memo[node] = True
            break
        path.append(node)
        node = node.getparent()
        if node is None:  # ``stop`` is not above ``el``
            break
    found = node is not None and memo[node]
    for seen in path:
        memo[seen] = found
    return found


def _is_chrome_container(node: Any) -> bool:
    """A container of page chrome by its tag, its ``hidden`` flag or its class and id."""
    if node.tag in _CHROME_TAGS or node.tag == "a" or node.get("hidden") is not None:
        return True
    attr = (node.get("class") or "") + " " + (node.get("id") or "")
    for name in attr.lower().split():
        parts = _CLASS_PARTS.findall(name)
        if len(parts) <= 3 and not _CHROME_WORDS.isdisjoint(parts):
            return True
    return False
