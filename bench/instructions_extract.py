"""Instructions per page of ipwire's HTML extractor vs bare trafilatura, under callgrind.

    python bench/instructions_extract.py [--pages 60]

CPU time on a shared machine moves by several per cent between runs; an instruction count
does not. Three runs of this script under ``valgrind --tool=callgrind`` read the same
wcxb-dev pages and warm both extractors up: one extracts nothing, one runs bare
``trafilatura.extract`` on every page, one ipwire's ``extract_from_html``. The first run's
count is subtracted from the other two. Needs valgrind (``apt-get install valgrind``); a
run takes minutes, since callgrind runs Python some fifty times slower.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import pack_pages, read_page

MODES = ("none", "bare", "ipwire")


def _work(mode: str, n: int) -> None:
    """What one callgrind run executes: read the pages, warm up, extract with one side."""
    import trafilatura

    from ipwire.tasks.clean import extract_from_html

    pages = [read_page(f) for f in pack_pages("wcxb-dev", "html")[:n]]
    warm = "<html><body><p>warm up</p></body></html>"
    extract_from_html(warm)
    trafilatura.extract(warm)
    fn = {"none": None, "bare": trafilatura.extract, "ipwire": extract_from_html}[mode]
    if fn is not None:
        for html in pages:
            fn(html)


def _count(mode: str, n: int, folder: Path) -> int:
    out = folder / f"callgrind.{mode}"
    cmd = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--work",
        mode,
        "--pages",
        str(n),
    ]
    # the same hash seed in every run: set and dict order, and so the work, are the same
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    for line in out.read_text(encoding="utf-8").splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals line in {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--work", choices=MODES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.work:
        _work(args.work, args.pages)
        return
    if shutil.which("valgrind") is None:
        sys.exit("instructions_extract: valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        counts = {mode: _count(mode, args.pages, Path(tmp)) for mode in MODES}
    bare = (counts["bare"] - counts["none"]) / args.pages
    mine = (counts["ipwire"] - counts["none"]) / args.pages
    print(f"pages: {args.pages} wcxb-dev HTML pages, each side run alone under callgrind")
    print(f"bare trafilatura.extract : {bare / 1e6:8.1f} M instructions per page")
    print(f"ipwire extract_from_html : {mine / 1e6:8.1f} M instructions per page")
    print(f"ratio (ipwire / bare)    : {mine / bare:8.3f}x")


if __name__ == "__main__":
    main()
