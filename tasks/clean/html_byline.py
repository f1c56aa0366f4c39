"""The byline an HTML page states, its author and its date: in JSON-LD, meta tags and
Yoast's reading card, or shown on the page in microdata, an author link, a byline element or
a date element.

The tree is searched only when the declarations say nothing (or, for the author, name only
an organisation or the site itself), so a page that declares both costs no search.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from ipwire.tasks.clean.dates import parse_date
from ipwire.tasks.clean.declared import declared_text, short_text
from ipwire.tasks.clean.names import BYLINE_MAX_CHARS, byline_name

# A byline's or date's element holds little else: a longer text is a bio, a teaser or the
# article itself, and is not read past the length of a byline.
SHOWN_MAX_CHARS = BYLINE_MAX_CHARS
# How deep a JSON-LD author's lists and references are followed.
_JSONLD_MAX_DEPTH = 4

# Every element a byline or date may be shown in, found in one pass over the page (each
# search below filters this list, in page order): a class or id saying author, byline,
# date, publish or posted, author microdata, and author links.
# (read through the attribute axis: 2.4 times faster than testing each element's attributes)
_SHOWN = etree.XPath(
    "descendant-or-self::*/@class[contains(., 'author') or contains(., 'byline')"
    " or contains(., 'date') or contains(., 'publish') or contains(., 'posted')]/.."
    " | descendant-or-self::*/@id[contains(., 'author') or contains(., 'byline')"
    " or contains(., 'date') or contains(., 'publish') or contains(., 'posted')]/.."
    " | descendant-or-self::*/@itemprop[. = 'author']/.."
    " | descendant-or-self::a[@rel = 'author' or contains(@href, '/author/')"
    " or contains(@href, '/authors/')]",
    smart_strings=False,
)
# How far above the headline the byline's region reaches when no article element holds it.
REGION_LEVELS = 4
_PAGE_TAGS = frozenset({"body", "html", "article", "main"})
_QUOTED = frozenset({"blockquote", "figure"})
# "author" or "byline" opening a class or id token or one of its parts ("post-author",
# "byline__name"), not inside a word ("unauthorized", "authority-box" are not bylines)
_BYLINE_TOKEN = re.compile(r"(?:^|[\s_-])(?:author(?!ity|iz|is)|byline)", re.IGNORECASE)
_DATE_TOKEN = re.compile(r"date|publish|posted")
_SKIPPED_TAGS = frozenset({"script", "style", "meta", "link", "img", "noscript", "template"})
_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "dc.creator",
    "byl",
    "sailthru.author",
)
_CARD_LABELS = frozenset({"written by", "author", "by", "verfasst von", "écrit par", "escrito por"})
_ACCOUNT_NAMES = frozenset({"admin", "administrator", "webmaster", "root"})
_UPDATED = re.compile(r"\b(?:updated|modified|aktualisiert|mis à jour|actualizado)\b", re.I)


def page_author(
    shown: Shown,
    meta: dict[str, str],
    articles: list[dict],
    by_id: dict[str, dict],
    site: set[str],
) -> str | None:
    """The page's author: a person its JSON-LD, meta tags or reading card declare; else the
    byline it shows (microdata, an author link, a byline element); else the organisation or
    site name it declared (``site``: its declared names, case-folded), as a company blog's
    declarations often name only the company."""
    declared = _resolve(jsonld_value(articles, "author"), by_id, 0)
    candidates = [
        (_person_name(declared), _organisation(declared)),
        *((_meta_author(meta.get(key)), False) for key in _AUTHOR_META),
        (twitter_label_author(meta), False),
    ]
    fallback = None
    for name, organisation in candidates:
        if not _usable(name):
            continue
        if organisation or name.casefold() in site:
            fallback = fallback or name
            continue
        return name
    for whole in (False, True):  # around the headline first: the page's menus cost more
        elements = shown.elements(whole)
        name = (
            microdata_author(elements) or link_author(elements) or byline_element_author(elements)
        )
        if _usable(name):
            return name
    return fallback


def _usable(name: str | None) -> bool:
    """Not empty, a site's default account ("admin") or a user number."""
    return bool(name) and name.casefold() not in _ACCOUNT_NAMES and any(c.isalpha() for c in name)


def _meta_author(value: str | None) -> str | None:
    if not value or "://" in value:
        return None
    return declared_text(re.sub(r"^by\s+", "", value, flags=re.IGNORECASE))


def jsonld_value(nodes: list[dict], key: str, kind: type | None = None) -> Any:
    """The first article node's ``key`` (an article type's before a WebPage's, which often
    names the site), of type ``kind`` when one is given."""
    for node in sorted(nodes, key=_is_webpage):
        value = node.get(key)
        if value and (kind is None or isinstance(value, kind)):
            return value
    return None


def _is_webpage(node: dict) -> bool:
    """A node typed WebPage only."""
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return all(not isinstance(k, str) or k.lower() == "webpage" for k in kinds)


def _resolve(value: Any, by_id: dict[str, dict], depth: int) -> Any:
    """``value`` with each ``{"@id": …}`` reference replaced by the node it names (Yoast's
    graphs name the Person once, elsewhere in the graph); lists followed a few levels."""
    if depth > _JSONLD_MAX_DEPTH:
        return None
    if isinstance(value, list):
        return [_resolve(v, by_id, depth + 1) for v in value]
    if isinstance(value, dict) and not value.get("name") and isinstance(value.get("@id"), str):
        return by_id.get(value["@id"], value)
    return value


def _person_name(value: Any, depth: int = 0) -> str | None:
    """The names in a JSON-LD author: a string, a node's ``name`` (a string, the first string
    of a list, or a ``{"@value": …}``), or a list of them joined with commas."""
    if depth > _JSONLD_MAX_DEPTH:
        return None
    if isinstance(value, list):
        names = [n for n in (_person_name(v, depth + 1) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) if names else None
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = next((n for n in name if isinstance(n, str)), None)
        if isinstance(name, dict):
            name = name.get("@value")
        return declared_text(name) if isinstance(name, str) else None
    if isinstance(value, str) and "://" not in value:
        return declared_text(value)
    return None


def _organisation(value: Any) -> bool:
    """A JSON-LD author that is only organisations (Organization, NewsMediaOrganization …)."""
    items = value if isinstance(value, list) else [value]
    kinds = [i.get("@type") for i in items if isinstance(i, dict)]
    flat = [k for kind in kinds for k in (kind if isinstance(kind, list) else [kind])]
    return bool(flat) and all(isinstance(k, str) and k.endswith("Organization") for k in flat)


def twitter_label_author(meta: dict[str, str]) -> str | None:
    """Yoast's reading card: ``twitter:label1`` "Written by", ``twitter:data1`` the name."""
    for k in ("1", "2"):
        label = (meta.get(f"twitter:label{k}") or "").strip().lower()
        if label in _CARD_LABELS:
            return byline_name(declared_text(meta.get(f"twitter:data{k}")), declared=True)
    return None


class Shown:
    """The page's elements that may show a byline or a date, found once and only when a
    search needs them, with each one's standing outside comments, forms and quotations."""

    def __init__(self, tree: Any) -> None:
        self._tree = tree
        self._region: Any = None
        self._found: dict[Any, list[Any]] = {}  # by the element searched under
        self._apart: dict[Any, bool] = {}  # elements judged by _set_apart

    def elements(self, whole: bool = False) -> list[Any]:
        """The candidates in page order, around the headline (``whole``: in the whole page),
        those inside a comment section, a form without the headline (a comment form's
        "Name*"; an ASP.NET page is one big form), a quotation or a figure left out: a
        comment's author, a quote's or a picture's credit is not the article's."""
        if self._region is None:
            self._region = self._headline_region()
        root = self._tree if whole else self._region
        if root not in self._found:  # a region that is the whole page is searched once
            self._found[root] = [
                el for el in _SHOWN(root) if el.tag not in _SKIPPED_TAGS and not self._set_apart(el)
            ]
        return self._found[root]

    def _headline_region(self) -> Any:
        """Where the byline and date stand: around the headline (the nearest article or main
        element holding the first ``<h1>`` within ``REGION_LEVELS`` levels, else the
        ancestor that many levels up), not in the menus and footers of the whole page."""
        h1 = next(self._tree.iter("h1"), None)
        if h1 is None:
            return self._tree
        region = h1
        for depth, anc in enumerate(h1.iterancestors()):
            region = anc
            if anc.tag in ("article", "main") or depth + 1 >= REGION_LEVELS:
                break
        return region

    def _set_apart(self, el: Any) -> bool:
        """Inside a quotation, a figure, a comment section or a form without the headline;
        each ancestor is judged once for all the candidates under it (a page of nested
        byline wrappers costs one walk, not one per wrapper)."""
        path: list[Any] = []
        node = el
        while node is not None and node not in self._apart:
            path.append(node)
            node = node.getparent()
        apart = self._apart[node] if node is not None else False
        for step in reversed(path):  # from the highest unjudged ancestor down to ``el``
            apart = apart or self._own_mark(step)
            self._apart[step] = apart
        return apart

    def _own_mark(self, node: Any) -> bool:
        """The element itself sets what it holds apart."""
        tag = node.tag
        if tag in _QUOTED:
            return True
        if tag == "form" and node.find(".//h1") is None:
            return True
        if tag in _PAGE_TAGS:
            return False  # "comments-open" on the page or the article says nothing
        cls, ident = node.get("class") or "", node.get("id") or ""
        return ("comment" in cls and "commentary" not in cls) or ident.startswith("comment")


def microdata_author(elements: list[Any]) -> str | None:
    """schema.org microdata: an ``itemprop="author"`` element's name, read from its own
    ``itemprop="name"`` or ``content``, else its text when that is a name."""
    for el in elements:
        if el.get("itemprop") != "author":
            continue
        inner = el.find(".//*[@itemprop='name']")
        value = (
            (el.get("content") or "").strip()
            or ((inner.get("content") or "").strip() if inner is not None else None)
            or (short_text(inner, SHOWN_MAX_CHARS) if inner is not None else None)
            or short_text(el, SHOWN_MAX_CHARS)
        )
        name = byline_name(value)
        if name:
            return name
    return None


def link_author(elements: list[Any]) -> str | None:
    """An author link: ``rel="author"`` or an address under ``/author/`` whose text is a name
    (an avatar's link has none; "View all posts" is not one). A ``rel="author"`` link may
    name a user in lower case ("gnaddrig"): it declares an author, where an address only
    suggests one."""
    for el in elements:
        href = el.get("href") or ""
        if el.tag != "a" or not (
            el.get("rel") == "author" or "/author/" in href or "/authors/" in href
        ):
            continue
        name = byline_name(short_text(el, SHOWN_MAX_CHARS), declared=el.get("rel") == "author")
        if name:
            return name
    return None


def byline_element_author(elements: list[Any]) -> str | None:
    """The text of the first element whose class or id says author or byline, when it reads
    as a name once "By" and a trailing date or role are cut."""
    for el in elements:
        if el.tag in _PAGE_TAGS or not _BYLINE_TOKEN.search(_marks(el)):
            continue
        name = byline_name(short_text(el, SHOWN_MAX_CHARS))
        if name:
            return name
    return None


def _marks(el: Any) -> str:
    """An element's class and id, the words a page marks its byline and dates with."""
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def shown_date(shown: Shown) -> str | None:
    """The one publication date a page's date elements show (class or id saying date,
    published or posted, innermost only: a wrapper's text runs its children's dates
    together): an "Updated …" date only when no other is shown, and none when they show
    several days (a list of teasers' dates, first on some pages and below the article on
    others)."""
    found = [
        el for el in shown.elements() if el.tag not in _PAGE_TAGS and _DATE_TOKEN.search(_marks(el))
    ]
    holds_one: set[Any] = set()  # the found elements' ancestors, each walked once
    for el in found:
        anc = el.getparent()
        while anc is not None and anc not in holds_one:
            holds_one.add(anc)
            anc = anc.getparent()
    texts = [(short_text(el, SHOWN_MAX_CHARS), _marks(el)) for el in found if el not in holds_one]
    dated = [(f"{t} {marks}", d) for t, marks in texts if t and (d := parse_date(t))]
    # an "Updated …" text, or an element marked updated or modified (hAtom's "updated")
    first = [d for t, d in dated if not _UPDATED.search(t)] or [d for _, d in dated]
    return first[0] if len({d[:10] for d in first}) == 1 else None
