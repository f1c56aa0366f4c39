"""An inbox of hostile files through the real ingest flow (Prefect test harness, DuckDB file):
the run completes, each bad input is a rejection with its reason, the good ones load, and
nothing outside the inbox is read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from ipwire.flows.ingest import ingest

pytestmark = pytest.mark.usefixtures("prefect_harness")

PROSE = (
    "Pakistan's foreign office said on {day} that talks with India on the Indus Waters Treaty "
    "would resume next month in Lahore, after officials of both countries met at the Wagah "
    "border to exchange the lists of prisoners and fishermen held in each other's jails. "
)


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(query).fetchall()


def hostile_inbox(root: Path) -> Path:
    inbox, secret = root / "inbox", root / "secret"
    inbox.mkdir()
    secret.mkdir()
    (secret / "key.txt").write_text("SECRET-KEY " + PROSE.format(day="Sunday") * 2)
    os.symlink(secret / "key.txt", inbox / "stolen.txt")
    (inbox / "good.txt").write_text(PROSE.format(day="Monday") * 2)
    with open(os.fsencode(inbox) + b"/caf\xe9.txt", "wb") as fh:  # a latin-1 file name
        fh.write((PROSE.format(day="Tuesday") * 2).encode())
    (inbox / "nul.txt").write_bytes((PROSE.format(day="Friday") * 2).encode() + b"\x00\x00")
    (inbox / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    records = [
        {"url": "javascript:alert(1)", "title": "x", "text": PROSE.format(day="Wednesday")},
        {"url": "https://www.dawn.com/news/1", "text": PROSE.format(day="Thursday") * 2},
    ]
    (inbox / "records.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (inbox / "huge.html").write_bytes(b"<html><body>" + b"<i>" * 1_000_000 + b"</body></html>")
    return inbox


def test_an_inbox_of_hostile_files_completes_with_each_rejected_for_its_reason(
    db_file: Path, tmp_path: Path
):
    inbox = hostile_inbox(tmp_path)
    summary = ingest(sources=[str(inbox)], db=str(db_file))
    assert summary.status == "completed"
    reasons = {
        Path(ref).name: reason
        for ref, reason in rows(db_file, "SELECT source_ref, reason FROM rejections")
    }
    assert reasons == {
        "stolen.txt": "link_outside_folder",
        "deep.json": "too_deep",
        "records.jsonl#L1": "bad_url",
        "huge.html": "over_budget",
    }
    refs = sorted(Path(r).name for (r,) in rows(db_file, "SELECT source_ref FROM articles"))
    assert refs == ["caf\\xe9.txt", "good.txt", "nul.txt", "records.jsonl#L2"]
    stored = rows(db_file, "SELECT content FROM raw_documents")
    assert stored and not any(b"SECRET" in bytes(content) for (content,) in stored)
    assert rows(db_file, "SELECT count(*) FROM articles WHERE body LIKE '%' || chr(0) || '%'") == [
        (0,)
    ]
    again = ingest(sources=[str(inbox)], db=str(db_file))
    assert (again.status, again.new, again.updated) == ("completed", 0, 0)


def test_an_input_that_raises_in_sources_or_clean_is_rejected_and_the_run_completes(
    db_file: Path, tmp_path: Path, monkeypatch
):
    from ipwire.tasks import sources
    from ipwire.tasks.clean import stage

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, day in (("ok.txt", "Monday"), ("raises-reading.txt", "Tuesday")):
        (inbox / name).write_text(PROSE.format(day=day) * 2)
    (inbox / "raises-cleaning.txt").write_text(
        "A different report: the Kartarpur corridor reopened for pilgrims on Saturday after a "
        "long closure, and officials on both sides described the arrangements as smooth. " * 2
    )
    real_raw, real_article = sources.make_raw, stage.build_article

    def raw_or_raise(kind, ref, *args, **kwargs):
        if ref.endswith("raises-reading.txt"):
            raise LookupError("a bug while reading")
        return real_raw(kind, ref, *args, **kwargs)

    def article_or_raise(raw, ex, **kwargs):
        if raw.source_ref.endswith("raises-cleaning.txt"):
            raise ArithmeticError("a bug while cleaning")
        return real_article(raw, ex, **kwargs)

    monkeypatch.setattr(sources, "make_raw", raw_or_raise)
    monkeypatch.setattr(stage, "build_article", article_or_raise)
    summary = ingest(sources=[str(inbox)], db=str(db_file))
    assert (summary.status, summary.new) == ("completed", 1)
    assert sorted(
        (Path(ref).name, stage_name, reason, detail)
        for ref, stage_name, reason, detail in rows(
            db_file, "SELECT source_ref, stage, reason, detail FROM rejections"
        )
    ) == [
        ("raises-cleaning.txt", "clean", "extract_error", "ArithmeticError: a bug while cleaning"),
        ("raises-reading.txt", "sources", "read_error", "LookupError: a bug while reading"),
    ]
