"""The clean stage entry: one RawDoc to an Article or a Rejection, and the article's fields.

The extractors themselves live in `text` (plain-text pastes) and `html` (HTML pages);
this module decides which one applies, turns bytes into text (`decode`), fills in the
metadata the container already knew (JSON fields, feed entries), and turns "no article"
into a Rejection with a reason.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from collections import Counter
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from ipwire.ids import canonical_url, content_hash, outlet_from_url, stable_id
from ipwire.records import Article, Extraction, RawDoc, Rejection, Stripped
from ipwire.tasks.clean.budget import DEFAULT_BUDGET, Budget, OverBudget, check_size, time_limit
from ipwire.tasks.clean.declared import declared_text
from ipwire.tasks.clean.decode import DecodeError, decode_bytes, strip_controls
from ipwire.tasks.clean.published import parse_stamp
from ipwire.tasks.clean.words import words_of

_WORD = re.compile(r"\w+", re.UNICODE)


COUNTRY_BY_TLD = {
    "pk": "PK",
    "in": "IN",
    "bd": "BD",
    "lk": "LK",
    "af": "AF",
    "np": "NP",
    "ae": "AE",
    "uk": "GB",
    "cn": "CN",
}


def normalise_published(value: str | None) -> str | None:
    """ISO 8601 from the many date shapes feeds and records use; the offset is kept.

    Only a value that names its day, month and year counts: "yesterday", "2 hours ago" or
    "March 2024" give None rather than a day made up from the clock, because a record's
    date wins over the date read from its text (see ``build_article``).
    """
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        mail = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        mail = None
    if mail is not None and mail.tzinfo is not None:
        return mail.isoformat()
    # a zone email.utils does not know (PKT, IST) is read by the text's stamp reader
    stamp = parse_stamp(value)
    if stamp or mail is not None:
        return stamp or mail.date().isoformat()
    try:
        import dateparser

        parsed = dateparser.parse(
            value,
            settings={
                "RETURN_AS_TIMEZONE_AWARE": False,
                "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
                "REQUIRE_PARTS": ["day", "month", "year"],
            },
        )
    except Exception:  # dateparser raises many kinds on odd input
        parsed = None
    return parsed.date().isoformat() if parsed else None


@functools.cache
def _known_outlets() -> dict[str, str]:
    text = files("ipwire").joinpath("outlets.toml").read_text("utf-8")
    return tomllib.loads(text)["countries"]


def outlet_country(outlet: str | None, hint: str | None = None) -> str | None:
    """Country of an outlet: the feed's own setting, the known-outlet list, else its TLD."""
    if hint:
        return hint.upper()
    if not outlet or "." not in outlet:
        return None
    known = _known_outlets()
    if outlet in known:
        return known[outlet]
    parent = outlet.split(".", 1)[1]
    if parent in known:
        return known[parent]
    return COUNTRY_BY_TLD.get(outlet.rsplit(".", 1)[-1])


_EN_STOPWORDS = frozenset(
    "the of and to in a is that for on with as was by at from it said has have be are an "
    "this which were but its their not will after two".split()
)


_ARABIC = re.compile("[\u0600-\u06ff]+")
_DEVANAGARI = re.compile("[\u0900-\u097f]+")


def guess_language(text: str) -> str | None:
    """A cheap guess for texts that do not declare a language: script first, then English
    function words. Declared languages (HTML lang, feed settings) always win over it."""
    sample = text[:5000]
    letters = sum(map(str.isalpha, sample))
    if not letters:
        return None
    # letters of each script: the script's characters first (a C-level scan), then letters
    arabic = sum(map(str.isalpha, "".join(_ARABIC.findall(sample)))) / letters
    devanagari = sum(map(str.isalpha, "".join(_DEVANAGARI.findall(sample)))) / letters
    if arabic > 0.3:
        return "ur"
    if devanagari > 0.3:
        return "hi"
    words = _WORD.findall(sample.lower())
    if words and sum(w in _EN_STOPWORDS for w in words) / len(words) >= 0.15:
        return "en"
    return None


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in head)


def _record_text(raw: RawDoc) -> tuple[str, bool]:
    """The text of a JSON record and whether it is HTML."""
    obj: dict[str, Any] = json.loads(raw.content.decode("utf-8"))
    for key, is_html in (("html", True), ("text", False), ("body", False), ("content", False)):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value, is_html or _looks_like_html(value)
    raise DecodeError("missing_text", "record has no text")


def clean_document(
    raw: RawDoc, *, min_words: int = 30, budget: Budget | None = None
) -> Article | Rejection:
    """One RawDoc to an Article, or a Rejection saying why not. Never raises for bad input.

    This is the clean stage's one boundary: a document over its budget (size, elements, wall
    time) is rejected as ``over_budget``, and any unexpected exception becomes an
    ``extract_error`` rejection with the exception's class and message.
    """
    budget = budget or DEFAULT_BUDGET
    try:
        with time_limit(budget.max_seconds):
            ex = _extract(raw, budget)
            return build_article(raw, ex, min_words=min_words)
    except DecodeError as exc:
        return Rejection(raw.source_ref, "clean", exc.reason, str(exc), raw.raw_id)
    except OverBudget as exc:
        return Rejection(raw.source_ref, "clean", OverBudget.reason, str(exc), raw.raw_id)
    except Exception as exc:  # an extractor bug must not fail the batch
        detail = f"{type(exc).__name__}: {exc}"[:500]
        return Rejection(raw.source_ref, "clean", "extract_error", detail, raw.raw_id)


def _extract(raw: RawDoc, budget: Budget) -> Extraction:
    """The extraction of one document, after the size checks of its budget."""
    if raw.source_kind == "jsonl":
        text, is_html = _record_text(raw)
    else:
        is_html = raw.content_type == "text/html"
        text = decode_bytes(raw.content, html=is_html, declared=raw.hints.get("charset"))
        if raw.content_type == "text/plain" and _looks_like_html(text):
            is_html = True
    from ipwire.tasks.clean.html import extract_from_html
    from ipwire.tasks.clean.text import extract_from_text

    if raw.source_kind == "feed_entry":
        # A feed entry's own text is already article text with its markup removed.
        check_size(text, is_html=False, budget=budget)
        return Extraction(
            text="\n\n".join(p.strip() for p in text.split("\n\n") if p.strip()),
            method="feed-entry-text",
        )
    check_size(text, is_html=is_html, budget=budget)
    if is_html:
        return extract_from_html(text, url=raw.url)
    return extract_from_text(text)


def _stripped_summary(stripped: list[Stripped]) -> str:
    """ "; stripped 45 blocks: navigation 40, footer 5": what a page with no article was made
    of, the commonest kind first, so the rejection's one line says why."""
    if not stripped:
        return ""
    kinds = Counter(s.kind for s in stripped)
    parts = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items(), key=lambda x: -x[1]))
    blocks = "block" if len(stripped) == 1 else "blocks"
    return f"; stripped {len(stripped)} {blocks}: {parts}"


def build_article(raw: RawDoc, ex: Extraction, *, min_words: int = 30) -> Article | Rejection:
    """The Article of one extraction, with what the container knew winning over what was
    read from the page: a JSON record's or feed entry's own title, author and date beat the
    extractor's (the publisher stated them; the text's are read by rules)."""
    body = strip_controls(ex.text or "").strip()
    words = len(words_of(body))
    stripped = [
        Stripped(s.kind, strip_controls(s.text)) if _has_controls(s.text) else s
        for s in ex.stripped
    ]
    if words < min_words:
        return Rejection(
            raw.source_ref,
            "clean",
            "no_article_text",
            f"{words} words of article text after cleaning (minimum {min_words})"
            + _stripped_summary(stripped),
            raw.raw_id,
            tuple(stripped),
        )
    hints = raw.hints
    url = hints.get("url") or raw.url
    web_url = url if url and url.startswith(("http://", "https://")) else None
    canon = canonical_url(ex.canonical_url or web_url) if web_url else None
    if canon:
        identity = canon
    elif raw.source_kind == "jsonl":
        identity = raw.source_ref  # path#Lnn: a record without a URL is known by its place
    else:
        identity = url or raw.source_ref
    outlet = hints.get("outlet") or outlet_from_url(web_url) or ex.outlet
    return Article(
        article_id=stable_id("article", identity),
        raw_id=raw.raw_id,
        source_kind=raw.source_kind,
        source_ref=raw.source_ref,
        url=url,
        canonical_url=canon,
        outlet=outlet,
        title=_clean_field(declared_text(hints.get("title")) or ex.title) or None,
        author=_clean_field(declared_text(hints.get("author")) or ex.author),
        published_at=normalise_published(hints.get("published")) or ex.published_at,
        fetched_at=raw.fetched_at,
        language=ex.language or hints.get("language") or guess_language(body),
        body=body,
        word_count=words,
        content_hash=content_hash(body),
        stripped=stripped,
        extraction_method="feed-entry-text" if hints.get("fallback") else ex.method,
    )


def _clean_field(value: str | None) -> str | None:
    """A title or author without control characters."""
    return strip_controls(value) if value else value


def _has_controls(text: str) -> bool:
    return strip_controls(text) is not text


def clean_batch(
    raws: list[RawDoc], *, min_words: int = 30, budget: Budget | None = None
) -> tuple[list[Article], list[Rejection]]:
    """Clean a batch; each document within its own budget, each failure a Rejection."""
    articles: list[Article] = []
    rejections: list[Rejection] = []
    for raw in raws:
        result = clean_document(raw, min_words=min_words, budget=budget)
        (articles if isinstance(result, Article) else rejections).append(result)
    return articles, rejections


def extract_path(path: str, budget: Budget | None = None) -> dict[str, Any]:
    """`ipwire extract` for one file: the clean stage alone, no database.

    A JSON file gives its first record, or its first rejection.
    """
    from ipwire.tasks.sources import path_ref, read_file

    p = Path(path)
    source = path_ref(path)
    ident = path_ref(p.name.split(".", 1)[0])
    raws, rejections = read_file(p.resolve(), "", max_bytes=50_000_000)
    if rejections or not raws:
        rej = rejections[0] if rejections else Rejection(path, "sources", "empty", "no records")
        return extraction_row(ident, source, rej)
    return extraction_row(ident, source, clean_document(raws[0], min_words=1, budget=budget))


def extraction_row(ident: str, source: str, result: Article | Rejection) -> dict[str, Any]:
    """The `ipwire extract` row of one result: the article's fields and audit, or the
    rejection's reason and detail with the audit of what was removed before it."""
    stripped = [{"kind": s.kind, "text": s.text} for s in result.stripped]
    if isinstance(result, Rejection):
        return {
            "id": ident,
            "source": source,
            "error": result.reason,
            "detail": result.detail,
            "title": None,
            "published_at": None,
            "text": "",
            "stripped": stripped,
        }
    return {
        "id": ident,
        "source": source,
        "title": result.title,
        "author": result.author,
        "published_at": result.published_at,
        "outlet": result.outlet,
        "text": result.body,
        "stripped": stripped,
    }
