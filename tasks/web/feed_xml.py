"""Feed XML before and around parsing: entity defusing and character-encoding repair.

Hostile input: entity declarations that could expand without bound (nested references,
parameter or external entities, or more expansion than `MAX_ENTITY_EXPANSION`) make the
DOCTYPE be dropped before parsing. A feed whose declared encoding was wrong is parsed again
with the charset that charset-normalizer detects.
"""

from __future__ import annotations

import codecs
import io
import re
from typing import Any

import charset_normalizer
import feedparser

from ipwire.tasks.web.media import charset_of

#: Most characters that declared entities may add to a document when expanded.
MAX_ENTITY_EXPANSION = 1_000_000
#: Most entity declarations a DOCTYPE may hold before it is dropped.
MAX_ENTITY_DECLARATIONS = 256

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


def _xml_content_type(content_type: str | None) -> str:
    """The type to tell feedparser: XML types as served, anything else as application/xml.

    Feeds are often served as text/html or text/plain; feedparser would flag them for that
    alone, which hides the problems worth flagging. A charset given by the server is kept.
    """
    if content_type and "xml" in content_type.split(";", 1)[0].lower():
        return content_type
    charset = charset_of(content_type)
    return "application/xml" + (f"; charset={charset}" if charset else "")


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
