"""How often a stripped line is article after all, per kind of the audit, against each pack's gold.

The audit names every line the clean stage removed with a kind ("caption", "byline",
"related-links", ...). An analyst reading it needs to know how far each kind can be trusted:
this runs the paste extractor over each pack's text dumps (and, with ``--html``, the HTML
extractor over its pages) and checks each stripped line of three or more words against the
gold. A pack with whole gold text (wcxb-dev, newspaper) counts a line as article when its
words stand, in order, in the gold text; a pack with snippet gold (trafeval) counts a line
that holds a must-keep snippet as article and one that holds a must-drop snippet as chrome,
and leaves every other line out. "duplicate" lines are copies of a line kept above and
"title" lines go to the title field: the gold holds them, and they are not lost.

Run:  .venv/bin/python bench/stripped_kinds.py [--html] [--pack wcxb-dev ...]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PACKS, load_gold, page_path, pool_map, print_table, read_page  # noqa: E402

from ipwire.tasks.clean import extract_from_html, extract_from_text  # noqa: E402

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


def _page(job: tuple[str, str, dict]) -> list[tuple[str, bool, int]]:
    """(kind, is_article, words) for each stripped line of one page the gold has a say on."""
    pack, how, gold = job
    page_id = str(gold["id"])
    if how == "paste":
        ex = extract_from_text(read_page(page_path(pack, "dumps", page_id)))
    else:
        ex = extract_from_html(read_page(page_path(pack, "html", page_id)), url=gold.get("url"))
    says = gold_judge(gold)
    out = []
    for block in ex.stripped:
        for line in block.text.splitlines():
            words = len(_WORD.findall(line))
            if words < MIN_WORDS:
                continue
            said = says(line)
            if said is not None:
                out.append((block.kind, said, words))
    return out


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
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    for how in ("paste", "html") if args.html else ("paste",):
        for pack in args.pack or PACKS:
            jobs = [(pack, how, g) for g in load_gold(pack)]
            rows = [r for page in pool_map(_page, jobs, args.workers) for r in page]
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
