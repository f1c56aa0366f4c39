from pathlib import Path

import duckdb
import pytest

from ipwire.ids import canonical_url, content_hash, stable_id
from ipwire.records import (
    ActorMention,
    Article,
    Classification,
    RawDoc,
    Rejection,
    Stripped,
    TopicScore,
)
from ipwire.tasks import load
from ipwire.warehouse import db as wh

AT = "2026-11-22T00:00:00+00:00"


def raw(ref: str, body: str) -> RawDoc:
    return RawDoc(
        stable_id("raw", ref, body),
        "file",
        ref,
        AT,
        "text/plain",
        content_hash(body),
        body.encode(),
        url=None,
    )


def article(ref: str, body: str, **extra) -> Article:
    r = raw(ref, body)
    a = Article(
        article_id=stable_id("article", ref),
        raw_id=r.raw_id,
        source_kind="file",
        source_ref=ref,
        url=None,
        canonical_url=None,
        outlet="dawn.com",
        title="T",
        author=None,
        published_at="2024-05-10T09:30:00+05:00",
        fetched_at=AT,
        language="en",
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(body),
        stripped=[Stripped("reading-time", "1 min read")],
        **extra,
    )
    a.classification = Classification(
        relevance=0.9,
        is_relevant=True,
        reason="bilateral",
        topics=[TopicScore("diplomacy", 0.8, ["Talks resumed."])],
        tone=0.5,
        tone_evidence=["Talks resumed."],
        actors=[ActorMention("India", "state", 2)],
        evidence=["Talks resumed."],
        classifier_version="test-1",
    )
    return a


def load_once(conn, run_id: str, articles: list[Article], rejections=()):
    raws = [raw(a.source_ref, a.body) for a in articles]
    load.begin_run(conn, run_id, AT, ["x"])
    return load.load_batch(conn, run_id, raws, articles, list(rejections), AT)


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_loading_the_same_batch_twice_adds_no_rows(db_file: Path):
    with wh.connect(db_file) as conn:
        first = load_once(conn, "r1", [article("/a.txt", "India and Pakistan talks resumed.")])
        before = {
            t: count(conn, t)
            for t in (
                "articles",
                "raw_documents",
                "article_topics",
                "article_actors",
                "stripped_blocks",
            )
        }
        second = load_once(conn, "r2", [article("/a.txt", "India and Pakistan talks resumed.")])
        after = {t: count(conn, t) for t in before}
        assert (first.new, second.new, second.unchanged) == (1, 0, 1)
        assert before == after
        assert conn.execute("SELECT first_run_id, last_run_id FROM articles").fetchone() == (
            "r1",
            "r2",
        )


def test_changed_text_under_the_same_id_becomes_a_revision(db_file: Path):
    with wh.connect(db_file) as conn:
        load_once(conn, "r1", [article("/a.txt", "Talks resumed on Monday.")])
        counts = load_once(conn, "r2", [article("/a.txt", "Talks resumed on Tuesday.")])
        assert counts.updated == 1 and count(conn, "articles") == 1
        revs = conn.execute(
            "SELECT revision, body, diff FROM article_revisions ORDER BY revision"
        ).fetchall()
        assert [r[0] for r in revs] == [1, 2]
        assert (
            revs[0][1] == "Talks resumed on Monday." and "+Talks resumed on Tuesday." in revs[1][2]
        )
        assert conn.execute("SELECT body, revision FROM articles").fetchone() == (
            "Talks resumed on Tuesday.",
            2,
        )


def test_labels_evidence_and_stripped_blocks_are_written(db_file: Path):
    with wh.connect(db_file) as conn:
        load_once(
            conn,
            "r1",
            [article("/a.txt", "Talks resumed.")],
            [Rejection("/bad.txt", "clean", "empty", "no text")],
        )
        assert conn.execute("SELECT topic, evidence FROM article_topics").fetchall() == [
            ("diplomacy", ["Talks resumed."])
        ]
        assert conn.execute("SELECT kind, text FROM stripped_blocks").fetchall() == [
            ("reading-time", "1 min read")
        ]
        assert conn.execute(
            "SELECT label, sentence FROM article_evidence ORDER BY label"
        ).fetchall() == [("relevance", "Talks resumed."), ("tone", "Talks resumed.")]
        assert conn.execute(
            "SELECT published_date::VARCHAR, outlet_country FROM articles"
        ).fetchone() == ("2024-05-10", "PK")
        assert conn.execute("SELECT source_ref, reason FROM rejections").fetchall() == [
            ("/bad.txt", "empty")
        ]


def test_a_failing_batch_leaves_nothing_behind(db_file: Path):
    good = article("/a.txt", "Talks resumed.")
    broken = article("/b.txt", "Shelling on the LoC.")
    broken.word_count = None  # violates NOT NULL in the middle of the batch
    with wh.connect(db_file) as conn:
        with pytest.raises(duckdb.ConstraintException):
            load_once(conn, "r1", [good, broken])
        for table in ("articles", "raw_documents", "article_topics", "stripped_blocks"):
            assert count(conn, table) == 0, table


def test_stored_urls_and_entry_keys_are_found_by_lookup_not_by_loading_all(db_file: Path):
    from ipwire.tasks.web import EntrySeen

    conn = wh.connect(db_file)
    redirected = article("https://www.dawn.com/news/1?utm_source=rss", "Talks resumed.")
    redirected.url = "https://www.dawn.com/news/1?utm_source=rss"
    redirected.canonical_url = canonical_url("https://www.dawn.com/news/1-talks-resumed")
    plain = article("https://www.dawn.com/news/2", "Trade resumed at Wagah.")
    plain.url = "https://www.dawn.com/news/2"
    plain.canonical_url = canonical_url(plain.url)
    load_once(conn, "run-1", [redirected, plain])
    load.write_feed_results(
        conn,
        "run-1",
        [],
        [EntrySeen("https://f/rss", "guid:abc", "abc", None, AT, None)],
        [],
    )
    asked = [
        canonical_url("https://www.dawn.com/news/1-talks-resumed"),  # its rel=canonical
        canonical_url("https://www.dawn.com/news/1"),  # the link that led to it
        canonical_url("https://www.dawn.com/news/2"),
        canonical_url("https://www.dawn.com/news/3"),  # never stored
    ]
    found = load.known_canonical_urls(conn, asked, ["https://www.dawn.com/news/1?utm_source=rss"])
    assert found == set(asked[:3])
    assert load.seen_entry_keys(conn, ["guid:abc", "guid:new"]) == {"guid:abc"}
    assert load.seen_entry_keys(conn, []) == set()
    conn.close()
