"""The DuckLake warehouse on a real PostgreSQL catalog and a data folder: addresses, connecting,
the translated migrations, batches retried on conflict, and copying a `.duckdb` file across."""

from __future__ import annotations

import itertools
import socket
import time
from pathlib import Path

import duckdb
import pytest
from pg_server import free_port

from ipwire.ids import content_hash, stable_id
from ipwire.records import ActorMention, Article, Classification, RawDoc, Stripped, TopicScore
from ipwire.tasks import load
from ipwire.tasks.load_rows import insert_rows
from ipwire.warehouse import db as wh
from ipwire.warehouse import lake

AT = "2026-11-22T00:00:00+00:00"
_names = itertools.count()


@pytest.fixture
def address(pg, tmp_path: Path) -> lake.LakeAddress:
    """A new, empty lake: its own catalog database and data folder."""
    conninfo = pg.create_database(f"lake_{next(_names)}")
    return lake.parse_address(f"ducklake:postgres:{conninfo}", tmp_path / "lake-data")


# --- addresses ------------------------------------------------------------------------------


def test_address_follows_ducklakes_own_convention(tmp_path: Path):
    a = lake.parse_address(
        "ducklake:postgres:dbname=ipwire host=db1 port=5433 user=ipwire", tmp_path / "files"
    )
    assert (a.host, a.port, a.param("dbname"), a.param("user")) == ("db1", 5433, "ipwire", "ipwire")
    assert str(a) == "ducklake:postgres:dbname=ipwire host=db1 port=5433 user=ipwire"
    assert a.data_path == str(tmp_path / "files") + "/"
    assert not a.is_s3
    s3 = lake.parse_address("ducklake:postgres:dbname=ipwire", "s3://bucket/ipwire")
    assert s3.is_s3 and s3.data_path == "s3://bucket/ipwire/"
    secret = lake.parse_address("ducklake:postgres:dbname=ipwire host=db1 password='p w' user=u")
    assert secret.param("password") == "p w" and "p w" not in str(secret)
    assert lake.is_lake_address("ducklake:postgres:dbname=x")
    assert not lake.is_lake_address("data/ipwire.duckdb")


@pytest.mark.parametrize(
    "bad",
    [
        "ducklake:sqlite:meta.sqlite",
        "ducklake:postgres:host=db1 user=ipwire",
        "ducklake:postgres:dbname=ipwire host",
        "data/ipwire.duckdb",
    ],
)
def test_bad_address_is_rejected_in_one_line(bad: str):
    with pytest.raises(lake.LakeAddressError) as err:
        lake.parse_address(bad, "/tmp/x")
    assert "\n" not in str(err.value) and str(err.value)


def test_s3_credentials_come_from_the_environment():
    env = {
        "AWS_ACCESS_KEY_ID": "AKIA1",
        "AWS_SECRET_ACCESS_KEY": "s'cret",
        "AWS_REGION": "ap-south-1",
        "AWS_ENDPOINT_URL": "http://minio.local:9000",
    }
    sql = lake.s3_secret_sql(env)
    assert "KEY_ID 'AKIA1'" in sql and "SECRET 's''cret'" in sql
    assert "REGION 'ap-south-1'" in sql and "ENDPOINT 'minio.local:9000'" in sql
    assert "USE_SSL false" in sql and "URL_STYLE 'path'" in sql
    assert lake.s3_secret_sql({"AWS_REGION": "x"}) is None


# --- connecting -----------------------------------------------------------------------------


def test_unreachable_catalog_fails_fast_naming_host_and_port(tmp_path: Path):
    port = free_port()  # nothing listens there
    started = time.monotonic()
    with pytest.raises(lake.CatalogUnreachable) as err:
        lake.connect_lake(f"ducklake:postgres:dbname=ipwire host=127.0.0.1 port={port}", tmp_path)
    assert time.monotonic() - started < 2.0
    assert f"127.0.0.1:{port}" in str(err.value) and "\n" not in str(err.value)


def test_catalog_host_that_never_answers_is_cut_off(tmp_path: Path):
    """A host that accepts the connection and then says nothing would hold libpq forever."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the handshake; nobody ever answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(lake.LakeError) as err:
            lake.connect_lake(f"ducklake:postgres:dbname=x host=127.0.0.1 port={port}", tmp_path)
        assert time.monotonic() - started < 5.0
    assert f"port={port}" in str(err.value) and "\n" not in str(err.value)


def test_catalog_that_refuses_gives_postgres_reason_without_the_password(pg, tmp_path: Path):
    address = (
        f"ducklake:postgres:dbname=nosuchdb host={pg.host} port={pg.port}"
        f" user={pg.user} password=hunter2"
    )
    with pytest.raises(lake.LakeError) as err:
        lake.connect_lake(address, tmp_path / "data")
    message = str(err.value)
    assert '"nosuchdb" does not exist' in message
    assert "hunter2" not in message and "\n" not in message


def test_connect_lake_uses_the_lake_and_writes_parquet_to_the_data_folder(address):
    conn = lake.connect_lake(address)
    assert conn.execute("SELECT current_database()").fetchone()[0] == "lake"
    setting = conn.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone()
    assert setting[0] is False
    conn.execute("CREATE TABLE t (k INTEGER)")
    conn.execute("INSERT INTO t SELECT range FROM range(1000)")
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1000
    conn.close()
    assert list(Path(address.data_path).rglob("*.parquet"))
    reader = lake.connect_lake(address, read_only=True)
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 1000
    with pytest.raises(duckdb.Error):
        reader.execute("INSERT INTO t VALUES (1)")


# --- schema ---------------------------------------------------------------------------------


def test_translation_drops_only_keys_indexes_and_sequences():
    core = next(m for m in wh.all_migrations() if m.version == 1)
    t = lake.translate(core.sql)
    assert t.keys["articles"] == ("article_id",)
    assert t.keys["article_topics"] == ("article_id", "topic")
    assert not any("INDEX" in s.upper().split("(")[0] for s in t.statements)
    assert not any("PRIMARY KEY" in s.upper() for s in t.statements)
    assert any("articles_content_hash" in n for n in t.notes)
    dedup = next(m for m in wh.all_migrations() if m.version == 2)
    d = lake.translate(dedup.sql)
    assert d.sequence_defaults == {("dedup_signatures", "seq"): "dedup_seq"}
    assert d.statements[0].startswith(f"INSERT INTO {lake.SEQUENCES_TABLE}")


def _columns(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    rows = conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns()"
        " WHERE database_name = current_database() AND schema_name = 'main'"
        " ORDER BY table_name, column_index"
    ).fetchall()
    out: dict[str, list[tuple]] = {}
    for table, *col in rows:
        out.setdefault(table, []).append(tuple(col))
    return out


def test_migrated_lake_has_the_columns_of_a_migrated_file(address, tmp_path: Path):
    conn = lake.connect_lake(address)
    applied = lake.migrate(conn)
    assert [m.version for m in applied] == [m.version for m in wh.all_migrations()]
    file_conn = wh.connect(tmp_path / "wh.duckdb")
    want, got = _columns(file_conn), _columns(conn)
    for table, cols in want.items():
        assert got.get(table) == cols, table
    assert set(got) - set(want) == {lake.CLAIMS_TABLE, lake.SEQUENCES_TABLE}
    versions = "SELECT version, name FROM schema_migrations ORDER BY version"
    assert conn.execute(versions).fetchall() == file_conn.execute(versions).fetchall()
    views = "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = ?"
    assert sorted(conn.execute(views, ["lake"]).fetchall()) == sorted(
        file_conn.execute(views, ["wh"]).fetchall()
    )
    assert conn.execute("SELECT count(*) FROM stories").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM v_feed_health").fetchone() == (0,)


def test_migrating_a_lake_again_applies_nothing_and_commits_nothing(address):
    conn = lake.connect_lake(address)
    lake.migrate(conn)
    before = conn.execute("SELECT id FROM lake.current_snapshot()").fetchone()
    assert lake.migrate(conn) == []
    assert lake.pending(conn) == []
    assert conn.execute("SELECT id FROM lake.current_snapshot()").fetchone() == before


# --- batches --------------------------------------------------------------------------------


def _items(address) -> tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]:
    a, b = lake.connect_lake(address), lake.connect_lake(address)
    a.execute("CREATE TABLE items (key VARCHAR NOT NULL, writer VARCHAR)")
    lake.ensure_claims(a, ["items"])
    return a, b


def _insert_new(conn: duckdb.DuckDBPyConnection, keys: list[str], writer: str) -> int:
    """The anti-join insert that replaces `ON CONFLICT DO NOTHING` on a lake."""
    return conn.execute(
        "INSERT INTO items SELECT k, ? FROM unnest(?::VARCHAR[]) AS t(k)"
        " WHERE k NOT IN (SELECT key FROM items)",
        [writer, keys],
    ).fetchone()[0]


def test_anti_join_alone_stores_a_key_twice_when_batches_overlap(address):
    """What a lake loses without keys: two overlapping transactions both insert the key."""
    a, b = _items(address)
    a.execute("BEGIN")
    _insert_new(a, ["k1"], "a")
    lake.run_batch(b, lambda c: _insert_new(c, ["k1"], "b"))
    a.execute("COMMIT")
    assert a.execute("SELECT count(*) FROM items WHERE key = 'k1'").fetchone()[0] == 2


def test_claimed_batches_conflict_and_the_retry_sees_the_winner(address):
    a, b = _items(address)
    stats = lake.BatchStats()
    interleaved = []

    def batch(conn: duckdb.DuckDBPyConnection) -> int:
        n = _insert_new(conn, ["k1", "k2"], "a")
        if not interleaved:  # another writer commits the same key meanwhile, once
            interleaved.append(
                lake.run_batch(b, lambda c: _insert_new(c, ["k1"], "b"), claims=["items"])
            )
        return n

    inserted = lake.run_batch(a, batch, claims=["items"], stats=stats)
    assert stats.attempts == 2 and "conflict" in stats.conflicts[0].lower()
    assert inserted == 1  # only k2: the retry saw b's k1
    rows = a.execute("SELECT key, writer FROM items ORDER BY key").fetchall()
    assert rows == [("k1", "b"), ("k2", "a")]


def test_run_batch_rolls_back_and_does_not_retry_other_errors(address):
    a, _ = _items(address)
    stats = lake.BatchStats()

    def broken(conn: duckdb.DuckDBPyConnection) -> None:
        _insert_new(conn, ["k1"], "a")
        raise ValueError("bad record")

    with pytest.raises(ValueError):
        lake.run_batch(a, broken, claims=["items"], stats=stats)
    assert stats.attempts == 1
    assert a.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_insert_new_stores_what_on_conflict_do_nothing_stores(address, tmp_path: Path):
    """The replacement of `ON CONFLICT DO NOTHING`: same rows on a lake as on a keyed file."""
    stored = ["r1", "file", "a.txt", None, AT, "text/plain", "h1", b"one", "{}", "run1"]
    batch = [
        ["r1", "file", "a.txt", None, AT, "text/plain", "h1", b"other", "{}", "run2"],
        ["r2", "file", "b.txt", None, AT, "text/plain", "h2", b"two", "{}", "run2"],
        ["r2", "file", "b.txt", None, AT, "text/plain", "h2", b"later", "{}", "run2"],
    ]
    file_conn = wh.connect(tmp_path / "wh.duckdb")
    insert_rows(file_conn, "INSERT INTO raw_documents", [stored])
    insert_rows(file_conn, "INSERT INTO raw_documents", batch, " ON CONFLICT DO NOTHING")
    conn = lake.connect_lake(address)
    lake.migrate(conn)
    assert lake.insert_new(conn, "raw_documents", [stored]) == 1
    assert lake.insert_new(conn, "raw_documents", batch) == 1
    assert lake.insert_new(conn, "raw_documents", batch) == 0
    retired = [["https://a/rss", "gone", "cli:x"], ["https://a/rss", "again", "cli:y"]]
    cols = ["feed_url", "note", "retired_by"]
    assert lake.insert_new(conn, "feed_retirements", retired, columns=cols) == 1
    assert conn.execute("SELECT note, retired_at IS NOT NULL FROM feed_retirements").fetchall() == [
        ("gone", True)
    ]
    cols = lake._columns(conn, "lake", "raw_documents")
    assert lake.table_fingerprint(conn, "lake", "raw_documents", cols) == lake.table_fingerprint(
        file_conn, "wh", "raw_documents", cols
    )


def test_lake_sequence_continues_across_batches_as_on_a_file(address, tmp_path: Path):
    conn = lake.connect_lake(address)
    lake.migrate(conn)
    file_conn = wh.connect(tmp_path / "wh.duckdb")
    for c in (conn, file_conn):
        first = lake.run_batch(c, lambda c: lake.next_seq(c, "dedup_seq", 3), claims=["articles"])
        second = lake.run_batch(c, lambda c: lake.next_seq(c, "dedup_seq", 2))
        assert first == [1, 2, 3] and second == [4, 5]


# --- copy -----------------------------------------------------------------------------------


def _article(ref: str, body: str) -> tuple[RawDoc, Article]:
    raw = RawDoc(
        stable_id("raw", ref, body),
        "file",
        ref,
        AT,
        "text/plain",
        content_hash(body),
        body.encode(),
        url=None,
    )
    a = Article(
        article_id=stable_id("article", ref),
        raw_id=raw.raw_id,
        source_kind="file",
        source_ref=ref,
        url=None,
        canonical_url=None,
        outlet="dawn.com",
        title=f"Title {ref}",
        author=None,
        published_at="2024-05-10T09:30:00+05:00",
        fetched_at=AT,
        language="en",
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(body),
        stripped=[Stripped("reading-time", "1 min read")],
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
    return raw, a


def _file_warehouse(path: Path) -> None:
    """A small warehouse written by the real loader: articles, a revision, side tables,
    dedup signatures and keys, a rejection."""
    from ipwire.records import Rejection

    conn = wh.connect(path)
    texts = {
        f"doc{i}.txt": f"India and Pakistan resumed talks on water sharing, round {i}. " * 12
        for i in range(6)
    }
    pairs = [_article(ref, body) for ref, body in texts.items()]
    load.begin_run(conn, "run1", AT, ["x"])
    load.load_batch(
        conn,
        "run1",
        [r for r, _ in pairs],
        [a for _, a in pairs],
        [Rejection("empty.txt", "read", "empty", "the input is empty")],
        AT,
    )
    raw, revised = _article("doc0.txt", "A new text of the first document. " * 20)
    load.load_batch(conn, "run1", [raw], [revised], [], AT)
    load.finish_run(conn, "run1", "completed", load.BatchCounts(seen=7, new=6, updated=1))
    conn.close()


def test_copy_file_to_lake_and_back_keeps_every_row(address, tmp_path: Path):
    src = tmp_path / "src.duckdb"
    _file_warehouse(src)
    with duckdb.connect(str(src), read_only=True) as c:
        want = lake.fingerprint(c)
        top_seq = c.execute("SELECT max(seq) FROM dedup_signatures").fetchone()[0]
    assert want["articles"][0] == 6 and want["article_revisions"][0] == 2
    assert want["dedup_keys"][0] > 0

    to_lake = lake.copy_warehouse(src, str(address), dst_data_path=address.data_path)
    assert to_lake.tables == {t: fp for t, fp in want.items() if t in to_lake.tables}
    assert set(to_lake.tables) == set(want) - {"schema_migrations"}
    conn = lake.connect_lake(address)
    assert lake.fingerprint(conn) == {t: want[t] for t in to_lake.tables}
    assert conn.execute("SELECT value FROM lake_sequences").fetchone()[0] == top_seq
    assert lake.duplicate_keys(conn) == {}
    conn.close()

    back = tmp_path / "back.duckdb"
    to_file = lake.copy_warehouse(str(address), back, src_data_path=address.data_path)
    assert to_file.content_hash == to_lake.content_hash
    with duckdb.connect(str(back)) as c:
        assert lake.fingerprint(c) == want
        assert c.execute("SELECT nextval('dedup_seq')").fetchone()[0] == top_seq + 1


def test_copy_refuses_a_target_that_already_holds_data(address, tmp_path: Path):
    src = tmp_path / "src.duckdb"
    _file_warehouse(src)
    lake.copy_warehouse(src, str(address), dst_data_path=address.data_path)
    with pytest.raises(lake.LakeError, match="already holds data: .*articles \\(6 rows\\)"):
        lake.copy_warehouse(src, str(address), dst_data_path=address.data_path)
    conn = lake.connect_lake(address)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 6


def test_copy_refuses_a_source_on_an_older_schema(address, tmp_path: Path):
    src = tmp_path / "old.duckdb"
    _file_warehouse(src)
    with duckdb.connect(str(src)) as c:
        c.execute(
            "DELETE FROM schema_migrations"
            " WHERE version = (SELECT max(version) FROM schema_migrations)"
        )
    with pytest.raises(lake.LakeError, match="migrate the source first"):
        lake.copy_warehouse(src, str(address), dst_data_path=address.data_path)
    conn = lake.connect_lake(address)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def test_duplicate_keys_names_tables_whose_key_repeats(address):
    conn = lake.connect_lake(address)
    lake.migrate(conn)
    conn.execute("INSERT INTO feeds (feed_url) VALUES ('https://a/rss'), ('https://a/rss')")
    assert lake.duplicate_keys(conn) == {"feeds": 1}
