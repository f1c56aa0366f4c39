"""`ipwire extract` (the real CLI, all cores) against bare single-process trafilatura.

Both read the same .html.gz files from disk and extract every page, in one run of this
script, alternating which goes first over `--rounds` rounds; the ratio of their pages/s is
the figure (the machine is shared, so absolute times move, ratios much less). CPU time per
page (all processes of the CLI, this process for trafilatura) is printed beside it: it
says how much of the ratio comes from using both cores and how much from the work itself.

    python bench/bench_extract_cli.py [--limit 711] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path

from _common import IPWIRE, pack_pages


def bare_trafilatura(files: list[Path]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for trafilatura.extract over every file, one process."""
    import trafilatura

    t, cpu = time.perf_counter(), time.process_time()
    for f in files:
        trafilatura.extract(gzip.decompress(f.read_bytes()))
    return time.perf_counter() - t, time.process_time() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ipwire_cli(files: list[Path]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the CLI and its workers) for `ipwire extract`."""
    t, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [str(IPWIRE), "--quiet", "extract", "--format", "jsonl", *map(str, files)],
        stdout=subprocess.DEVNULL,
    )
    if done.returncode not in (0, 3):  # 3: some pages rejected (named on stderr), the rest out
        raise SystemExit(f"ipwire extract exited {done.returncode}")
    return time.perf_counter() - t, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = pack_pages("wcxb-dev", "html")[: args.limit]
    import trafilatura  # noqa: F401  (import cost outside the timing)

    bare, cli = [], []
    for r in range(args.rounds):
        order = [(bare_trafilatura, bare), (ipwire_cli, cli)]
        for fn, out in order if r % 2 == 0 else order[::-1]:
            out.append(fn(files))
    n = len(files)
    (b, b_cpu), (c, c_cpu) = min(bare), min(cli)
    print(f"{n} pages, {os.cpu_count()} cores, best of {args.rounds} rounds (alternating order)")
    print(
        f"bare trafilatura.extract, 1 process : {b:6.1f} s  {n / b:6.1f} pages/s"
        f"  CPU {1000 * b_cpu / n:5.1f} ms/page"
    )
    print(
        f"ipwire extract (CLI, process pool)  : {c:6.1f} s  {n / c:6.1f} pages/s"
        f"  CPU {1000 * c_cpu / n:5.1f} ms/page (incl. start-up)"
    )
    print(f"throughput ratio ipwire / trafilatura: {b / c:.2f}x")
    rounds = sorted(x[0] / y[0] for x, y in zip(bare, cli, strict=True))
    print(
        f"ratio in each round (sorted): {' '.join(f'{r:.2f}' for r in rounds)}"
        f"; median {statistics.median(rounds):.2f}x"
    )


if __name__ == "__main__":
    main()
