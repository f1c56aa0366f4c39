"""End-to-end ingest throughput: the whole flow on embedded Prefect, and each stage alone.

Writes N text files made from the real dev texts (each given a unique first line so that
none is an exact copy), ingests them into a scratch warehouse through the ingest flow, then
times the same stages as plain functions on a second scratch warehouse. Prints articles/s,
the share of time per stage, the flow's overhead as a ratio, and peak memory.

    python bench/bench_ingest.py [--n 2000] [--batch 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import load_labels, peak_rss_mb


def make_inputs(folder: Path, n: int) -> None:
    texts = [row["text"] for row in load_labels()]
    for i in range(n):
        body = texts[i % len(texts)]
        (folder / f"{i:06d}.txt").write_text(
            f"Report number {i} of the bench\n\n{body}", encoding="utf-8"
        )


def stages_alone(folder: Path, db: Path, batch: int) -> dict[str, float]:
    from ipwire.tasks import classify, clean, dedup, load, sources
    from ipwire.warehouse import db as wh

    timings = dict.fromkeys(("read", "clean", "dedup", "classify", "stories", "load"), 0.0)
    files, _ = sources.discover([str(folder)], [".txt"])
    taxonomy = classify.load_taxonomy()
    at = load.now_utc()
    with wh.connect(db) as conn:
        load.begin_run(conn, "bench", at, [str(folder)])
        for i in range(0, len(files), batch):
            t = time.perf_counter()
            raws, _ = sources.read_files(files[i : i + batch], at, 10_000_000)
            timings["read"] += time.perf_counter() - t
            t = time.perf_counter()
            articles, rejected = clean.clean_batch(raws)
            timings["clean"] += time.perf_counter() - t
            t = time.perf_counter()
            dedup.find_duplicates(conn, articles)
            timings["dedup"] += time.perf_counter() - t
            t = time.perf_counter()
            for a, c in zip(
                articles,
                classify.classify_many([(a.body, a.title) for a in articles], taxonomy=taxonomy),
                strict=True,
            ):
                a.classification = c
            timings["classify"] += time.perf_counter() - t
            t = time.perf_counter()
            dedup.assign_stories(conn, articles)
            timings["stories"] += time.perf_counter() - t
            t = time.perf_counter()
            load.load_batch(conn, "bench", raws, articles, rejected, at)
            timings["load"] += time.perf_counter() - t
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    from ipwire import prefect_env

    prefect_env.configure()
    from ipwire.flows.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        make_inputs(folder, args.n)
        cfg = Path(tmp) / "ipwire.toml"
        cfg.write_text(f"[sources]\nbatch_size = {args.batch}\n")
        t = time.perf_counter()
        summary = ingest(sources=[str(folder)], db=str(Path(tmp) / "flow.duckdb"), config=str(cfg))
        flow_s = time.perf_counter() - t
        timings = stages_alone(folder, Path(tmp) / "plain.duckdb", args.batch)
    plain_s = sum(timings.values())
    print(
        f"articles: {args.n} files, batch {args.batch}; flow loaded {summary.new} new, "
        f"{summary.duplicate} duplicate, {summary.rejected} rejected"
    )
    print(
        f"flow (embedded Prefect, incl. ~10 s API start): {flow_s:7.1f} s  "
        f"{args.n / flow_s:7.1f} articles/s"
    )
    print(
        f"stages as plain functions:                      {plain_s:7.1f} s  "
        f"{args.n / plain_s:7.1f} articles/s   flow/plain = {flow_s / plain_s:.2f}"
    )
    for name, secs in timings.items():
        print(
            f"  {name:<9} {secs:7.2f} s  {100 * secs / plain_s:5.1f}%  "
            f"{1000 * secs / args.n:6.2f} ms/article"
        )
    peak = peak_rss_mb()
    print(f"peak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
