"""Storage throughput: a DuckLake on PostgreSQL with 1 and 2 writer processes, beside a plain
`.duckdb` file with its one writer, measured side by side in one run.

Each article brings the rows the loader writes for it (raw document with its bytes, article,
topics, actors, evidence, stripped blocks), built from the labelled dev texts with a unique
first line. Batches of 200 go in one transaction each: on the file through the loader's
`ON CONFLICT DO NOTHING` inserts, on the lake through a staging table and an anti-join under a
claim (`lake.run_batch`), since a lake has no keys. A reader process queries the lake while the
writers commit. The catalog is a throwaway PostgreSQL (tests/pg_server.py) with fsync on.

    python bench/bench_lake.py [--n 10000] [--batch 200]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, load_labels, print_table

sys.path.insert(0, str(ROOT / "tests"))

AT = "2026-11-22T00:00:00+00:00"
TOPICS = ("diplomacy", "kashmir", "military", "trade_economy")
ACTORS = (("India", "state"), ("Pakistan", "state"), ("ISI", "agency"))
READ_SQL = (
    "SELECT outlet, count(*), avg(tone) FROM articles WHERE is_relevant GROUP BY outlet"
    " ORDER BY 2 DESC LIMIT 5"
)


def article_rows(i: int, texts: list[str]) -> dict[str, list[list]]:
    """The rows of article `i`, by table."""
    body = f"Report number {i} of the storage bench\n\n{texts[i % len(texts)]}"
    aid = hashlib.sha1(f"article:{i}".encode()).hexdigest()[:16]
    rid = hashlib.sha1(f"raw:{i}".encode()).hexdigest()[:16]
    digest = hashlib.sha256(body.encode()).hexdigest()
    ref = f"/bench/{i:07d}.txt"
    return {
        "raw_documents": [
            [rid, "file", ref, None, AT, "text/plain", digest, body.encode(), "{}", "bench"]
        ],
        "articles": [
            [
                aid,
                rid,
                "file",
                ref,
                None,
                None,
                f"outlet{i % 40}.example",
                "IN",
                body.split("\n", 1)[0],
                None,
                "2026-11-21T08:00:00+05:30",
                "2026-11-21",
                AT,
                "en",
                body,
                len(body.split()),
                digest,
                "text",
                1,
                None,
                None,
                None,
                f"story{i // 7}",
                [],
                0.7,
                i % 3 != 0,
                "bilateral",
                -0.2,
                "bench-1",
                "bench",
                "bench",
            ]
        ],
        "article_topics": [[aid, t, 0.5, ["A sentence."]] for t in TOPICS[: 1 + i % 3]],
        "article_actors": [[aid, a, k, 1 + i % 4] for a, k in ACTORS],
        "article_evidence": [[aid, "relevance", o, f"Evidence {o}."] for o in range(3)],
        "stripped_blocks": [[aid, o, "related-links", f"Teaser {o}"] for o in range(5)],
    }


def batch_rows(indexes: range, texts: list[str]) -> dict[str, list[list]]:
    out: dict[str, list[list]] = {}
    for i in indexes:
        for table, rows in article_rows(i, texts).items():
            out.setdefault(table, []).extend(rows)
    return out


KEYED = {"raw_documents": "raw_id", "articles": "article_id"}


def stage(conn, rows: dict[str, list[list]]) -> None:
    """Bind a batch's rows into in-memory staging tables, outside any transaction on the
    store: parameter binding costs the same for both stores and is not what is measured."""
    from ipwire.tasks.load_rows import insert_rows

    for table, part in rows.items():
        conn.execute(f"DELETE FROM temp.stage_{table}")
        insert_rows(conn, f"INSERT INTO temp.stage_{table}", part)


def write_file_batch(conn, tables: list[str]) -> None:
    """The file's way: keyed tables with `ON CONFLICT DO NOTHING`, like the loader."""
    for table in tables:
        suffix = " ON CONFLICT DO NOTHING" if table in KEYED else ""
        conn.execute(f"INSERT INTO {table} SELECT * FROM temp.stage_{table}{suffix}")


def write_lake_batch(conn, tables: list[str]) -> None:
    """The lake's way: keyed tables through an anti-join (under a claim), the rest appended."""
    for table in tables:
        where = ""
        if table in KEYED:
            key = KEYED[table]
            where = f" WHERE {key} NOT IN (SELECT {key} FROM {table})"
        conn.execute(f"INSERT INTO {table} SELECT * FROM temp.stage_{table}{where}")


def writer(args: argparse.Namespace) -> None:
    """One writer process: its share of the articles, batch by batch; JSON timings out."""
    texts = [r["text"] for r in load_labels()]
    first, last = map(int, args.range.split(":"))
    tables = list(article_rows(0, texts))
    latencies, attempts = [], 0
    is_lake = args.target.startswith("ducklake:")
    if is_lake:
        from ipwire.warehouse import lake

        conn = lake.connect_lake(args.target, args.data_path)
        stats = lake.BatchStats()
    else:
        from ipwire.warehouse import db as wh

        conn = wh.connect(args.target)
    for table in tables:
        conn.execute(f"CREATE TEMP TABLE stage_{table} AS SELECT * FROM {table} LIMIT 0")
    for start in range(first, last, args.batch):
        stage(conn, batch_rows(range(start, min(start + args.batch, last)), texts))
        t = time.perf_counter()
        if is_lake:
            lake.run_batch(
                conn,
                lambda c: write_lake_batch(c, tables),
                claims=["articles"],
                retries=30,
                stats=stats,
            )
        else:
            conn.execute("BEGIN TRANSACTION")
            write_file_batch(conn, tables)
            conn.execute("COMMIT")
            attempts += 1
        latencies.append(time.perf_counter() - t)
    if is_lake:
        attempts = stats.attempts
    conn.close()
    print(json.dumps({"latencies": latencies, "attempts": attempts}))


def reader(args: argparse.Namespace) -> None:
    """Query the lake until the stop file appears; JSON latencies out."""
    from ipwire.warehouse import lake

    conn = lake.connect_lake(args.target, args.data_path, read_only=True)
    latencies = []
    while not os.path.exists(args.stop):
        t = time.perf_counter()
        conn.execute(READ_SQL).fetchall()
        latencies.append(time.perf_counter() - t)
        time.sleep(0.2)
    print(json.dumps({"latencies": latencies}))


def _spawn(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, env=env
    )


def _result(p: subprocess.Popen) -> dict:
    out, _ = p.communicate()
    if p.returncode:
        raise SystemExit(f"a bench process failed (exit {p.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def catalog_state(conn) -> tuple[int, int]:
    """(snapshots, bytes of the catalog database) of a lake."""
    snaps = conn.execute("SELECT count(*) FROM lake.snapshots()").fetchone()[0]
    size = conn.execute(
        "SELECT * FROM postgres_query('__ducklake_metadata_lake',"
        " 'SELECT pg_database_size(current_database())')"
    ).fetchone()[0]
    return snaps, size


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_config(
    name: str, target: str, data_path: str, n: int, batch: int, writers: int, scratch: Path
) -> dict:
    share = -(-n // writers)
    stop = scratch / f"stop-{name}"
    read = None
    if target.startswith("ducklake:"):
        read = _spawn(
            "--role", "reader", "--target", target, "--data-path", data_path, "--stop", str(stop)
        )
    t = time.perf_counter()
    procs = [
        _spawn(
            "--role",
            "writer",
            "--target",
            target,
            "--data-path",
            data_path,
            "--range",
            f"{w * share}:{min(n, (w + 1) * share)}",
            "--batch",
            str(batch),
        )
        for w in range(writers)
    ]
    results = [_result(p) for p in procs]
    wall = time.perf_counter() - t
    stop.touch()
    reads = _result(read)["latencies"] if read else []
    lat = [x for r in results for x in r["latencies"]]
    batches = len(lat)
    tenth = max(1, len(results[0]["latencies"]) // 10)  # per writer, in its own batch order
    early = [x for r in results for x in r["latencies"][:tenth]]
    late = [x for r in results for x in r["latencies"][-tenth:]]
    return {
        "name": name,
        "writers": writers,
        "wall": wall,
        "rate": n / wall,
        "p50": statistics.median(lat),
        "p95": pct(lat, 0.95),
        "first": statistics.median(early),
        "last": statistics.median(late),
        "tx_rate": n / (sum(lat) / writers),
        "retried": sum(r["attempts"] for r in results) - batches,
        "reads": len(reads),
        "read_p50": statistics.median(reads) if reads else None,
        "read_p95": pct(reads, 0.95) if reads else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--role", choices=("main", "writer", "reader"), default="main")
    ap.add_argument("--target")
    ap.add_argument("--data-path")
    ap.add_argument("--range")
    ap.add_argument("--stop")
    args = ap.parse_args()
    if args.role == "writer":
        return writer(args)
    if args.role == "reader":
        return reader(args)

    from pg_server import start_server

    from ipwire.warehouse import lake

    scratch = Path(tempfile.mkdtemp(prefix="ipwire-bench-lake-"))
    server = start_server(durable=True)
    rows = []
    sizes = {}
    try:
        file_db = scratch / "bench.duckdb"
        rows.append(run_config("duckdb file", str(file_db), "", args.n, args.batch, 1, scratch))
        sizes["duckdb file"] = (file_db.stat().st_size, None)
        for writers in (1, 2):
            address = "ducklake:postgres:" + server.create_database(f"bench{writers}")
            data = scratch / f"lake{writers}"
            conn = lake.connect_lake(address, data)
            lake.migrate(conn)
            before = catalog_state(conn)
            conn.close()
            name = f"ducklake, {writers} writer{'s' if writers > 1 else ''}"
            rows.append(run_config(name, address, str(data), args.n, args.batch, writers, scratch))
            conn = lake.connect_lake(address, data)
            assert conn.execute(
                "SELECT count(DISTINCT article_id), count(*) FROM articles"
            ).fetchone() == (args.n, args.n)
            after = catalog_state(conn)
            snaps, catalog = after[0] - before[0], after[1] - before[1]
            files = len(list(data.rglob("*.parquet")))
            conn.close()
            sizes[name] = (du(data), snaps, files, catalog)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    ms = lambda s: f"{s * 1000:.0f}" if s is not None else "n/a"  # noqa: E731
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.n} articles in batches of {args.batch}, {os.cpu_count()} cores, load {load}\n")
    print_table(
        [
            "store",
            "writers",
            "articles/s",
            "in transactions",
            "batch commit p50 ms",
            "p95 ms",
            "p50 first/last tenth",
            "retried batches",
            "reader p50 ms",
            "reader p95 ms",
            "reads",
        ],
        [
            [
                r["name"],
                r["writers"],
                f"{r['rate']:.0f}",
                f"{r['tx_rate']:.0f}",
                ms(r["p50"]),
                ms(r["p95"]),
                f"{ms(r['first'])}/{ms(r['last'])}",
                r["retried"],
                ms(r["read_p50"]),
                ms(r["read_p95"]),
                r["reads"],
            ]
            for r in rows
        ],
    )
    base = rows[0]["rate"]
    print(
        "\nthroughput relative to the file: "
        + ", ".join(f"{r['name']} {r['rate'] / base:.2f}x" for r in rows[1:])
    )
    print("storage per article:")
    for k, v in sizes.items():
        line = f"  {k}: {v[0] / args.n / 1024:.1f} KiB"
        if len(v) > 2:
            line += (
                f" of Parquet ({v[2]} files); catalog grew {v[3] / 2**20:.1f} MiB over"
                f" {v[1]} commits = {v[3] / v[1] / 1024:.1f} KiB per commit"
            )
        print(line)
    print("(the file's readers use its snapshot: the live file is locked by its writer)")


if __name__ == "__main__":
    main()
