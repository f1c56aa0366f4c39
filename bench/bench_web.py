"""Web ingestion throughput against a local HTTP server: feeds and pages per second.

Serves synthetic RSS/Atom feeds whose items link to real pages (the shared WCXB dev set) from
127.0.0.1, then measures in one run:
  1. feeds fetched + parsed per second (first visit, full bodies);
  2. pages fetched per second, and fetched + extracted (clean stage) per second;
  3. the same feeds re-checked with conditional GET (all answered 304);
and, for each, the share of wall time spent outside HTTP waits (parsing, extraction, our
own overhead). The per-host delay is 0 here: the figures are ipwire's own cost, not politeness.

    .venv/bin/python bench/bench_web.py [--feeds 20] [--items 10] [--pages 100] [--no-extract]

`--memory` measures instead the peak memory of whole ingest runs over one feed of large
pages, each run in a fresh process: with a small `[sources] batch_size` and with one batch as
large as the feed. Pages flow through clean -> load a batch at a time, so the peak of Python
allocations (tracemalloc: page bytes, decoded text, records) stays flat with a small batch
and grows with the feed with a large one. Peak RSS is shown too; it also holds native
memory (DuckDB's buffer pool, lxml, the embedded Prefect API) that does not follow the batch.

    .venv/bin/python bench/bench_web.py --memory [--entries 60] [--page-mb 1] [--batches 5,1000]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from _common import ROOT

sys.path.insert(0, str(ROOT / "tests"))

from webserver import ATOM, HTML, RSS, LocalSite, atom_feed, rss_feed, wcxb_pages  # noqa: E402

from ipwire.tasks.web import PAGE_TYPES, Fetcher, HttpSettings, parse_feed  # noqa: E402


def _line(label: str, n: int, wall: float, wait: float) -> str:
    rate = n / wall if wall else float("inf")
    outside = 1 - wait / wall if wall else 0.0
    return (
        f"{label:<34} {n:>5} in {wall:6.2f} s = {rate:8.1f}/s   outside HTTP waits {outside:6.1%}"
    )


def big_page(i: int, page_mb: float) -> bytes:
    """An article of its own words followed by a large script, as heavy pages carry."""
    words = " ".join(f"w{(i * 7919 + k) % 100_003}" for k in range(120))
    paragraphs = "".join(
        f"<p>India and Pakistan: talks in round {i}, part {k}. {words}</p>" for k in range(4)
    )
    filler = "x" * int(page_mb * 1_000_000)
    html = (
        f"<html><head><title>Story {i}</title></head><body><article>{paragraphs}</article>"
        f'<script>var blob = "{filler}";</script></body></html>'
    )
    return html.encode("utf-8")


def memory_child(batch: int, entries: int, page_mb: float) -> None:
    """One ingest run in this process; prints its peak Python allocations (tracemalloc), its
    peak RSS (MB) and wall time."""
    import os
    import resource
    import tempfile
    import tracemalloc
    from pathlib import Path

    work = Path(tempfile.mkdtemp(prefix="ipwire-bench-mem-"))
    os.environ["PREFECT_HOME"] = str(work / "prefect")
    os.environ.pop("PREFECT_API_URL", None)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from ipwire.flows.ingest import ingest

    with LocalSite() as site:
        site.serve_robots("User-agent: *\n")
        items = []
        for i in range(entries):
            site.serve(f"/p/{i}.html", big_page(i, page_mb), content_type=HTML)
            items.append((f"Story {i}", site.url(f"/p/{i}.html"), "Summary."))
        site.serve("/big.xml", rss_feed("Big", items), content_type=RSS)
        cfg = work / "ipwire.toml"
        cfg.write_text(
            f"[sources]\nbatch_size = {batch}\n\n[http]\nper_host_delay_s = 0.0\n"
            f'retries = 0\nallow_hosts = ["127.0.0.1"]\nmax_entries_per_feed = {entries}\n\n'
            f'[[feeds]]\nname = "big"\nurl = "{site.url("/big.xml")}"\n'
        )
        tracemalloc.start(1)
        t0 = time.perf_counter()
        summary = ingest(db=str(work / "wh.duckdb"), config=str(cfg))
        wall = time.perf_counter() - t0
        traced = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{batch} {summary.new} {traced:.0f} {rss:.0f} {wall:.1f}")


def memory(entries: int, page_mb: float, batches: list[int]) -> None:
    import subprocess

    print(
        f"one feed of {entries} pages of {page_mb:g} MB ({entries * page_mb:g} MB in all), "
        "whole ingest runs, each in a fresh process"
    )
    print(f"{'batch_size':>10} {'loaded':>7} {'peak Python heap':>17} {'peak RSS':>9}  wall")
    for batch in batches:
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(batch), "--entries", str(entries),
             "--page-mb", str(page_mb)],
            capture_output=True, text=True, check=True,
        ).stdout.split()[-5:]  # fmt: skip
        b, new, traced, rss, wall = out
        print(f"{b:>10} {new:>7} {traced:>14} MB {rss:>6} MB  {wall} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--no-extract", action="store_true", help="skip the clean-stage extraction")
    ap.add_argument("--memory", action="store_true", help="peak memory of whole ingest runs")
    ap.add_argument("--entries", type=int, default=60, help="--memory: pages in the feed")
    ap.add_argument("--page-mb", type=float, default=1.0, help="--memory: size of each page")
    ap.add_argument("--batches", default="5,1000", help="--memory: batch sizes to compare")
    ap.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.entries, args.page_mb)
        return
    if args.memory:
        memory(args.entries, args.page_mb, [int(b) for b in args.batches.split(",")])
        return

    extract = None
    if not args.no_extract:
        try:
            from ipwire.tasks.clean import decode_bytes, extract_from_html

            def extract(data: bytes, url: str) -> int:
                return len(extract_from_html(decode_bytes(data, html=True), url=url).text)
        except ImportError as exc:  # the clean stage is optional for this figure
            print(f"(extraction skipped: {exc})")

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log on stderr
    pages = wcxb_pages(args.pages)
    with LocalSite() as site:
        site.serve_robots("User-agent: *\nDisallow: /private/\n")
        for page_id, html in pages:
            site.serve(f"/page/{page_id}", html, content_type=HTML)
        feed_urls = []
        for f in range(args.feeds):
            items = []
            for i in range(args.items):
                page_id = pages[(f * args.items + i) % len(pages)][0]
                items.append((f"Item {f}-{i}", site.url(f"/page/{page_id}"), "Summary text."))
            maker, ctype = (rss_feed, RSS) if f % 2 == 0 else (atom_feed, ATOM)
            path = f"/feed/{f}.xml"
            site.serve_conditional(path, maker(f"Feed {f}", items), content_type=ctype,
                                   etag=f'"feed-{f}"', last_modified=None)  # fmt: skip
            feed_urls.append(site.url(path))

        settings = HttpSettings(allow_hosts=("127.0.0.1",), per_host_delay_s=0.0, retries=0)
        with Fetcher(settings) as fetcher:
            fetcher.fetch(site.url("/robots.txt"), accept=("text/plain",))  # warm the robots cache

            # 1. feeds, first visit
            t0, wait, etags, links = time.perf_counter(), 0.0, {}, []
            for url in feed_urls:
                out = fetcher.fetch(url)
                wait += out.wait_s
                etags[url] = out.etag
                links.extend(e.link for e in parse_feed(out.content, url=url).entries)
            feed_line = _line(
                "feeds fetched + parsed", len(feed_urls), time.perf_counter() - t0, wait
            )

            # 2. pages (each distinct link once), fetched, then fetched + extracted
            unique = list(dict.fromkeys(links))
            t0, wait, bodies = time.perf_counter(), 0.0, []
            for url in unique:
                out = fetcher.fetch(url, accept=PAGE_TYPES)
                wait += out.wait_s
                bodies.append((out.content, url))
            fetch_wall = time.perf_counter() - t0
            page_line = _line("pages fetched", len(unique), fetch_wall, wait)
            extract_line = ""
            if extract is not None:
                t1 = time.perf_counter()
                chars = sum(extract(body, url) for body, url in bodies)
                total = fetch_wall + time.perf_counter() - t1
                extract_line = _line("pages fetched + extracted", len(unique), total, wait)
                extract_line += f"   ({chars} chars of text)"

            # 3. feeds again, conditional GET
            t0, wait, statuses = time.perf_counter(), 0.0, set()
            for url in feed_urls:
                out = fetcher.fetch(url, etag=etags[url])
                wait += out.wait_s
                statuses.add(str(out.status))
            recheck = _line(f"feeds re-checked ({'/'.join(sorted(statuses))})",
                            len(feed_urls), time.perf_counter() - t0, wait)  # fmt: skip

    print(f"local server 127.0.0.1, {args.feeds} feeds x {args.items} items, "
          f"{len(unique)} distinct real pages (WCXB dev), per-host delay 0")  # fmt: skip
    for line in (feed_line, page_line, extract_line, recheck):
        if line:
            print(line)


if __name__ == "__main__":
    main()
