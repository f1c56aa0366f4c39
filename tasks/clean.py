"""Clean stage: decode a RawDoc, extract the article and its metadata, strip boilerplate.

The extractors themselves live in `extract_text` (plain-text pastes) and `extract_html`
(HTML pages); this module decides which one applies, turns bytes into text, fills in the
metadata the container already knew (JSON fields, feed entries), and turns "no article"
into a Rejection with a reason.
"""

from __future__ import annotations

import codecs
import functools
import json
import re
import tomllib
import unicodedata
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from ipwire.ids import canonical_url, content_hash, outlet_from_url, stable_id
from ipwire.records import Article, Extraction, RawDoc, Rejection
from ipwire.tasks.extract_text import MONTHS, parse_date  # noqa: F401  (used by the dedup stage)

_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x7fELF",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"Rar!",
    b"\x00\x00\x01\x00",
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_WORD = re.compile(r"\w+", re.UNICODE)
_LATIN = {
    "latin_1",
    "iso8859_1",
    "cp1252",
    "iso8859_15",
    "cp1250",
    "iso8859_2",
    "mac_roman",
    "cp1254",
    "iso8859_9",
    "cp850",
    "cp437",
}
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


class DecodeError(ValueError):
    """Bytes that are not text we can read; `reason` is the rejection code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def decode_bytes(data: bytes, *, html: bool = False) -> str:
    """Decode text whose encoding is unknown: BOM, then UTF-8, then a declared or detected charset.

    cp1252 wins over other single-byte Latin guesses because it is what legacy Windows
    editors write, and the detectors often mistake short English texts for latin-1.
    """
    if not data.strip():
        raise DecodeError("empty", "the input is empty or only white space")
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _check_text(data.decode(enc))
            except UnicodeDecodeError as exc:
                raise DecodeError("undecodable", f"has a {enc} byte-order mark but: {exc}") from exc
    if data.startswith(_BINARY_MAGIC):
        raise DecodeError("binary", f"starts like a binary file ({data[:8]!r})")
    if data.count(b"\x00") > len(data) // 10:
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = _check_text(data.decode(enc))
            except (UnicodeDecodeError, DecodeError):
                continue
            if _mostly_prose(text):
                return text
        raise DecodeError("binary", "contains NUL bytes: not a text file")
    try:
        return _check_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    if html:
        m = _META_CHARSET.search(data[:4096])
        if m:
            try:
                return _check_text(data.decode(m.group(1).decode("ascii").lower()))
            except (LookupError, UnicodeDecodeError, DecodeError):
                pass
    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise DecodeError("undecodable", "no text encoding fits these bytes")
    encoding = best.encoding
    if encoding in _LATIN:
        try:
            return _check_text(data.decode("cp1252"))
        except (UnicodeDecodeError, DecodeError):
            pass
    try:
        return _check_text(data.decode(encoding))
    except (UnicodeDecodeError, LookupError) as exc:
        raise DecodeError("undecodable", f"detected {encoding} but: {exc}") from exc


def _mostly_prose(text: str) -> bool:
    """Letters, digits, spaces and punctuation: what a real UTF-16 text decodes to."""
    sample = text[:5000]
    ok = sum(1 for ch in sample if unicodedata.category(ch)[0] in "LNZP" or ch in "\n\r\t")
    return ok >= 0.9 * len(sample)


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def _check_text(text: str) -> str:
    """Reject decodings that are mostly control characters: a binary file in disguise."""
    sample = text[:20_000]
    if not sample:
        raise DecodeError("empty", "no characters after decoding")
    bad = len(_CONTROL.findall(sample))
    if bad / len(sample) > 0.02:
        raise DecodeError("binary", f"{bad} of {len(sample)} characters are control characters")
    return text


def normalise_published(value: str | None) -> str | None:
    """ISO 8601 from the many date shapes feeds and records use; the offset is kept."""
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
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        import dateparser

        parsed = dateparser.parse(value, settings={"RETURN_AS_TIMEZONE_AWARE": False})
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


def clean_document(raw: RawDoc, *, min_words: int = 30) -> Article | Rejection:
    """One RawDoc to an Article, or a Rejection saying why not. Never raises for bad input."""
    try:
        if raw.source_kind == "jsonl":
            text, is_html = _record_text(raw)
        else:
            is_html = raw.content_type == "text/html"
            text = decode_bytes(raw.content, html=is_html)
            if raw.content_type == "text/plain" and _looks_like_html(text):
                is_html = True
        from ipwire.tasks.extract_html import extract_from_html
        from ipwire.tasks.extract_text import extract_from_text

        if raw.source_kind == "feed_entry":
            # A feed entry's own text is already article text with its markup removed.
            ex = Extraction(
                text="\n\n".join(p.strip() for p in text.split("\n\n") if p.strip()),
                method="feed-entry-text",
            )
        elif is_html:
            ex = extract_from_html(text, url=raw.url)
        else:
            ex = extract_from_text(text)
    except DecodeError as exc:
        return Rejection(raw.source_ref, "clean", exc.reason, str(exc), raw.raw_id)
    except Exception as exc:  # an extractor bug must not fail the batch
        return Rejection(
            raw.source_ref, "clean", "extract_error", f"{type(exc).__name__}: {exc}", raw.raw_id
        )
    return build_article(raw, ex, min_words=min_words)


def build_article(raw: RawDoc, ex: Extraction, *, min_words: int = 30) -> Article | Rejection:
    body = (ex.text or "").strip()
    words = len(_WORD.findall(body))
    if words < min_words:
        return Rejection(
            raw.source_ref,
            "clean",
            "no_article_text",
            f"{words} words of article text after cleaning (minimum {min_words})",
            raw.raw_id,
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
        title=(hints.get("title") or ex.title or None),
        author=hints.get("author") or ex.author,
        published_at=normalise_published(hints.get("published")) or ex.published_at,
        fetched_at=raw.fetched_at,
        language=ex.language or hints.get("language") or guess_language(body),
        body=body,
        word_count=words,
        content_hash=content_hash(body),
        stripped=list(ex.stripped),
        extraction_method="feed-entry-text" if hints.get("fallback") else ex.method,
    )


def clean_batch(
    raws: list[RawDoc], *, min_words: int = 30
) -> tuple[list[Article], list[Rejection]]:
    articles: list[Article] = []
    rejections: list[Rejection] = []
    for raw in raws:
        result = clean_document(raw, min_words=min_words)
        (articles if isinstance(result, Article) else rejections).append(result)
    return articles, rejections


def extract_path(path: str) -> dict[str, Any]:
    """`ipwire extract` for one file: the clean stage alone, no database."""
    from ipwire.tasks.sources import read_file

    p = Path(path)
    ident = p.name.split(".", 1)[0]
    raws, rejections = read_file(p.resolve(), "", max_bytes=50_000_000)
    if rejections or not raws:
        rej = rejections[0] if rejections else Rejection(path, "sources", "empty", "no records")
        return {"id": ident, "source": path, "error": rej.reason, "detail": rej.detail}
    result = clean_document(raws[0], min_words=1)
    if isinstance(result, Rejection):
        return {
            "id": ident,
            "source": path,
            "error": result.reason,
            "detail": result.detail,
            "title": None,
            "published_at": None,
            "text": "",
            "stripped": [],
        }
    return {
        "id": ident,
        "source": path,
        "title": result.title,
        "author": result.author,
        "published_at": result.published_at,
        "outlet": result.outlet,
        "text": result.body,
        "stripped": [{"kind": s.kind, "text": s.text} for s in result.stripped],
    }
