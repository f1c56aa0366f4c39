"""Sources stage: turn files, folders and JSON-lines records into RawDocs.

Each input becomes one RawDoc holding its bytes exactly as read, so cleaning can be re-run
later from `raw_documents` without touching the source again. Anything that cannot be read
becomes a Rejection; nothing here raises for a bad input.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from ipwire.ids import sha256_bytes, stable_id
from ipwire.records import RawDoc, Rejection

HTML_SUFFIXES = {".html", ".htm"}
TEXT_SUFFIXES = {".txt", ".md"}
JSON_SUFFIXES = {".jsonl", ".json", ".ndjson"}
# Keys a JSON record may use for each field, first match wins.
RECORD_KEYS = {
    "url": ("url", "link", "href"),
    "title": ("title", "headline"),
    "published": ("published", "published_at", "date", "pubDate"),
    "author": ("author", "byline"),
    "outlet": ("outlet", "source", "site"),
}


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def base_suffix(path: Path) -> str:
    """The meaningful suffix, looking through a trailing .gz (page.html.gz -> .html)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def discover(
    sources: Iterable[str], extensions: Iterable[str]
) -> tuple[list[Path], list[Rejection]]:
    """Expand files and folders (recursively, in sorted order) into the files to read."""
    allowed = {e.lower() for e in extensions}
    files: list[Path] = []
    rejections: list[Rejection] = []
    seen: set[Path] = set()
    for source in sources:
        path = Path(source).expanduser()
        if path.is_dir():
            candidates = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            for p in candidates:
                if base_suffix(p) in allowed:
                    _add(p, files, seen)
                else:
                    rejections.append(
                        Rejection(
                            str(p.resolve()),
                            "sources",
                            "unsupported_type",
                            f"file ending {''.join(p.suffixes) or '(none)'} is not one of "
                            f"{', '.join(sorted(allowed))}",
                        )
                    )
        elif path.is_file():
            _add(path, files, seen)
        else:
            rejections.append(
                Rejection(source, "sources", "not_found", f"no such file or folder: {source}")
            )
    return files, rejections


def _add(path: Path, files: list[Path], seen: set[Path]) -> None:
    resolved = path.resolve()
    if resolved not in seen:
        seen.add(resolved)
        files.append(resolved)


def read_file(
    path: Path, fetched_at: str, max_bytes: int = 20_000_000
) -> tuple[list[RawDoc], list[Rejection]]:
    """Read one file into RawDocs: one per file, or one per record for JSON inputs."""
    ref = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return [], [Rejection(ref, "sources", "too_large", f"{size} bytes > limit {max_bytes}")]
        data = path.read_bytes()
    except OSError as exc:
        return [], [Rejection(ref, "sources", "unreadable", f"{type(exc).__name__}: {exc}")]
    if path.suffix.lower() == ".gz":
        try:
            data = _gunzip(data, max_bytes)
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            return [], [Rejection(ref, "sources", "bad_gzip", f"{type(exc).__name__}: {exc}")]
    suffix = base_suffix(path)
    if suffix in JSON_SUFFIXES:
        return records_from_json(data, ref, fetched_at)
    content_type = "text/html" if suffix in HTML_SUFFIXES else "text/plain"
    url = path.as_uri()
    return [make_raw("file", ref, fetched_at, content_type, data, url=url)], []


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
        out = fh.read(max_bytes + 1)
    if len(out) > max_bytes:
        raise ValueError(f"decompresses to more than {max_bytes} bytes")
    return out


def make_raw(
    kind: str,
    ref: str,
    fetched_at: str,
    content_type: str,
    data: bytes,
    url: str | None = None,
    hints: dict | None = None,
) -> RawDoc:
    digest = sha256_bytes(data)
    return RawDoc(
        raw_id=stable_id("raw", ref, digest),
        source_kind=kind,
        source_ref=ref,
        fetched_at=fetched_at,
        content_type=content_type,
        sha256=digest,
        content=data,
        url=url,
        hints=hints or {},
    )


def _json_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    for n, line in enumerate(data.splitlines(), start=1):
        if line.strip():
            yield n, line


def records_from_json(
    data: bytes, ref: str, fetched_at: str
) -> tuple[list[RawDoc], list[Rejection]]:
    """JSON lines, or one JSON document holding an object or a list of objects."""
    raws: list[RawDoc] = []
    rejections: list[Rejection] = []
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    items: list[tuple[str, object | Exception, bytes]] = []
    whole: object | None = None
    if stripped[:1] == b"[" or (stripped[:1] == b"{" and b"\n{" not in stripped.strip()):
        try:
            whole = json.loads(stripped.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            whole = None
    if isinstance(whole, list):
        for i, obj in enumerate(whole, start=1):
            items.append((f"{ref}#{i}", obj, json.dumps(obj, sort_keys=True).encode()))
    elif isinstance(whole, dict):
        items.append((ref, whole, stripped))
    else:
        for n, line in _json_lines(data):
            sub = f"{ref}#L{n}"
            try:
                items.append((sub, json.loads(line.decode("utf-8")), line))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                items.append((sub, exc, line))
    if not items:
        return [], [Rejection(ref, "sources", "empty", "no JSON records in file")]
    for sub, obj, line in items:
        if isinstance(obj, Exception):
            rejections.append(Rejection(sub, "sources", "malformed_json", str(obj)[:300]))
            continue
        if not isinstance(obj, dict):
            rejections.append(
                Rejection(
                    sub,
                    "sources",
                    "malformed_json",
                    f"record is a {type(obj).__name__}, not an object",
                )
            )
            continue
        hints = {k: _first(obj, keys) for k, keys in RECORD_KEYS.items()}
        hints = {k: v for k, v in hints.items() if isinstance(v, str) and v.strip()}
        if not any(
            isinstance(obj.get(k), str) and obj.get(k).strip()
            for k in ("text", "html", "body", "content")
        ):
            rejections.append(
                Rejection(
                    sub,
                    "sources",
                    "missing_text",
                    "record has none of the keys text, html, body, content",
                )
            )
            continue
        raws.append(
            make_raw(
                "jsonl",
                sub,
                fetched_at,
                "application/json",
                line,
                url=hints.get("url"),
                hints=hints,
            )
        )
    return raws, rejections


def _first(obj: dict, keys: tuple[str, ...]) -> object | None:
    for key in keys:
        if obj.get(key):
            return obj[key]
    return None


def read_files(
    paths: Iterable[Path], fetched_at: str, max_bytes: int
) -> tuple[list[RawDoc], list[Rejection]]:
    raws: list[RawDoc] = []
    rejections: list[Rejection] = []
    for path in paths:
        r, j = read_file(path, fetched_at, max_bytes)
        raws.extend(r)
        rejections.extend(j)
    return raws, rejections
