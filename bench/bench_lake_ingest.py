"""The whole pipeline into a DuckLake: `ipwire ingest` with one and two writer processes,
beside one process into a `.duckdb` file, side by side in one run.

N text files are made from the labelled dev texts (each with a unique first line, so none is
an exact copy; the texts repeat, so most are near copies and join stories, as a backfill of
syndicated news would). Each set-up ingests all of them through the real CLI on embedded
Prefect: the file with one process; the lake (a throwaway PostgreSQL catalog, Parquet in a
local folder) with one process, then with two processes at once (`--shard 1/2` and `2/2`),
while a reader process times a `GROUP BY` over `articles` on the lake. Wall time includes each
process's Prefect start. Afterwards each warehouse is checked to hold every input once.

    python bench/bench_lake_ingest.py [--n 1000] [--batch 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, load_labels, print_table

sys.path.insert(0, str(ROOT / "tests"))

IPWIRE = str(Path(sys.executable).with_name("ipwire"))
READER = """
import json, os, sys, time
from ipwire.warehouse import lake
address, stop = sys.argv[1], sys.argv[2]
took = []
while not os.path.exists(stop):
    t = time.perf_counter()
    with lake.connect_lake(address, read_only=True) as conn:
        conn.execute("SELECT outlet, count(*), avg(tone) FROM articles GROUP BY 1").fetchall()
    took.append(time.perf_counter() - t)
    time.sleep(0.2)
print(json.dumps(took))
"""


def make_inputs(folder: Path, n: int) -> None:
    texts = [row["text"] for row in load_labels()]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{i:06d}.txt").write_text(
            f"Report number {i} of the bench\n\n{texts[i % len(texts)]}", encoding="utf-8"
        )


def ingest(env: dict[str, str], folder: Path, shards: int) -> float:
    """Seconds until `shards` ingest processes (shard K/N each) have all finished."""
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [IPWIRE, "--quiet", "ingest", str(folder)]
            + (["--shard", f"{k}/{shards}"] if shards > 1 else []),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(1, shards + 1)
    ]
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"ingest failed ({p.returncode}):\n{out}\n{err[-2000:]}")
    return time.perf_counter() - started


def count(env: dict[str, str]) -> tuple[int, int]:
    done = subprocess.run(
        [IPWIRE, "--quiet", "sql", "--format", "json",
         "SELECT count(*) AS n, count(DISTINCT raw_id) AS d FROM raw_documents"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    row = json.loads(done.stdout)[0]
    return row["n"], row["d"]


def main() -> None:
    from pg_server import start_server

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ipwire-bench-lake-ingest-"))
    folder = tmp / "in"
    make_inputs(folder, args.n)
    (tmp / "ipwire.toml").write_text(
        f'[sources]\nbatch_size = {args.batch}\n[warehouse]\ndata_path = "{tmp / "files"}"\n',
        encoding="utf-8",
    )
    base = {**os.environ, "IPWIRE_CONFIG": str(tmp / "ipwire.toml")}
    load = os.getloadavg()
    print(f"{args.n} files in batches of {args.batch}, {os.cpu_count()} cores, "
          f"load {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}")  # fmt: skip
    rows, rates = [], {}
    pg = start_server(durable=True)  # fsync on, as a real catalog
    try:
        setups = [
            ("`.duckdb` file", 1, str(tmp / "file.duckdb")),
            ("DuckLake", 1, "ducklake:postgres:" + pg.create_database("one")),
            ("DuckLake", 2, "ducklake:postgres:" + pg.create_database("two")),
        ]
        for name, writers, db in setups:
            env = {**base, "IPWIRE_DB": db}
            reader, stop = None, tmp / f"stop-{len(rows)}"
            if db.startswith("ducklake:"):
                subprocess.run([IPWIRE, "--quiet", "db", "migrate"], env=env, check=True)
                reader = subprocess.Popen(
                    [sys.executable, "-c", READER, db, str(stop)], stdout=subprocess.PIPE, text=True
                )
            seconds = ingest(env, folder, writers)
            stop.touch()
            reads = json.loads(reader.communicate()[0]) if reader else []
            n, distinct = count(env)
            assert n == distinct == args.n, (name, writers, n, distinct)
            rate = args.n / seconds
            rates[(name, writers)] = rate
            ratio = rate / rates[("`.duckdb` file", 1)]
            p50 = f"{statistics.median(reads) * 1000:.0f} ms" if reads else "(snapshot)"
            p95 = (
                f"{statistics.quantiles(reads, n=20)[-1] * 1000:.0f} ms" if len(reads) > 2 else "–"
            )
            rows.append([name, writers, f"{seconds:.0f} s", f"{rate:.1f} ({ratio:.2f}×)",
                         f"{p50} / {p95}", f"{n:,} once each"])  # fmt: skip
    finally:
        pg.stop()
    print_table(
        ["store", "ingest processes", "wall", "articles/s", "reader p50 / p95", "inputs stored"],
        rows,
    )


if __name__ == "__main__":
    main()
