"""HTML extraction CPU of this checkout and another one, each as a ratio to bare trafilatura.

    python bench/compare_checkouts.py OTHER_CHECKOUT [--rounds 3] [--limit N]

A code change's cost is a few thousandths of the ratio that ``bench_extract.py`` prints,
and the machine's load moves that ratio by more from one minute to the next. So the codes
run in turns: each round starts three fresh processes, one timing bare
``trafilatura.extract`` and one timing each checkout's ``extract_from_html`` over the same
pages (``bench_extract.time_side``), the order rotating round by round (so a multiple of three
rounds puts each process in each place equally often). Each checkout's
ratio is taken to the same round's bare figure; the difference of the two ratios, round by
round, is the change's cost.

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
import sys
from pathlib import Path

HERE = Path(__file__).resolve()


def _worker(side: str, limit: int | None) -> None:
    """Run in a checkout's folder: time one extractor there, print one JSON line."""
    root = Path.cwd()
    sys.path[:0] = [str(root / "bench"), str(root)]
    import ipwire

    # as _common does (older commits' _common does not): this checkout's stages, not those
    # of the checkout the editable install was made from
    if str(root) not in ipwire.__path__:
        ipwire.__path__.append(str(root))
    # this script's timing (its stages resolve to the folder's checkout), so an older commit
    # without it is timed the same way
    spec = importlib.util.spec_from_file_location(
        "bench_extract", HERE.with_name("bench_extract.py")
    )
    bench = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(bench)
    print(json.dumps(bench.time_side(side, limit)))


def _run(side: str, checkout: Path, limit: int | None) -> dict:
    # imported here, in the parent only: a worker must import the other checkout's modules
    from _common import json_line_of

    args = [sys.executable, str(HERE), "--worker", side]
    if limit:
        args += ["--limit", str(limit)]
    return json_line_of(args, f"timing {side} in {checkout}", cwd=checkout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", nargs="?", type=Path, help="the other checkout's folder")
    ap.add_argument("--rounds", type=int, default=3, help="a multiple of 3 balances the order")
    ap.add_argument("--limit", type=int, default=None, help="first N pages only")
    ap.add_argument("--worker", choices=("bare", "ipwire"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(args.worker, args.limit)
        return
    if args.other is None or not (args.other / "ipwire").is_dir():
        sys.exit("error: give the folder of another ipwire checkout")
    if args.rounds < 1:
        sys.exit("error: --rounds must be at least 1")
    mine, other = HERE.parents[1], args.other.resolve()
    runs = [("bare", mine), ("ipwire", mine), ("ipwire", other)]
    ratios: dict[Path, list[float]] = {mine: [], other: []}
    for r in range(args.rounds):
        got: dict[tuple[str, Path], dict] = {}
        for side, checkout in runs[r % 3 :] + runs[: r % 3]:
            got[side, checkout] = _run(side, checkout, args.limit)
            if side == "ipwire" and not Path(got[side, checkout]["code"]).is_relative_to(checkout):
                sys.exit(f"error: {checkout} timed the stages of {got[side, checkout]['code']}")
        bare = got["bare", mine]["ms"]
        line = [f"round {r + 1}: bare {bare:.2f} ms"]
        for checkout in (mine, other):
            ms = got["ipwire", checkout]["ms"]
            ratios[checkout].append(ms / bare)
            line.append(f"{checkout.name} {ms:.2f} ms ({ms / bare:.3f}x)")
        print(", ".join(line), flush=True)
    diffs = [a - b for a, b in zip(ratios[mine], ratios[other], strict=True)]
    print(
        f"median ratio to bare trafilatura: {mine.name} {statistics.median(ratios[mine]):.3f}, "
        f"{other.name} {statistics.median(ratios[other]):.3f}; "
        f"difference by round: {', '.join(f'{d:+.3f}' for d in diffs)}"
    )


if __name__ == "__main__":
    main()
