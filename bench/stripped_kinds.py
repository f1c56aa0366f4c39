"""How often a stripped line is article after all, per kind of the audit, against each pack's gold.

The audit names every line the clean stage removed with a kind ("caption", "byline",
"related-links", ...). An analyst reading it needs to know how far each kind can be trusted:
this reads ``ipwire extract``'s JSON lines for each pack's text dumps (and, with ``--html``,
its HTML pages) and checks each stripped line of three or more words against the
gold. A pack with whole gold text (wcxb-dev, newspaper) counts a line as article when its
words stand, in order, in the gold text; a pack with snippet gold (trafeval) counts a line
that holds a must-keep snippet as article and one that holds a must-drop snippet as chrome,
and leaves every other line out. "duplicate" lines are copies of a line kept above and
"title" lines go to the title field: the gold holds them, and they are not lost.

The rows are the CLI's, as ``eval_packs.py`` scores them: with ``--rows DIR`` those that
``eval_packs.py --rows DIR`` kept (``make eval`` extracts each page once), else the CLI runs.

Run:  .venv/bin/python bench/stripped_kinds.py [--html] [--pack wcxb-dev ...] [--rows DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PACKS, ipwire_extract, load_gold, page_path, print_table  # noqa: E402

_WORD = re.compile(r"\w+")
MIN_WORDS = 3  # shorter lines ("Home", "Share") stand in any gold text by chance
NOT_LOST = frozenset({"duplicate", "title"})


def folded(text: str | None) -> str:
    """Lower-case words joined by single spaces, padded so a containment test matches words."""
    return " " + " ".join(_WORD.findall((text or "").lower())) + " "


def gold_judge(gold: dict) -> Callable[[str], bool | None]:
    """A test of stripped lines against one page's gold, its texts folded once: True when the
    gold counts a line as article, False when as chrome, None when the gold does not say
    (snippet gold that names neither)."""
    if gold.get("main_content") is not None:
        article = folded(gold["main_content"])
        return lambda line: folded(line) in article
    keep = [f for f in map(folded, gold.get("with") or []) if f.strip()]
    drop = [f for f in map(folded, gold.get("without") or []) if f.strip()]

    def says(line: str) -> bool | None:
        text = folded(line)
        if any(f in text for f in keep):
            return True
        if any(f in text for f in drop):
            return False
        return None

    return says


def gold_says(line: str, gold: dict) -> bool | None:
    """:func:`gold_judge` for one line."""
    return gold_judge(gold)(line)


def judged(rows: list[dict], golds: list[dict]) -> list[tuple[str, bool, int]]:
    """(kind, is_article, words) for each stripped line of 3+ words the gold has a say on,
    over pages' extractor rows (the CLI's JSON lines) and their gold, page by page."""
    out = []
    for row, gold in zip(rows, golds, strict=True):
        says = gold_judge(gold)
        for block in row.get("stripped") or []:
            for line in block["text"].splitlines():
                words = len(_WORD.findall(line))
                if words < MIN_WORDS:
                    continue
                said = says(line)
                if said is not None:
                    out.append((block["kind"], said, words))
    return out


def pack_rows(pack: str, how: str, golds: list[dict], rows_dir: Path | None) -> list[dict]:
    """The CLI's rows for a pack's pages, in gold order: those ``eval_packs.py --rows`` kept
    when ``rows_dir`` holds them for every page, else a fresh ``ipwire extract`` run."""
    ids = [str(g["id"]) for g in golds]
    kept = rows_dir / f"{pack}-{how}.jsonl" if rows_dir is not None else None
    if kept is not None and kept.exists():
        by_page = {r["page"]: r for r in map(json.loads, kept.read_text("utf-8").splitlines())}
        if set(by_page) >= set(ids):
            return [by_page[i] for i in ids]
    return ipwire_extract([page_path(pack, "dumps" if how == "paste" else "html", i) for i in ids])


def tally(rows: list[tuple[str, bool, int]]) -> dict[str, list[int]]:
    """Per kind: [lines, article lines, words, article words]."""
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for kind, article, words in rows:
        t = by_kind[kind]
        t[0] += 1
        t[1] += article
        t[2] += words
        t[3] += words * article
    return dict(by_kind)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", action="append", choices=PACKS, help="default: every pack")
    ap.add_argument("--html", action="store_true", help="the HTML extractor's audit too")
    ap.add_argument(
        "--rows", type=Path, default=None, help="read the rows `eval_packs.py --rows` kept here"
    )
    args = ap.parse_args()
    for how in ("paste", "html") if args.html else ("paste",):
        for pack in args.pack or PACKS:
            golds = load_gold(pack)
            rows = judged(pack_rows(pack, how, golds, args.rows), golds)
            print(f"\n{pack}, {how}: stripped lines of {MIN_WORDS}+ words the gold has a say on")
            table = []
            for kind, (n, art, words, art_words) in sorted(tally(rows).items()):
                note = " (kept elsewhere)" if kind in NOT_LOST else ""
                table.append([kind + note, n, f"{art / n:.2f}", words, f"{art_words / words:.2f}"])
            print_table(["kind", "lines", "article share", "words", "article word share"], table)
            lost = [r for r in rows if r[0] not in NOT_LOST]
            if lost:
                share = sum(w for _, a, w in lost if a) / sum(w for _, _, w in lost)
                print(f"all kinds but duplicate and title: article word share {share:.3f}")


if __name__ == "__main__":
    main()
