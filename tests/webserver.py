"""A real HTTP server on 127.0.0.1 for web tests and benchmarks: feeds, pages and bad behaviour.

Built on pytest-httpserver (threaded, so a slow endpoint does not hold up the others). Every
request is logged, so tests can assert what was (and was not) asked for.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SHARED_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
WCXB_HTML = SHARED_EVAL / "extraction" / "wcxb-dev" / "html"
WCXB_GOLD = SHARED_EVAL / "extraction" / "wcxb-dev" / "gold.jsonl"

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"


class LocalSite:
    """One local web site. `url(path)` gives absolute URLs on 127.0.0.1."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.server = HTTPServer(host=host, port=0, threaded=True)
        self.server.start()

    def stop(self) -> None:
        self.server.clear()
        if self.server.is_running():
            self.server.stop()

    def __enter__(self) -> LocalSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def reset(self) -> None:
        self.server.clear()

    # -- what was asked
    def requests(self, path: str | None = None) -> list[Request]:
        return [req for req, _ in self.server.log if path is None or req.path == path]

    def hits(self, path: str) -> int:
        return len(self.requests(path))

    # -- endpoints
    def serve(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = HTML,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.server.expect_request(path).respond_with_data(
            data, status=status, content_type=content_type, headers=headers or {}
        )

    def serve_robots(self, text: str, *, status: int = 200) -> None:
        self.serve("/robots.txt", text, content_type="text/plain", status=status)

    def serve_gzip(self, path: str, body: bytes, *, content_type: str) -> None:
        self.serve(path, gzip.compress(body), content_type=content_type,
                   headers={"Content-Encoding": "gzip"})  # fmt: skip

    def serve_redirect(self, path: str, location: str, *, status: int = 302) -> None:
        self.serve(path, b"", status=status, headers={"Location": location})

    def serve_slow(self, path: str, body: bytes, *, delay_s: float, content_type: str) -> None:
        def handler(_: Request) -> Response:
            time.sleep(delay_s)
            return Response(body, content_type=content_type)

        self.server.expect_request(path).respond_with_handler(handler)

    def serve_stream(self, path: str, chunk: bytes, *, count: int, content_type: str) -> None:
        """A body sent in chunks without Content-Length, as an endless generator would."""

        def handler(_: Request) -> Response:
            def chunks() -> Iterator[bytes]:
                for _i in range(count):
                    yield chunk

            return Response(chunks(), content_type=content_type)

        self.server.expect_request(path).respond_with_handler(handler)

    def serve_conditional(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str,
        etag: str | None,
        last_modified: str | None,
    ) -> None:
        """200 with validators; 304 when the request's If-None-Match/If-Modified-Since match."""

        def handler(request: Request) -> Response:
            headers = {}
            if etag:
                headers["ETag"] = etag
            if last_modified:
                headers["Last-Modified"] = last_modified
            inm = request.headers.get("If-None-Match")
            ims = request.headers.get("If-Modified-Since")
            if (etag and inm == etag) or (not inm and last_modified and ims == last_modified):
                return Response(b"", status=304, headers=headers)
            return Response(body, content_type=content_type, headers=headers)

        self.server.expect_request(path).respond_with_handler(handler)

    def serve_sequence(self, path: str, responses: Sequence[Response]) -> None:
        """Answer successive requests with `responses`, repeating the last one."""
        state = {"i": 0}

        def handler(_: Request) -> Response:
            i = min(state["i"], len(responses) - 1)
            state["i"] += 1
            return responses[i]

        self.server.expect_request(path).respond_with_handler(handler)


def http_date(when: datetime | None = None) -> str:
    return format_datetime(when or datetime(2026, 11, 20, 8, 0, tzinfo=UTC), usegmt=True)


def rss_feed(title: str, items: Iterable[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 document; items are (title, link, description)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<rss version="2.0"><channel><title>{escape(title)}</title><link>http://example.org/</link>',
    ]
    for i, (item_title, link, description) in enumerate(items):
        parts.append(
            f"<item><title>{escape(item_title)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{escape(title)}-{i}</guid>'
            f"<pubDate>Fri, 20 Nov 2026 0{i % 10}:00:00 +0500</pubDate>"
            f"<description>{escape(description)}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def atom_feed(title: str, items: Iterable[tuple[str, str, str]]) -> bytes:
    """An Atom 1.0 document; items are (title, link, summary)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>',
        f"<id>tag:example.org,2026:{escape(title)}</id><updated>2026-11-20T08:00:00Z</updated>",
    ]
    for i, (item_title, link, summary) in enumerate(items):
        parts.append(
            f"<entry><title>{escape(item_title)}</title>"
            f'<link rel="alternate" href="{escape(link)}"/>'
            f"<id>tag:example.org,2026:{escape(title)}-{i}</id>"
            f"<updated>2026-11-20T0{i % 10}:00:00+05:00</updated>"
            f"<summary>{escape(summary)}</summary></entry>"
        )
    parts.append("</feed>")
    return "".join(parts).encode("utf-8")


def wcxb_pages(n: int) -> list[tuple[str, bytes]]:
    """The first `n` real pages of the shared WCXB dev set as (id, html bytes); a test that
    needs them is skipped where ../shared is not beside the checkout."""
    paths = sorted(WCXB_HTML.glob("*.html.gz"))[:n]
    if len(paths) < n:
        import pytest

        pytest.skip(f"shared WCXB pages not available ({WCXB_HTML})")
    return [(p.name.removesuffix(".html.gz"), gzip.decompress(p.read_bytes())) for p in paths]
