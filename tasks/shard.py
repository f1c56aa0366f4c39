"""`ingest --shard K/N`: which feeds, URLs and files one of N cron jobs takes.

Web sources are split by a stable hash of their host name (port ignored), so every request to
one host comes from one shard and the per-host delay still holds when the N jobs run at once.
Files are split by a stable hash of their path. The hash is SHA-256, not Python's `hash()`,
which changes from one process to the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """`"K/N"` as (K, N) with 1 <= K <= N, None for no shard; a bad value raises ValueError
    naming the form, so the CLI can refuse it before any work starts."""
    if text is None or not str(text).strip():
        return None
    k, sep, n = str(text).strip().partition("/")
    if not (sep and k.strip().isdigit() and n.strip().isdigit()):
        raise ValueError(f"--shard {text!r} is not K/N (e.g. --shard 2/4)")
    shard = (int(k), int(n))
    if not 1 <= shard[0] <= shard[1]:
        raise ValueError(f"--shard {text!r}: K must be between 1 and N (e.g. 1/{max(1, shard[1])})")
    return shard


def host_of(url: str) -> str:
    """The host name a URL is fetched from, lower case, without port or trailing dot."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:  # a malformed URL is rejected later by the fetcher; shard it whole
        host = ""
    return host.rstrip(".") or url.strip().lower()


def shard_of(key: str, n: int) -> int:
    """The shard (1..n) of a key: the same for the same key in every process and release."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


def in_shard(key: str, shard: tuple[int, int] | None) -> bool:
    return shard is None or shard_of(key, shard[1]) == shard[0]


def pick_urls(urls: Iterable[T], shard: tuple[int, int] | None) -> list[T]:
    """The URLs, or feeds (anything with a `.url`), whose host falls in `shard`."""
    return [u for u in urls if in_shard(host_of(str(getattr(u, "url", u))), shard)]


def pick_files(files: Iterable[T], shard: tuple[int, int] | None) -> list[T]:
    """The files whose path falls in `shard`."""
    return [f for f in files if in_shard(str(f), shard)]
