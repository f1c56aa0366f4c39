"""The ingest flow end to end: real Prefect (test harness), real DuckDB file."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ipwire.flows.ingest import RunFailed, ingest

pytestmark = pytest.mark.usefixtures("prefect_harness")

PARAGRAPH = (
    "Pakistan’s foreign office said on Monday that talks with India on the Indus Waters "
    "Treaty would resume next month in Lahore, after officials of both countries met at the "
    "Wagah border to exchange the lists of prisoners and fishermen held in each other’s jails.\n\n"
    "The Permanent Indus Commission last met in New Delhi, and both sides described that "
    "meeting as cordial, although India has since asked for the treaty to be modified.\n\n"
    "Officials in Islamabad said the agenda would include the Kishanganga and Ratle "
    "hydroelectric projects, which Pakistan says breach the treaty’s design limits."
)


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(query).fetchall()


def test_seeds_are_loaded_clean_and_classified(db_file: Path, seeds_dir: Path):
    summary = ingest(sources=[str(seeds_dir)], db=str(db_file))
    assert (summary.status, summary.new, summary.rejected) == ("completed", 2, 0)
    by_seed = {
        Path(ref).name[:3]: (title, published, body, relevant)
        for ref, title, published, body, relevant in rows(
            db_file, "SELECT source_ref, title, published_at, body, is_relevant FROM articles"
        )
    }
    title, published, body, relevant = by_seed["004"]
    assert title == "India-Pak backchannel talks hit impasse"
    assert published.startswith("2022-08-08")
    assert "Shanghai Cooperation Organization in Tashkent" in body
    assert "Backchannel talks between Pakistan and India have met a dead end" in body
    for chrome in (
        "1 min read",
        "ALSO READ",
        "Previous Story",
        "Next Story",
        "Latest from",
        "Go toTop",
        "Don't Miss",
        "Buttler Century",
        "India Rising, Pakistan Crumbling",
    ):
        assert chrome not in body, chrome
    seed0 = (seeds_dir / "000_74e2cc418244c892.txt").read_text(encoding="utf-8")
    body0 = " ".join(by_seed["000"][2].split())  # white space (NBSP included) normalised
    for line in filter(None, (" ".join(ln.split()) for ln in seed0.splitlines())):
        assert line in body0, line
    assert by_seed["000"][3] and relevant
    topics = rows(
        db_file,
        "SELECT a.source_ref, t.topic FROM article_topics t JOIN articles a USING (article_id)",
    )
    per_seed = {}
    for ref, topic in topics:
        per_seed.setdefault(Path(ref).name[:3], set()).add(topic)
    assert "diplomacy" in per_seed["004"]
    assert {"diplomacy", "kashmir"} <= per_seed["000"]
    stripped = {k for (k,) in rows(db_file, "SELECT DISTINCT kind FROM stripped_blocks")}
    assert {"reading-time", "also-read"} <= stripped


def test_second_ingest_of_the_same_input_adds_no_rows(db_file: Path, seeds_dir: Path):
    ingest(sources=[str(seeds_dir)], db=str(db_file))
    tables = (
        "articles",
        "raw_documents",
        "article_topics",
        "article_actors",
        "stripped_blocks",
        "rejections",
    )
    before = {t: rows(db_file, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    summary = ingest(sources=[str(seeds_dir)], db=str(db_file))
    after = {t: rows(db_file, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    assert before == after
    assert (summary.new, summary.unchanged) == (0, 2)
    runs = rows(db_file, "SELECT status, n_seen, n_new FROM ingest_runs ORDER BY started_at")
    assert runs == [("completed", 2, 2), ("completed", 2, 0)]
    assert rows(db_file, "SELECT count(*) = count(DISTINCT article_id) FROM articles") == [(True,)]


def make_bad_folder(root: Path) -> Path:
    bad = root / "inbox"
    (bad / "nested").mkdir(parents=True)
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (bad / "nested" / "menu-only.html").write_text(
        "<html><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        "<footer>© 2024 Example News</footer></body></html>"
    )
    (bad / "noise.txt").write_bytes(bytes((i * 7919 + 13) % 256 for i in range(4096)))
    (bad / "records.jsonl").write_text(
        json.dumps(
            {
                "url": "https://www.dawn.com/news/1",
                "title": "Indus talks",
                "text": PARAGRAPH,
                "published": "2024-05-10T09:30:00+05:00",
            }
        )
        + "\n{broken json\n"
    )
    (bad / "legacy.txt").write_bytes(PARAGRAPH.encode("cp1252"))
    (bad / "page.html.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    return bad


def test_a_folder_of_bad_files_completes_and_rejects_each_with_a_reason(
    db_file: Path, tmp_path: Path
):
    bad = make_bad_folder(tmp_path)
    summary = ingest(sources=[str(bad)], db=str(db_file))
    assert summary.status == "completed"
    reasons = {
        Path(ref).name: reason
        for ref, reason in rows(db_file, "SELECT source_ref, reason FROM rejections")
    }
    assert reasons == {
        "empty.txt": "empty",
        "binary.txt": "binary",
        "menu-only.html": "no_article_text",
        "noise.txt": reasons.get("noise.txt"),
        "records.jsonl#L2": "malformed_json",
        "page.html.gz": "bad_gzip",
    }
    assert reasons["noise.txt"] in {"undecodable", "binary"}
    assert all(detail for (detail,) in rows(db_file, "SELECT detail FROM rejections"))
    bodies = dict(rows(db_file, "SELECT source_ref, body FROM articles"))
    legacy = next(b for ref, b in bodies.items() if ref.endswith("legacy.txt"))
    assert "Pakistan’s foreign office" in legacy and "each other’s jails" in legacy
    record = rows(
        db_file,
        "SELECT title, canonical_url, outlet, outlet_country, published_at "
        "FROM articles WHERE source_kind = 'jsonl'",
    )
    assert record == [
        ("Indus talks", "https://dawn.com/news/1", "dawn.com", "PK", "2024-05-10T09:30:00+05:00")
    ]


def test_rejections_do_not_touch_articles_already_loaded(
    db_file: Path, seeds_dir: Path, tmp_path: Path
):
    ingest(sources=[str(seeds_dir)], db=str(db_file))
    before = rows(db_file, "SELECT article_id, content_hash, last_run_id FROM articles ORDER BY 1")
    ingest(sources=[str(make_bad_folder(tmp_path))], db=str(db_file))
    after = rows(
        db_file,
        "SELECT article_id, content_hash, last_run_id FROM articles "
        "WHERE article_id IN (SELECT article_id FROM articles) ORDER BY 1",
    )
    assert set(before) <= set(after)


def test_exact_copy_under_another_name_is_marked_duplicate(
    db_file: Path, seeds_dir: Path, tmp_path: Path
):
    copy = tmp_path / "copy"
    copy.mkdir()
    text = (seeds_dir / "004_bf9fe9c0b96d4580.txt").read_text(encoding="utf-8")
    (copy / "again.txt").write_text(text, encoding="utf-8")
    ingest(sources=[str(seeds_dir)], db=str(db_file))
    summary = ingest(sources=[str(copy)], db=str(db_file))
    assert summary.duplicate == 1
    dup = rows(
        db_file,
        "SELECT d.duplicate_of = o.article_id FROM articles d JOIN articles o "
        "ON o.source_ref LIKE '%004_bf9fe9c0b96d4580.txt' "
        "WHERE d.source_ref LIKE '%again.txt'",
    )
    assert dup == [(True,)]


def test_a_run_with_no_readable_source_fails(db_file: Path, tmp_path: Path):
    with pytest.raises(RunFailed) as failed:  # raised, so Prefect marks the flow run Failed
        ingest(sources=[str(tmp_path / "missing")], db=str(db_file))
    assert failed.value.summary.status == "failed"
    assert rows(db_file, "SELECT status, note FROM ingest_runs") == [
        ("failed", "no source could be read")
    ]


def test_reprocess_rebuilds_articles_from_raw_documents_without_the_sources(
    db_file: Path, tmp_path: Path
):
    from ipwire.flows.reprocess import reprocess

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(PARAGRAPH, encoding="utf-8")
    ingest(sources=[str(inbox)], db=str(db_file))
    again = reprocess(db=str(db_file))
    assert (again.new, again.unchanged) == (0, 1)
    (inbox / "a.txt").unlink()
    with duckdb.connect(str(db_file)) as conn:
        conn.execute("DELETE FROM articles")
    rebuilt = reprocess(db=str(db_file))
    assert rebuilt.new == 1
    assert "Indus Waters Treaty" in rows(db_file, "SELECT body FROM articles")[0][0]


def test_a_run_with_nothing_to_read_fails_and_says_why(db_file: Path, monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)  # no ./ipwire.toml here
    with pytest.raises(RunFailed) as failed:
        ingest(db=str(db_file))
    assert "none configured" in failed.value.summary.note


def test_large_folders_are_read_in_batches(db_file: Path, tmp_path: Path):
    inbox = tmp_path / "many"
    inbox.mkdir()
    for i in range(5):
        (inbox / f"{i}.txt").write_text(PARAGRAPH.replace("Monday", f"day {i}"), encoding="utf-8")
    cfg = tmp_path / "ipwire.toml"
    cfg.write_text("[sources]\nbatch_size = 2\n")
    summary = ingest(sources=[str(inbox)], db=str(db_file), config=str(cfg))
    assert (summary.seen, summary.new + summary.duplicate) == (5, 5)
    assert rows(db_file, "SELECT count(DISTINCT raw_id) FROM raw_documents") == [(5,)]


def test_a_run_writes_the_weeks_report_to_the_configured_folder_and_links_it(tmp_path: Path):
    from datetime import UTC, datetime, timedelta

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from ipwire import ops

    day = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    records = tmp_path / "wire.jsonl"
    records.write_text(
        json.dumps(
            {
                "url": "https://www.dawn.com/news/1900001",
                "title": "Indus talks to resume in Lahore",
                "published": day,
                "text": PARAGRAPH,
            }
        )
        + "\n",
        encoding="utf-8",
    )
    folder = tmp_path / "reports"
    config = tmp_path / "ipwire.toml"
    config.write_text(f'[desk]\nreport_folder = "{folder}"\n', encoding="utf-8")
    summary = ingest(sources=[str(records)], db=str(tmp_path / "wh.duckdb"), config=str(config))
    assert summary.status == "completed" and summary.new == 1
    (report,) = list(folder.glob("ipwire-week-*.html"))
    assert "Indus talks to resume in Lahore" in report.read_text(encoding="utf-8")
    with get_client(sync_client=True) as client:
        links = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ops.WEEKLY_REPORT_KEY]))
        )
    assert any(report.resolve().as_uri() in str(a.data) for a in links)
