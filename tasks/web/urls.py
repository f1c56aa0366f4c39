"""URLs from the outside world: which are usable at all, and whose rel=canonical to believe.

A feed or page is written by whoever runs the site, so every URL it names is hostile input:
a bad port, a broken IPv6 literal, a control character or a megabyte of path must become a
rejection of that one entry, never an exception that stops a run. And a page may only name
an identity its own publisher owns: a rel=canonical pointing at another site would let one
site overwrite another outlet's stored article.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx
from tld import get_fld

from ipwire.ids import canonical_url, stable_id
from ipwire.records import Article, Stripped

# Longer URLs are refused (the sitemap protocol's limit; no news article needs more).
MAX_URL_LENGTH = 2048
WEB_SCHEMES = ("http", "https")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched or stored as an identity, or None when it is well formed.

    Only the form is judged here (scheme, host, port, characters, length); whether the
    address may be dialled is the guard's business.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"URL is {len(url)} characters long (more than {MAX_URL_LENGTH})"
    bad = next((c for c in url if ord(c) < 0x20 or ord(c) == 0x7F), None)
    if bad is not None:
        return f"URL holds the control character {bad!r}"
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in WEB_SCHEMES:
            return f"scheme {scheme or '(none)'!r} is not http or https"
        if not parts.hostname:
            return "URL has no host"
        if any(c.isspace() for c in parts.netloc):
            return "URL has white space in its host"
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
        httpx.URL(url)
    except ValueError as exc:  # httpx.InvalidURL is not one, so it is named below
        return f"malformed URL: {exc}"
    except httpx.InvalidURL as exc:
        return f"malformed URL: {exc}"
    return None


def shown(url: str, limit: int = 120) -> str:
    """A URL as it may appear in a one-line message: control characters escaped, cut short."""
    text = url.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def registrable_domain(host: str) -> str:
    """The part of a host name its owner registered: `www.dawn.com` -> `dawn.com`,
    `epaper.tribune.com.pk` -> `tribune.com.pk` (the public-suffix list shipped with the
    installed `tld` package, read offline). An address or a bare name stands for itself."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    domain = get_fld(host, fail_silently=True, fix_protocol=True)
    return (domain or host).lower()


def canonical_refusal(fetched_url: str, canonical: str, aliases: Iterable[str] = ()) -> str | None:
    """Why the page fetched from `fetched_url` may not call itself `canonical`, or None.

    Honoured: an http(s) URL on the fetched page's registrable domain, or, for a publisher
    that serves one outlet under several domains, when both domains are listed in `aliases`
    (`[http] canonical_aliases`: hosts taken as one publisher). Listing one domain alone
    never lets another site claim it.
    """
    problem = url_problem(canonical)
    if problem:
        return f"rel=canonical {shown(canonical)} refused: {problem}"
    if url_problem(fetched_url):
        return f"rel=canonical {shown(canonical)} refused: the page's own URL is malformed"
    own = registrable_domain(urlsplit(fetched_url).hostname or "")
    theirs = registrable_domain(urlsplit(canonical).hostname or "")
    if theirs == own:
        return None
    group = {registrable_domain(a) for a in aliases if a.strip()}
    if own in group and theirs in group:
        return None
    return (
        f"rel=canonical {shown(canonical)} refused: {theirs} is not the page's own domain"
        f" ({own}) and the two are not configured as aliases"
    )


def vet_identity(
    article: Article, fetched_url: str | None, aliases: Iterable[str] = ()
) -> str | None:
    """Keep a page from claiming another site's identity; returns the refusal, or None.

    The clean stage takes a page's rel=canonical as its identity. When `canonical_refusal`
    refuses it, the article is known by the URL it was fetched from instead (its id follows),
    and the refusal is kept with the article's audit trail as a `canonical-refused` block.
    """
    own = article.url if article.url and not url_problem(article.url) else None
    claimed = article.canonical_url
    if own is None or not claimed:
        return None
    if claimed == canonical_url(own):
        return None
    why = canonical_refusal(fetched_url or own, claimed, aliases)
    if why is None:
        return None
    article.canonical_url = canonical_url(own)
    article.article_id = stable_id("article", article.canonical_url)
    article.stripped.append(Stripped("canonical-refused", why))
    return why
