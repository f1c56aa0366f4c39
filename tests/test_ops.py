"""Operations: one writer at a time, readers never blocked, run reports, status and serve."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner
from procs import kill, spawn, wait_for

from ipwire import cli_ops, ops, snapshot
from ipwire.warehouse import db as wh

# A writer as the ingest flow does it: under the lock, several short connections (one per
# batch), each inserting rows, with pauses in between; it records when it held the lock.
WRITER = """
    import logging, sys, time
    import duckdb
    from ipwire import snapshot
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    db, name, n, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with snapshot.writer_lock(db):
        start = time.time()
        open(ready, "w").close()
        for i in range(n):
            with duckdb.connect(db) as conn:
                conn.execute("CREATE TABLE IF NOT EXISTS t (writer VARCHAR, i INTEGER)")
                conn.execute("INSERT INTO t VALUES (?, ?)", [name, i])
            time.sleep(0.15)
        end = time.time()
    print(start, end)
"""


def test_second_writer_waits_for_the_first_and_both_complete(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    first = spawn(WRITER, str(db), "first", "8", str(tmp_path / "first.ready"))
    try:
        wait_for(tmp_path / "first.ready")
        second = spawn(WRITER, str(db), "second", "8", str(tmp_path / "second.ready"))
        out1, err1 = first.communicate(timeout=60)
        out2, err2 = second.communicate(timeout=60)
    finally:
        kill(first)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    start1, end1 = map(float, out1.split())
    start2, end2 = map(float, out2.split())
    assert start2 >= end1, "the second writer started before the first released the lock"
    assert "waiting" in err2 and "pid" in err2
    assert "waiting" not in err1
    with duckdb.connect(str(db), read_only=True) as conn:
        counts = dict(conn.execute("SELECT writer, count(*) FROM t GROUP BY 1").fetchall())
        distinct = conn.execute("SELECT count(DISTINCT (writer, i)) FROM t").fetchone()[0]
    assert counts == {"first": 8, "second": 8}
    assert distinct == 16


HOLD_LOCK = """
    import sys, time
    from ipwire import snapshot
    with snapshot.writer_lock(sys.argv[1]):
        open(sys.argv[2], "w").close()
        time.sleep(120)
"""


def test_writer_lock_gives_up_after_timeout_naming_the_holder(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    holder = spawn(HOLD_LOCK, str(db), str(tmp_path / "ready"))
    try:
        wait_for(tmp_path / "ready")
        assert snapshot.writer_active(db)
        messages: list[str] = []
        with pytest.raises(snapshot.WriterBusy, match=f"pid {holder.pid}"):
            with snapshot.writer_lock(db, timeout=0.5, poll=0.1, log_fn=messages.append):
                pass
        assert messages and "waiting" in messages[0]
    finally:
        kill(holder)


def test_lock_of_a_killed_writer_is_released(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    holder = spawn(HOLD_LOCK, str(db), str(tmp_path / "ready"))
    wait_for(tmp_path / "ready")
    kill(holder)
    assert not snapshot.writer_active(db)
    with snapshot.writer_lock(db, timeout=2):
        assert snapshot.writer_active(db)
    assert not snapshot.writer_active(db)


def make_warehouse(db: Path) -> None:
    """A migrated warehouse with two runs, five articles, three feeds."""
    with wh.connect(db) as conn:
        conn.execute(
            "INSERT INTO ingest_runs (run_id, started_at, finished_at, status, n_new, n_rejected)"
            " VALUES ('run1', now() - INTERVAL 1 DAY, now() - INTERVAL 1 DAY, 'completed', 1, 0),"
            " ('run2', now() - INTERVAL 1 HOUR, now(), 'completed', 4, 1)"
        )
        articles = [
            # id, outlet, title, relevance, relevant, story, duplicate_of, run, age hours
            ("a1", "dawn.com", "Old story", 0.9, True, "s0", None, "run1", 25),
            ("a2", "dawn.com", "Indus Waters talks resume", 0.95, True, "s1", None, "run2", 1),
            ("a3", "thehindu.com", "Talks resume in Lahore", 0.8, True, "s1", None, "run2", 1),
            ("a4", "thehindu.com", "Cricket league fixtures", 0.1, False, "s2", None, "run2", 1),
            ("a5", "thehindu.com", "Indus copy", 0.95, True, "s1", "a2", "run2", 1),
        ]
        for aid, outlet, title, rel, is_rel, story, dup, run, hours in articles:
            conn.execute(
                "INSERT INTO articles (article_id, source_kind, source_ref, url, outlet, title,"
                " fetched_at, body, word_count, content_hash, story_id, duplicate_of, relevance,"
                " is_relevant, first_run_id, last_run_id) VALUES (?, 'feed_entry', ?, ?, ?, ?,"
                " now() - to_hours(CAST(? AS INTEGER)), 'body', 1, ?, ?, ?, ?, ?, ?, ?)",
                [
                    aid,
                    f"https://{outlet}/{aid}",
                    f"https://{outlet}/{aid}",
                    outlet,
                    title,
                    hours,
                    aid,
                    story,
                    dup,
                    rel,
                    is_rel,
                    run,
                    run,
                ],
            )
        conn.execute(
            "INSERT INTO feeds (feed_url, name, outlet, last_checked_at, last_success_at,"
            " last_status, last_http_status, last_note, consecutive_failures) VALUES"
            " ('https://dawn.com/rss', 'Dawn', 'dawn.com', now(), now(), 'ok', 200, NULL, 0),"
            " ('https://thehindu.com/rss', 'The Hindu', 'thehindu.com', now(),"
            "  now() - INTERVAL 3 DAY, 'hard', 404, 'feed moved', 3),"
            " ('https://tribune.com.pk/rss', 'Tribune', 'tribune.com.pk', now(), now(), 'ok',"
            "  200, NULL, 0)"
        )
        for feed, aid in [
            ("https://dawn.com/rss", "a1"),
            ("https://dawn.com/rss", "a2"),
            ("https://thehindu.com/rss", "a3"),
            ("https://thehindu.com/rss", "a4"),
        ]:
            conn.execute(
                "INSERT INTO feed_entries VALUES (?, ?, NULL, ?, now(), ?)", [feed, aid, aid, aid]
            )
        conn.execute(
            "INSERT INTO rejections VALUES ('run2', 'https://tribune.com.pk/rss', 'fetch',"
            " 'timeout', 'read timed out', now() - INTERVAL 2 HOUR, NULL)"
        )


# A process that keeps the live warehouse open read-write, as a running ingest does.
HOLD_WRITER = """
    import sys, time
    from ipwire import snapshot
    from ipwire.warehouse import db as wh
    db, ready, flock = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    def hold():
        conn = wh.connect(db)
        conn.execute("INSERT INTO ingest_runs (run_id, started_at, status) "
                     "VALUES ('run3', now(), 'running')")
        open(ready, "w").close()
        time.sleep(120)
    if flock:
        with snapshot.writer_lock(db):
            hold()
    else:
        hold()
"""


@pytest.mark.parametrize("with_flock", [True, False], ids=["flow-writer", "unlocked-writer"])
def test_readers_get_answers_while_a_run_is_writing(tmp_path: Path, with_flock: bool):
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    snap = snapshot.publish_snapshot(db)
    if not with_flock:  # a stale snapshot: the live file changed since it was published
        time.sleep(0.01)
        os.utime(db)
    writer = spawn(HOLD_WRITER, str(db), str(tmp_path / "ready"), "1" if with_flock else "0")
    try:
        wait_for(tmp_path / "ready")
        with pytest.raises(duckdb.IOException):  # what a reader of the live file would get
            duckdb.connect(str(db), read_only=True)
        if with_flock:
            assert snapshot.reader_path(db) == snap
            conn = duckdb.connect(str(snapshot.reader_path(db)), read_only=True)
        else:
            assert snapshot.reader_path(db) == db  # nobody announced a write ...
            conn = snapshot.connect_reader(db, wait=1)  # ... so the lock error falls back
        with conn:
            assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
            runs = {r for (r,) in conn.execute("SELECT run_id FROM ingest_runs").fetchall()}
        assert runs == {"run1", "run2"}  # the snapshot: not the writer's uncommitted run3
        result = CliRunner().invoke(group(), ["status", "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert "run2" in result.output and "run3" not in result.output
    finally:
        kill(writer)
    assert writer.returncode is not None


def test_snapshot_is_a_complete_readable_copy_published_atomically(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    snap = snapshot.publish_snapshot(db)
    assert snap == tmp_path / "wh.snapshot.duckdb"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    with duckdb.connect(str(snap), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
        assert conn.execute("SELECT count(*) FROM v_feed_health").fetchone()[0] == 3
    # a reader holding the old snapshot keeps its answers while a new one replaces it
    old = duckdb.connect(str(snap), read_only=True)
    with wh.connect(db) as conn:
        conn.execute("DELETE FROM articles WHERE article_id = 'a4'")
    snapshot.publish_snapshot(db)
    try:
        assert old.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    finally:
        old.close()
    with duckdb.connect(str(snap), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 4


def test_reader_path_prefers_a_fresh_snapshot_and_falls_back_to_live(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    assert snapshot.reader_path(db) == db  # no snapshot yet
    snap = snapshot.publish_snapshot(db)
    assert snapshot.reader_path(db) == snap
    later = snap.stat().st_mtime + 5
    os.utime(db, (later, later))  # the live file was written after the snapshot ...
    assert snapshot.reader_path(db) == db
    with snapshot.writer_lock(db):  # ... unless a writer is busy with it right now
        assert snapshot.reader_path(db) == snap


def test_v_feed_health_counts_articles_and_names_failures(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    with duckdb.connect(str(db), read_only=True) as conn:
        cur = conn.execute("SELECT * FROM v_feed_health ORDER BY feed")
        cols = [d[0] for d in cur.description]
        rows = {r[cols.index("feed")]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}
    dawn, hindu, tribune = rows["Dawn"], rows["The Hindu"], rows["Tribune"]
    assert (dawn["articles_total"], dawn["articles_last_run"], dawn["articles_24h"]) == (2, 1, 1)
    assert dawn["last_failure_at"] is None and not dawn["stale"]
    assert sum(n["articles"] for n in dawn["nights"]) == 2
    assert hindu["stale"] and hindu["last_failure_reason"] == "hard 404: feed moved"
    assert hindu["consecutive_failures"] == 3
    assert tribune["last_failure_reason"] == "timeout: read timed out"
    assert tribune["articles_total"] == 0 and not tribune["stale"]


def test_run_report_lists_top_stories_once_and_failed_feeds(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    summary = {"run_id": "run2", "status": "completed", "db": str(db), "new": 4, "rejected": 1}
    with duckdb.connect(str(db), read_only=True) as conn:
        stories = ops.top_stories(conn, "run2")
        md = ops.run_report_markdown(summary, conn)
    assert [s["title"] for s in stories] == ["Indus Waters talks resume"]
    assert stories[0]["n_reports"] == 2
    assert "| 0 | 4 | 0 | 0 | 0 | 1 |" in md
    assert "Indus Waters talks resume" in md and "2 reports" in md
    assert "Cricket" not in md and "Old story" not in md
    assert "The Hindu | hard | 404 | feed moved" in md
    assert "| fetch | timeout | 1 |" in md


def test_run_report_without_warehouse_still_has_counts():
    md = ops.run_report_markdown({"run_id": "r", "status": "failed", "new": 3}, None)
    assert "failed" in md and "| 0 | 3 |" in md and "could not be read" in md


def group() -> click.Group:
    @click.group()
    def cli() -> None:
        pass

    cli_ops.register(cli)
    return cli


def test_status_shows_runs_and_failing_feeds_before_the_outlet_summary(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    result = CliRunner().invoke(group(), ["status", "--db", str(db)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("== Last runs") < out.index("== Failing feeds") < out.index("== Feeds")
    assert out.index("== Feeds") < out.index("== Articles per night")
    runs = out[out.index("== Last runs") : out.index("== Failing feeds")].splitlines()
    assert runs[1].split() == [
        "run_id", "started_at", "finished_at", "status", "seen", "new", "duplicate", "updated",
        "unchanged", "rejected", "note",
    ]  # fmt: skip
    assert runs[3].startswith("run2") and runs[4].startswith("run1")
    failing = out[out.index("== Failing feeds") : out.index("== Feeds")]
    assert "The Hindu" in failing and "STALE" in failing and "feed moved" in failing
    assert "Dawn" not in failing  # healthy feeds are counted, not listed
    tally = out[out.index("== Feeds") : out.index("== Articles per night")].splitlines()
    assert tally[3].split() == ["3", "2", "0", "1", "0"]  # feeds, ok, failing, stale, retired


def test_status_json_rows_are_tagged_with_their_section(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    result = CliRunner().invoke(group(), ["status", "--db", str(db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    nights = [r for r in rows if r["section"] == "Articles per night"]
    assert {r["outlet"] for r in nights} == {"dawn.com", "thehindu.com", "(all 2)"}
    per_outlet = [r for r in nights if not r["outlet"].startswith("(")]
    assert sum(v for r in per_outlet for k, v in r.items() if k[:2] == "20") == 5
    whole = json.loads(
        CliRunner().invoke(group(), ["status", "--db", str(db), "--format", "json"]).output
    )
    assert [r for r in whole if r["section"] == "Articles per night"] == nights


def test_status_outlet_summary_is_bounded_however_many_outlets(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    with wh.connect(db) as conn:
        conn.execute(
            "INSERT INTO articles (article_id, source_kind, source_ref, outlet, fetched_at, body,"
            " word_count, content_hash) SELECT 'a' || i, 'file', 'f' || i, 'outlet' || (i % 187),"
            " now(), 'b', 1, 'h' || i FROM range(400) t(i)"
        )
    result = CliRunner().invoke(group(), ["status", "--db", str(db), "--outlets", "5"])
    assert result.exit_code == 0, result.output
    nights = result.output[result.output.index("== Articles per night") :].splitlines()
    assert len(nights) <= 3 + 5 + 2 + 2  # title, header, rule, 5 outlets, others, all, count
    assert any("(182 other outlets)" in line for line in nights), nights
    assert any(line.startswith("(all 187)") and line.split()[-1] == "400" for line in nights)


def test_a_retired_feed_stops_alarming_and_comes_back_when_unretired(tmp_path: Path):
    from ipwire.cli import cli

    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    runner = CliRunner()
    url = "https://thehindu.com/rss"
    done = runner.invoke(cli, ["feeds", "retire", url, "--db", str(db), "--note", "closed"])
    assert done.exit_code == 0, done.output
    with duckdb.connect(str(snapshot.snapshot_path(db)), read_only=True) as conn:
        stale, retired = conn.execute(
            "SELECT stale, retired FROM v_feed_health WHERE feed_url = ?", [url]
        ).fetchone()
    assert (stale, retired) == (False, True)
    out = runner.invoke(cli, ["status", "--db", str(db)]).output
    assert "STALE" not in out
    tally = out[out.index("== Feeds") : out.index("== Articles per night")].splitlines()
    assert tally[3].split() == ["3", "2", "0", "0", "1"]
    assert runner.invoke(cli, ["feeds", "unretire", url, "--db", str(db)]).exit_code == 0
    assert "STALE" in runner.invoke(cli, ["status", "--db", str(db)]).output
    unknown = runner.invoke(
        cli, ["feeds", "retire", "https://nowhere.example/rss", "--db", str(db)]
    )
    assert unknown.exit_code == 4 and "feeds list" in unknown.output


def test_a_feed_retired_in_the_configuration_does_not_alarm(tmp_path: Path):
    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    config = tmp_path / "ipwire.toml"
    config.write_text(
        '[[feeds]]\nname = "The Hindu"\nurl = "https://thehindu.com/rss"\n'
        'outlet = "thehindu.com"\nretired = true\n'
    )
    result = CliRunner().invoke(group(), ["status", "--db", str(db), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "STALE" not in result.output


def test_configured_retirements_are_recorded_in_the_warehouse(tmp_path: Path):
    from ipwire.settings import FeedConfig

    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    feeds = [
        FeedConfig("The Hindu", "https://thehindu.com/rss", "thehindu.com", "IN", "en", True),
        FeedConfig("Dawn", "https://dawn.com/rss", "dawn.com", "PK", "en", False),
    ]
    with wh.connect(db) as conn:
        assert ops.sync_retired_feeds(conn, feeds, "ipwire.toml") == 1
        assert ops.sync_retired_feeds(conn, feeds, "ipwire.toml") == 0  # again: nothing new
        stale = dict(conn.execute("SELECT feed, stale FROM v_feed_health").fetchall())
        assert stale["The Hindu"] is False
        ops.sync_retired_feeds(conn, feeds[1:], "ipwire.toml")  # no longer retired there
        stale = dict(conn.execute("SELECT feed, stale FROM v_feed_health").fetchall())
        assert stale["The Hindu"] is True


def test_status_without_a_warehouse_says_so(tmp_path: Path):
    result = CliRunner().invoke(group(), ["status", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 4
    assert "ipwire ingest" in result.output


def test_serve_without_a_server_explains_and_fails(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = CliRunner().invoke(group(), ["serve"])
    assert result.exit_code == 2
    assert "PREFECT_API_URL is not set" in result.output
    assert "prefect server start" in result.output and "ipwire ingest" in result.output


def test_serve_against_an_unreachable_server_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    result = CliRunner().invoke(group(), ["serve"])
    assert result.exit_code == 6, result.output
    assert "cannot reach the Prefect server" in result.output and "Traceback" not in result.output


def test_served_deployments_are_nightly_and_manual_one_at_a_time():
    nightly, manual = cli_ops.build_deployments(db="data/x.duckdb")
    assert (nightly.name, manual.name) == ("nightly", "manual")
    cron = nightly.schedules[0].schedule
    assert (cron.cron, cron.timezone) == ("0 2 * * *", "Asia/Kolkata")
    assert manual.schedules in (None, [])
    for dep in (nightly, manual):
        assert dep.concurrency_limit == 1
        assert dep.concurrency_options.collision_strategy.value == "ENQUEUE"
        assert dep.parameters["db"] == "data/x.duckdb"
    assert "sources" not in nightly.parameters and manual.parameters["sources"] == []


def test_serve_rejects_an_unknown_time_zone():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        cli_ops.build_deployments(timezone="Mars/Olympus")


def read_artifacts(key: str, flow_run_id=None) -> list:
    """Artifacts with this key, of one flow run when given (the harness is session-wide)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    flt = ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
    if flow_run_id is not None:
        flt.flow_run_id = ArtifactFilterFlowRunId(any_=[flow_run_id])
    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=flt)


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_publishes_its_report_and_feed_table_as_artifacts(tmp_path: Path):
    from prefect import flow

    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    snap = snapshot.publish_snapshot(db)

    @flow(name="report-artifacts")
    def reporting() -> dict:
        summary = {"run_id": "run2", "status": "completed", "db": str(db), "new": 4}
        return ops.publish_run_artifacts(summary, snap)

    state = reporting(return_state=True)
    ids = state.result()
    run = state.state_details.flow_run_id
    assert set(ids) == {"report", "feeds"}
    (report,) = read_artifacts(ops.REPORT_KEY, run)
    assert report.type == "markdown" and "Indus Waters talks resume" in report.data
    (table,) = read_artifacts(ops.FEED_STATUS_KEY, run)
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert {r["feed"] for r in rows} == {"Dawn", "The Hindu", "Tribune"}


@pytest.mark.usefixtures("prefect_harness")
def test_failure_hook_logs_and_leaves_a_failure_artifact(caplog: pytest.LogCaptureFixture):
    from prefect import flow

    @flow(name="doomed-ingest", on_failure=[ops.on_ingest_failure])
    def doomed(sources: list[str]) -> None:
        raise RuntimeError("no source could be read")

    with caplog.at_level("ERROR"):
        state = doomed(["nowhere"], return_state=True)
    assert state.is_failed()
    assert any("INGEST FAILED" in r.getMessage() for r in caplog.records)
    (artifact,) = read_artifacts(ops.FAILURE_KEY, state.state_details.flow_run_id)
    assert "no source could be read" in artifact.data and "nowhere" in artifact.data


class _NothingRead(RuntimeError):
    """Stands for the flow's RunFailed: a failure that carries the run summary."""

    def __init__(self, summary: dict) -> None:
        super().__init__(f"run {summary['run_id']} failed: {summary['note']}")
        self.summary = summary


@pytest.mark.usefixtures("prefect_harness")
def test_failure_artifact_names_each_failed_source_and_what_allows_it():
    from prefect import flow

    summary = {
        "run_id": "r9", "status": "failed", "sources_read": 0, "sources_failed": 2,
        "note": "no source could be read", "rejected": 2,
        "rejections": [
            {"source_ref": "http://127.0.0.1:8765/feed.xml", "stage": "fetch",
             "reason": "refused", "detail": "robots.txt refused: 127.0.0.1 resolves to "
             "127.0.0.1 (loopback address)"},
            {"source_ref": "/srv/inbox/missing", "stage": "sources", "reason": "not_found",
             "detail": "no such file or folder: /srv/inbox/missing"},
        ],
    }  # fmt: skip

    @flow(name="doomed-ingest-sources", on_failure=[ops.on_ingest_failure])
    def doomed() -> None:
        raise _NothingRead(summary)

    state = doomed(return_state=True)
    (artifact,) = read_artifacts(ops.FAILURE_KEY, state.state_details.flow_run_id)
    text = artifact.data
    assert "http://127.0.0.1:8765/feed.xml" in text and "/srv/inbox/missing" in text
    assert "not_found" in text and "IPWIRE_ALLOW_HOSTS" in text
    assert "address refused (while fetching robots.txt)" in text


def test_refusals_name_the_real_reason_and_the_setting_that_allows_them():
    from ipwire.cli import format_summary

    class Summary:
        run_id, status, db, note = "r", "completed", "w.duckdb", None
        seen = new = duplicate = updated = unchanged = 0
        rejected = 2
        rejections = [
            {"source_ref": "http://127.0.0.1/x", "reason": "refused",
             "detail": "robots.txt refused: 127.0.0.1 resolves to 127.0.0.1 (loopback address)"},
            {"source_ref": "ftp://example.org/x", "reason": "refused",
             "detail": "scheme 'ftp' not allowed"},
        ]  # fmt: skip

    text = format_summary(Summary(), 1.0)
    assert "robots.txt refused" not in text
    assert "address refused" in text and "IPWIRE_ALLOW_HOSTS" in text
    assert "only http and https" in text


# --- once ipwire/cli.py and flows/ingest.py use these helpers -------------------------------


def _cli_wired() -> bool:
    from ipwire.cli import cli

    return "status" in cli.commands


def _flow_wired() -> bool:
    from ipwire.flows.ingest import ingest

    return ops.on_ingest_failure in ingest.on_failure_hooks


@pytest.mark.skipif(not _cli_wired(), reason="ipwire/cli.py does not call cli_ops.register yet")
@pytest.mark.parametrize("with_flock", [True, False], ids=["flow-writer", "unlocked-writer"])
def test_ipwire_sql_answers_while_a_run_is_writing(tmp_path: Path, with_flock: bool):
    from ipwire.cli import cli

    db = tmp_path / "wh.duckdb"
    make_warehouse(db)
    snapshot.publish_snapshot(db)
    writer = spawn(HOLD_WRITER, str(db), str(tmp_path / "ready"), "1" if with_flock else "0")
    try:
        wait_for(tmp_path / "ready")
        result = CliRunner().invoke(
            cli, ["sql", "--db", str(db), "--format", "csv", "SELECT count(*) AS n FROM articles"]
        )
    finally:
        kill(writer)
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["n", "5"]


@pytest.mark.skipif(not _flow_wired(), reason="flows/ingest.py does not use ipwire.ops yet")
@pytest.mark.usefixtures("prefect_harness")
def test_ingest_flow_publishes_a_snapshot_and_its_report(tmp_path: Path, seeds_dir: Path):
    from ipwire.flows.ingest import ingest

    db = tmp_path / "wh.duckdb"
    summary = ingest(sources=[str(seeds_dir)], db=str(db))
    assert summary.new == 2
    with duckdb.connect(str(snapshot.snapshot_path(db)), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
    reports = [a for a in read_artifacts(ops.REPORT_KEY) if summary.run_id in a.data]
    assert len(reports) == 1 and "India-Pak backchannel talks hit impasse" in reports[0].data
    assert not snapshot.writer_active(db)
