"""`ipwire ingest --shard K/N`: the pure selection, the refusal of a bad K/N before Prefect
starts, and N cron jobs storing what one unsharded run stores."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from webserver import RSS, LocalSite, rss_feed

from ipwire import exit_codes
from ipwire.cli import cli
from ipwire.settings import FeedConfig
from ipwire.tasks.shard import host_of, parse_shard, pick_files, pick_urls, shard_of

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
HOSTS = [f"news{i}.example.{tld}" for i in range(40) for tld in ("in", "pk")]


# --- the pure function --------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_every_host_falls_in_exactly_one_shard(n: int):
    urls = [f"https://{h}/rss.xml" for h in HOSTS]
    picked = [pick_urls(urls, (k, n)) for k in range(1, n + 1)]
    assert sorted(u for part in picked for u in part) == sorted(urls)
    assert sum(len(p) for p in picked) == len(urls)  # none twice
    if n <= 3:
        assert all(picked), "80 hosts should reach every one of a few shards"


def test_shard_is_stable_across_calls_and_order():
    first = {h: shard_of(h, 5) for h in HOSTS}
    shuffled = HOSTS[:]
    random.Random(7).shuffle(shuffled)
    assert {h: shard_of(h, 5) for h in shuffled} == first
    # fixed values: cron jobs on other machines, processes and releases must agree
    hosts = ("dawn.com", "thehindu.com", "127.0.0.1", "www.geo.tv")
    assert [shard_of(h, 4) for h in hosts] == [2, 3, 1, 4]


def test_one_host_is_one_shard_whatever_its_paths_port_or_case():
    urls = [
        "https://www.dawn.com/feeds/home",
        "https://WWW.DAWN.COM/feeds/pakistan",
        "https://www.dawn.com:443/news/1",
        "http://www.dawn.com./latest",
    ]
    assert {host_of(u) for u in urls} == {"www.dawn.com"}
    for n in (2, 3, 5):
        owners = [k for k in range(1, n + 1) if pick_urls(urls, (k, n))]
        assert len(owners) == 1 and pick_urls(urls, (owners[0], n)) == urls


def test_one_shard_takes_everything_and_no_shard_takes_everything():
    feeds = [FeedConfig(name=h, url=f"https://{h}/rss") for h in HOSTS]
    files = [f"/inbox/{i}.txt" for i in range(30)]
    assert pick_urls(feeds, (1, 1)) == feeds == pick_urls(feeds, None)
    assert pick_files(files, (1, 1)) == files == pick_files(files, None)


def test_files_are_split_by_path_into_disjoint_shards():
    files = [Path(f"/inbox/{i:03d}.txt") for i in range(60)]
    parts = [pick_files(files, (k, 3)) for k in (1, 2, 3)]
    assert sorted(f for p in parts for f in p) == files and all(parts)
    assert pick_files(files, (2, 3)) == parts[1]


@pytest.mark.parametrize(("text", "want"), [("1/1", (1, 1)), (" 2/4 ", (2, 4)), (None, None)])
def test_shard_text_is_read_as_k_of_n(text: str | None, want: tuple[int, int] | None):
    assert parse_shard(text) == want


@pytest.mark.parametrize("bad", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2", "1/2/3"])
def test_bad_shard_text_raises_naming_the_form(bad: str):
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(bad)


# --- the CLI --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["0/2", "3/2", "two"])
def test_ingest_refuses_a_bad_shard_before_anything_starts(bad: str, tmp_path: Path):
    db = tmp_path / "w.duckdb"
    done = CliRunner().invoke(cli, ["ingest", str(SEEDS), "--shard", bad, "--db", str(db)])
    assert done.exit_code == exit_codes.USAGE, done.output
    assert "--shard" in done.output and "Traceback" not in done.output
    assert not db.exists()


def stored(db: Path) -> set[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return set(conn.execute("SELECT url, source_ref, content_hash FROM articles").fetchall())


def ingest(*args: str) -> None:
    done = CliRunner().invoke(cli, ["--quiet", "ingest", *args])
    assert done.exit_code == 0, done.output


def page(host: str, n: int) -> str:
    words = " ".join(
        f"Officials from India and Pakistan met in {host} for round {n} of talks on the"
        f" Indus Waters Treaty, trade across the Wagah border and prisoners, item {i}."
        for i in range(6)
    )
    return (
        f"<html><head><title>Talks {host} {n}</title></head><body><article>"
        + "".join(f"<p>{words} Paragraph {p}.</p>" for p in range(3))
        + "</article></body></html>"
    )


@pytest.fixture
def sites():
    """Four sites on four loopback addresses, two in each shard of 2."""
    by_shard: dict[int, list[str]] = {1: [], 2: []}
    for i in range(1, 60):
        host = f"127.0.0.{i}"
        if len(by_shard[shard_of(host, 2)]) < 2:
            by_shard[shard_of(host, 2)].append(host)
    running = [LocalSite(host) for host in by_shard[1] + by_shard[2]]
    try:
        for site in running:
            host = site.server.host
            site.serve_robots("User-agent: *\nAllow: /\n")
            items = []
            for n in (1, 2):
                site.serve(f"/news/{n}.html", page(host, n))
                items.append((f"Talks {host} {n}", site.url(f"/news/{n}.html"), "Talks."))
            site.serve("/rss.xml", rss_feed(f"Wire {host}", items), content_type=RSS)
        yield running
    finally:
        for site in running:
            site.stop()


def test_two_shards_store_what_one_unsharded_run_stores(
    prefect_harness, sites: list[LocalSite], tmp_path: Path
):
    lines = ["[http]", "per_host_delay_s = 0.0", "retries = 0", 'allow_hosts = ["127.0.0.0/8"]']
    for i, site in enumerate(sites):
        lines += ["", "[[feeds]]", f'name = "wire{i}"', f'url = "{site.url("/rss.xml")}"']
    cfg = tmp_path / "ipwire.toml"
    cfg.write_text("\n".join(lines) + "\n")
    whole, sharded = tmp_path / "whole.duckdb", tmp_path / "sharded.duckdb"

    ingest("--config", str(cfg), "--db", str(whole))
    ingest("--config", str(cfg), "--db", str(sharded), "--shard", "1/2")
    first = stored(sharded)
    hosts = {host_of(url) for url, _, _ in first}
    assert hosts == {s.server.host for s in sites if shard_of(s.server.host, 2) == 1}
    untouched = [s for s in sites if shard_of(s.server.host, 2) == 2]
    assert all(s.hits("/rss.xml") == 1 for s in untouched)  # only the unsharded run's fetch
    ingest("--config", str(cfg), "--db", str(sharded), "--shard", "2/2")

    assert len(stored(whole)) == 8
    assert stored(sharded) == stored(whole)


def test_files_split_over_two_shards_store_what_one_run_stores(prefect_harness, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    texts = [*SEEDS.glob("*.txt"), *(Path(__file__).parent / "fixtures" / "dedup").glob("*.txt")]
    for i, f in enumerate(sorted(texts)):  # names chosen so that both shards get files
        name = next(
            inbox.resolve() / f"{j}_{f.name}"
            for j in range(100)
            if shard_of(str(inbox.resolve() / f"{j}_{f.name}"), 2) == i % 2 + 1
        )
        name.write_bytes(f.read_bytes())
    whole, sharded = tmp_path / "whole.duckdb", tmp_path / "sharded.duckdb"
    ingest(str(inbox), "--db", str(whole))
    ingest(str(inbox), "--db", str(sharded), "--shard", "1/2")
    refs = {ref for _, ref, _ in stored(whole)}
    want = {ref for ref in refs if shard_of(ref, 2) == 1}
    assert 0 < len(want) < len(refs)
    assert {ref for _, ref, _ in stored(sharded)} == want
    ingest(str(inbox), "--db", str(sharded), "--shard", "2/2")
    assert stored(sharded) == stored(whole)
