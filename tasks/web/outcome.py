"""Fetch outcomes: `FetchStatus` and `FetchOutcome`, what every fetch ends in.

A fetch never raises for network problems: every fetch ends in a `FetchOutcome` whose `status`
says what kind of result it is.

Status values (a fixed list, stored as text in the warehouse):

- `ok`: a body was received and accepted (2xx with an accepted content type).
- `not_modified`: the conditional GET says nothing changed (304).
- `soft`: may go away, not worth retrying now (404, wrong content type, too large,
  too many redirects).
- `hard`: will not go away by itself (410, 401, 403, other 4xx, malformed URL).
- `temporary`: worth retrying later, and retried here first (429, 5xx, timeout,
  connection error); robots.txt unavailable is temporary too but not retried here.
- `refused`: ipwire declined to fetch by its own policy (non-http scheme, private
  address, robots.txt disallow).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FetchStatus(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    SOFT = "soft"
    HARD = "hard"
    TEMPORARY = "temporary"
    REFUSED = "refused"


@dataclass(frozen=True)
class FetchOutcome:
    """The result of one fetch: a value, never an exception.

    `etag` and `last_modified` are the header values exactly as received; on a 304 without
    them the values that were sent are echoed, so the caller can always store what it gets.
    `wait_s` is time spent in HTTP I/O (connecting, waiting for and reading bytes); `delay_s`
    is time spent sleeping for politeness, backoff and Retry-After; `elapsed_s` is everything.
    """

    url: str
    final_url: str
    status: FetchStatus
    http_status: int | None = None
    content: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    elapsed_s: float = 0.0
    wait_s: float = 0.0
    delay_s: float = 0.0
    note: str = ""
    attempts: int = 0
    redirects: tuple[str, ...] = ()
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is FetchStatus.OK
