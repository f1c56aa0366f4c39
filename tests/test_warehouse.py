from pathlib import Path

import duckdb
import pytest

from ipwire.warehouse import db as wh

CONTRACT = {
    "articles": {
        "article_id",
        "source_kind",
        "source_ref",
        "url",
        "canonical_url",
        "outlet",
        "title",
        "published_at",
        "fetched_at",
        "language",
        "body",
        "word_count",
        "content_hash",
        "duplicate_of",
        "story_id",
        "relevance",
        "is_relevant",
        "tone",
        "classifier_version",
        "first_run_id",
        "last_run_id",
    },
    "article_topics": {"article_id", "topic", "score", "evidence"},
    "article_actors": {"article_id", "actor", "kind", "mentions"},
    "stripped_blocks": {"article_id", "kind", "text"},
    "raw_documents": {"raw_id", "source_ref", "fetched_at", "content_type", "sha256", "content"},
    "rejections": {"run_id", "source_ref", "stage", "reason", "detail", "at"},
    "ingest_runs": {
        "run_id",
        "flow_run_id",
        "started_at",
        "finished_at",
        "status",
        "n_seen",
        "n_new",
        "n_duplicate",
        "n_updated",
        "n_rejected",
    },
    "feeds": {
        "feed_url",
        "outlet",
        "etag",
        "last_modified",
        "last_hash",
        "last_checked_at",
        "last_status",
        "consecutive_failures",
        "next_check_at",
    },
}


def columns(conn: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in conn.execute(f"DESCRIBE {table}").fetchall()}


def test_migrations_create_every_contract_table_and_column(db_file: Path):
    with wh.connect(db_file) as conn:
        for table, expected in CONTRACT.items():
            assert expected <= columns(conn, table), table


def test_migrating_again_applies_nothing(db_file: Path):
    with wh.connect(db_file) as conn:
        versions = wh.applied_versions(conn)
        assert wh.migrate(conn) == []
        assert wh.pending(conn) == []
        assert wh.applied_versions(conn) == versions
        n = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
        assert n == len(wh.all_migrations())


def test_pending_lists_migrations_of_a_fresh_file_without_applying(db_file: Path):
    with wh.connect(db_file, migrate_schema=False) as conn:
        todo = wh.pending(conn)
        assert [m.version for m in todo] == [m.version for m in wh.all_migrations()]
        assert (
            conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'articles'"
            ).fetchone()[0]
            == 0
        )


def test_read_only_connection_refuses_writes(db_file: Path):
    wh.connect(db_file).close()
    with wh.connect(db_file, read_only=True) as conn, pytest.raises(duckdb.Error):
        conn.execute("DELETE FROM articles")


def test_read_only_connection_to_a_missing_file_says_so(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="ipwire ingest"):
        wh.connect(tmp_path / "none.duckdb", read_only=True)


def test_db_path_prefers_explicit_then_env_then_default(monkeypatch):
    monkeypatch.setenv("IPWIRE_DB", "/tmp/env.duckdb")
    assert wh.db_path("x.duckdb") == Path("x.duckdb")
    assert wh.db_path() == Path("/tmp/env.duckdb")
    monkeypatch.delenv("IPWIRE_DB")
    assert wh.db_path() == Path("data/ipwire.duckdb")


def test_example_queries_run_on_an_empty_warehouse(db_file: Path):
    with wh.connect(db_file) as conn:
        for name, query in wh.example_queries().items():
            conn.execute(query).fetchall(), name


def test_an_outlet_is_named_without_the_host_s_trailing_dot():
    from ipwire.ids import outlet_from_url

    assert (
        outlet_from_url("https://www.business-standard.com./article/x") == "business-standard.com"
    )
    assert outlet_from_url("https://www.dawn.com/news/1") == "dawn.com"


def test_no_connection_ipwire_opens_tries_to_download_an_extension(tmp_path):
    """A query naming an http:// file would make DuckDB fetch httpfs from the network; the
    writer's connection (and every other, through warehouse.extensions.connect) refuses."""
    import duckdb
    import pytest

    from ipwire.warehouse import db as wh

    with wh.connect(tmp_path / "wh.duckdb") as conn:
        with pytest.raises(duckdb.Error) as caught:
            conn.execute("SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')")
    assert "download" not in str(caught.value).lower()
    with wh.connect(tmp_path / "wh.duckdb", read_only=True) as conn:
        setting = conn.execute("SELECT current_setting('autoinstall_known_extensions')")
        assert setting.fetchone()[0] is False
