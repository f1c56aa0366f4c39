"""Stable identifiers and URL canonicalisation.

Every id in the warehouse comes from `stable_id`, so the same input always maps to the same
row and a re-run upserts instead of inserting twice.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref",
        "ref_src",
        "ncid",
        "cmpid",
        "ito",
        "ocid",
        "smid",
        "s_cid",
        "_ga",
        "yclid",
        "spm",
        "share",
        "utm_id",
        "amp",
        "from",
        "src",
        "partner",
        "cid",
    }
)
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def stable_id(kind: str, *parts: object, length: int = 16) -> str:
    """A short hex id from a kind and its parts, serialised with sorted keys and fixed encoding."""
    payload = json.dumps([kind, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:length]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalise_text(text: str) -> str:
    """Text reduced to what matters for 'the same words': NFKC, lower case, no punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    # str.split() and the regex \s agree on what whitespace is; split-and-join is the
    # cheaper way to collapse it
    return " ".join(_PUNCT.sub(" ", text).split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def canonical_url(url: str | None) -> str | None:
    """Canonical form of an article URL: lower-case host without www./m./amp., no fragment,
    no tracking parameters, sorted query, no trailing slash, default ports dropped."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url if scheme else None
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in ("www.", "m.", "amp.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    for suffix in ("/amp", "/amp/"):
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)]
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    return urlunsplit(("https", netloc, path, urlencode(sorted(query)), ""))


def outlet_from_url(url: str | None) -> str | None:
    """The site's name as analysts write it: registrable host without www. (e.g. thehindu.com)."""
    if not url or "://" not in url:
        return None
    host = (urlsplit(url).hostname or "").lower().rstrip(".")  # "example.com." is example.com
    for prefix in ("www.", "m.", "amp.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
    return host or None
