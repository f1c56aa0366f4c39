"""Hostile and careless local input: each is rejected with a reason, and the rest is still read."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ipwire.ids import stable_id
from ipwire.records import Article, Rejection
from ipwire.tasks import sources
from ipwire.tasks.clean import clean_batch, clean_document, extract_path
from ipwire.tasks.sources import discover, make_raw, read_file, read_files, records_from_json

EXT = [".txt", ".md", ".html", ".htm", ".jsonl", ".json"]
PROSE = (
    "Pakistan's foreign office said on Monday that talks with India on the Indus Waters "
    "Treaty would resume next month in Lahore, after officials of both countries met at the "
    "Wagah border to exchange the lists of prisoners and fishermen held in each other's jails."
)


def _record(url: str, **extra: str) -> bytes:
    return json.dumps({"url": url, "title": "T", "text": PROSE, **extra}).encode()


# --------------------------------------------------------------------------- record URLs


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "gopher://example.com/1",
        "http://[::1/x",
        "http://example.com:99999/a",
        "https:///no-host",
    ],
)
def test_a_record_with_a_non_http_url_is_rejected_whole_as_bad_url(url: str):
    data = b"\n".join([_record(url), _record("https://www.dawn.com/news/1")])
    raws, rejections = records_from_json(data, "/in/r.jsonl", "t")
    assert [r.source_ref for r in raws] == ["/in/r.jsonl#L2"]
    assert [(r.source_ref, r.reason) for r in rejections] == [("/in/r.jsonl#L1", "bad_url")]


def test_a_record_with_a_relative_address_is_still_read():
    raws, rejections = records_from_json(_record("news/1234.html"), "/in/r.jsonl", "t")
    assert rejections == [] and len(raws) == 1


# --------------------------------------------------------------------------- symbolic links


def test_a_link_in_an_inbox_leading_outside_it_is_refused_and_never_read(tmp_path: Path):
    inbox, outside = tmp_path / "inbox", tmp_path / "secret"
    inbox.mkdir()
    outside.mkdir()
    (outside / "key.txt").write_text("private key material")
    (inbox / "good.txt").write_text(PROSE)
    os.symlink(outside / "key.txt", inbox / "stolen.txt")
    os.symlink("/etc/passwd", inbox / "passwd.txt")
    os.symlink(outside, inbox / "elsewhere")
    files, rejections = discover([str(inbox)], EXT)
    assert [p.name for p in files] == ["good.txt"]
    refused = {Path(r.source_ref).name: r for r in rejections}
    assert set(refused) == {"stolen.txt", "passwd.txt", "elsewhere"}
    assert {r.reason for r in refused.values()} == {"link_outside_folder"}
    assert "/etc/passwd" in refused["passwd.txt"].detail


def test_a_link_inside_the_inbox_is_read_once_under_its_target(tmp_path: Path):
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "sub" / "a.txt").write_text(PROSE)
    os.symlink(inbox / "sub" / "a.txt", inbox / "alias.txt")
    os.symlink(inbox / "sub", inbox / "subalias")
    files, rejections = discover([str(inbox)], EXT)
    assert files == [(inbox / "sub" / "a.txt").resolve()] and rejections == []


def test_a_link_named_on_the_command_line_is_followed(tmp_path: Path):
    target = tmp_path / "elsewhere" / "a.txt"
    target.parent.mkdir()
    target.write_text(PROSE)
    link = tmp_path / "link.txt"
    os.symlink(target, link)
    files, rejections = discover([str(link)], EXT)
    assert files == [target.resolve()] and rejections == []


def test_a_pipe_in_an_inbox_is_refused_rather_than_read(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.txt")
    files, rejections = discover([str(tmp_path)], EXT)
    assert files == [] and [r.reason for r in rejections] == ["not_a_file"]


# --------------------------------------------------------------------------- file names


def test_a_file_name_that_is_not_utf8_is_read_with_an_escaped_reference(tmp_path: Path):
    folder = os.fsencode(tmp_path)
    with open(folder + b"/bad\xffname.txt", "wb") as fh:
        fh.write(PROSE.encode())
    files, rejections = discover([str(tmp_path)], EXT)
    raws, rejected = read_files(files, "t", 1_000_000)
    assert rejections == [] and rejected == []
    (raw,) = raws
    assert raw.source_ref == f"{tmp_path}/bad\\xffname.txt"
    raw.source_ref.encode("utf-8")  # storable
    assert raw.url.endswith("/bad%FFname.txt")  # the exact bytes, percent-encoded
    assert raw.raw_id == stable_id("raw", raw.source_ref, raw.sha256)
    assert isinstance(clean_document(raw, min_words=5), Article)


# --------------------------------------------------------------------------- deep JSON


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_json_nested_100000_deep_is_rejected_as_too_deep(tmp_path: Path, suffix: str):
    path = tmp_path / f"deep{suffix}"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    raws, rejections = read_file(path, "t")
    assert raws == [] and [r.reason for r in rejections] == ["too_deep"]


def test_a_deep_json_line_is_rejected_and_the_other_lines_read():
    deep = json.dumps({"text": PROSE, "x": "?"}).replace('"?"', "[" * 200 + "]" * 200)
    data = "\n".join([deep, _record("https://x.pk/a").decode(), "[" * 50_000]).encode()
    raws, rejections = records_from_json(data, "/in/r.jsonl", "t")
    assert [r.source_ref for r in raws] == ["/in/r.jsonl#L2"]
    assert [(r.source_ref, r.reason) for r in rejections] == [
        ("/in/r.jsonl#L1", "too_deep"),
        ("/in/r.jsonl#L3", "too_deep"),
    ]


def test_extract_of_a_deep_json_file_reports_instead_of_crashing(tmp_path: Path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = extract_path(str(path))
    assert result["error"] == "too_deep"


# --------------------------------------------------------------------------- the one boundary


def test_an_unexpected_error_reading_one_file_is_a_rejection_naming_it(tmp_path, monkeypatch):
    for name in ("a.txt", "boom.txt", "c.txt"):
        (tmp_path / name).write_text(PROSE + name)
    real = sources.make_raw

    def exploding(kind, ref, *args, **kwargs):
        if ref.endswith("boom.txt"):
            raise KeyError("surprise")
        return real(kind, ref, *args, **kwargs)

    monkeypatch.setattr(sources, "make_raw", exploding)
    files, _ = discover([str(tmp_path)], EXT)
    raws, rejections = read_files(files, "t", 1_000_000)
    assert [Path(r.source_ref).name for r in raws] == ["a.txt", "c.txt"]
    assert [(r.reason, r.detail) for r in rejections] == [("read_error", "KeyError: 'surprise'")]


def test_an_unexpected_error_on_one_record_rejects_only_that_record(monkeypatch):
    real = sources.make_raw

    def exploding(kind, ref, *args, **kwargs):
        if ref.endswith("#L1"):
            raise RuntimeError("odd record")
        return real(kind, ref, *args, **kwargs)

    monkeypatch.setattr(sources, "make_raw", exploding)
    data = b"\n".join([_record("https://x.pk/a"), _record("https://x.pk/b")])
    raws, rejections = records_from_json(data, "/in/r.jsonl", "t")
    assert [r.source_ref for r in raws] == ["/in/r.jsonl#L2"]
    assert [(r.reason, r.detail) for r in rejections] == [
        ("read_error", "RuntimeError: odd record")
    ]


def test_an_unexpected_error_while_cleaning_one_document_rejects_only_it(monkeypatch):
    from ipwire.tasks.clean import stage

    real = stage.build_article

    def exploding(raw, ex, **kwargs):
        if raw.source_ref == "boom":
            raise ZeroDivisionError("division by zero")
        return real(raw, ex, **kwargs)

    monkeypatch.setattr(stage, "build_article", exploding)
    raws = [make_raw("file", ref, "t", "text/plain", PROSE.encode()) for ref in ("ok", "boom")]
    articles, rejections = clean_batch(raws, min_words=5)
    assert [a.source_ref for a in articles] == ["ok"]
    assert [(r.reason, r.detail) for r in rejections] == [
        ("extract_error", "ZeroDivisionError: division by zero")
    ]


# --------------------------------------------------------------------------- per-document budget


def _flat_page(n_elements: int, tag: bytes = b"<p>India and Pakistan talk.</p>") -> bytes:
    return b"<html><body>" + tag * n_elements + b"</body></html>"


def test_a_page_of_a_million_elements_is_rejected_over_budget_before_parsing():
    raw = make_raw("page", "https://x.pk/huge", "t", "text/html", _flat_page(1_000_000, b"<i>"))
    started = time.monotonic()
    result = clean_document(raw)
    took = time.monotonic() - started
    assert isinstance(result, Rejection) and result.reason == "over_budget"
    assert "clean.max_elements" in result.detail
    assert took < 2.0, f"took {took:.1f}s to refuse"


def test_a_text_over_the_character_budget_is_rejected_over_budget():
    from ipwire.tasks.clean.budget import Budget

    raw = make_raw("file", "/in/long.txt", "t", "text/plain", (PROSE + "\n").encode() * 200)
    result = clean_document(raw, budget=Budget(max_chars=10_000))
    assert isinstance(result, Rejection) and result.reason == "over_budget"
    assert "clean.max_chars" in result.detail


def test_a_document_cleaning_longer_than_its_wall_time_is_given_up():
    from ipwire.tasks.clean.budget import Budget

    raw = make_raw("page", "https://x.pk/slow", "t", "text/html", _flat_page(60_000))
    started = time.monotonic()
    result = clean_document(raw, budget=Budget(max_seconds=0.5))
    took = time.monotonic() - started
    assert isinstance(result, Rejection) and result.reason == "over_budget"
    assert "clean.max_seconds" in result.detail
    assert took < 1.5, f"took {took:.1f}s with a 0.5 s budget"
    # the alarm is gone: the next document is cleaned normally
    ok = make_raw("file", "/in/a.txt", "t", "text/plain", PROSE.encode())
    assert isinstance(clean_document(ok, min_words=5), Article)


class _Cycle:
    """Half of a reference cycle: only the garbage collector frees it."""


def test_the_wall_time_alarm_is_not_lost_in_a_garbage_collection(monkeypatch):
    import gc
    import sys
    import weakref

    from ipwire.tasks.clean.budget import OverBudget, time_limit

    lost: list = []
    monkeypatch.setattr(sys, "unraisablehook", lost.append)

    def garbage(n: int) -> list:
        # cycles with weakref callbacks: the collection that frees them runs Python code,
        # where an exception raised by the alarm would be lost
        refs = []
        for _ in range(n):
            a, b = _Cycle(), _Cycle()
            a.other, b.other = b, a
            refs.append(weakref.ref(a, lambda ref: None))
        return refs

    gc.disable()
    try:
        refs = garbage(300_000)
        started = time.monotonic()
        with pytest.raises(OverBudget):
            with time_limit(0.02):
                gc.collect()
                collected = time.monotonic() - started
                while time.monotonic() - started < 5:
                    sum(range(100))
        took = time.monotonic() - started
    finally:
        gc.enable()
    assert len(refs) == 300_000 and collected > 0.02  # the alarm fell inside the collection
    assert not lost
    assert took < collected + 0.3, f"given up {took - collected:.2f} s after the collection"


def test_a_normal_page_is_within_budget_and_the_timer_left_unset():
    import signal

    page = b"<html><body><article>" + b"<p>" + PROSE.encode() + b"</p>" * 3 + b"</article>"
    result = clean_document(make_raw("page", "https://x.pk/a", "t", "text/html", page))
    assert isinstance(result, Article)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_element_count_stops_at_the_limit():
    from ipwire.tasks.clean.budget import count_elements

    html = "<div>" * 5_000
    assert count_elements(html, 100) == 101
    assert count_elements("<p>a</p><p>b</p>", 100) <= 100


def test_a_file_swapped_for_a_link_after_it_was_found_is_not_followed(tmp_path: Path):
    (tmp_path / "secret.txt").write_text("SECRET")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(PROSE)
    files, _ = discover([str(inbox)], EXT)
    (inbox / "a.txt").unlink()
    os.symlink(tmp_path / "secret.txt", inbox / "a.txt")
    raws, rejections = read_files(files, "t", 1_000_000)
    assert raws == [] and [r.reason for r in rejections] == ["unreadable"]
    assert "symbolic link" in rejections[0].detail


def test_a_pipe_read_directly_is_refused_without_blocking(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.txt")
    raws, rejections = read_file(tmp_path / "pipe.txt", "t")
    assert raws == [] and [r.reason for r in rejections] == ["not_a_file"]


def test_cleaning_outside_the_main_thread_works_with_the_size_budget_only():
    from concurrent.futures import ThreadPoolExecutor

    raws = [
        make_raw("file", "/in/a.txt", "t", "text/plain", PROSE.encode()),
        make_raw("page", "https://x.pk/huge", "t", "text/html", _flat_page(300_000, b"<i>")),
    ]
    with ThreadPoolExecutor(1) as pool:
        ok, huge = pool.submit(lambda: [clean_document(r, min_words=5) for r in raws]).result()
    assert isinstance(ok, Article)
    assert isinstance(huge, Rejection) and huge.reason == "over_budget"
