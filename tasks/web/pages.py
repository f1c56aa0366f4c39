"""Feed state and pages: what to fetch from each feed, and what the warehouse must learn.

The web half of the sources stage: feeds and article pages into RawDocs.

HTTP is `fetch`'s, parsing is `feeds`'; this module decides what to fetch (conditional GET
from the stored feed state, only entries not seen before) and what the warehouse must learn
(new feed state, entries seen). It reads state it is given and returns values; the loader
writes them, after the articles, so a crash never marks an entry seen without its article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ipwire.ids import canonical_url, outlet_from_url, sha256_bytes, stable_id
from ipwire.records import RawDoc, Rejection
from ipwire.settings import FeedConfig
from ipwire.tasks.sources import make_raw
from ipwire.tasks.web.feeds import ParsedEntry, ParsedFeed, parse_feed
from ipwire.tasks.web.fetcher import Fetcher
from ipwire.tasks.web.media import FEED_TYPES, PAGE_TYPES, looks_like_xml_feed
from ipwire.tasks.web.outcome import FetchOutcome, FetchStatus

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

    def extend(self, other: WebBatch) -> None:
        for name in ("raws", "feed_raws", "rejections", "feed_updates", "entries"):
            getattr(self, name).extend(getattr(other, name))
        self.sources_ok += other.sources_ok
        self.sources_failed += other.sources_failed
        self.http_wait_s += other.http_wait_s


def entry_key(entry: ParsedEntry) -> str:
    """What makes an entry 'already seen': its canonical link, else its guid."""
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


def read_feed(
    fetcher: Fetcher,
    cfg: FeedConfig,
    state: dict[str, Any],
    stored: Stored,
    fetched_at: str,
    outcome: FetchOutcome | None = None,
    parsed: ParsedFeed | None = None,
) -> WebBatch:
    """Fetch one feed conditionally and turn its new entries into RawDocs. Never raises.

    `outcome` (and `parsed`) are a fetch (and its parse) already made by the caller, for a
    URL given on the command line that turned out to be a feed.
    """
    out = WebBatch()
    now = datetime.fromisoformat(fetched_at)
    if outcome is None:
        outcome = fetcher.fetch(
            cfg.url,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            accept=FEED_TYPES,
        )
    out.http_wait_s += outcome.wait_s
    if outcome.status is FetchStatus.NOT_MODIFIED:
        out.sources_ok += 1
        out.feed_updates.append(
            FeedUpdate(
                cfg.url,
                cfg.name,
                cfg.outlet,
                cfg.country,
                cfg.language,
                outcome.etag or state.get("etag"),
                outcome.last_modified or state.get("last_modified"),
                state.get("last_hash"),
                fetched_at,
                True,
                "not_modified",
                outcome.http_status,
                outcome.note or "304 Not Modified",
                0.0,
                fetched_at,
            )
        )
        return out
    if not outcome.ok or outcome.content is None:
        out.sources_failed += 1
        out.rejections.append(Rejection(cfg.url, "fetch", str(outcome.status), _describe(outcome)))
        out.feed_updates.append(
            _fail_update(cfg, state, now, str(outcome.status), outcome, _describe(outcome))
        )
        return out
    digest = sha256_bytes(outcome.content)
    success = FeedUpdate(
        cfg.url,
        cfg.name,
        cfg.outlet,
        cfg.country,
        cfg.language,
        outcome.etag,
        outcome.last_modified,
        digest,
        fetched_at,
        True,
        "ok",
        outcome.http_status,
        outcome.note,
        0.0,
        fetched_at,
    )
    if digest == state.get("last_hash"):
        out.sources_ok += 1
        success.status, success.note = "unchanged", "body identical to the last fetch"
        out.feed_updates.append(success)
        return out
    if parsed is None:
        parsed = parse_feed(
            outcome.content, url=outcome.final_url, content_type=outcome.content_type
        )
    if not parsed.is_feed:
        out.sources_failed += 1
        note = f"not a feed: {parsed.bozo_reason or outcome.content_type or 'unknown content'}"
        out.rejections.append(Rejection(cfg.url, "parse", "not_a_feed", note))
        out.feed_updates.append(_fail_update(cfg, state, now, "parse_error", outcome, note))
        return out
    out.sources_ok += 1
    if parsed.bozo:
        success.note = f"parsed with problems: {parsed.bozo_reason}"[:500]
        out.rejections.append(
            Rejection(
                cfg.url,
                "parse",
                "malformed_feed",
                f"kept the {len(parsed.entries)} readable entries; {parsed.bozo_reason}"[:500],
            )
        )
    out.feed_updates.append(success)
    out.feed_raws.append(
        make_raw(
            "feed",
            cfg.url,
            fetched_at,
            outcome.content_type or "application/xml",
            outcome.content,
            url=outcome.final_url,
        )
    )
    hints_base = {
        "outlet": cfg.outlet,
        "country": cfg.country,
        "language": cfg.language,
        "feed_url": cfg.url,
    }
    keys = [entry_key(entry) for entry in parsed.entries]
    links = [canonical_url(entry.link) if entry.link else None for entry in parsed.entries]
    seen = stored.seen_entries(keys) | stored.taken_keys
    # links this run has taken are among the seen keys already
    known = stored.known_urls([c for c in links if c], [e.link for e in parsed.entries if e.link])
    rows = zip(parsed.entries, keys, links, strict=True)
    for n, (entry, key, link_key) in enumerate(rows, start=1):
        if key in seen or (link_key and link_key in known):
            continue
        seen.add(key)
        stored.taken_keys.add(key)
        ref = entry.link or (f"guid:{entry.guid}" if entry.guid else f"{cfg.url}#entry-{n}")
        raw, rejection = read_entry(fetcher, entry, ref, hints_base, fetched_at, out)
        if raw is not None:
            out.raws.append(raw)
            aid = stable_id("article", link_key) if link_key else None
            out.entries.append(EntrySeen(cfg.url, key, entry.guid, entry.link, fetched_at, aid))
        if rejection is not None:
            out.rejections.append(rejection)
    return out


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
                hints=hints,
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


def read_url(
    fetcher: Fetcher,
    url: str,
    state: dict[str, Any],
    stored: Stored,
    fetched_at: str,
) -> WebBatch:
    """A URL given on the command line: a feed if it parses as one, else an article page."""
    outcome = fetcher.fetch(
        url,
        etag=state.get("etag"),
        last_modified=state.get("last_modified"),
        accept=FEED_TYPES + PAGE_TYPES,
    )
    cfg = FeedConfig(name=url, url=url, outlet=outlet_from_url(url))
    if outcome.status is FetchStatus.NOT_MODIFIED:
        return read_feed(fetcher, cfg, state, stored, fetched_at, outcome)
    if outcome.ok and outcome.content and looks_like_xml_feed(outcome.content):
        # Parsed once here and handed on; HTML pages are never given to the feed parser.
        parsed = parse_feed(
            outcome.content, url=outcome.final_url, content_type=outcome.content_type
        )
        if parsed.is_feed:
            return read_feed(fetcher, cfg, state, stored, fetched_at, outcome, parsed)
    out = WebBatch(http_wait_s=outcome.wait_s)
    if outcome.ok and outcome.content:
        out.sources_ok += 1
        if not stored.article_known(url):
            out.raws.append(
                make_raw(
                    "page",
                    url,
                    fetched_at,
                    "text/html",
                    outcome.content,
                    url=outcome.final_url,
                    hints={"url": url},
                )
            )
    else:
        out.sources_failed += 1
        out.rejections.append(Rejection(url, "fetch", str(outcome.status), _describe(outcome)))
    return out


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
