"""Sources stage: turn files, folders and JSON-lines records into RawDocs.

Each input becomes one RawDoc holding its bytes exactly as read, so cleaning can be re-run
later from `raw_documents` without touching the source again. Anything that cannot be read
becomes a Rejection; nothing here raises for a bad input.
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from ipwire.ids import sha256_bytes, stable_id
from ipwire.records import RawDoc, Rejection
from ipwire.settings import http_url_problem

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
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # a URL that names its scheme


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def base_suffix(path: Path) -> str:
    """The meaningful suffix, looking through a trailing .gz (page.html.gz -> .html)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _safe(text: str) -> str:
    """Text that UTF-8 can store: undecodable bytes carried as surrogates become ``\\xNN``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def path_ref(path: Path | str) -> str:
    """A path as stored text: a file name's bytes that are not UTF-8 are written ``\\xNN``.

    Linux file names are bytes; Python carries undecodable ones as lone surrogates, which no
    UTF-8 store accepts. Valid names are unchanged (ids stay stable); the exact bytes are
    also kept, percent-encoded, in the file's ``file://`` URL.
    """
    return _safe(str(path))


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _walk_folder(
    root: Path, allowed: set[str], files: list[Path], seen: set[Path]
) -> list[Rejection]:
    """The files of one folder, recursively and in sorted order, and what was refused there.

    A symbolic link is followed only when it leads to a place inside the folder (its
    target's own path is what gets read); one leading outside is refused, so a link to
    /etc/passwd dropped in an inbox is never read. Hidden entries are skipped; devices,
    pipes and sockets are refused (reading a pipe would block the run).
    """
    rejections: list[Rejection] = []
    real_root = root.resolve()
    found: list[Path] = []

    def unreadable(err: OSError) -> None:
        ref = path_ref(err.filename or root)
        rejections.append(
            Rejection(ref, "sources", "unreadable", f"{type(err).__name__}: {err.strerror}")
        )

    for folder, dirs, names in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        base = Path(folder)
        found.extend(base / n for n in names if not _hidden(n))
        found.extend(base / d for d in dirs if (base / d).is_symlink())
    for p in sorted(found):
        ref = path_ref(p)
        if p.is_symlink():
            target = Path(os.path.realpath(p))
            if not target.is_relative_to(real_root):
                rejections.append(
                    Rejection(
                        ref,
                        "sources",
                        "link_outside_folder",
                        f"symbolic link to {path_ref(target)}, outside {path_ref(root)}: "
                        "not followed",
                    )
                )
                continue
            if target.is_dir():
                continue  # a link to a folder inside: its files are read where they are
        if not p.exists():
            rejections.append(Rejection(ref, "sources", "not_found", "broken symbolic link"))
        elif not p.is_file():
            rejections.append(
                Rejection(ref, "sources", "not_a_file", "not a regular file (device, pipe, socket)")
            )
        elif base_suffix(p) in allowed:
            _add(p, files, seen)
        else:
            rejections.append(
                Rejection(
                    path_ref(p.resolve()),
                    "sources",
                    "unsupported_type",
                    f"file ending {''.join(p.suffixes) or '(none)'} is not one of "
                    f"{', '.join(sorted(allowed))}",
                )
            )
    return rejections


def discover(
    sources: Iterable[str], extensions: Iterable[str]
) -> tuple[list[Path], list[Rejection]]:
    """Expand files and folders (recursively, in sorted order) into the files to read.

    A file named on the command line is read even when it is a symbolic link (the user
    named it); inside a folder, links that lead outside the folder are refused.
    """
    allowed = {e.lower() for e in extensions}
    files: list[Path] = []
    rejections: list[Rejection] = []
    seen: set[Path] = set()
    for source in sources:
        try:
            path = Path(source).expanduser()
            if path.is_dir():
                rejections += _walk_folder(path, allowed, files, seen)
            elif path.is_file():
                _add(path, files, seen)
            else:
                ref = path_ref(source)
                rejections.append(
                    Rejection(ref, "sources", "not_found", f"no such file or folder: {ref}")
                )
        except Exception as exc:  # one bad source never stops the others
            rejections.append(_unexpected(path_ref(source), exc))
    return files, rejections


def _unexpected(ref: str, exc: BaseException) -> Rejection:
    """The rejection of an input that raised where nothing should have."""
    return Rejection(ref, "sources", "read_error", _safe(f"{type(exc).__name__}: {exc}")[:500])


def _add(path: Path, files: list[Path], seen: set[Path]) -> None:
    resolved = path.resolve()
    if resolved not in seen:
        seen.add(resolved)
        files.append(resolved)


def read_file(
    path: Path, fetched_at: str, max_bytes: int = 20_000_000
) -> tuple[list[RawDoc], list[Rejection]]:
    """Read one file into RawDocs: one per file, or one per record for JSON inputs.

    The sources stage's boundary for files: an unexpected exception becomes a ``read_error``
    rejection naming its class and message, and the run goes on.
    """
    ref = path_ref(path)
    try:
        return _read_file(path, ref, fetched_at, max_bytes)
    except Exception as exc:
        return [], [_unexpected(ref, exc)]


def _read_file(
    path: Path, ref: str, fetched_at: str, max_bytes: int
) -> tuple[list[RawDoc], list[Rejection]]:
    try:
        # The path was resolved when found: a link put in its place since is not followed, and
        # a pipe put there does not block the run (non-blocking open, then a regular-file check).
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                return [], [Rejection(ref, "sources", "not_a_file", "not a regular file")]
            if st.st_size > max_bytes:
                detail = f"{st.st_size} bytes > limit {max_bytes}"
                return [], [Rejection(ref, "sources", "too_large", detail)]
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            detail = f"more than {max_bytes} bytes (the file grew while read)"
            return [], [Rejection(ref, "sources", "too_large", detail)]
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            detail = "is a symbolic link now (it was not when found): not followed"
        else:
            detail = _safe(f"{type(exc).__name__}: {exc.strerror or exc}")
        return [], [Rejection(ref, "sources", "unreadable", detail)]
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


MAX_JSON_DEPTH = 64  # records are flat; deeper nesting is a hostile or broken file


class _TooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH."""


def _loads(text: bytes | str) -> object:
    """json.loads with a nesting limit: a RecursionError or a deep value is _TooDeep."""
    try:
        obj = json.loads(text)
    except RecursionError as exc:
        raise _TooDeep(f"JSON nested too deep to parse (limit {MAX_JSON_DEPTH})") from exc
    if _depth_over(obj, MAX_JSON_DEPTH):
        raise _TooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return obj


def _depth_over(obj: object, limit: int) -> bool:
    """Whether containers nest deeper than ``limit`` (iterative: no recursion to overflow)."""
    stack: list[tuple[object, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def records_from_json(
    data: bytes, ref: str, fetched_at: str
) -> tuple[list[RawDoc], list[Rejection]]:
    """JSON lines, or one JSON document holding an object or a list of objects.

    Each record is its own boundary: a malformed, too deeply nested or unusable record is
    rejected with its reason, and the others are still read.
    """
    raws: list[RawDoc] = []
    rejections: list[Rejection] = []
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    items: list[tuple[str, object | Exception, bytes]] = []
    whole: object | None = None
    if stripped[:1] == b"[" or (stripped[:1] == b"{" and b"\n{" not in stripped.strip()):
        try:
            whole = _loads(stripped.decode("utf-8"))
        except _TooDeep as exc:
            return [], [Rejection(ref, "sources", "too_deep", str(exc))]
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
                items.append((sub, _loads(line.decode("utf-8")), line))
            except (UnicodeDecodeError, json.JSONDecodeError, _TooDeep) as exc:
                items.append((sub, exc, line))
    if not items:
        return [], [Rejection(ref, "sources", "empty", "no JSON records in file")]
    for sub, obj, line in items:
        try:
            result = _record(sub, obj, line, fetched_at)
        except Exception as exc:  # one odd record never stops the file
            result = _unexpected(sub, exc)
        (raws if isinstance(result, RawDoc) else rejections).append(result)
    return raws, rejections


def record_url_problem(obj: dict) -> str | None:
    """Why a record's URL cannot be its address, or None (no URL is fine).

    A URL naming another scheme than http/https (javascript:, file:, data: ...) or an
    http(s) URL without a usable host or port makes the whole record suspect: it is rejected
    rather than stored with a link that would run script or point at a local file.
    """
    for key in RECORD_KEYS["url"]:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        url = value.strip()
        relative = _SCHEME.match(url) is None and url.isprintable() and " " not in url
        problem = None if relative else http_url_problem(url)
        if problem:
            shown = url if len(url) <= 80 else url[:77] + "..."
            return f"{key} {_safe(shown)!r} {problem}"
        return None
    return None


def _record(sub: str, obj: object, line: bytes, fetched_at: str) -> RawDoc | Rejection:
    if isinstance(obj, _TooDeep):
        return Rejection(sub, "sources", "too_deep", str(obj))
    if isinstance(obj, Exception):
        return Rejection(sub, "sources", "malformed_json", str(obj)[:300])
    if not isinstance(obj, dict):
        return Rejection(
            sub, "sources", "malformed_json", f"record is a {type(obj).__name__}, not an object"
        )
    problem = record_url_problem(obj)
    if problem:
        return Rejection(sub, "sources", "bad_url", problem)
    hints = {k: _first(obj, keys) for k, keys in RECORD_KEYS.items()}
    hints = {k: _safe(v) for k, v in hints.items() if isinstance(v, str) and v.strip()}
    if not any(
        isinstance(obj.get(k), str) and obj.get(k).strip()
        for k in ("text", "html", "body", "content")
    ):
        return Rejection(
            sub, "sources", "missing_text", "record has none of the keys text, html, body, content"
        )
    return make_raw(
        "jsonl", sub, fetched_at, "application/json", line, url=hints.get("url"), hints=hints
    )


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
