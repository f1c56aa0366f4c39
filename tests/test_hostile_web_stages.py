"""One boundary for every input: when a stage raises on one item, that item is rejected with
the exception's class and message, and the run completes with the others loaded."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from webserver import RSS, LocalSite, rss_feed

from ipwire.flows.ingest import ingest

pytestmark = pytest.mark.usefixtures("prefect_harness")

TOPICS = ["Indus Waters Treaty", "Kartarpur corridor", "Wagah border trade", "LoC ceasefire"]
POISON = "Siachen glacier"  # the one item every patched stage chokes on


def text(topic: str) -> str:
    return (
        f"Officials of India and Pakistan met in Lahore on Monday to discuss the {topic}, "
        f"and said the talks on the {topic} would go on next month in New Delhi.\n\n"
        f"The {topic} has been a matter between the two countries for years, and both "
        f"foreign offices issued statements after the meeting on the {topic} ended."
    )


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(query).fetchall()


def poisoned(item: object) -> bool:
    return POISON in repr(item)


def raise_for_poison(real):
    """`real` as it is, but raising for any batch that holds the poisoned item."""

    def wrapper(*args, **kwargs):
        if any(poisoned(a) for a in args) or any(poisoned(v) for v in kwargs.values()):
            raise RuntimeError(f"boom in {real.__name__}")
        return real(*args, **kwargs)

    wrapper.__name__ = real.__name__
    return wrapper


def patch_sources(monkeypatch):
    from ipwire.tasks import sources

    real = sources.read_files

    def read_files(paths, *args, **kwargs):
        if any("poison" in str(p) for p in paths):
            raise RuntimeError("boom in read_files")
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(sources, "read_files", read_files)


def patch_clean(monkeypatch):
    from ipwire.tasks import clean

    real = clean.clean_batch

    def clean_batch(raws, **kwargs):
        if any(POISON.encode() in r.content for r in raws):
            raise RuntimeError("boom in clean_batch")
        return real(raws, **kwargs)

    monkeypatch.setattr(clean, "clean_batch", clean_batch)


def patch_dedup(monkeypatch):
    from ipwire.tasks import dedup

    monkeypatch.setattr(dedup, "find_duplicates", raise_for_poison(dedup.find_duplicates))


def patch_classify(monkeypatch):
    from ipwire.tasks import classify

    monkeypatch.setattr(classify, "classify_many", raise_for_poison(classify.classify_many))


def patch_stories(monkeypatch):
    from ipwire.tasks import dedup

    monkeypatch.setattr(dedup, "assign_stories", raise_for_poison(dedup.assign_stories))


def patch_load_rows(monkeypatch):
    from ipwire.tasks import load

    monkeypatch.setattr(load, "_article_row", raise_for_poison(load._article_row))


STAGES = {
    "sources": (patch_sources, "read_files"),
    "clean": (patch_clean, "clean_batch"),
    "dedup": (patch_dedup, "find_duplicates"),
    "classify": (patch_classify, "classify_many"),
    "stories": (patch_stories, "assign_stories"),
    "load": (patch_load_rows, "_article_row"),
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_stage_raising_on_one_item_rejects_it_and_the_run_completes(
    stage: str, tmp_path: Path, db_file: Path, monkeypatch
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, topic in enumerate(TOPICS):
        (inbox / f"{i}.txt").write_text(text(topic), encoding="utf-8")
    (inbox / "poison.txt").write_text(text(POISON), encoding="utf-8")
    patch, function = STAGES[stage]
    patch(monkeypatch)

    summary = ingest(sources=[str(inbox)], db=str(db_file))

    assert summary.status == "completed"
    assert summary.new + summary.duplicate == len(TOPICS)
    assert rows(db_file, "SELECT count(*) FROM articles WHERE body LIKE '%Siachen%'") == [(0,)]
    assert rows(db_file, "SELECT stage, reason, detail, source_ref FROM rejections") == [
        (stage, "unexpected_error", f"RuntimeError: boom in {function}", str(inbox / "poison.txt"))
    ]
    if stage != "sources":  # the input itself is kept, so `ipwire reprocess` can try again
        kept = rows(db_file, "SELECT count(*) FROM raw_documents WHERE source_ref LIKE '%poison%'")
        assert kept == [(1,)]


def test_an_entry_whose_handling_raises_is_rejected_and_the_feed_goes_on(
    tmp_path: Path, db_file: Path, monkeypatch
):
    from ipwire.tasks.web import reading

    real = reading.read_entry

    def read_entry(fetcher, entry, *args, **kwargs):
        if entry.link and "poison" in entry.link:
            raise KeyError("no such field")
        return real(fetcher, entry, *args, **kwargs)

    monkeypatch.setattr(reading, "read_entry", read_entry)
    with LocalSite() as site:
        site.serve_robots("User-agent: *\n")
        for name, topic in (("good", TOPICS[0]), ("poison", POISON)):
            paragraphs = "".join(f"<p>{p}</p>" for p in text(topic).split("\n\n"))
            site.serve(f"/{name}.html", f"<html><body><article>{paragraphs}</article></body>")
        items = [(n, site.url(f"/{n}.html"), "Summary.") for n in ("good", "poison")]
        site.serve("/feed.xml", rss_feed("Feed", items), content_type=RSS)
        cfg = tmp_path / "ipwire.toml"
        cfg.write_text(
            '[http]\nper_host_delay_s = 0.0\nretries = 0\nallow_hosts = ["127.0.0.1"]\n\n'
            f'[[feeds]]\nname = "feed"\nurl = "{site.url("/feed.xml")}"\n'
        )
        summary = ingest(db=str(db_file), config=str(cfg))
        poison_url = site.url("/poison.html")
    assert (summary.status, summary.new) == ("completed", 1)
    assert rows(db_file, "SELECT stage, reason, detail, source_ref FROM rejections") == [
        ("fetch", "unexpected_error", "KeyError: 'no such field'", poison_url)
    ]
    # not marked seen: the next run tries that entry again
    assert rows(db_file, "SELECT count(*) FROM feed_entries") == [(1,)]
