"""Walking feeds and URLs: what to fetch, one piece at a time, each behind one boundary.

Feeds are fetched conditionally from their stored state and only entries not seen before are
taken, at most `max_entries` per feed per run; the rest stay unseen for the next run. Pages
are fetched as the consumer asks for them (`iter_web` is a generator), so a run holds one
batch of pages in memory, never a whole feed. Each piece is a small `WebBatch`; a feed's new
state comes after its entries, so a consumer that writes state after loading what came
before never marks an entry seen without its article.

Every feed, entry and URL passes through a boundary: an unexpected exception becomes a
rejection naming its class and message, and the walk goes on with the next one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from ipwire.ids import canonical_url, outlet_from_url, sha256_bytes, stable_id
from ipwire.records import Rejection
from ipwire.settings import FeedConfig
from ipwire.tasks.sources import make_raw
from ipwire.tasks.web.boundary import unexpected
from ipwire.tasks.web.feeds import ParsedEntry, ParsedFeed, parse_feed
from ipwire.tasks.web.fetcher import Fetcher
from ipwire.tasks.web.media import FEED_TYPES, PAGE_TYPES, looks_like_xml_feed
from ipwire.tasks.web.outcome import FetchOutcome, FetchStatus
from ipwire.tasks.web.pages import (
    EntrySeen,
    FeedUpdate,
    Stored,
    WebBatch,
    _describe,
    _fail_update,
    entry_key,
    link_problem,
    page_hints,
    read_entry,
)
from ipwire.tasks.web.urls import shown, url_problem


def read_feed(
    fetcher: Fetcher,
    cfg: FeedConfig,
    state: dict[str, Any],
    stored: Stored,
    fetched_at: str,
    outcome: FetchOutcome | None = None,
    parsed: ParsedFeed | None = None,
    max_entries: int | None = None,
) -> WebBatch:
    """`iter_feed` gathered into one batch (for callers that want a feed whole)."""
    return _gathered(
        iter_feed(fetcher, cfg, state, stored, fetched_at, outcome, parsed, max_entries)
    )


def _gathered(pieces: Iterable[WebBatch]) -> WebBatch:
    """Every piece in one batch."""
    out = WebBatch()
    for piece in pieces:
        out.extend(piece)
    return out


def iter_feed(
    fetcher: Fetcher,
    cfg: FeedConfig,
    state: dict[str, Any],
    stored: Stored,
    fetched_at: str,
    outcome: FetchOutcome | None = None,
    parsed: ParsedFeed | None = None,
    max_entries: int | None = None,
) -> Iterator[WebBatch]:
    """Fetch one feed conditionally; yield each new entry's page as it arrives, then the
    feed's new state. Never raises.

    `outcome` (and `parsed`) are a fetch (and its parse) already made by the caller, for a
    URL given on the command line that turned out to be a feed.
    """
    try:
        yield from _feed_pieces(
            fetcher, cfg, state, stored, fetched_at, outcome, parsed, max_entries
        )
    except Exception as exc:  # the feed's boundary: one broken feed never stops the others
        now = datetime.fromisoformat(fetched_at)
        rejection = unexpected(cfg.url, "fetch", exc)
        update = _fail_update(cfg, state, now, "parse_error", None, rejection.detail)
        yield WebBatch(rejections=[rejection], feed_updates=[update], sources_failed=1)


def _feed_pieces(
    fetcher: Fetcher,
    cfg: FeedConfig,
    state: dict[str, Any],
    stored: Stored,
    fetched_at: str,
    outcome: FetchOutcome | None,
    parsed: ParsedFeed | None,
    max_entries: int | None,
) -> Iterator[WebBatch]:
    now = datetime.fromisoformat(fetched_at)
    if outcome is None:
        outcome = fetcher.fetch(
            cfg.url,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            accept=FEED_TYPES,
        )
    head = WebBatch(http_wait_s=outcome.wait_s)
    if outcome.status is FetchStatus.NOT_MODIFIED:
        head.sources_ok += 1
        head.feed_updates.append(
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
        yield head
        return
    if not outcome.ok or outcome.content is None:
        head.sources_failed += 1
        note = _describe(outcome)
        head.rejections.append(Rejection(cfg.url, "fetch", str(outcome.status), note))
        head.feed_updates.append(_fail_update(cfg, state, now, str(outcome.status), outcome, note))
        yield head
        return
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
        head.sources_ok += 1
        success.status, success.note = "unchanged", "body identical to the last fetch"
        head.feed_updates.append(success)
        yield head
        return
    if parsed is None:
        parsed = parse_feed(
            outcome.content, url=outcome.final_url, content_type=outcome.content_type
        )
    if not parsed.is_feed:
        head.sources_failed += 1
        note = f"not a feed: {parsed.bozo_reason or outcome.content_type or 'unknown content'}"
        head.rejections.append(Rejection(cfg.url, "parse", "not_a_feed", note))
        head.feed_updates.append(_fail_update(cfg, state, now, "parse_error", outcome, note))
        yield head
        return
    # The feed's state and body come last, after every entry taken from it.
    tail = head
    tail.sources_ok += 1
    if parsed.bozo:
        success.note = f"parsed with problems: {parsed.bozo_reason}"[:500]
        tail.rejections.append(
            Rejection(
                cfg.url,
                "parse",
                "malformed_feed",
                f"kept the {len(parsed.entries)} readable entries; {parsed.bozo_reason}"[:500],
            )
        )
    tail.feed_raws.append(
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
    entries = parsed.entries
    keys = [entry_key(entry) for entry in entries]
    links = [
        canonical_url(e.link) if e.link and not link_problem(e.link) else None for e in entries
    ]
    seen = stored.seen_entries(keys) | stored.taken_keys
    # links this run has taken are among the seen keys already
    known = stored.known_urls(
        [c for c in links if c], [e.link for e, c in zip(entries, links, strict=True) if c]
    )
    taken = left = 0
    for n, (entry, key, link_key) in enumerate(zip(entries, keys, links, strict=True), start=1):
        if key in seen or (link_key and link_key in known):
            continue
        if max_entries is not None and taken >= max_entries:
            left += 1  # not marked seen: the next run takes it
            continue
        taken += 1
        seen.add(key)
        stored.taken_keys.add(key)
        yield _entry_piece(fetcher, cfg, entry, key, link_key, n, hints_base, fetched_at)
    if left:
        # Without validators the next run gets the whole feed again and takes the rest.
        success = replace(
            success,
            etag=None,
            last_modified=None,
            last_hash=None,
            note=(
                f"{left} new entries left for the next run "
                f"(at most {max_entries} per feed per run); {success.note}"
            ).rstrip("; "),
        )
    tail.feed_updates.append(success)
    yield tail


def _entry_piece(
    fetcher: Fetcher,
    cfg: FeedConfig,
    entry: ParsedEntry,
    key: str,
    link_key: str | None,
    n: int,
    hints_base: dict[str, Any],
    fetched_at: str,
) -> WebBatch:
    """One entry: its page (or own text), or a rejection saying why not. Never raises."""
    piece = WebBatch()
    fallback_ref = f"guid:{entry.guid}" if entry.guid else f"{cfg.url}#entry-{n}"
    problem = link_problem(entry.link)
    if problem:
        # Rejected once: the entry is marked seen under a key of its own.
        detail = f"entry link {shown(entry.link or '')}: {problem}"
        piece.rejections.append(Rejection(f"{cfg.url}#entry-{n}", "fetch", "bad_url", detail))
        piece.entries.append(EntrySeen(cfg.url, key, entry.guid, None, fetched_at, None))
        return piece
    ref = entry.link or fallback_ref
    try:
        raw, rejection = read_entry(fetcher, entry, ref, hints_base, fetched_at, piece)
    except Exception as exc:  # the entry's boundary; left unseen, so the next run tries again
        piece.rejections.append(unexpected(ref, "fetch", exc))
        return piece
    if raw is not None:
        piece.raws.append(raw)
        aid = stable_id("article", link_key) if link_key else None
        piece.entries.append(EntrySeen(cfg.url, key, entry.guid, entry.link, fetched_at, aid))
    if rejection is not None:
        piece.rejections.append(rejection)
    return piece


def read_url(
    fetcher: Fetcher,
    url: str,
    state: dict[str, Any],
    stored: Stored,
    fetched_at: str,
    max_entries: int | None = None,
) -> WebBatch:
    """`iter_url` gathered into one batch."""
    return _gathered(iter_url(fetcher, url, state, stored, fetched_at, max_entries))


def iter_url(
    fetcher: Fetcher,
    url: str,
    state: dict[str, Any],
    stored: Stored,
    fetched_at: str,
    max_entries: int | None = None,
) -> Iterator[WebBatch]:
    """A URL given on the command line: a feed if it parses as one, else an article page.
    Never raises."""
    problem = url_problem(url)
    if problem:
        yield WebBatch(
            rejections=[Rejection(shown(url, 300), "fetch", "bad_url", problem)], sources_failed=1
        )
        return
    try:
        yield from _url_pieces(fetcher, url, state, stored, fetched_at, max_entries)
    except Exception as exc:  # the URL's boundary
        yield WebBatch(rejections=[unexpected(url, "fetch", exc)], sources_failed=1)


def _url_pieces(
    fetcher: Fetcher,
    url: str,
    state: dict[str, Any],
    stored: Stored,
    fetched_at: str,
    max_entries: int | None,
) -> Iterator[WebBatch]:
    outcome = fetcher.fetch(
        url,
        etag=state.get("etag"),
        last_modified=state.get("last_modified"),
        accept=FEED_TYPES + PAGE_TYPES,
    )
    cfg = FeedConfig(name=url, url=url, outlet=outlet_from_url(url))
    if outcome.status is FetchStatus.NOT_MODIFIED:
        yield from iter_feed(fetcher, cfg, state, stored, fetched_at, outcome, None, max_entries)
        return
    if outcome.ok and outcome.content and looks_like_xml_feed(outcome.content):
        # Parsed once here and handed on; HTML pages are never given to the feed parser.
        parsed = parse_feed(
            outcome.content, url=outcome.final_url, content_type=outcome.content_type
        )
        if parsed.is_feed:
            yield from iter_feed(
                fetcher, cfg, state, stored, fetched_at, outcome, parsed, max_entries
            )
            return
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
                    hints=page_hints({"url": url}, outcome),
                )
            )
    else:
        out.sources_failed += 1
        out.rejections.append(Rejection(url, "fetch", str(outcome.status), _describe(outcome)))
    yield out


def iter_web(
    fetcher: Fetcher,
    feeds: Iterable[FeedConfig],
    urls: Iterable[str],
    state: dict[str, dict[str, Any]],
    stored: Stored,
    fetched_at: str,
    *,
    explicit: bool = False,
    max_entries: int | None = None,
) -> Iterator[WebBatch]:
    """Every configured feed that is due (all of them when `explicit`), then every URL, as
    pieces in the order they are fetched. Feeds still backing off after failures wait their
    turn unless they were named on the command line."""
    for cfg in feeds:
        st = state.get(cfg.url, {})
        due = st.get("next_check_at")
        if not explicit and due is not None and str(due) > fetched_at:
            continue
        yield from iter_feed(fetcher, cfg, st, stored, fetched_at, max_entries=max_entries)
    for url in urls:
        yield from iter_url(fetcher, url, state.get(url, {}), stored, fetched_at, max_entries)


def next_batch(pieces: Iterator[WebBatch], size: int) -> WebBatch:
    """Pieces gathered until `size` pages are held or the pieces run out (then `done`)."""
    batch = WebBatch()
    while len(batch.raws) < max(1, size):
        piece = next(pieces, None)
        if piece is None:
            batch.done = True
            break
        batch.extend(piece)
    return batch
