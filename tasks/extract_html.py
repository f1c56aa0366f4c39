"""Article text and metadata from HTML pages.

trafilatura finds the main content (one call per page, comments excluded, favor_recall);
before it runs, the page's h2-h4 subheadings are noted and "embed" containers that hold
tables or long paragraphs are unmasked (trafilatura would discard them). Its output blocks
then go through the same line rules as text pastes (tasks/extract_text.py): lines that are
chrome wherever they stand, photo-credit captions, trailing "Related"/"Don't Miss"
sections (only when little prose follows the marker), blocks the line model is sure are
chrome, and short low-scored lines at the two edges. Subheadings trafilatura dropped above
a kept paragraph are put back. Metadata comes from the page's own declarations (JSON-LD,
Open Graph and article meta tags, ``<time>``, ``<h1>``), read once from the parsed tree:
cheaper than a full date search and it keeps the publisher's UTC offset.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from lxml import html as lxml_html
from trafilatura import bare_extraction

from ipwire.ids import canonical_url as canonicalise
from ipwire.ids import outlet_from_url
from ipwire.records import Extraction, Stripped

from .extract_text import (
    _WORD,
    BoilerplateRules,
    Line,
    _find_author,
    _fold,
    _is_prose,
    decide,
    default_rules,
    extract_from_text,
    load_rules,
    parse_date,
    split_lines,
)

__all__ = [
    "BoilerplateRules",
    "extract_from_html",
    "load_rules",
    "page_metadata",
    "repair_mojibake",
]

_TITLE_SPLIT = re.compile(r"\s+(?:[|\-–—:·»]|::)\s+")
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


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(str(text).split())
    return text or None


def iso_datetime(value: str | None) -> str | None:
    """An ISO 8601 date or date-time; the publisher's offset kept, date-only stays date-only."""
    value = _clean(value)
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


def _walk_jsonld(node: Any, found: list[dict]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_jsonld(item, found)
    elif isinstance(node, dict):
        kind = node.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
            found.append(node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in node:
                _walk_jsonld(node[key], found)


def _person_name(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_person_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) if names else None
    if isinstance(value, dict):
        return _clean(value.get("name"))
    if isinstance(value, str) and "://" not in value:
        return _clean(value)
    return None


def page_metadata(tree: Any, url: str | None) -> dict[str, str | None]:
    """Title, author, date, language, canonical URL and outlet declared by the page."""
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content")
        if key and content and key not in meta:
            meta[key] = content
    articles: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            try:
                _walk_jsonld(json.loads(script.text), articles)
            except (ValueError, RecursionError):
                continue
    ld = articles[0] if articles else {}

    h1s = [_clean(h.text_content()) for h in tree.iter("h1")]
    h1s = [h for h in h1s if h]
    page_title = _clean(tree.findtext(".//title"))
    og_title = _clean(meta.get("og:title") or meta.get("twitter:title"))
    ld_title = _clean(ld.get("headline")) if isinstance(ld.get("headline"), str) else None
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
        title = max(parts, key=len) if len(parts) > 1 else cand
        break
    if not title and h1s:
        title = h1s[0]

    author = _person_name(ld.get("author"))
    if not author:
        for key in (
            "author",
            "article:author",
            "parsely-author",
            "dc.creator",
            "byl",
            "sailthru.author",
        ):
            value = meta.get(key)
            if value and "://" not in value:
                author = _clean(re.sub(r"^by\s+", "", value, flags=re.IGNORECASE))
                break
    if not author:
        for el in tree.iterfind(".//a[@rel='author']"):
            author = _clean(el.text_content())
            if author:
                break

    published = None
    for value in (
        ld.get("datePublished"),
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
        ld.get("dateCreated"),
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
        "canonical_url": canonicalise(canonical) if canonical else None,
        "outlet": outlet_from_url(url) or outlet_from_url(canonical),
    }


_SKIP_TAGS = frozenset(
    "script style noscript template svg iframe object embed canvas head select option button "
    "textarea map audio video picture source".split()
)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary "
    "table tbody thead tfoot tr td th ul br center".split()
)


def _body(tree: Any) -> Any | None:
    """The page's <body>: the parser puts it among the root's children, so look there
    before searching the whole tree (``find(".//body")`` walks every element)."""
    for child in tree:
        if child.tag == "body":
            return child
    return tree.find(".//body")


def render_text(tree: Any) -> str:
    """The page's visible text, one block element per line, as a person pasting it gets.

    Used when trafilatura keeps too little of a page: the text-paste model then reads this
    rendering instead.
    """
    body = _body(tree)
    root = body if body is not None else tree
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if (
            tag in _SKIP_TAGS
            or (el.get("hidden") is not None)
            or "display:none" in (el.get("style") or "").replace(" ", "")
        ):
            if el.tail:
                parts.append(el.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n\n".join(line for line in lines if line)


# UTF-8 text that was decoded once as Windows-1252/Latin-1 and saved again ("doesnâ€™t",
# "cafÃ©"): a lead character of a UTF-8 sequence followed by the right number of
# continuation characters, in either decoding. Real prose almost never has these pairs.
_CONT = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122"
)
_MOJIBAKE = re.compile(
    f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}}"
)
# cheap whole-page test first (substring search, no regex pass over every page): the
# usual first characters of mangled quotes, dashes, accents, emoji and Devanagari
_MOJIBAKE_HINTS = ("â€", "â\u0080", "Ã", "Â", "à¤", "à¥", "ðŸ", "ð\u009f")


def _unmangle(match: re.Match[str]) -> str:
    raw = bytearray()
    for ch in match.group(0):
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return match.group(0)
            raw.append(ord(ch))
    try:
        fixed = raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group(0)
    # two Latin-1 letters that happen to decode to a rare script ("ß«") are left alone
    if 0x500 <= ord(fixed) < 0x600 or 0x700 <= ord(fixed) < 0x900:
        return match.group(0)
    return fixed


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 (a common fault of re-saved pages), sequence by sequence.

    Only sequences that decode as valid UTF-8 change; everything else stays as it is.
    """
    if not any(hint in text for hint in _MOJIBAKE_HINTS):
        return text
    return _MOJIBAKE.sub(_unmangle, text)


def _parse(html: str) -> Any | None:
    if not html or not html.strip():
        return None
    try:
        # bytes let lxml honour a declared charset; str input has no declaration problem
        return lxml_html.document_fromstring(html.encode("utf-8", errors="replace"), parser=_PARSER)
    except Exception:  # noqa: BLE001 - lxml raises several types for junk input
        return None


_PARSER = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
# Every element is a plain HtmlElement: lxml.html's default lookup calls back into Python
# for each element object it creates (to pick form and input classes nobody here uses),
# and trafilatura and the passes below create thousands per page.
_PARSER.set_element_class_lookup(
    lxml_html.etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement,
        comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity,
    )
)


def extract_from_html(
    html: str, *, url: str | None = None, rules: BoilerplateRules | None = None
) -> Extraction:
    """Article text and metadata from one HTML page.

    Returns an Extraction with empty ``text`` when the page holds no article; every block
    dropped after trafilatura is listed in ``stripped`` with its kind.
    """
    rules = rules or default_rules()
    tree = _parse(html)
    if tree is None:
        return Extraction(text="", method="trafilatura+lines")
    meta = page_metadata(tree, url)
    for key in ("title", "author"):
        if meta.get(key):
            meta[key] = repair_mojibake(meta[key])
    heads = _subheadings(tree)
    _unmask_content_containers(tree)
    try:
        doc = bare_extraction(
            tree, url=url, include_comments=False, with_metadata=False, favor_recall=True
        )
    except Exception:  # noqa: BLE001 - trafilatura can fail on malformed trees
        doc = None
    # mangled UTF-8 is repaired in the extracted text only: far cheaper than the whole page
    raw = repair_mojibake((doc.text if doc is not None else "") or "")
    text, stripped, closed = _filter_blocks_cut(raw, rules, meta.get("title"))
    text = _restore_subheadings(text, heads, stripped, rules)
    method = "trafilatura+lines"
    fallback = _text_model_fallback(tree, text, rules, meta.get("title"))
    if fallback is not None:
        text, stripped, method = fallback.text, fallback.stripped, fallback.method
    elif text:
        text, stripped = _recover_siblings(tree, text, stripped, rules, closed)
    if not meta.get("author"):
        lines = split_lines(_head(raw, _AUTHOR_LINES + 1))
        meta["author"] = _find_author(lines, 0, min(_AUTHOR_LINES, len(lines)))
    return Extraction(
        text=text,
        title=meta["title"],
        author=meta["author"],
        published_at=meta["published_at"],
        outlet=meta["outlet"],
        language=meta["language"],
        canonical_url=meta["canonical_url"],
        stripped=stripped,
        method=method,
    )


_AUTHOR_LINES = 6


def _head(text: str, n: int) -> str:
    """The first ``n`` non-blank lines of ``text`` (a byline is looked for there only)."""
    out: list[str] = []
    for line in text.split("\n", 4 * n)[: 4 * n]:
        if line.strip():
            out.append(line)
            if len(out) == n:
                return "\n".join(out)
    # fewer non-blank lines than asked for in the first pieces: read them all
    return text


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


def _start_key(parts: Any) -> str | None:
    """The first words of a block (lowercased word tokens), or None when it is too short."""
    words: list[str] = []
    for part in parts:
        found = _WORD.findall(part[:_KEY_CHARS].lower())
        # a word cut at the prefix end is never among the first _KEY_WORDS when one follows
        if len(part) > _KEY_CHARS and len(words) + len(found) <= _KEY_WORDS:
            found = _WORD.findall(part.lower())
        words.extend(found)
        if len(words) >= _KEY_WORDS:
            return " ".join(words[:_KEY_WORDS])
    return None


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
    starts: dict[str, int] = {}
    for i, para in enumerate(paras):
        key = _start_key([para])
        if key and key not in starts:
            starts[key] = i
    insert: dict[int, str] = {}
    present: set[str] | None = None
    for head, key in heads:
        i = starts.get(key)
        # only between kept paragraphs, and never a heading that is chrome by the rules
        if not i or i >= len(paras) - 1 or i in insert:
            continue
        if present is None:
            present = {_norm(p) for p in paras} | {_norm(s.text) for s in stripped}
        if _norm(head) in present:
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


def _text_model_fallback(
    tree: Any, text: str, rules: BoilerplateRules, title: str | None
) -> Extraction | None:
    """The text-paste model over the page's rendering, when trafilatura kept too little.

    trafilatura sometimes settles on one teaser or the first section of a long page; the
    rendering then holds several times the article words it returned.
    """
    ours = len(text.split())
    body = _body(tree)
    # all text nodes (scripts included) bound the rendering from above: a cheap first test
    everything = (body if body is not None else tree).text_content()
    if ours >= rules.html_fallback_max_share * len(everything.split()):
        return None
    rendered = repair_mojibake(render_text(tree))
    if ours >= rules.html_fallback_max_share * len(rendered.split()):
        return None
    ex = extract_from_text(rendered, rules=rules, title_hint=title, paste=False)
    if len(ex.text.split()) < rules.html_fallback_gain * max(ours, 1):
        return None
    ex.method = "render+text-lines"
    return ex


# A paragraph at least this long that repeats one already kept is a second copy of the
# same block (pages that ship the article once per screen size, repeated teasers); chosen
# on the fit half of the dev pack, where shorter repeats (list bullets, "Read more") vary.
DUPLICATE_MIN_WORDS = 12


# A section marker ("Related", "Read more", a comment heading) closes trafilatura's output
# only when little prose follows it: trafilatura already stops at most trailing boxes, so a
# marker with several prose paragraphs after it is an inline link or a subheading. Chosen
# on the fit half (fit-half F1 0.9443, 0.9437, 0.9427 for 2, 3, 5).
CUT_MAX_PROSE_AFTER = 2


_CODE_CHARS = re.compile(r"[=<>{};_]")


def _prose_after(lines: list[Line], start: int, rules: BoilerplateRules) -> int:
    """Prose paragraphs after line ``start`` (counting stops at the cap)."""
    n = 0
    for ln in lines[start + 1 :]:
        if _is_prose(ln, rules):
            n += 1
            if n >= CUT_MAX_PROSE_AFTER:
                break
    return n


def _filter_blocks(
    raw: str, rules: BoilerplateRules, title: str | None
) -> tuple[str, list[Stripped]]:
    """Drop chrome blocks trafilatura kept, with the same line rules as text pastes.

    Long paragraphs trafilatura returns twice are kept once: the second copy adds no
    article words and doubles whatever block it belongs to.
    """
    body, stripped, _ = _filter_blocks_cut(raw, rules, title)
    return body, stripped


def _filter_blocks_cut(
    raw: str, rules: BoilerplateRules, title: str | None
) -> tuple[str, list[Stripped], bool]:
    """``_filter_blocks``, also telling whether a section marker or thread closed the text."""
    lines: list[Line] = split_lines(raw.replace("\n", "\n\n"))
    if not lines:
        return "", [], False
    decision = decide(lines, rules)
    cut_at = decision.cut_at
    if cut_at is not None:
        if rules.marker_for(lines[cut_at].text) is None:
            # a run of name+date headed items (comments, dated teasers) closes the article,
            # unless the "date" lines are code (a WHERE clause with a date literal)
            if cut_at + 1 < len(lines) and _CODE_CHARS.search(lines[cut_at + 1].text):
                cut_at = None
        elif _prose_after(lines, cut_at, rules) >= CUT_MAX_PROSE_AFTER:
            cut_at = None
    kinds: list[str | None] = []
    title_norm = " ".join((title or "").lower().split())
    seen: set[str] = set()
    for i, ln in enumerate(lines):
        kind = rules.line_kind(ln.text)
        drop_kind = None
        if kind:
            drop_kind = kind
        elif ln.words <= 60 and _is_photo_credit(ln.text):
            drop_kind = "caption"
        elif cut_at is not None and i >= cut_at:
            drop_kind = decision.cut_kind or "related-links"
        elif decision.probs[i] < rules.html_threshold and not _is_table_row(ln.text):
            drop_kind = "navigation"
        elif i == 0 and title_norm and " ".join(ln.text.lower().split()) == title_norm:
            drop_kind = "title"
        else:
            norm = " ".join(ln.text.lower().split())
            if norm in seen:
                drop_kind = "duplicate"
            elif norm.count(" ") + 1 >= DUPLICATE_MIN_WORDS:
                seen.add(norm)
        kinds.append(drop_kind)
    _peel_edges(lines, kinds, decision.probs)
    stripped = [Stripped(k, ln.text) for ln, k in zip(lines, kinds, strict=True) if k]
    body = "\n\n".join(ln.text for ln, k in zip(lines, kinds, strict=True) if not k)
    return body, stripped, cut_at is not None


# An image caption trafilatura kept: a line that ends in a photo credit.
_PHOTO_CREDIT = re.compile(
    r"(?:\b(?:photo|image|picture|photograph)?\s*credits?\s*:\s*"
    r"|\b(?:photo|image|picture|photograph)s?\s*:\s*"
    r"|\b(?:photos?|images?|pictures?) (?:by|via|courtesy(?: of)?)\s+)"
    r"(?:[\w&.'’-]+\s*){1,6}\)?$",
    re.IGNORECASE,
)
_PHOTO_WORDS = ("credit", "photo", "image", "picture")


def _is_photo_credit(text: str) -> bool:
    """``_PHOTO_CREDIT`` searched only when one of the words every match holds is there."""
    folded = _fold(text)
    return any(w in folded for w in _PHOTO_WORDS) and _PHOTO_CREDIT.search(text) is not None


def _is_table_row(text: str) -> bool:
    """A row of a table trafilatura kept ("| cell | cell |").

    The line model, trained on pastes, reads short cell rows as menus; inside trafilatura's
    output they are the article's tables (dev pack: 141 such rows were article text, 14 not).
    """
    return text.startswith("|") and text.count("|") >= 3


# trafilatura's output often starts or ends with a short chrome line it took for part of
# the article (a disclosure, "Get started today", "Follow us", a read-time line): the
# first and last few kept lines are dropped, from the edge inwards, while the line model
# rates them below EDGE_THRESHOLD and they are short.
EDGE_LINES = 3
EDGE_THRESHOLD = 0.3
EDGE_MAX_WORDS = 20


def _peel_edges(lines: list[Line], kinds: list[str | None], probs: list[float]) -> None:
    kept = [i for i, k in enumerate(kinds) if not k]
    if len(kept) <= 2 * EDGE_LINES:
        return
    for order in (kept[:EDGE_LINES], kept[::-1][:EDGE_LINES]):
        for i in order:
            if probs[i] >= EDGE_THRESHOLD or lines[i].words > EDGE_MAX_WORDS:
                break
            kinds[i] = "navigation"


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
    blocks = body.xpath(".//p|.//li")
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
        n = _plain(whole)
        if not n or n in kept:
            continue
        if not present:
            present = " " + _plain(text) + " " + " ".join(_plain(s.text) for s in stripped) + " "
        if (" " + n + " ") in present:
            continue
        content = _block_text(el)
        n = _plain(content)
        if not n or (" " + n + " ") in present or _masked(el, lca):
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
    for j, (tag, block) in enumerate(gap):
        # a heading or "...:" lead-in needs recovered text under it (a run of headings is a
        # card grid; "Buy now from:" introduces buttons)
        if (tag in _HEADINGS or block.endswith(":")) and (
            j + 1 == len(gap) or gap[j + 1][0] in _HEADINGS
        ):
            continue
        kind = rules.line_kind(block)
        if not kind and block.count(" ") < 60 and _is_photo_credit(block):
            kind = "caption"
        if kind:
            stripped.append(Stripped(kind, block))
        else:
            yield block


def _plain_key(text: str) -> str | None:
    """The first words of a block as ``_plain`` tokens, or None when it is too short."""
    words = _ASCII_WORDS.findall(text[:_KEY_CHARS].lower())
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


def _block_text(el: Any) -> str:
    """A block's visible text, child elements spaced apart (scripts and styles left out)."""
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


def _masked(el: Any, stop: Any) -> bool:
    """Inside a chrome container (nav, aside, comments, share bar...) below ``stop``."""
    node = el
    while node is not None and node is not stop:
        if node.tag in _CHROME_TAGS or node.tag == "a" or node.get("hidden") is not None:
            return True
        attr = (node.get("class") or "") + " " + (node.get("id") or "")
        for name in attr.lower().split():
            parts = _CLASS_PARTS.findall(name)
            if len(parts) <= 3 and not _CHROME_WORDS.isdisjoint(parts):
                return True
        node = node.getparent()
    return False
