"""The `Fetcher`: polite, bounded and safe HTTP fetching of feeds and article pages.

This module does HTTP only. It never parses what it fetches and never raises for network
problems: every fetch ends in a `FetchOutcome` (see `outcome`). Every TCP connection goes
through the address guard (see `guard`); robots.txt, per-host spacing and retries live here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ipwire.settings import HttpSettings, split_hosts
from ipwire.tasks.web.guard import (
    ALLOW_HOSTS_ENV,
    AddressRefused,
    AllowList,
    _GuardedTransport,
    deadline_scope,
)
from ipwire.tasks.web.media import (
    _FEED_MARKERS,
    FEED_TYPES,
    _accept_header,
    looks_like_xml_feed,
    media_type,
    parse_retry_after,
    type_accepted,
)
from ipwire.tasks.web.outcome import FetchOutcome, FetchStatus
from ipwire.tasks.web.urls import WEB_SCHEMES, shown, url_problem

_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_CODES = frozenset({429, 500, 502, 503, 504})
_SOFT_CODES = frozenset({404, 408})


@dataclass
class _HostState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    next_allowed: float = 0.0  # monotonic time before which no request may start
    crawl_delay: float = 0.0


@dataclass
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None  # None: allow everything
    expires: float
    unavailable: str = ""  # non-empty: robots.txt could not be read; fetches are held back


@dataclass
class _Timer:
    wait: float = 0.0
    delay: float = 0.0
    # the attempt's network time runs out here (self._clock()); politeness waits push it on
    deadline: float | None = None


class _TooLarge(Exception):
    pass


# --------------------------------------------------------------------------- fetcher


class Fetcher:
    """One HTTP client shared by a run: per-host serialisation and delay, robots.txt, retries.

    Safe to share between threads; requests to one host never overlap and are spaced by at least
    `per_host_delay_s` (or the site's robots.txt Crawl-delay when larger, up to 60 s).
    """

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings or HttpSettings()
        env_hosts = split_hosts(os.environ.get(ALLOW_HOSTS_ENV, ""))
        self.allow = AllowList([*self.settings.allow_hosts, *env_hosts])
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        s = self.settings
        self.client = httpx.Client(
            transport=transport or _GuardedTransport(self.allow, verify=s.verify_tls),
            timeout=httpx.Timeout(
                connect=s.connect_timeout_s,
                read=s.read_timeout_s,
                write=s.read_timeout_s,
                pool=s.total_timeout_s,
            ),  # fmt: skip
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": s.effective_user_agent},
        )
        self._hosts: dict[str, _HostState] = {}
        self._robots: dict[str, _Robots] = {}
        self._state_lock = threading.Lock()

    # -- context management
    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API
    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Iterable[str] = FEED_TYPES,
    ) -> FetchOutcome:
        """GET `url` politely; conditional when `etag` or `last_modified` is given.

        Sends If-None-Match when an ETag is stored, else If-Modified-Since. Retries 429, 5xx,
        timeouts and connection errors with backoff and jitter (Retry-After honoured); every
        other failure is returned at once. Each attempt, robots.txt and every redirect hop
        included, ends within `total_timeout_s` of network time.
        """
        started = self._clock()
        problem = url_problem(url)
        if problem and url.partition(":")[0].strip().lower() in WEB_SCHEMES:
            return FetchOutcome(
                url=url, final_url=url, status=FetchStatus.HARD,
                note=f"invalid URL {shown(url)}: {problem}", attempts=1,
            )  # fmt: skip
        accept = tuple(accept)
        timer = _Timer()
        attempt = 0
        while True:
            attempt += 1
            try:
                outcome, retry_after = self._attempt(url, etag, last_modified, accept, timer)
            except Exception as exc:  # the one boundary: nothing unexpected escapes a fetch
                outcome = FetchOutcome(
                    url=url, final_url=url, status=FetchStatus.TEMPORARY,
                    note=f"unexpected error: {type(exc).__name__}: {exc}",
                )  # fmt: skip
                retry_after = None
            retryable = outcome.status is FetchStatus.TEMPORARY and (
                outcome.http_status in _RETRYABLE_CODES
                or outcome.note.startswith(("timeout", "connection error"))
            )
            if not retryable or attempt > self.settings.retries:
                break
            if retry_after is not None and retry_after > self.settings.max_retry_after_s:
                break
            wait = self._backoff(attempt) if retry_after is None else retry_after
            self._sleep(wait)
            timer.delay += wait
        return dataclasses.replace(
            outcome,
            elapsed_s=self._clock() - started,
            wait_s=timer.wait,
            delay_s=timer.delay,
            attempts=attempt,
            retry_after_s=retry_after,
        )

    def robots_allows(self, url: str, *, _timer: _Timer | None = None) -> tuple[bool, str]:
        """Whether robots.txt lets ipwire fetch `url`, and a note when it does not."""
        if not self.settings.respect_robots:
            return True, ""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._state_lock:
            cached = self._robots.get(origin)
        if cached is None or cached.expires <= self._clock():
            cached = self._load_robots(origin, _timer or _Timer())
            with self._state_lock:
                self._robots[origin] = cached
        if cached.unavailable:
            return False, cached.unavailable
        if cached.parser is None:
            return True, ""
        if cached.parser.can_fetch("ipwire", url):
            return True, ""
        return False, f"robots.txt at {origin} disallows this URL for ipwire"

    # -- internals
    def _backoff(self, attempt: int) -> float:
        s = self.settings
        ceiling = min(s.backoff_cap_s, s.backoff_base_s * (2 ** (attempt - 1)))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _host(self, url: str) -> _HostState:
        key = urlsplit(url).netloc.lower()
        with self._state_lock:
            state = self._hosts.get(key)
            if state is None:
                state = self._hosts[key] = _HostState()
            return state

    def _load_robots(self, origin: str, timer: _Timer) -> _Robots:
        """robots.txt of `origin`, read within the attempt's deadline (or a whole
        `total_timeout_s` of its own when asked outside an attempt)."""
        now = self._clock()
        if timer.deadline is None:
            timer.deadline = now + self.settings.total_timeout_s
        ttl = self.settings.robots_ttl_s
        url = origin + "/robots.txt"
        for _hop in range(self.settings.max_redirects + 1):
            try:
                resp, body = self._request(url, {}, timer, limit=512_000, robots=True)
            except AddressRefused as exc:
                return _Robots(None, now + 300, unavailable=f"address refused: {exc}")
            except (httpx.TimeoutException, httpx.NetworkError) as exc:
                # Not cached: the page fetch is retried and robots.txt asked again.
                note = f"connection error: robots.txt unavailable ({type(exc).__name__})"
                return _Robots(None, now, unavailable=note)
            except (httpx.HTTPError, _TooLarge) as exc:
                note = f"robots.txt unavailable ({type(exc).__name__})"
                return _Robots(None, now + 300, unavailable=note)
            if resp.status_code in _REDIRECT_CODES and resp.headers.get("location"):
                url = urljoin(url, resp.headers["location"])
                if urlsplit(url).scheme not in ("http", "https"):
                    break
                continue
            if resp.status_code >= 500 or resp.status_code == 429:
                note = f"robots.txt unavailable (HTTP {resp.status_code})"
                return _Robots(None, now + 300, unavailable=note)
            if resp.status_code >= 400:
                return _Robots(None, now + ttl)  # RFC 9309: 4xx means no restrictions
            parser = urllib.robotparser.RobotFileParser(url)
            parser.parse(body.decode("utf-8", "replace").splitlines())
            delay = parser.crawl_delay("ipwire")
            if delay:
                state = self._host(origin)
                state.crawl_delay = min(float(delay), 60.0)
                # The robots.txt request itself counts: the next one waits the crawl delay.
                state.next_allowed = max(state.next_allowed, self._clock() + state.crawl_delay)
            return _Robots(parser, now + ttl)
        return _Robots(None, now + ttl)

    def _request(
        self,
        url: str,
        headers: dict[str, str],
        timer: _Timer,
        *,
        limit: int,
        robots: bool = False,
        accept_check: Callable[[httpx.Response], bool] | None = None,
    ) -> tuple[httpx.Response, bytes]:
        """One request under the host's lock and minimum delay; the body read within `limit`,
        all of it before `timer.deadline` (the wait for the host's turn does not count)."""
        state = self._host(url)
        with state.lock:
            gap = state.next_allowed - self._clock()
            if gap > 0:
                self._sleep(gap)
                timer.delay += gap
                if timer.deadline is not None:
                    timer.deadline += gap
            t0 = self._clock()
            deadline = timer.deadline
            # the guard's streams take the deadline on the real monotonic clock
            until = None if deadline is None else time.monotonic() + (deadline - t0)
            try:
                with deadline_scope(until), self.client.stream("GET", url, headers=headers) as resp:
                    body = b""
                    if accept_check is None or accept_check(resp):
                        length = resp.headers.get("content-length", "")
                        if length.isdigit() and int(length) > limit:
                            raise _TooLarge(f"Content-Length {length} exceeds {limit} bytes")
                        chunks, size = [], 0
                        for chunk in resp.iter_bytes():
                            size += len(chunk)
                            if size > limit:
                                raise _TooLarge(f"body exceeds {limit} bytes")
                            if deadline is not None and self._clock() > deadline:
                                raise httpx.ReadTimeout("total timeout exceeded while reading")
                            chunks.append(chunk)
                        body = b"".join(chunks)
            finally:
                timer.wait += self._clock() - t0
                spacing = max(self.settings.per_host_delay_s, state.crawl_delay)
                state.next_allowed = max(state.next_allowed, self._clock() + spacing)
            if resp.status_code in (429, 503):
                retry_after = parse_retry_after(resp.headers.get("retry-after"))
                if retry_after:
                    hold = min(retry_after, self.settings.max_retry_after_s)
                    state.next_allowed = max(state.next_allowed, self._clock() + hold)
        return resp, body

    def _attempt(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        accept: tuple[str, ...],
        timer: _Timer,
    ) -> tuple[FetchOutcome, float | None]:
        """One attempt: follow redirects hop by hop, checking scheme and robots.txt each time."""
        s = self.settings
        timer.deadline = self._clock() + s.total_timeout_s
        headers = {"Accept": _accept_header(accept)}
        if etag:
            headers["If-None-Match"] = etag
        elif last_modified:
            headers["If-Modified-Since"] = last_modified
        current, hops = url, []

        def out(status: FetchStatus, note: str, **kw: Any) -> tuple[FetchOutcome, float | None]:
            retry_after = kw.pop("retry_after", None)
            return (
                FetchOutcome(
                    url=url,
                    final_url=current,
                    status=status,
                    note=note,
                    redirects=tuple(hops),
                    **kw,
                ),  # fmt: skip
                retry_after,
            )

        sniffable = bool(set(accept) & _FEED_MARKERS)  # feeds are often served as text/html

        def accept_check(resp: httpx.Response) -> bool:
            # Read the body only for final answers we may keep.
            if not 200 <= resp.status_code < 300:
                return False
            return type_accepted(resp.headers.get("content-type"), accept) or sniffable

        while True:
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https"):
                return out(FetchStatus.REFUSED, f"scheme {parts.scheme or '(none)'!r} not allowed")
            if not parts.hostname:
                return out(FetchStatus.HARD, "URL has no host")
            allowed, why = self.robots_allows(current, _timer=timer)
            if not allowed:
                status = FetchStatus.TEMPORARY if "unavailable" in why else FetchStatus.REFUSED
                return out(status, why)
            try:
                resp, body = self._request(
                    current, headers, timer, limit=s.max_bytes,
                    accept_check=accept_check,
                )  # fmt: skip
            except AddressRefused as exc:
                return out(FetchStatus.REFUSED, f"address refused: {exc}")
            except _TooLarge as exc:
                return out(FetchStatus.SOFT, f"too large: {exc}")
            except httpx.TimeoutException as exc:
                return out(FetchStatus.TEMPORARY, f"timeout: {type(exc).__name__} {exc}".strip())
            except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
                return out(FetchStatus.TEMPORARY, f"connection error: {type(exc).__name__} {exc}")
            except httpx.InvalidURL as exc:
                return out(FetchStatus.HARD, f"invalid URL: {exc}")
            except httpx.HTTPError as exc:
                return out(FetchStatus.TEMPORARY, f"connection error: {type(exc).__name__} {exc}")

            code = resp.status_code
            ctype = resp.headers.get("content-type")
            if code in _REDIRECT_CODES:
                location = resp.headers.get("location")
                if not location:
                    return out(FetchStatus.HARD, f"HTTP {code} redirect without Location")
                if len(hops) >= s.max_redirects:
                    return out(
                        FetchStatus.SOFT, f"too many redirects (more than {s.max_redirects})"
                    )
                hops.append(current)
                current = urljoin(current, location)
                problem = url_problem(current)
                if problem and current.partition(":")[0].strip().lower() in WEB_SCHEMES:
                    return out(FetchStatus.HARD, f"redirect to an invalid URL: {problem}")
                continue
            if code == 304:
                return out(
                    FetchStatus.NOT_MODIFIED, "not modified", http_status=code,
                    etag=resp.headers.get("etag", etag),
                    last_modified=resp.headers.get("last-modified", last_modified),
                )  # fmt: skip
            if 200 <= code < 300:
                if not type_accepted(ctype, accept) and not (
                    sniffable and looks_like_xml_feed(body)
                ):
                    return out(
                        FetchStatus.SOFT, f"content type {media_type(ctype)} not accepted",
                        http_status=code, content_type=ctype,
                    )  # fmt: skip
                return out(
                    FetchStatus.OK, "" if code == 200 else f"HTTP {code}", http_status=code,
                    content=body, content_type=ctype, etag=resp.headers.get("etag"),
                    last_modified=resp.headers.get("last-modified"),
                    sha256=hashlib.sha256(body).hexdigest(),
                )  # fmt: skip
            if code in _RETRYABLE_CODES:
                retry_after = parse_retry_after(resp.headers.get("retry-after"))
                return out(
                    FetchStatus.TEMPORARY, f"HTTP {code}", http_status=code,
                    retry_after=retry_after,
                )  # fmt: skip
            if code in _SOFT_CODES:
                return out(FetchStatus.SOFT, f"HTTP {code}", http_status=code)
            if 400 <= code < 500:
                return out(FetchStatus.HARD, f"HTTP {code}", http_status=code)
            return out(FetchStatus.SOFT, f"unexpected HTTP {code}", http_status=code)


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: Iterable[str] = FEED_TYPES,
    settings: HttpSettings | None = None,
) -> FetchOutcome:
    """One-off fetch with a throwaway `Fetcher`; use a shared `Fetcher` for many URLs."""
    with Fetcher(settings) as fetcher:
        return fetcher.fetch(url, etag=etag, last_modified=last_modified, accept=accept)
