"""HTML extraction CPU of this checkout and another one, each as a ratio to bare trafilatura.

    python bench/compare_checkouts.py OTHER_CHECKOUT [--rounds 4] [--limit N]

A code change's cost is a difference of a few thousandths in the ratio that
``bench_extract.py`` prints, and the machine's load moves that ratio by more from one
minute to the next. So the two codes run in turns: each round starts one process per
checkout, the order swapping round by round, and each process times bare
``trafilatura.extract`` and its own ``extract_from_html`` page by page (every page in both
orders, as ``bench_extract.py`` does on one worker). The pairs of a round saw the same
machine; their difference is the change's cost.

OTHER_CHECKOUT is a folder holding another commit of ipwire (``git worktree add ../old
HEAD~3``) beside this one, so both read the shared packs. Each process runs in its
checkout's folder and imports that checkout's stages (see ``_common``); the run stops if
one timed another checkout's code.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve()
PACK = "wcxb-dev"


def _worker(limit: int | None) -> None:
    """Run in a checkout's folder: time both extractors there, print one JSON line."""
    root = Path.cwd()
    sys.path[:0] = [str(root / "bench"), str(root)]
    import ipwire

    # as _common does (older commits' _common does not): this checkout's stages, not those
    # of the checkout the editable install was made from
    if str(root) not in ipwire.__path__:
        ipwire.__path__.append(str(root))
    import trafilatura
    from _common import pack_pages, read_page

    import ipwire.tasks.clean.html as stage

    # the page-by-page pair of bench_extract.py (this checkout's script; its stages resolve
    # to the folder's checkout), each page in both orders as its one-worker line does
    spec = importlib.util.spec_from_file_location(
        "bench_extract", HERE.with_name("bench_extract.py")
    )
    bench = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(bench)
    pages = [read_page(f) for f in pack_pages(PACK, "html")[:limit]]
    for html in pages[:30]:  # rules, trees and caches loaded outside the timing
        stage.extract_from_html(html)
        trafilatura.extract(html)
    pairs = [bench._both(html, i % 2 == first) for first in (0, 1) for i, html in enumerate(pages)]
    bare, ours = sum(b for b, _ in pairs), sum(m for _, m in pairs)
    n = 2 * len(pages)
    print(
        json.dumps(
            {
                "stage": stage.__file__,
                "ipwire_ms": 1000 * ours / n,
                "bare_ms": 1000 * bare / n,
                "ratio": ours / bare,
            }
        )
    )


def _run(checkout: Path, limit: int | None) -> dict:
    # this script's worker runs in the other checkout's folder, so an older commit without
    # the script is timed all the same
    args = [sys.executable, str(HERE), "--worker"]
    if limit:
        args += ["--limit", str(limit)]
    out = subprocess.run(args, cwd=checkout, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", nargs="?", type=Path, help="the other checkout's folder")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--limit", type=int, default=None, help="first N pages only")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(args.limit)
        return
    if args.other is None or not (args.other / "ipwire").is_dir():
        sys.exit("error: give the folder of another ipwire checkout")
    mine, other = HERE.parents[1], args.other.resolve()
    ratios: dict[Path, list[float]] = {mine: [], other: []}
    for r in range(args.rounds):
        order = (mine, other) if r % 2 == 0 else (other, mine)
        for checkout in order:
            got = _run(checkout, args.limit)
            if not got["stage"].startswith(str(checkout)):
                sys.exit(f"error: {checkout} timed the stages of {got['stage']}")
            ratios[checkout].append(got["ratio"])
            print(
                f"round {r + 1}  {checkout.name:>12}: ipwire {got['ipwire_ms']:.2f} ms, "
                f"bare {got['bare_ms']:.2f} ms, ratio {got['ratio']:.3f}",
                flush=True,
            )
    diffs = [a - b for a, b in zip(ratios[mine], ratios[other], strict=True)]
    print(
        f"median ratio to bare trafilatura: {mine.name} {statistics.median(ratios[mine]):.3f}, "
        f"{other.name} {statistics.median(ratios[other]):.3f}; "
        f"difference by round: {', '.join(f'{d:+.3f}' for d in diffs)}"
    )


if __name__ == "__main__":
    main()
