"""CPU per page and throughput of ipwire's HTML extractor against bare trafilatura.

    python bench/bench_extract.py [--limit N] [--workers 2] [--rounds 4] [--hostile]

CPU per page on one worker: each round starts two fresh processes, one timing bare
``trafilatura.extract`` over the pages and one timing ipwire's ``extract_from_html`` over
the same pages, the order swapping round by round; the ratio of a round is the figure and
the median of the rounds is the headline. Each side has a process of its own because a
process that runs both gives neither its own CPU: with ipwire's stages busy in the same
process, bare trafilatura ran 5-8% slower than alone (its caches are cold after ipwire's
work), which made ipwire look that much cheaper when the two were timed page by page in
one process.

Throughput: bare trafilatura in this process against ipwire in a pool of ``--workers``
processes (one page per task, as the CLI submits them), taking turns over slices of the
pages. The clean stage line times the whole per-document path (decode, budget checks,
extraction, article) in the same workers. ``--hostile`` times how long the clean stage
takes to refuse pages over its budget (a million elements; 200,000 elements with text)
and skips the rest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _common import pack_pages, peak_rss_mb, read_page

PACK = "wcxb-dev"
# Pages per turn when bare trafilatura and the pool alternate.
ROUND_PAGES = 180


def _load(limit: int | None) -> list[str]:
    return [read_page(f) for f in pack_pages(PACK, "html")[:limit]]


def _mine(html: str) -> float:
    """CPU seconds this worker spent on the page (wall time suffers on a shared machine)."""
    from ipwire.tasks.clean import extract_from_html

    t0 = time.process_time()
    extract_from_html(html)
    return time.process_time() - t0


def time_side(side: str, limit: int | None) -> dict:
    """CPU milliseconds per page of one extractor over the pack's pages, in this process.

    ``side`` is "bare" (``trafilatura.extract``) or "ipwire" (``extract_from_html``). The
    pages are read and the extractor warmed on the first 30 of them (rules, trees, caches
    loaded) before the timing starts; the process should time nothing else.
    """
    pages = _load(limit)
    if side == "bare":
        import trafilatura

        extract = trafilatura.extract
        where = trafilatura.__file__
    else:
        import ipwire.tasks.clean.html as stage

        extract = stage.extract_from_html
        where = stage.__file__
    for html in pages[:30]:
        extract(html)
    t0 = time.process_time()
    for html in pages:
        extract(html)
    took = time.process_time() - t0
    return {"side": side, "ms": 1000 * took / len(pages), "pages": len(pages), "code": where}


def _spawn_side(side: str, limit: int | None) -> dict:
    """:func:`time_side` in a fresh process."""
    # imported here: compare_checkouts runs this module over an older checkout's _common
    from _common import json_line_of

    args = [sys.executable, str(Path(__file__).resolve()), "--side", side]
    if limit:
        args += ["--limit", str(limit)]
    return json_line_of(args, f"timing {side} in a fresh process")


def one_worker_rounds(limit: int | None, rounds: int) -> list[tuple[float, float]]:
    """(bare ms, ipwire ms) per page for each round, each side in a fresh process."""
    out = []
    for r in range(rounds):
        sides = ("bare", "ipwire") if r % 2 == 0 else ("ipwire", "bare")
        got = {side: _spawn_side(side, limit)["ms"] for side in sides}
        out.append((got["bare"], got["ipwire"]))
        print(
            f"  round {r + 1}: bare {got['bare']:.2f} ms, ipwire {got['ipwire']:.2f} ms, "
            f"ratio {got['ipwire'] / got['bare']:.3f}",
            flush=True,
        )
    return out


def _stage(html: str) -> float:
    """CPU seconds of the clean stage's whole path for one page: decode, budget, extract."""
    from ipwire.tasks.clean import clean_document
    from ipwire.tasks.sources import make_raw

    raw = make_raw("page", "https://bench.invalid/p", "t", "text/html", html.encode("utf-8"))
    t0 = time.process_time()
    clean_document(raw)
    return time.process_time() - t0


def _hostile() -> None:
    """Wall time for the clean stage to refuse (or finish) pages far over a normal size."""
    from ipwire.tasks.clean import clean_document
    from ipwire.tasks.sources import make_raw

    pages = [
        b"<html><body>" + b"<div><b>xxxxxxxxxxxx</b></div>" * 500_000 + b"</body></html>",
        b"<html><body>" + b"<i>" * 1_000_000 + b"</body></html>",
        b"<html><body>"
        + b"<p>India and Pakistan talk again today.</p>" * 95_000
        + b"</body></html>",
    ]
    for data in pages:
        n = data.count(b"<") - data.count(b"</")
        name = f"{n:,} elements, {len(data) / 1e6:.0f} MB"
        raw = make_raw("page", "https://bench.invalid/huge", "t", "text/html", data)
        t0 = time.perf_counter()
        result = clean_document(raw)
        took = time.perf_counter() - t0
        outcome = getattr(result, "reason", "cleaned")
        detail = getattr(result, "detail", "")
        print(f"{name:28s}: {outcome} in {took:6.2f} s {detail}")


def _mine_text(text: str) -> int:
    from ipwire.tasks.clean import extract_from_text

    return len(extract_from_text(text).text)


def _warm(_: int) -> int:
    from ipwire.tasks.clean import extract_from_html

    return len(extract_from_html("<html><body><p>warm up</p></body></html>").text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=4, help="one-worker rounds (fresh processes)")
    ap.add_argument("--hostile", action="store_true", help="time refusals of huge pages only")
    ap.add_argument("--side", choices=("bare", "ipwire"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        print(json.dumps(time_side(args.side, args.limit)))
        return
    if args.hostile:
        _hostile()
        return
    if args.rounds < 1:
        sys.exit("error: --rounds must be at least 1")
    pages = _load(args.limit)
    n = len(pages)

    import trafilatura

    trafilatura.extract("<html><body><p>warm up</p></body></html>")
    bare = bare_cpu = mine = mine_cpu = 0.0
    with ProcessPoolExecutor(args.workers) as pool:
        list(pool.map(_warm, range(args.workers * 2)))
        # bare and pool take turns over slices of the pages, so a change in the machine's
        # load during the run falls on both sides instead of on whichever ran second
        for k, lo in enumerate(range(0, n, ROUND_PAGES)):
            part = pages[lo : lo + ROUND_PAGES]
            for side in ("bare", "pool") if k % 2 == 0 else ("pool", "bare"):
                t0, c0 = time.perf_counter(), time.process_time()
                if side == "bare":
                    for html in part:
                        trafilatura.extract(html)
                    bare += time.perf_counter() - t0
                    bare_cpu += time.process_time() - c0
                else:
                    # one page per task, as the CLI's pool submits them
                    mine_cpu += sum(pool.map(_mine, part))
                    mine += time.perf_counter() - t0
        dumps = [read_page(f) for f in pack_pages(PACK, "dumps")[: args.limit]]
        t0 = time.perf_counter()
        list(pool.map(_mine_text, dumps, chunksize=4))
        text_s = time.perf_counter() - t0
        stage_cpu = sum(pool.map(_stage, pages, chunksize=4))
    print(f"CPU per page on one worker, each side in a fresh process, {args.rounds} rounds:")
    rounds = one_worker_rounds(args.limit, args.rounds)
    ratios = [mine / bare for bare, mine in rounds]

    print(f"pages: {n} HTML, {len(dumps)} text dumps; workers: {args.workers}")
    print(f"bare trafilatura.extract, 1 process : {n / bare:7.1f} pages/s ({bare:.1f} s)")
    pool_name = f"{args.workers}-process pool"
    print(f"ipwire extract_from_html, {pool_name}: {n / mine:7.1f} pages/s ({mine:.1f} s)")
    print(f"throughput ratio (ipwire / bare)    : {bare / mine:7.2f}x (wall clock)")
    print(
        f"CPU per page: bare {1000 * bare_cpu / n:.1f} ms, ipwire {1000 * mine_cpu / n:.1f} ms; "
        f"ratio on {args.workers} idle cores: {args.workers * bare_cpu / mine_cpu:.2f}x"
    )
    print(
        f"CPU per page on one worker: bare {statistics.median(b for b, _ in rounds):.2f} ms, "
        f"ipwire {statistics.median(m for _, m in rounds):.2f} ms (medians); ratio "
        f"{statistics.median(ratios):.3f}x bare (median of {len(ratios)} rounds, "
        f"{min(ratios):.3f}-{max(ratios):.3f})"
    )
    print(
        f"clean stage (clean_document: decode, budget, extract), CPU per page: "
        f"{1000 * stage_cpu / n:.1f} ms"
    )
    print(
        f"ipwire extract_from_text, {args.workers}-process pool: "
        f"{len(dumps) / text_s:7.1f} pages/s ({text_s:.1f} s)"
    )
    print(
        f"peak RSS: parent {peak_rss_mb():.0f} MB, "
        f"largest worker {peak_rss_mb(children=True):.0f} MB"
    )


if __name__ == "__main__":
    main()
