"""Throughput of the default classifier on one core.

Classifies the labelled news texts (../shared/eval/labels/dev.jsonl) and the seeds several
times in one process and prints articles per second, next to the cost of loading the taxonomy.

    .venv/bin/python bench/bench_classify.py [--rounds N] [--rules-only]

`--rules-only` drops the learned heads (classifier_model.json) to show what they cost.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

from _common import LABELS, ROOT, load_labels

from ipwire.tasks.classify import classify_many, load_taxonomy


def corpus() -> list[tuple[str, str | None]]:
    items: list[tuple[str, str | None]] = []
    if LABELS.exists():
        items += [(row["text"], None) for row in load_labels()]
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        items.append((path.read_text(encoding="utf-8"), None))
    return items


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rules-only", action="store_true", help="without the learned heads")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    t0 = time.perf_counter()
    tax = load_taxonomy()
    load_s = time.perf_counter() - t0
    if args.rules_only:
        tax = dataclasses.replace(tax, model=None)

    items = corpus()
    chars = sum(len(t) for t, _ in items)
    classify_many(items[:20], taxonomy=tax)  # warm-up
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        classify_many(items, taxonomy=tax)
    elapsed = time.perf_counter() - t0
    n = len(items) * args.rounds
    print(f"classifier {tax.version}, one core, {len(items)} texts x {args.rounds} rounds")
    print(f"taxonomy load      {load_s * 1000:8.1f} ms")
    print(f"articles/s         {n / elapsed:8.0f}")
    print(f"chars/s            {chars * args.rounds / elapsed:8.0f}")
    print(f"ms per article     {elapsed / n * 1000:8.2f}  (mean {chars / len(items):.0f} chars)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
