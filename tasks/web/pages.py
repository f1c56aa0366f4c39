"""Feed state and pages: the values the web stage hands the warehouse, and one entry's page.

HTTP is `fetch`'s, parsing is `feeds'`, walking feeds and URLs is `reading`'s; this module
holds what the warehouse must learn (new feed state, entries seen, pages as RawDocs) and
how one feed entry becomes a page or its own text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ipwire.ids import canonical_url, stable_id
from ipwire.records import RawDoc, Rejection
from ipwire.settings import FeedConfig
from ipwire.tasks.sources import make_raw
from ipwire.tasks.web.feeds import ParsedEntry
from ipwire.tasks.web.fetcher import Fetcher
from ipwire.tasks.web.media import PAGE_TYPES, charset_of
from ipwire.tasks.web.outcome import FetchOutcome
from ipwire.tasks.web.urls import WEB_SCHEMES, url_problem

# Failure score added per outcome class (Media Cloud's scale): the feed's backoff grows with it.
FAILURE_WEIGHT = {"hard": 1.0, "soft": 0.5, "temporary": 0.25, "refused": 1.0, "parse_error": 0.5}
MIN_FALLBACK_WORDS = 60


@dataclass
class FeedUpdate:
    """The new state of one feed after this run's attempt: a `feeds` row."""

    feed_url: str
    name: str | None
    outlet: str | None
    country: str | None
    language: str | None
    etag: str | None
    last_modified: str | None
    last_hash: str | None
    checked_at: str
    success: bool
    status: str
    http_status: int | None
    note: str
    consecutive_failures: float
    next_check_at: str


@dataclass
class EntrySeen:
    feed_url: str
    entry_key: str
    guid: str | None
    link: str | None
    first_seen_at: str
    article_id: str | None


@dataclass
class WebBatch:
    raws: list[RawDoc] = field(default_factory=list)  # pages and feed-entry fallbacks
    feed_raws: list[RawDoc] = field(default_factory=list)  # feed bodies as received
    rejections: list[Rejection] = field(default_factory=list)
    feed_updates: list[FeedUpdate] = field(default_factory=list)
    entries: list[EntrySeen] = field(default_factory=list)
    sources_ok: int = 0
    sources_failed: int = 0
    http_wait_s: float = 0.0
    done: bool = False  # set on the last batch of a run: every feed and URL has been read

    def extend(self, other: WebBatch) -> None:
        for name in ("raws", "feed_raws", "rejections", "feed_updates", "entries"):
            getattr(self, name).extend(getattr(other, name))
        self.sources_ok += other.sources_ok
        self.sources_failed += other.sources_failed
        self.http_wait_s += other.http_wait_s


def link_problem(link: str | None) -> str | None:
    """Why an entry's web link is unusable (bad port, broken IPv6 literal, control
    characters, too long), or None. Links in other schemes are left to the fetcher."""
    if not link or link.partition(":")[0].strip().lower() not in WEB_SCHEMES:
        return None
    return url_problem(link)


def entry_key(entry: ParsedEntry) -> str:
    """What makes an entry 'already seen': its canonical link, else its guid."""
    if entry.link and link_problem(entry.link):
        return "badlink:" + stable_id("link", entry.link)
    if entry.link:
        return canonical_url(entry.link) or entry.link
    if entry.guid:
        return f"guid:{entry.guid}"
    return "hash:" + stable_id("entry", entry.title, entry.published_at)


def article_id_for(url: str) -> str:
    """The article id the clean stage gives a page with this URL."""
    return stable_id("article", canonical_url(url))


def next_check(now: datetime, failures: float) -> datetime:
    """Back off a failing feed: 1 h, 2 h, 4 h … up to a week; a healthy feed is due at once."""
    if failures <= 0:
        return now
    return now + min(timedelta(hours=2 ** (failures - 1)), timedelta(days=7))


def _fail_update(
    cfg: FeedConfig,
    state: dict[str, Any],
    now: datetime,
    status: str,
    outcome: FetchOutcome | None,
    note: str,
) -> FeedUpdate:
    failures = float(state.get("consecutive_failures") or 0) + FAILURE_WEIGHT.get(status, 0.5)
    return FeedUpdate(
        cfg.url,
        cfg.name,
        cfg.outlet,
        cfg.country,
        cfg.language,
        state.get("etag"),
        state.get("last_modified"),
        state.get("last_hash"),
        now.isoformat(),
        False,
        status,
        outcome.http_status if outcome else None,
        note,
        failures,
        next_check(now, failures).isoformat(),
    )


@dataclass
class Stored:
    """What the warehouse already holds, asked one feed at a time (the lookups get a feed's
    keys and return those already stored), plus what this run has taken so far."""

    seen_entries: Callable[[Iterable[str]], set[str]]
    known_urls: Callable[[Iterable[str], Iterable[str]], set[str]]
    # entry keys this run has taken; a linked entry's key is its canonical link
    taken_keys: set[str] = field(default_factory=set)

    def article_known(self, url: str) -> bool:
        canon = canonical_url(url)
        return canon in self.taken_keys or bool(self.known_urls([canon], [url]))


def page_hints(hints: dict[str, Any], outcome: FetchOutcome) -> dict[str, Any]:
    """A fetched page's hints: those given, and the charset its server named, which
    decoding reads before the page's own ``<meta charset>``."""
    charset = charset_of(outcome.content_type)
    return {**hints, "charset": charset} if charset else hints


def read_entry(
    fetcher: Fetcher,
    entry: ParsedEntry,
    ref: str,
    hints_base: dict[str, Any],
    fetched_at: str,
    out: WebBatch,
) -> tuple[RawDoc | None, Rejection | None]:
    """The entry's page, or its own text when the page cannot be had and the text suffices."""
    hints = {
        k: v
        for k, v in {
            **hints_base,
            "title": entry.title,
            "published": entry.published_at,
            "author": entry.author,
            "url": entry.link,
        }.items()
        if v
    }
    page_note = "entry has no link"
    if entry.link:
        outcome = fetcher.fetch(entry.link, accept=PAGE_TYPES)
        out.http_wait_s += outcome.wait_s
        if outcome.ok and outcome.content:
            return make_raw(
                "page",
                entry.link,
                fetched_at,
                "text/html",
                outcome.content,
                url=outcome.final_url,
                hints=page_hints(hints, outcome),
            ), None
        page_note = _describe(outcome)
    text = entry.text()
    if len(text.split()) >= MIN_FALLBACK_WORDS:
        hints["fallback"] = f"feed entry text used: {page_note}"
        return make_raw(
            "feed_entry",
            ref,
            fetched_at,
            "text/plain",
            text.encode("utf-8"),
            url=entry.link,
            hints=hints,
        ), None
    return None, Rejection(
        ref,
        "fetch",
        "page_unavailable",
        f"{page_note}; entry text too short ({len(text.split())} words)",
    )


def _describe(outcome: FetchOutcome) -> str:
    """One readable line: the HTTP code, the note, and how many attempts it took."""
    parts = []
    if outcome.http_status and not outcome.note.startswith(f"HTTP {outcome.http_status}"):
        parts.append(f"HTTP {outcome.http_status}")
    parts.append(outcome.note or str(outcome.status))
    text = ": ".join(parts)
    if outcome.attempts > 1:
        text += f" (after {outcome.attempts} attempts)"
    return text[:500]
