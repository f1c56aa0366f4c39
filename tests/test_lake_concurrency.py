"""Several processes writing one DuckLake at once, a reader querying meanwhile, and a writer
killed in the middle of a batch: no row lost, none stored twice, no partial batch."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ipwire.warehouse import lake

REPO = Path(__file__).resolve().parents[1]

# One writer: batches of keys, each batch one claimed transaction with an anti-join insert.
WRITER = """
import json, sys
from ipwire.warehouse import lake
address, data_path, writer, batches = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
conn = lake.connect_lake(address, data_path)
stats = lake.BatchStats()
inserted = 0
for keys in batches:
    def batch(c, keys=keys):
        return c.execute(
            "INSERT INTO items SELECT k, ? FROM unnest(?::VARCHAR[]) AS t(k)"
            " WHERE k NOT IN (SELECT key FROM items)", [writer, keys]).fetchone()[0]
    inserted += lake.run_batch(conn, batch, claims=["items"], retries=30, stats=stats)
print(json.dumps({"inserted": inserted, "attempts": stats.attempts, "conflicts": stats.conflicts}))
"""

# A reader: counts rows and distinct keys until told to stop; every answer must be consistent.
READER = """
import json, os, sys, time
from ipwire.warehouse import lake
address, data_path, stop = sys.argv[1], sys.argv[2], sys.argv[3]
conn = lake.connect_lake(address, data_path, read_only=True)
reads, latencies = [], []
while not os.path.exists(stop):
    t = time.perf_counter()
    n, distinct = conn.execute("SELECT count(*), count(DISTINCT key) FROM items").fetchone()
    latencies.append(time.perf_counter() - t)
    reads.append([n, distinct])
    time.sleep(0.02)
print(json.dumps({"reads": reads, "latencies": latencies}))
"""

# A writer that inserts its batch, says so, and waits to be killed before COMMIT.
KILLED = """
import sys, time
from ipwire.warehouse import lake
conn = lake.connect_lake(sys.argv[1], sys.argv[2])
conn.execute("BEGIN TRANSACTION")
lake.claim(conn, ["items"])
conn.execute("INSERT INTO items SELECT 'killed-' || range, 'k' FROM range(500)")
print("inserted", flush=True)
time.sleep(60)
"""


@pytest.fixture
def items_lake(pg, tmp_path: Path, request) -> tuple[str, str]:
    """A new lake with an `items` table that has no key, and its claim row."""
    name = "conc_" + request.node.name.replace("test_", "")[:40]
    address = "ducklake:postgres:" + pg.create_database(name)
    data_path = str(tmp_path / "lake-data")
    conn = lake.connect_lake(address, data_path)
    conn.execute("CREATE TABLE items (key VARCHAR NOT NULL, writer VARCHAR)")
    lake.ensure_claims(conn, ["items"])
    conn.close()
    return address, data_path


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _spawn(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=REPO,
    )


def test_four_writers_with_overlapping_batches_store_every_key_once(items_lake, tmp_path):
    address, data_path = items_lake
    shared = [f"shared-{i}" for i in range(120)]  # every writer brings these
    rng = random.Random(7)
    plans = []
    for w in range(4):
        own = [f"w{w}-{i}" for i in range(60)]
        keys = own + shared
        rng.shuffle(keys)
        plans.append([keys[i : i + 20] for i in range(0, len(keys), 20)])
    expected = {k for plan in plans for batch in plan for k in batch}
    stop = tmp_path / "stop"
    reader = _spawn(READER, address, data_path, str(stop))
    writers = [_spawn(WRITER, address, data_path, f"w{w}", json.dumps(plans[w])) for w in range(4)]
    results = []
    for p in writers:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    stop.touch()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err[-2000:]
    seen = json.loads(out.strip().splitlines()[-1])

    conn = lake.connect_lake(address, data_path)
    n, distinct = conn.execute("SELECT count(*), count(DISTINCT key) FROM items").fetchone()
    stored = {r[0] for r in conn.execute("SELECT key FROM items").fetchall()}
    assert stored == expected  # nothing lost
    assert n == distinct == len(expected)  # nothing stored twice
    assert sum(r["inserted"] for r in results) == len(expected)
    assert seen["reads"], "the reader got no answer while the writers ran"
    assert all(total == dist for total, dist in seen["reads"])  # never a duplicate, even mid-run
    counts = [total for total, _ in seen["reads"]]
    assert counts == sorted(counts)  # committed batches only ever add
    conflicts = sum(len(r["conflicts"]) for r in results)
    print(
        f"attempts {sum(r['attempts'] for r in results)} for {sum(map(len, plans))} batches,"
        f" {conflicts} conflicts retried; {len(seen['reads'])} reads"
    )


def test_writer_killed_mid_batch_leaves_nothing_and_the_batch_loads_next_time(items_lake):
    address, data_path = items_lake
    victim = _spawn(KILLED, address, data_path)
    line = victim.stdout.readline()
    assert line.strip() == "inserted", victim.stderr.read()[-2000:]
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    conn = lake.connect_lake(address, data_path)
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 0
    # the dead batch left its Parquet file behind, unreferenced; maintenance removes it
    orphans = list(Path(data_path).rglob("*.parquet"))
    assert orphans
    conn.execute("CALL ducklake_delete_orphaned_files('lake', cleanup_all => true)")
    assert not any(p.exists() for p in orphans)
    inserted = lake.run_batch(
        conn,
        lambda c: c.execute(
            "INSERT INTO items SELECT 'killed-' || range, 'k' FROM range(500)"
            " WHERE 'killed-' || range NOT IN (SELECT key FROM items)"
        ).fetchone()[0],
        claims=["items"],
    )
    assert inserted == 500
    assert conn.execute("SELECT count(DISTINCT key), count(*) FROM items").fetchone() == (500, 500)


MIGRATOR = """
import sys
from ipwire.warehouse import lake
conn = lake.connect_lake(sys.argv[1], sys.argv[2])
print(len(lake.migrate(conn)))
"""


def test_two_processes_migrating_a_new_lake_apply_each_migration_once(pg, tmp_path):
    address = "ducklake:postgres:" + pg.create_database("conc_migrate")
    data_path = str(tmp_path / "lake-data")
    procs = [_spawn(MIGRATOR, address, data_path) for _ in range(2)]
    applied = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        applied.append(int(out.strip().splitlines()[-1]))
    conn = lake.connect_lake(address, data_path)
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations").fetchall()]
    assert sorted(versions) == sorted(set(versions))  # each once
    assert lake.pending(conn) == []
    assert sum(applied) == len(versions)  # what one applied, the other did not
    assert lake.duplicate_keys(conn) == {}
