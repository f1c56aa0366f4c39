"""The CLI through click's runner: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ipwire.cli import cli
from ipwire.cli_common import render
from ipwire.warehouse import db as wh


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += all_commands(command, prefix + name + " ")
    return found


@pytest.mark.parametrize(("name", "command"), all_commands(cli))
def test_every_command_has_help_with_an_example(name: str, command: click.Command):
    if isinstance(command, click.Group):
        assert command.help, name
    else:
        assert command.help and "Example:" in command.help, name


@pytest.fixture
def small_wh(db_file: Path) -> Path:
    with wh.connect(db_file) as conn:
        conn.execute(
            "INSERT INTO articles (article_id, source_kind, source_ref, title, fetched_at, body,"
            " word_count, content_hash, relevance, is_relevant) VALUES"
            " ('a1', 'file', '/x/a.txt', 'Talks resume', now(), 'body', 1, 'h', 0.9, true),"
            " ('a2', 'file', '/x/b.txt', 'Cricket, again', now(), 'body', 1, 'h2', 0.2, false)"
        )
    return db_file


def test_sql_prints_a_table_with_a_row_count(small_wh: Path):
    result = CliRunner().invoke(
        cli, ["sql", "--db", str(small_wh), "SELECT title, relevance FROM articles ORDER BY 1"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["title", "relevance"]
    assert "Cricket, again" in lines[2] and lines[-1] == "(2 rows)"


def test_sql_csv_and_json_formats(small_wh: Path):
    runner = CliRunner()
    q = "SELECT title, is_relevant FROM articles ORDER BY 1"
    csv_out = runner.invoke(cli, ["sql", "--db", str(small_wh), q, "--format", "csv"]).output
    assert csv_out.splitlines() == [
        "title,is_relevant",
        '"Cricket, again",false',
        "Talks resume,true",
    ]
    json_out = runner.invoke(cli, ["sql", "--db", str(small_wh), q, "--format", "json"]).output
    assert json.loads(json_out)[1] == {
        "title": "Talks resume",
        "is_relevant": True,
    }


def test_sql_reads_a_query_file_and_uses_ipwire_db(small_wh: Path, tmp_path: Path):
    q = tmp_path / "q.sql"
    q.write_text("-- a comment first\nSELECT count(*) AS n FROM articles")
    result = CliRunner().invoke(cli, ["sql", "-f", str(q)], env={"IPWIRE_DB": str(small_wh)})
    assert result.exit_code == 0 and result.output.splitlines()[2].strip() == "2"


def test_sql_refuses_to_write(small_wh: Path):
    result = CliRunner().invoke(cli, ["sql", "--db", str(small_wh), "DELETE FROM articles"])
    assert result.exit_code != 0 and "read-only" in result.output.lower()


def test_sql_on_a_missing_warehouse_says_how_to_make_one(tmp_path: Path):
    result = CliRunner().invoke(cli, ["sql", "--db", str(tmp_path / "no.duckdb"), "SELECT 1"])
    assert result.exit_code != 0 and "ipwire ingest" in result.output


def test_extract_jsonl_keeps_input_order_and_names_ids_after_files(seeds_dir: Path, tmp_path: Path):
    paths = sorted(str(p) for p in seeds_dir.glob("*.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = CliRunner().invoke(cli, ["extract", *paths, str(empty), "--format", "jsonl"])
    assert result.exit_code == 3, result.output  # some input was rejected
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["000_74e2cc418244c892", "004_bf9fe9c0b96d4580", "empty"]
    assert set(lines[1]) >= {"id", "source", "title", "published_at", "text", "stripped"}
    assert lines[1]["title"] == "India-Pak backchannel talks hit impasse"
    assert {"kind", "text"} == set(lines[1]["stripped"][0])
    assert lines[2]["error"] == "empty"


def test_classify_reads_jsonl_from_stdin():
    line = json.dumps(
        {
            "id": "x1",
            "title": "India, Pakistan agree to resume talks",
            "text": "India and Pakistan agreed on Monday to resume bilateral talks "
            "on Kashmir, the foreign ministries of both countries said.",
        }
    )
    result = CliRunner().invoke(cli, ["classify"], input=line + "\n")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["id"] == "x1" and out["is_relevant"] is True
    assert set(out) >= {"relevance", "topics", "tone", "actors", "evidence"}


def test_config_show_rejects_an_unknown_key_naming_the_valid_ones(tmp_path: Path):
    bad = tmp_path / "ipwire.toml"
    bad.write_text("[sources]\nbatch_sise = 10\n")
    result = CliRunner().invoke(cli, ["config", "show", "--config", str(bad)])
    assert result.exit_code != 0
    assert "batch_sise" in result.output and "batch_size" in result.output


def test_config_overlay_keeps_defaults_for_omitted_keys(tmp_path: Path):
    good = tmp_path / "ipwire.toml"
    good.write_text("[sources]\nbatch_size = 50\n")
    result = CliRunner().invoke(cli, ["config", "show", "--config", str(good)])
    shown = json.loads(result.output)
    assert shown["sources"]["batch_size"] == 50 and shown["sources"]["max_file_bytes"] == 20000000


def test_db_migrate_list_then_apply(tmp_path: Path):
    db = str(tmp_path / "m.duckdb")
    runner = CliRunner()
    listed = runner.invoke(cli, ["db", "migrate", "--list", "--db", db]).output
    assert "pending 0001_core" in listed
    applied = runner.invoke(cli, ["db", "migrate", "--db", db]).output
    assert "applied 0001_core" in applied
    assert runner.invoke(cli, ["db", "migrate", "--list", "--db", db]).output.strip() == "0 pending"


def test_render_truncates_long_cells_in_tables_only():
    long = "x" * 200
    assert len(render(["c"], [[long]], "table").splitlines()[2]) == 60
    assert long in render(["c"], [[long]], "csv")


def test_reclassify_changes_labels_and_versions_without_touching_other_columns(small_wh: Path):
    kept = "article_id, source_ref, title, body, word_count, content_hash, fetched_at"
    with wh.connect(small_wh) as conn:
        conn.execute(
            "UPDATE articles SET body = 'India and Pakistan resumed talks on Kashmir "
            "after their foreign ministers met in Islamabad.' WHERE article_id = 'a1'"
        )
        before = conn.execute(f"SELECT {kept} FROM articles ORDER BY 1").fetchall()
    result = CliRunner().invoke(cli, ["reclassify", "--db", str(small_wh)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("reclassified 2 articles with ")
    with wh.connect(small_wh, read_only=True) as conn:
        assert conn.execute(f"SELECT {kept} FROM articles ORDER BY 1").fetchall() == before
        versions = conn.execute("SELECT DISTINCT classifier_version FROM articles").fetchall()
        assert len(versions) == 1 and versions[0][0]
        assert conn.execute(
            "SELECT is_relevant FROM articles WHERE article_id = 'a1'"
        ).fetchone() == (True,)
        assert (
            conn.execute("SELECT count(*) FROM article_topics WHERE article_id = 'a1'").fetchone()[
                0
            ]
            >= 1
        )


def test_corrections_are_recorded_and_exported_as_evaluation_labels(small_wh: Path):
    runner = CliRunner()
    ok = runner.invoke(
        cli,
        [
            "correct",
            "a2",
            "--db",
            str(small_wh),
            "--relevance",
            "2",
            "--topics",
            "sport,people",
            "--note",
            "an India-Pakistan fixture",
        ],
    )
    assert ok.exit_code == 0, ok.output
    later = runner.invoke(cli, ["correct", "a2", "--db", str(small_wh), "--relevance", "1"])
    assert later.exit_code == 0
    out = runner.invoke(cli, ["corrections", "--db", str(small_wh)])
    (item,) = [json.loads(x) for x in out.output.splitlines()]
    assert item["id"] == "a2" and item["relevance"] == 1  # the latest correction wins
    assert item["topics"] == ["sport", "people"] and "fixture" in item["note"]
    assert set(item) >= {"id", "text", "relevance", "topics", "tone", "story"}


def test_exported_corrections_carry_the_articles_story_so_folds_keep_copies_together(
    small_wh: Path,
):
    import duckdb

    with duckdb.connect(str(small_wh)) as conn:
        conn.execute("UPDATE articles SET story_id = 's-9' WHERE article_id = 'a2'")
    runner = CliRunner()
    done = runner.invoke(cli, ["correct", "a2", "--db", str(small_wh), "--tone", "1"])
    assert done.exit_code == 0, done.output
    out = runner.invoke(cli, ["corrections", "--db", str(small_wh)])
    (item,) = [json.loads(x) for x in out.output.splitlines()]
    assert item["story"] == "s-9"


def test_correct_rejects_unknown_topics_and_unknown_articles(small_wh: Path):
    runner = CliRunner()
    bad_topic = runner.invoke(cli, ["correct", "a1", "--db", str(small_wh), "--topics", "cricket"])
    assert bad_topic.exit_code != 0 and "cricket" in bad_topic.output
    missing = runner.invoke(cli, ["correct", "zz", "--db", str(small_wh), "--tone", "1"])
    assert missing.exit_code != 0 and "no article zz" in missing.output


def test_recluster_puts_back_a_story_left_stale_and_says_how_many_moved(
    prefect_harness, tmp_path: Path
):
    fixtures = Path(__file__).parent / "fixtures" / "dedup"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("base_report", "rewrite_same_story", "unrelated_report"):
        (inbox / f"{name}.txt").write_bytes((fixtures / f"{name}.txt").read_bytes())
    db = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(inbox), "--db", db]).exit_code == 0

    def stories(conn) -> dict[str, str]:
        rows = conn.execute("SELECT source_ref, story_id FROM articles").fetchall()
        return {Path(ref).stem: sid for ref, sid in rows}

    with wh.connect(db) as conn:
        before = stories(conn)
        assert before["base_report"] == before["rewrite_same_story"]
        assert before["unrelated_report"] != before["base_report"]
        for table in ("articles", "dedup_signatures"):  # as if clustered with older weights
            conn.execute(
                f"UPDATE {table} SET story_id = 'stale' WHERE article_id IN "
                "(SELECT article_id FROM articles WHERE source_ref LIKE '%rewrite_same_story%')"
            )
    result = runner.invoke(cli, ["recluster", "--db", db])
    assert result.exit_code == 0, result.output
    assert "reclustered 3 articles into 2 stories: 1 re-pointed" in result.output
    with wh.connect(db) as conn:
        assert stories(conn) == before
