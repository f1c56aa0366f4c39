"""Media types and header helpers: what a fetch accepts, content-type matching, Retry-After."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterable

#: Media types a feed may be served as. `*+xml` matches any XML-based type.
FEED_TYPES: tuple[str, ...] = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "*+xml",
    "text/plain",
    "application/octet-stream",
    "binary/octet-stream",
)
#: Media types an article page may be served as.
PAGE_TYPES: tuple[str, ...] = ("text/html", "application/xhtml+xml")
_FEED_MARKERS = frozenset({"application/rss+xml", "application/atom+xml", "*+xml"})


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, unquoted and lower-cased."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip("\"'"):
            return value.strip().strip("\"'").lower()
    return None


def type_accepted(content_type: str | None, accept: Iterable[str]) -> bool:
    """Whether a Content-Type matches one of `accept` (exact, `type/*` or `*+xml` patterns).

    A missing Content-Type is accepted: the parser decides what the bytes are.
    """
    mt = media_type(content_type)
    if not mt:
        return True
    for pattern in accept:
        pattern = pattern.lower()
        if pattern in ("*/*", mt):
            return True
        if pattern.endswith("/*") and mt.startswith(pattern[:-1]):
            return True
        if pattern.startswith("*+") and mt.endswith(pattern[1:]):
            return True
    return False


def looks_like_xml_feed(head: bytes) -> bool:
    """Cheap sniff for feeds served with a wrong type (often text/html)."""
    text = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf"))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _accept_header(accept: Iterable[str]) -> str:
    types = [t for t in accept if not t.startswith("*+")]
    return ", ".join([*types, "*/*;q=0.1"])
