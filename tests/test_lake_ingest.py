"""`ipwire ingest`, `sql`, `status`, `search` and `db migrate` with `--db ducklake:…`, and four
`ipwire ingest` processes writing one lake at once while a reader queries it: the lake ends
up holding what one writer, ingesting everything into a `.duckdb` file, would hold."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ipwire.warehouse import lake

REPO = Path(__file__).resolve().parents[1]
IPWIRE = str(Path(sys.executable).with_name("ipwire"))
FIXTURES = REPO / "tests" / "fixtures"
_names = itertools.count()

CHROME_TOP = "Home | World | Politics | Business | Sport\nLatest from our desk\n\n"
CHROME_END = "\n\nALSO READ: Markets close higher on Friday\nShare this story\nGo to Top\n"


@pytest.fixture
def lake_env(pg, tmp_path: Path) -> dict[str, str]:
    """A new, empty lake: its address in IPWIRE_DB and an ipwire.toml naming its data path."""
    address = "ducklake:postgres:" + pg.create_database(f"ingest_{next(_names)}")
    (tmp_path / "ipwire.toml").write_text(
        f'[warehouse]\ndata_path = "{tmp_path / "lake-data"}"\n'
        "[sources]\nbatch_size = 3\n",  # several batches a run, so writers interleave
        encoding="utf-8",
    )
    return {
        **os.environ,
        "IPWIRE_DB": address,
        "IPWIRE_CONFIG": str(tmp_path / "ipwire.toml"),
        "IPWIRE_CACHE_DIR": str(tmp_path / "cache"),
    }


def run(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [IPWIRE, "--quiet", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def corpus(folder: Path) -> list[Path]:
    """News texts (seeds and fixtures) and, for each, a copy wrapped in site chrome: exact
    stories, syndicated copies and unrelated reports, so dedup has work across writers."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [REPO / "seeds" / p for p in sorted(os.listdir(REPO / "seeds"))]
    texts += sorted((FIXTURES / "dedup").glob("*.txt")) + sorted(
        (FIXTURES / "classify").glob("*.txt")
    )
    files = []
    for n, src in enumerate(texts):
        body = src.read_text(encoding="utf-8")
        plain = folder / f"{n:02d}-{src.stem}.txt"
        plain.write_text(body, encoding="utf-8")
        wrapped = folder / f"{n:02d}-{src.stem}-syndicated.txt"
        wrapped.write_text(CHROME_TOP + body + CHROME_END, encoding="utf-8")
        files += [plain, wrapped]
    return files


def _groups(pairs: list[tuple[str, str | None]]) -> list[list[str]]:
    """Articles grouped by the id they point at (a chain's root, a story), as sorted lists."""
    groups: dict[str, set[str]] = {}
    for aid, target in pairs:
        groups.setdefault(target or aid, set()).add(aid)
    return sorted(sorted(g) for g in groups.values())


def state(conn: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What must not depend on how many writers there were: articles with their text and
    labels, the chains of copies and the stories (as groups of articles: which member names
    a chain depends on arrival order, for one writer too), stored inputs and topics."""
    articles = conn.execute(
        "SELECT article_id, content_hash, duplicate_of, story_id, relevance, tone"
        " FROM articles ORDER BY article_id"
    ).fetchall()
    return {
        "articles": [(a, h, rel, tone) for a, h, _, _, rel, tone in articles],
        "chains": _groups([(a, d) for a, _, d, _, _, _ in articles]),
        "stories": _groups([(a, s) for a, _, _, s, _, _ in articles]),
        "raw_ids": conn.execute("SELECT raw_id FROM raw_documents ORDER BY 1").fetchall(),
        "topics": conn.execute(
            "SELECT article_id, topic FROM article_topics ORDER BY 1, 2"
        ).fetchall(),
        "signature_chains": _groups(
            conn.execute("SELECT article_id, root_id FROM dedup_signatures").fetchall()
        ),
    }


def test_ingest_sql_status_search_and_migrate_work_on_a_lake(lake_env, tmp_path: Path):
    first = run(lake_env, "ingest", str(REPO / "seeds"))
    assert first.returncode == 0, first.stderr + first.stdout
    assert "new 2" in first.stdout and "ducklake:postgres:" in first.stdout
    assert list((tmp_path / "lake-data").rglob("*.parquet")), "data files in the data path"
    again = run(lake_env, "ingest", str(REPO / "seeds"))
    assert again.returncode == 0 and "new 0" in again.stdout and "unchanged 2" in again.stdout

    rows = run(lake_env, "sql", "--format", "json", "SELECT count(*) AS n FROM articles")
    assert rows.returncode == 0, rows.stderr
    assert json.loads(rows.stdout) == [{"n": 2}]
    views = run(lake_env, "sql", "--format", "json", "SELECT count(*) AS n FROM chains")
    assert json.loads(views.stdout) == [{"n": 2}]
    refused = run(lake_env, "sql", "DELETE FROM articles")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    status = run(lake_env, "status")
    assert status.returncode == 0 and "completed" in status.stdout
    found = run(lake_env, "search", "Kashmir")
    assert found.returncode == 0 and "2 hits" in found.stdout, found.stdout + found.stderr
    migrate = run(lake_env, "db", "migrate")
    assert migrate.returncode == 0 and "0 applied" in migrate.stdout
    exported = run(lake_env, "export", "--table", "articles", "--out", str(tmp_path / "out"))
    assert exported.returncode == 0 and "wrote 2 rows" in exported.stdout, exported.stderr
    report = tmp_path / "week.html"
    made = run(
        lake_env, "report", "--since", "2000-01-01", "--until", "2100-01-01", "--out", str(report)
    )
    assert made.returncode == 0 and report.stat().st_size > 0, made.stderr
    backup = run(lake_env, "db", "backup", str(tmp_path / "b.duckdb"))
    assert backup.returncode == 2 and "ipwire db copy" in backup.stderr


NEW_REPORT = """Lahore, March 20: Officials of the two countries met in Zorbatown on Thursday to
settle the dates for the next round of talks on the release of fishermen held in each other's
jails, and agreed to exchange updated lists of prisoners by the end of the month.

The meeting in Zorbatown lasted four hours and ended with a joint statement, officials said.
"""


def test_a_lake_search_reuses_its_cached_index_until_the_lake_changes(lake_env, tmp_path: Path):
    assert run(lake_env, "ingest", str(REPO / "seeds")).returncode == 0
    first = run(lake_env, "search", "Kashmir")
    assert first.returncode == 0 and "2 hits" in first.stdout, first.stdout + first.stderr
    (cache,) = (tmp_path / "cache").glob("search-*.duckdb")
    built = cache.stat().st_mtime_ns
    again = run(lake_env, "search", "Kashmir")
    assert again.stdout == first.stdout
    assert cache.stat().st_mtime_ns == built, "an unchanged lake reuses the cached index"
    # a cache folder that cannot be made costs speed, never the answer
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    anyway = run({**lake_env, "IPWIRE_CACHE_DIR": str(blocked)}, "search", "Kashmir")
    assert anyway.returncode == 0 and anyway.stdout == first.stdout, anyway.stderr

    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "zorbatown.txt").write_text(NEW_REPORT, encoding="utf-8")
    assert run(lake_env, "ingest", str(folder)).returncode == 0
    fresh = run(lake_env, "search", "--all", "Zorbatown")
    assert fresh.returncode == 0 and "1 hit" in fresh.stdout, fresh.stdout + fresh.stderr
    assert cache.stat().st_mtime_ns != built, "a new commit rebuilds the cached index"


def test_a_cache_write_that_fails_halfway_leaves_the_old_cache_and_no_temporary_file(
    tmp_path: Path,
):
    from ipwire.desk import index

    cache = tmp_path / "cache" / "search-x.duckdb"
    cache.parent.mkdir()
    cache.write_bytes(b"the previous cache")
    conn = duckdb.connect()
    # an index schema without its tables: the copy fails after the temporary file is made
    conn.execute(f"CREATE SCHEMA {index.INDEX_SCHEMA}")
    with pytest.raises(duckdb.Error):
        index._save_index(conn, cache, "mark")
    assert [p.name for p in cache.parent.iterdir()] == [cache.name]
    assert cache.read_bytes() == b"the previous cache"


def test_a_lake_reader_can_read_the_lake_but_write_nowhere(lake_env, tmp_path: Path):
    assert run(lake_env, "ingest", str(REPO / "seeds")).returncode == 0
    data = tmp_path / "lake-data"
    before = sorted(p for p in data.rglob("*"))
    for query in (
        f"COPY (SELECT 1) TO '{data / 'x.parquet'}'",
        f"ATTACH '{data / 'evil.duckdb'}'",
        "SELECT count(*) FROM read_text('/etc/hostname')",
        "INSERT INTO articles (article_id) VALUES ('x')",
        "SET enable_external_access = true",
    ):
        done = run(lake_env, "sql", query)
        assert done.returncode != 0 and "refused" in done.stderr, (query, done.stderr)
        assert "Traceback" not in done.stderr
    copied = run(
        lake_env,
        "export",
        "--query",
        f"COPY (SELECT 1) TO '{data / 'y.csv'}'",
        "--out",
        str(tmp_path / "o"),
    )
    assert copied.returncode != 0 and "refused" in copied.stderr
    assert sorted(p for p in data.rglob("*")) == before


def test_a_new_lake_is_made_by_db_migrate_with_its_data_path(pg, tmp_path: Path):
    address = "ducklake:postgres:" + pg.create_database(f"migrate_{next(_names)}")
    env = {**os.environ, "IPWIRE_DB": address}
    env.pop("IPWIRE_CONFIG", None)
    done = run(env, "db", "migrate", "--data-path", str(tmp_path / "files"))
    assert done.returncode == 0, done.stderr
    assert "applied 0001_" in done.stdout
    listed = run(env, "db", "migrate", "--list")
    assert listed.returncode == 0 and "0 pending" in listed.stdout


def test_an_unreachable_catalog_stops_ingest_before_any_work(tmp_path: Path):
    from pg_server import free_port

    env = {
        **os.environ,
        "IPWIRE_DB": f"ducklake:postgres:dbname=x host=127.0.0.1 port={free_port()}",
    }
    done = run(env, "ingest", str(REPO / "seeds"), timeout=60)
    assert done.returncode == 6, done.stdout + done.stderr
    assert "unreachable" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_four_concurrent_ingests_and_a_reader_leave_what_one_writer_leaves(
    lake_env, tmp_path: Path
):
    files = corpus(tmp_path / "in")
    # each file goes to two of the four writers, in an order of their own
    shares = [[f for i, f in enumerate(files) if i % 4 in (k, (k + 1) % 4)] for k in range(4)]
    first = run(lake_env, "db", "migrate")  # the lake exists before the readers ask
    assert first.returncode == 0, first.stderr
    stop = tmp_path / "stop-reading"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import json, os, subprocess, sys, time\n"
            "seen = []\n"
            "while not os.path.exists(sys.argv[2]):\n"
            "    r = subprocess.run([sys.argv[1], '--quiet', 'sql', '--format', 'json',"
            " 'SELECT count(*) AS n, count(DISTINCT article_id) AS d FROM articles'],"
            " capture_output=True, text=True)\n"
            "    seen.append([r.returncode, r.stdout.strip(), r.stderr.strip()[-200:]])\n"
            "    time.sleep(0.3)\n"
            "print(json.dumps(seen))\n",
            IPWIRE,
            str(stop),
        ],
        env=lake_env,
        stdout=subprocess.PIPE,
        text=True,
    )
    writers = [
        subprocess.Popen(
            [IPWIRE, "--quiet", "ingest", *map(str, share[::-1] if k % 2 else share)],
            env=lake_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k, share in enumerate(shares)
    ]
    outs = [w.communicate(timeout=900) for w in writers]
    stop.touch()
    reads = json.loads(reader.communicate(timeout=120)[0])
    for w, (out, err) in zip(writers, outs, strict=True):
        assert w.returncode == 0, out + err
    # the reader was never refused and never saw an article twice
    assert reads and all(code == 0 for code, _, _ in reads), reads[:3]
    counts = [json.loads(out)[0] for _, out, _ in reads]
    assert all(c["n"] == c["d"] for c in counts)
    assert counts == sorted(counts, key=lambda c: c["n"])  # commits only ever add

    single = tmp_path / "single.duckdb"
    env_file = {**lake_env, "IPWIRE_DB": str(single)}
    alone = run(env_file, "ingest", *map(str, files))
    assert alone.returncode == 0, alone.stderr

    with lake.connect_lake(lake_env["IPWIRE_DB"], read_only=True) as conn:
        on_lake = state(conn)
        n_raw, distinct_raw = conn.execute(
            "SELECT count(*), count(DISTINCT raw_id) FROM raw_documents"
        ).fetchone()
    with duckdb.connect(str(single), read_only=True) as conn:
        in_file = state(conn)
    assert n_raw == distinct_raw == len(files)
    assert len(on_lake["articles"]) == len(in_file["articles"]) > 0
    assert on_lake["articles"] == in_file["articles"]
    assert len(on_lake["chains"]) < len(on_lake["articles"]), "copies were found"
    assert on_lake["chains"] == in_file["chains"]
    assert on_lake["signature_chains"] == in_file["signature_chains"] == in_file["chains"]
    assert on_lake["topics"] == in_file["topics"]
    assert on_lake["stories"] == in_file["stories"]
    assert on_lake["raw_ids"] == in_file["raw_ids"]


def test_readers_get_one_line_errors_for_an_empty_lake(pg, tmp_path: Path):
    address = "ducklake:postgres:" + pg.create_database(f"empty_{next(_names)}")
    lake.connect_lake(address, tmp_path / "files").close()  # the lake exists, holds nothing
    env = {**os.environ, "IPWIRE_DB": address}
    started = time.monotonic()
    done = run(env, "sql", "SELECT 1")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "no warehouse" in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 60


def test_feeds_on_a_lake_keep_their_state_and_a_second_run_asks_conditionally(
    prefect_harness, pg, tmp_path: Path
):
    from test_web_ingest import serve_news, write_config
    from webserver import LocalSite

    from ipwire.flows.ingest import ingest

    address = "ducklake:postgres:" + pg.create_database(f"feeds_{next(_names)}")
    with LocalSite() as site:
        site.serve_robots("User-agent: *\n")
        serve_news(site)
        cfg = write_config(tmp_path, site, [("rss", "/rss.xml"), ("atom", "/atom.xml")])
        text = cfg.read_text(encoding="utf-8")
        cfg.write_text(
            text + f'\n[warehouse]\ndata_path = "{tmp_path / "files"}"\n'
            f'\n[[feeds]]\nname = "old"\nurl = "{site.url("/old.xml")}"\nretired = true\n',
            encoding="utf-8",
        )
        first = ingest(db=address, config=str(cfg))
        assert (first.status, first.new) == ("completed", 3)
        site.server.clear_log()
        second = ingest(db=address, config=str(cfg))
        assert (second.status, second.new) == ("completed", 0)
        assert site.requests("/rss.xml")[0].headers.get("If-None-Match") == '"v1"'
        rss = site.url("/rss.xml")
    with lake.connect_lake(address, read_only=True) as conn:
        state = dict(conn.execute("SELECT feed_url, last_status FROM feeds").fetchall())
        assert state[rss] == "not_modified"
        n_feeds = conn.execute("SELECT count(*), count(DISTINCT feed_url) FROM feeds").fetchone()
        assert n_feeds == (3, 3)  # a retired feed is still read; it only stops alarming
        assert conn.execute(
            "SELECT last_success_at IS NOT NULL FROM feeds WHERE feed_url = ?", [rss]
        ).fetchone() == (True,)
        linked = conn.execute(
            "SELECT count(*) FROM feed_entries JOIN articles USING (article_id)"
        ).fetchone()
        assert linked == (3,)
        assert conn.execute("SELECT count(*) FROM feed_retirements").fetchone() == (1,)
        runs = conn.execute("SELECT status FROM ingest_runs ORDER BY started_at").fetchall()
        assert runs == [("completed",), ("completed",)]


def test_an_ingest_killed_mid_run_leaves_whole_batches_and_the_next_run_finishes_it(
    lake_env, tmp_path: Path
):
    import signal

    files = corpus(tmp_path / "in")
    assert run(lake_env, "db", "migrate").returncode == 0
    writer = subprocess.Popen(
        [IPWIRE, "--quiet", "ingest", str(tmp_path / "in")],
        env=lake_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    address = lake_env["IPWIRE_DB"]
    deadline = time.monotonic() + 300
    stored = 0
    while stored == 0 and writer.poll() is None:  # kill it once its first batch is in
        assert time.monotonic() < deadline, "no batch committed in time"
        with lake.connect_lake(address, read_only=True) as conn:
            stored = conn.execute("SELECT count(*) FROM raw_documents").fetchone()[0]
        time.sleep(0.2)
    os.killpg(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    with lake.connect_lake(address, read_only=True) as conn:
        raws = conn.execute("SELECT count(*) FROM raw_documents").fetchone()[0]
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert raws % 3 == 0 or raws == len(files), "only whole batches of three are stored"
    assert raws < len(files), "killed before the end"
    assert articles <= raws

    again = run(lake_env, "ingest", str(tmp_path / "in"))
    assert again.returncode == 0, again.stderr
    with lake.connect_lake(address, read_only=True) as conn:
        n, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT raw_id) FROM raw_documents"
        ).fetchone()
        runs = dict(conn.execute("SELECT status, count(*) FROM ingest_runs GROUP BY 1").fetchall())
    assert n == distinct == len(files)
    assert runs == {"crashed": 1, "completed": 1}
