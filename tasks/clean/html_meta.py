"""Page metadata declared by an HTML page: JSON-LD, Open Graph and meta tags, <time>, <h1>;
and, where the declarations fall short, the byline and date the page shows (html_byline).

Read once from the parsed tree: cheaper than a full date search, and it keeps the
publisher's UTC offset.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from ipwire.ids import canonical_url as canonicalise
from ipwire.ids import outlet_from_url
from ipwire.tasks.clean.dates import parse_date
from ipwire.tasks.clean.declared import declared_text, visible_text
from ipwire.tasks.clean.html_byline import Shown, jsonld_value, page_author, shown_date
from ipwire.tasks.clean.lines import trail_or_link_row
from ipwire.tasks.clean.rules import BoilerplateRules, default_rules
from ipwire.tasks.clean.stamps import headline_without_stamp
from ipwire.tasks.clean.words import _WORD

_TITLE_SPLIT = re.compile(r"\s+(?:[|\-–—:·•»]|::)\s+")
_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "webpage",
    "posting",
    "scholarlyarticle",
    "techarticle",
    "report",
    "backgroundnewsarticle",
    "liveblogposting",
    "review",
    "recipe",
    "howto",
}


def iso_datetime(value: str | None) -> str | None:
    """An ISO 8601 date or date-time; the publisher's offset kept, date-only stays date-only."""
    value = declared_text(value)
    if not value:
        return None
    m = re.match(
        r"^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?", value
    )
    if m:
        raw = m.group(0).replace(" ", "T", 1)
        if len(raw) == 10:
            try:
                datetime.fromisoformat(raw)
                return raw
            except ValueError:
                return None
        raw = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", raw).replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(raw)
        except ValueError:
            return parse_date(value)
        return dt.isoformat(timespec="seconds")
    return parse_date(value)


# the separator a title keeps at its end when the site name after it is empty or cut off
_TRAILING_SEPARATOR = re.compile(r"\s+(?:[|\-–—·/]|::)$")  # not "»", a closing quote too
# a link aggregator's mark of where the story is from, and its comment count ("… Guarantee
# Jobs (latimes.com) 87"): the headline is the words before it. The count is required: a
# headline may end in a name spelt like a site ("… for Beginners (Next.js)").
_SOURCE_MARK = re.compile(r" \((?:[\w-]+\.)+[a-z]{2,}\) \d+$")


def drop_source_mark(title: str) -> str:
    """A title without an aggregator's "(site.com) 87" source mark and comment count at its
    end, when at least three words stand before it."""
    m = _SOURCE_MARK.search(title)
    if m is None or len(title[: m.start()].split()) < 3:
        return title
    return title[: m.start()]


def _walk_jsonld(node: Any, found: list[dict], by_id: dict[str, dict]) -> None:
    """The article nodes of a JSON-LD document, in order, and its named nodes by ``@id``."""
    if isinstance(node, list):
        for item in node:
            _walk_jsonld(item, found, by_id)
    elif isinstance(node, dict):
        kind = node.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
            found.append(node)
        ident = node.get("@id")
        if isinstance(ident, str) and node.get("name"):
            by_id.setdefault(ident, node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in node:
                _walk_jsonld(node[key], found, by_id)


def _headline_like(text: str, rules: BoilerplateRules) -> bool:
    """Not a breadcrumb trail or a share row, nor a chrome label: a login modal's lone
    ``<h1>Log In</h1>`` is not the page's headline."""
    if trail_or_link_row(text):
        return False
    low = text.lower()
    return not (len(low.split()) <= _LABEL_MAX_WORDS and rules.chrome_word_starts(low)[:1] == [0])


_LABEL_MAX_WORDS = 2


def page_metadata(
    tree: Any, url: str | None, rules: BoilerplateRules | None = None
) -> dict[str, str | None]:
    """Title, author, date, language, canonical URL and outlet declared by the page."""
    rules = rules or default_rules()
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content")
        if key and content and key not in meta:
            meta[key] = content
    articles: list[dict] = []
    by_id: dict[str, dict] = {}
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            try:
                _walk_jsonld(json.loads(script.text), articles, by_id)
            except (ValueError, RecursionError):
                continue
    ld = articles[0] if articles else {}

    all_h1s = [h for h in (declared_text(visible_text(h)) for h in tree.iter("h1")) if h]
    # a logo set in an <h1> ("<h1 id='header-logo'><a href='/'>Flavorwire</a></h1>") names
    # the site, not the story
    site = {
        name.casefold()
        for name in (declared_text(meta.get(k)) for k in ("og:site_name", "application-name"))
        if name
    }
    h1s = [h for h in all_h1s if _headline_like(h, rules) and h.casefold() not in site]
    page_title = declared_text(tree.findtext(".//title"))
    og_title = declared_text(meta.get("og:title") or meta.get("twitter:title"))
    ld_title = declared_text(ld.get("headline")) if isinstance(ld.get("headline"), str) else None
    title = None
    for cand in (ld_title, og_title, page_title):
        if not cand:
            continue
        # Prefer an <h1> the declared title contains (it drops the " | Site" suffix).
        for h in h1s:
            if len(h) >= 8 and h.lower() in cand.lower():
                title = h
                break
        if title:
            break
        parts = _TITLE_SPLIT.split(cand)
        longest = max(parts, key=len) if len(parts) > 1 else cand
        if _headline_like(longest, rules):
            title = longest
            break
    if (len(all_h1s) == 1 and h1s) or (not title and h1s):
        # one <h1> is the headline readers see; a declared title is often reworded for search
        # and sharing (wcxb-dev: 0.82 of titles right from the declarations, 0.87 with this)
        title = h1s[0]
    if title:
        # a separator left at the end once the site's name is cut off ("About André |")
        title = bare_title(_TRAILING_SEPARATOR.sub("", title) or title)
        # a date printed before the headline ("23.01.2022 - Dorothea Wierer darf …")
        title = headline_without_stamp(title) or title

    shown = Shown(tree)  # searched only when the declarations fall short
    author = page_author(shown, meta, articles, by_id, site)

    published = None
    for value in (
        jsonld_value(articles, "datePublished", str),
        meta.get("article:published_time"),
        meta.get("og:published_time"),
        meta.get("datepublished"),
        meta.get("publishdate"),
        meta.get("pubdate"),
        meta.get("date"),
        meta.get("dc.date"),
        meta.get("dc.date.issued"),
        meta.get("sailthru.date"),
        meta.get("parsely-pub-date"),
        jsonld_value(articles, "dateCreated", str),
    ):
        if isinstance(value, str):
            published = iso_datetime(value)
            if published:
                break
    if not published:
        for el in tree.iter("time"):
            published = iso_datetime(el.get("datetime") or el.text_content())
            if published:
                break
    if not published:
        published = shown_date(shown)

    canonical = None
    for el in tree.iterfind(".//link[@rel='canonical']"):
        canonical = el.get("href")
        break
    canonical = canonical or meta.get("og:url") or url
    html_el = tree if tree.tag == "html" else tree.find(".//html")
    lang = html_el.get("lang") if html_el is not None else None
    lang = (lang or meta.get("og:locale") or meta.get("content-language") or "")[:2].lower()
    return {
        "title": title,
        "author": author,
        "published_at": published,
        "language": lang or None,
        "canonical_url": _canonical_or_none(canonical),
        "outlet": outlet_from_url(url) or _outlet_or_none(canonical),
    }


def _canonical_or_none(link: str | None) -> str | None:
    """A declared canonical link in canonical form; None for one that does not parse (a port
    out of range, a broken IPv6 host): a malformed declaration never costs the page."""
    try:
        return canonicalise(link) if link else None
    except ValueError:
        return None


def _outlet_or_none(link: str | None) -> str | None:
    try:
        return outlet_from_url(link)
    except ValueError:
        return None


# " | Opinion", " - Artlyst", " — Part 1": a site or section name after a separator
_SUFFIX = re.compile(r"^(?P<head>.+)\s+(?:\||–|—|-|::)\s+(?P<tail>[A-Z0-9][^|–—]*)$")
SUFFIX_MAX_WORDS = 3
SUFFIX_HEAD_MIN_WORDS = 3
# "Blog: ...", "Title: ...", "PROJECT: ...": a page's label for the kind of text, not its words
_LABEL_PREFIX = re.compile(r"^(?:title|blog|blog post|post|article|project)\s*:\s+", re.IGNORECASE)


def drop_site_suffix(title: str) -> str:
    """A title without the site or section name a page appends to its headline ("Talks
    resume in Islamabad | Opinion"): a tail of at most three words, starting with a capital
    or a digit, after the last separator, when at least three words stand before it."""
    m = _SUFFIX.match(title.strip())
    if not m:
        return title
    head, tail = m.group("head"), m.group("tail")
    words = [w for w in tail.split() if _WORD.search(w)]  # "Arts & Culture": two words
    if len(words) > SUFFIX_MAX_WORDS or len(head.split()) < SUFFIX_HEAD_MIN_WORDS:
        return title
    return head.rstrip()


# "Analysis | Backchannel diplomacy played its part …", "Local News | Brothel catering …": a
# section or kind of text, one or two words, set before a headline of five words or more by a
# bar (a colon may be the headline's own: "Analysis: India and Pakistan …")
_BAR_LABEL = re.compile(r"^\s*(?P<label>[^\s|]+(?:\s[^\s|]+)?)\s+\|\s+(?P<rest>[^|]+)$")
BAR_LABEL_REST_MIN_WORDS = 5


def drop_label_prefix(title: str) -> str:
    """A title without a leading label naming what kind of text follows ("Blog: Best
    agencies of 2025"), when at least two words remain, or a section's label before a bar
    (``_BAR_LABEL``)."""
    bar = _BAR_LABEL.match(title)
    if bar and len(bar.group("rest").split()) >= BAR_LABEL_REST_MIN_WORDS:
        return bar.group("rest").strip()
    m = _LABEL_PREFIX.match(title)
    if not m or len(title[m.end() :].split()) < 2:
        return title
    return title[m.end() :]


def bare_title(title: str) -> str:
    """A headline without what pages print around it: a source mark, a site or section name
    after it ("… | Opinion", "… — Strength Training") and a label before it ("Blog: …").
    Page titles, paste titles and the headline line atop trafilatura's text are all read so."""
    return drop_label_prefix(drop_site_suffix(drop_source_mark(title)))
