"""Rows shaped like a headline that never are one: data and button rows, tag rows, links
to the previous or next post, a blog's own name."""

from __future__ import annotations

import re

from ipwire.tasks.clean.words import _DIGIT, _WORD, STOPWORDS

# Rows of data shaped like a headline: two "Label: value" pairs ("Family: Rubiaceae | Place
# of Origin: Ethiopia"), a spec row of figures ("Battery Size 800Wh 551Wh 608Wh 720Wh"), a
# shop button ("Kettle at Amazon $58"), account actions ("Sign In Get Started"), one label
# repeated per column, or a menu run together.
_LABEL_VALUE = re.compile(r"[^\W\d]\s*:\s+\S")
_SHOP = re.compile(r"\bat\s+(?:[A-Z][\w&.'’-]*\s+){1,4}[$€£¥]\s?\d[\d.,]*\s*$")
_ACCOUNT = re.compile(
    r"\b(sign[ -]?in|log[ -]?in|sign[ -]?up|log[ -]?out|register|get started|my account)\b",
    re.IGNORECASE,
)
# menu entries run together ("Quick PicksWhat's NewBest Hammocks"): three joins at least,
# each after three letters of its word ("McCarthy", "DeSantis", "iPhone" are no join), as a
# headline may name two brands spelt so ("YouTube and PayPal")
_GLUED = re.compile(r"[^\W\d_]{2}[a-z][A-Z][a-z]")
_GLUED_MIN = 3
_ACCOUNT_ROW_WORDS = 6
_ROW_SEPARATOR = re.compile(r"\s[|•·]\s")
_NUMBER_VALUE = re.compile(r"[^\W\d]\s*:\s+\d[\d.,]*(?:\s*$|\s+(?:\S+\s+){0,3}\S*[^\W\d]\s*:)")
_ROW_FIGURES = 4
_ROW_FIGURE_SHARE = 0.5


def data_row(text: str) -> bool:
    """A row of data or buttons, a row of tags or a link to the previous or next post, never
    a headline (see ``_LABEL_VALUE``, ``_tag_row``, ``_PAGER`` and the others)."""
    if _SHOP.search(text) or len(_GLUED.findall(text)) >= _GLUED_MIN:
        return True
    if len(_LABEL_VALUE.findall(text)) >= 2 and (
        _ROW_SEPARATOR.search(text) or _NUMBER_VALUE.search(text)
    ):
        return True
    toks = text.split()
    figures = sum(1 for t in toks if _DIGIT.search(t))
    if figures >= _ROW_FIGURES and figures >= _ROW_FIGURE_SHARE * len(toks):
        return True
    if len(toks) >= _ROW_FIGURES and len({t.lower() for t in toks}) * 3 <= len(toks):
        return True  # one label per column ("Compare: Compare: Compare: Compare:")
    if _tag_row(toks) or _PAGER.search(text):
        return True
    if len(toks) > _ACCOUNT_ROW_WORDS:
        return False
    return len({m.lower().replace(" ", "").replace("-", "") for m in _ACCOUNT.findall(text)}) >= 2


# A link to the previous or next post: an arrow or guillemet that opens (or closes) the line
# and is not a quotation mark ("« In Defense of Curiosity", "Older posts ›"), which a French
# headline closes ("« Il y a, d’abord, le poids de la géographie ». Sur …").
_PAGER = re.compile(r"^[«‹←]\s(?!.*[»›])|^(?!.*[«‹]).*\s[»›→]$")
# Tags run together: a row of lower-case tags without a function word that names a tag
# twice ("raised kitchen garden raised vegetable garden …"). A run of capitalised labels is
# not told so: a title-case headline may hold no function word either.
_TAG_ROW_MIN = 6


def _tag_row(toks: list[str]) -> bool:
    if len(toks) < _TAG_ROW_MIN or not all(t[:1].isalpha() and t[:1].islower() for t in toks):
        return False
    low = [w for t in toks for w in _WORD.findall(t)]
    return not any(w in STOPWORDS for w in low) and len(set(toks)) < len(toks)


# A blog's own name in title case ("Jan's Blog", "Engora Data Blog"): no gold headline ends
# in the word; "How to start a blog" and a "Live Blog" are not such a name.
_BLOG_NAME = re.compile(r"^(?:[A-Z0-9][\w'’.&-]*\s+){0,4}(?<!Live )(?:Blog|Weblog|BLOG)$")


def not_a_headline(text: str) -> bool:
    """Never a headline candidate: a data, button or tag row or a pager link (``data_row``),
    or a blog's name."""
    return data_row(text) or _BLOG_NAME.match(text) is not None
