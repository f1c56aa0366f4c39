"""Write every stage's outputs over the shared evaluation data, to prove a refactor changed none.

A move of code ("same outputs before and after") is checked, not assumed: run this before and
after, then compare the two folders (``diff -r`` or ``--compare``). It writes

  extract-<pack>-html.jsonl, extract-<pack>-dumps.jsonl
      ``ipwire extract --format jsonl`` over every page of the three packs
  classify-labels.jsonl   ``ipwire classify`` over the labelled texts
  eval-dedup.txt          ``bench/eval_dedup.py`` (in-process figures, timings masked)

Run:  .venv/bin/python bench/snapshot_outputs.py --out /tmp/before
      .venv/bin/python bench/snapshot_outputs.py --out /tmp/after --compare /tmp/before
      (--only extract|classify|dedup for one stage)
"""

from __future__ import annotations

import argparse
import filecmp
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import IPWIRE, PACKS, ROOT, load_labels, pack_pages


def _run(cmd: list[str], out: Path) -> None:
    """Run one command with its standard output into ``out``; a failure stops the snapshot
    (exit 3, "some inputs rejected", is an output like any other: each has its row)."""
    with out.open("wb") as fh:
        done = subprocess.run(cmd, stdout=fh, cwd=ROOT)
    if done.returncode not in (0, 3):
        raise subprocess.CalledProcessError(done.returncode, cmd)


STAGES = ("extract", "classify", "dedup")


def snapshot(out: Path, stages: tuple[str, ...] = STAGES) -> list[Path]:
    """Write the outputs of ``stages`` into ``out`` and return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for pack in PACKS if "extract" in stages else ():
        for kind in ("html", "dumps"):
            target = out / f"extract-{pack}-{kind}.jsonl"
            pages = [str(p) for p in pack_pages(pack, kind)]
            _run([str(IPWIRE), "extract", "--format", "jsonl", *pages], target)
            written.append(target)
    if "classify" in stages:
        written.append(_classify(out))
    if "dedup" in stages:
        written.append(_dedup(out))
    return written


def _classify(out: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "labels.jsonl"
        with feed.open("w", encoding="utf-8") as fh:
            for rec in load_labels():
                row = {"id": rec["id"], "text": rec["text"], "title": rec.get("title")}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        target = out / "classify-labels.jsonl"
        _run([str(IPWIRE), "classify", str(feed)], target)
    return target


def _dedup(out: Path) -> Path:
    target = out / "eval-dedup.txt"
    _run([sys.executable, str(ROOT / "bench" / "eval_dedup.py")], target)
    # Timings are the one part that may differ between two identical runs.
    timed = re.sub(r"\d+\.\d+ s\b", "<t> s", target.read_text(encoding="utf-8"))
    target.write_text(timed, encoding="utf-8")
    return target


def compare(new: list[Path], old: Path) -> int:
    """Print one line per output file, same or different; return the number that differ."""
    differ = 0
    for path in new:
        twin = old / path.name
        same = twin.exists() and filecmp.cmp(path, twin, shallow=False)
        differ += not same
        print(f"{'same' if same else 'DIFFERENT'}  {path.name}")
    return differ


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for the outputs")
    ap.add_argument("--compare", type=Path, default=None, help="an earlier snapshot folder")
    ap.add_argument("--only", choices=STAGES, action="append", help="one stage (repeatable)")
    args = ap.parse_args()
    written = snapshot(args.out, tuple(args.only or STAGES))
    if args.compare is None:
        print(f"{len(written)} outputs in {args.out}")
        return 0
    return 1 if compare(written, args.compare) else 0


if __name__ == "__main__":
    raise SystemExit(main())
