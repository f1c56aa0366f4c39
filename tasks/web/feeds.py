"""Feed parsing and sanitising: feed bytes into plain records, and the configured feed list.

`parse_feed` hands undecoded bytes to feedparser (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF) and
returns a `ParsedFeed` of `ParsedEntry` records; feedparser objects never leave this package.
Broken feeds are flagged (`bozo`), never raised, and still yield the entries that could be read.

Hostile input: unsafe entity declarations are defused first (see `feed_xml`); text fields are
plain text and `content_html` is sanitised twice (feedparser's sanitiser, then lxml's cleaner)
so no script or event handler survives.
"""

from __future__ import annotations

import calendar
import email.utils
import html
import io
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
from lxml import etree
from lxml_html_clean import Cleaner

from ipwire.settings import FeedConfig, FeedListError, feed_configs_from
from ipwire.tasks.web.feed_xml import (
    _redecode_if_mislabelled,
    _xml_content_type,
    defuse_entities,
)


@dataclass(frozen=True)
class ParsedEntry:
    """One feed item as plain data. Text fields hold no markup; `content_html` is sanitised."""

    guid: str | None
    link: str | None  # absolute http(s) URL or None
    title: str | None
    published_at: str | None  # ISO 8601 with the publisher's offset when given
    author: str | None
    summary_text: str | None
    content_html: str | None
    updated_at: str | None = None

    def text(self) -> str:
        """The entry's own text (content, else summary) as plain text, for use without the page."""
        if self.content_html:
            body = html_to_text(self.content_html)
            if body:
                return body
        return self.summary_text or ""


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed. `bozo` flags a problem; `bozo_reason` says what, in words."""

    title: str | None
    link: str | None
    entries: tuple[ParsedEntry, ...]
    bozo: bool
    bozo_reason: str = ""
    version: str = ""  # e.g. rss20, atom10; empty when the bytes did not look like a feed

    @property
    def is_feed(self) -> bool:
        """False when nothing feed-like was found (an HTML page, an empty or binary body)."""
        return bool(self.version or self.entries)


# --------------------------------------------------------------------------- text helpers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# Browsers start a tag only at "<" directly followed by a letter, "/", "!" or "?".
_TAGLIKE = re.compile(r"</?[A-Za-z!?][^<>]*>")
_TAG_START = re.compile(r"</?[A-Za-z!?]")
_BLOCK = re.compile(
    r"<(?=/?\s*(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|blockquote|section|article|pre|hr|dd|dt)\b)",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r"\s*\n\s*")

_CLEANER = Cleaner(
    scripts=True,
    javascript=True,
    comments=True,
    style=True,
    inline_style=True,
    links=True,
    meta=True,
    page_structure=True,
    processing_instructions=True,
    embedded=True,
    frames=True,
    forms=True,
    annoying_tags=True,
    remove_unknown_tags=True,
    safe_attrs_only=True,
)


def _one_pass(markup: str) -> str:
    if "<" not in markup and "&" not in markup:
        return markup
    try:
        root = lxml.html.fragment_fromstring(_BLOCK.sub("\n<", markup), create_parent="div")
        etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
        return root.text_content()
    except (etree.ParserError, ValueError):
        return html.unescape(_TAGLIKE.sub(" ", markup))


def html_to_text(markup: str | None) -> str | None:
    """Plain text from a fragment that may hold markup; paragraphs kept as blank lines.

    Text that still looks like tags after one pass (double-escaped markup) gets a second pass,
    and whatever tag-like text remains is removed, so no field can carry live markup.
    """
    if not markup:
        return None
    text = _one_pass(_CONTROL.sub("", markup))
    if _TAG_START.search(text):
        text = _one_pass(text)
        text = _TAGLIKE.sub(" ", text)
        text = _TAG_START.sub(lambda m: m.group().replace("<", "‹"), text)
    lines = [_SPACES.sub(" ", line).strip() for line in _BLANKS.split(text)]
    text = "\n\n".join(line for line in lines if line)
    return text or None


def sanitize_html(markup: str | None) -> str | None:
    """HTML with scripts, styles, event handlers, forms and javascript: links removed."""
    if not markup or not markup.strip():
        return None
    markup = _CONTROL.sub("", markup)
    try:
        cleaned = _CLEANER.clean_html(markup)
    except (etree.ParserError, ValueError):
        return html.escape(html_to_text(markup) or "") or None
    return cleaned.strip() or None


def _plain(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return html_to_text(value)


def _http_url(value: Any, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        absolute = urljoin(base, value.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    absolute = absolute.replace(" ", "%20")
    if any(c in absolute for c in "<>\"'\n\r\t\\"):
        return None
    return absolute


def _parse_date(raw: Any, parsed: Any) -> str | None:
    """ISO 8601, keeping the publisher's offset when the raw string carries one."""
    dt: datetime | None = None
    if isinstance(raw, str) and raw.strip():
        value = raw.strip()
        try:
            dt = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            try:
                dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                dt = None
    if dt is None and parsed:
        try:
            dt = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
        except (TypeError, ValueError, OverflowError):
            dt = None
    if dt is None or not 1970 <= dt.year <= 2200:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat(timespec="seconds")


def _content_html(entry: Mapping[str, Any]) -> str | None:
    contents = [c for c in entry.get("content") or [] if isinstance(c.get("value"), str)]
    if not contents:
        return None
    htmlish = [c for c in contents if "html" in (c.get("type") or "")]
    best = max(htmlish or contents, key=lambda c: len(c["value"]))
    value = best["value"]
    if "html" not in (best.get("type") or ""):
        value = "".join(f"<p>{html.escape(p)}</p>" for p in value.split("\n\n") if p.strip())
    return sanitize_html(value)


def _entry(entry: Mapping[str, Any], base: str) -> ParsedEntry:
    guid = entry.get("id")
    guid = guid.strip() or None if isinstance(guid, str) else None
    link = _http_url(entry.get("link"), base)
    if link is None:
        for alt in entry.get("links") or []:
            if alt.get("rel", "alternate") == "alternate":
                link = _http_url(alt.get("href"), base)
                if link:
                    break
    if link is None and guid and entry.get("guidislink", True):
        link = _http_url(guid, base) if guid.startswith(("http://", "https://")) else None
    if guid and _TAG_START.search(guid):
        guid = _plain(guid)
    # dict.get: FeedParserDict would answer `updated` with `published` when it is missing.
    published = _parse_date(dict.get(entry, "published"), dict.get(entry, "published_parsed"))
    updated = _parse_date(dict.get(entry, "updated"), dict.get(entry, "updated_parsed"))
    summary = entry.get("summary")
    return ParsedEntry(
        guid=guid,
        link=link,
        title=_plain(entry.get("title")),
        published_at=published or updated,
        author=_plain(entry.get("author")),
        summary_text=_plain(summary),
        content_html=_content_html(entry),
        updated_at=updated,
    )


def _reason(exc: Any) -> str:
    if exc is None:
        return "malformed feed"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def parse_feed(content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse feed bytes fetched from `url` (the base for relative links). Never raises.

    `bozo` feeds keep every entry that could be read; `bozo_reason` says what was wrong.
    """
    data, guard_note = defuse_entities(content or b"")
    headers = {"content-location": url, "content-type": _xml_content_type(content_type)}
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
        parsed, encoding_note = _redecode_if_mislabelled(parsed, data, headers)
        feed = parsed.get("feed", {})
        base = _http_url(feed.get("link"), url) or url
        entries = tuple(_entry(e, url) for e in parsed.get("entries", []))
    except Exception as exc:  # one malformed feed must never stop a run
        reason = f"parser failed: {_reason(exc)}"
        return ParsedFeed(None, None, (), True, "; ".join(filter(None, [guard_note, reason])))
    bozo = bool(parsed.get("bozo")) or bool(guard_note)
    reasons = [guard_note, _reason(parsed.get("bozo_exception")) if parsed.get("bozo") else ""]
    if encoding_note:
        bozo, reasons = True, [guard_note, encoding_note]
    return ParsedFeed(
        title=_plain(feed.get("title")),
        link=base if feed.get("link") else None,
        entries=entries,
        bozo=bozo,
        bozo_reason="; ".join(r for r in reasons if r),
        version=parsed.get("version") or "",
    )


# --------------------------------------------------------------------------- feed list


def load_feed_list(path: str | Path) -> list[FeedConfig]:
    """The `[[feeds]]` entries of a TOML file, validated; every problem is reported at once."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FeedListError(f"feed list {path} not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FeedListError(f"feed list {path} is not valid TOML: {exc}") from exc
    return feed_configs_from(data, source=str(path))
