"""Feed bytes into plain records, and the configured feed list.

`parse_feed` hands undecoded bytes to feedparser (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF) and
returns a `ParsedFeed` of `ParsedEntry` records; feedparser objects never leave this module.
Broken feeds are flagged (`bozo`), never raised, and still yield the entries that could be read.

Hostile input: entity declarations that could expand without bound (nested references,
parameter or external entities, or more expansion than `MAX_ENTITY_EXPANSION`) make the
DOCTYPE be dropped before parsing; text fields are plain text and `content_html` is sanitised
twice (feedparser's sanitiser, then lxml's cleaner) so no script or event handler survives.
"""

from __future__ import annotations

import calendar
import codecs
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

import charset_normalizer
import feedparser
import lxml.html
from lxml import etree
from lxml_html_clean import Cleaner

from ipwire.settings import FeedConfig, FeedListError, feed_configs_from

#: Most characters that declared entities may add to a document when expanded.
MAX_ENTITY_EXPANSION = 1_000_000
#: Most entity declarations a DOCTYPE may hold before it is dropped.
MAX_ENTITY_DECLARATIONS = 256


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


# --------------------------------------------------------------------------- entity guard

_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_SUBSET_TOKENS = re.compile(r"\"[^\"]*\"|'[^']*'|<!--.*?-->|[^\"'\]\[<>]+|.", re.DOTALL)
_ENTITY_DECL = re.compile(
    r"<!ENTITY\s+(?P<pe>%\s+)?(?P<name>[^\s\"'>%]+)\s+"
    r"(?:\"(?P<v1>[^\"]*)\"|'(?P<v2>[^']*)'|(?P<ext>SYSTEM|PUBLIC)\b[^>]*)\s*(?:NDATA\s+\S+\s*)?>",
    re.IGNORECASE,
)
_ENTITY_WORD = re.compile(r"<!ENTITY", re.IGNORECASE)
_CHAR_REF = re.compile(r"&#(?:[0-9]+|x[0-9a-fA-F]+);")
_XML_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")


def _scan_codec(data: bytes) -> str | None:
    """A codec for reading markup in `data`: None when ASCII-compatible (read as bytes)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4]
    if head == b"\x00\x00\x00<":
        return "utf-32-be"
    if head == b"<\x00\x00\x00":
        return "utf-32-le"
    if head[:2] == b"\x00<":
        return "utf-16-be"
    if head[:2] == b"<\x00":
        return "utf-16-le"
    return None


def _doctype_span(text: str) -> tuple[int, int, str] | None:
    """(start, end, internal subset) of the first DOCTYPE, quotes and comments respected."""
    match = _DOCTYPE.search(text)
    if not match:
        return None
    pos, subset_start, subset_end = match.end(), -1, -1
    for tok in _SUBSET_TOKENS.finditer(text, pos):
        t = tok.group()
        if subset_start < 0:
            if t == "[":
                subset_start = tok.end()
            elif t == ">":
                return match.start(), tok.end(), ""
        elif subset_end < 0:
            if t == "]":
                subset_end = tok.start()
        elif t == ">":
            return match.start(), tok.end(), text[subset_start:subset_end]
    return match.start(), len(text), text[subset_start:] if subset_start >= 0 else ""


def entity_risk(text: str) -> str:
    """Why the first DOCTYPE's entity declarations are unsafe to expand; '' when safe."""
    span = _doctype_span(text)
    if span is None:
        return ""
    subset = span[2]
    declared = len(_ENTITY_WORD.findall(subset))
    if not declared:
        return ""
    if declared > MAX_ENTITY_DECLARATIONS:
        return f"{declared} entity declarations"
    decls = list(_ENTITY_DECL.finditer(subset))
    if len(decls) != declared:
        return "malformed entity declaration"
    expansion = 0
    for d in decls:
        name = d.group("name")
        if d.group("pe"):
            return f"parameter entity %{name}"
        if d.group("ext"):
            return f"external entity {name}"
        value = d.group("v1") if d.group("v1") is not None else d.group("v2")
        if "<" in value or ("&" in value and not _CHAR_REF.fullmatch(value)):
            return f"entity {name} refers to other entities or markup"
        expansion += text.count(f"&{name};") * len(value)
        if expansion > MAX_ENTITY_EXPANSION:
            return f"entity expansion over {MAX_ENTITY_EXPANSION} characters"
    return ""


def defuse_entities(data: bytes) -> tuple[bytes, str]:
    """`data` with an unsafe DOCTYPE removed, and a note saying why (empty when unchanged)."""
    codec = _scan_codec(data)
    if codec is None and b"<!" not in data:
        return data, ""
    text = data.decode(codec or "latin-1", "replace")
    risk = entity_risk(text)
    if not risk:
        return data, ""
    start, end, _ = _doctype_span(text) or (0, 0, "")
    text = text[:start] + text[end:]
    if codec is None:
        return text.encode("latin-1"), f"DOCTYPE removed: {risk}"
    text = _XML_DECL_ENCODING.sub(r"\1\2utf-8\2", text.lstrip("\ufeff"), count=1)
    return text.encode("utf-8"), f"DOCTYPE removed: {risk}"


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


def _xml_content_type(content_type: str | None) -> str:
    """The type to tell feedparser: XML types as served, anything else as application/xml.

    Feeds are often served as text/html or text/plain; feedparser would flag them for that
    alone, which hides the problems worth flagging. A charset given by the server is kept.
    """
    if content_type and "xml" in content_type.split(";", 1)[0].lower():
        return content_type
    charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.IGNORECASE)
    return "application/xml" + (f"; charset={charset.group(1)}" if charset else "")


_LATIN_SINGLE_BYTE = frozenset(
    codecs.lookup(c).name
    for c in ("cp1252", "latin-1", "iso8859-15", "cp1250", "iso8859-2", "cp1254", "iso8859-9",
              "cp1257", "iso8859-4", "mac-roman", "cp850")
)  # fmt: skip


def _redecode_if_mislabelled(parsed: Any, data: bytes, headers: dict[str, str]) -> tuple[Any, str]:
    """Parse again with a detected charset when the declared one was wrong.

    Without a detector feedparser falls back to windows-1252, which turns Big5, KOI8-R or
    Shift-JIS feeds into mojibake (or no entries). charset-normalizer decides instead.
    """
    exc = parsed.get("bozo_exception")
    if not isinstance(exc, feedparser.CharacterEncodingOverride) or "charset=" in headers.get(
        "content-type", ""
    ):
        return parsed, ""
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is None:
        return parsed, ""
    detected = codecs.lookup(best.encoding).name
    used = parsed.get("encoding") or ""
    try:
        used = codecs.lookup(used).name
    except LookupError:
        pass
    if detected in ("utf-8", "ascii") or detected == used:
        return parsed, ""
    if detected in _LATIN_SINGLE_BYTE and used in _LATIN_SINGLE_BYTE:
        return parsed, ""  # detectors cannot tell these apart on short texts; keep cp1252
    again = feedparser.parse(
        io.BytesIO(data),
        response_headers={**headers, "content-type": f"application/xml; charset={detected}"},
    )
    if len(again.get("entries", [])) < len(parsed.get("entries", [])):
        return parsed, ""
    return again, f"declared encoding was wrong; decoded as detected {detected}"


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
