"""Score the publication dates `ipwire extract` finds in bare news texts.

Each labelled text in ../shared/eval/labels is written to a temporary .txt file and run
through the same path as `ipwire extract` (sources, decode, text extractor), so the figure is
what a user gets. Figures on the whole set and on its two story halves (texts sharing a
story stay in one half, so a rule fitted on one half is checked on the other):

  found (dated)       labelled texts given a `published_at`, of all with a labelled date
  found (date shown)  the same, of those whose text writes the labelled day with its year
                      somewhere (`shows_date`; many labels come from the page's URL or
                      metadata, not from the excerpt)
  right day           found dates on the labelled day, of those found
  invented            texts labelled with no date that were given one anyway (read them
                      with --invented: a date the text really shows with a year is fine)

`--pages` adds the text dumps of the WCXB dev pack, scored against its gold publish_date.

    .venv/bin/python bench/eval_dates.py [--labels PATH] [--misses A|B|all] [--invented]
                                         [--pages]
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _common when loaded by tests

from _common import LABELS, load_gold, load_labels, page_path, pool_map, print_table  # noqa: E402

from ipwire.tasks.clean.stage import extract_path  # noqa: E402


def half_of(row: dict[str, Any]) -> str:
    """'A' or 'B' from the story key's SHA-1 parity: the split eval_classify.py uses."""
    key = str(row.get("story") or row["id"])
    return "AB"[int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 2]


def shows_date(text: str, iso: str) -> bool:
    """Whether ``text`` writes the day ``iso`` anywhere with its year, in any common order
    (day month year, month day year, year month day; month as a word or a number).

    Deliberately independent of the extractor's patterns: it decides which labelled texts
    could have been dated at all, so it looks everywhere, prose and quoted tweets included.
    """
    year, month, day = (int(x) for x in iso.split("-"))
    name = calendar.month_name[month]
    mon = rf"(?:{name}|{name[:3]}|{name[:4]}|0?{month})\.?"
    d = rf"0?{day}(?:st|nd|rd|th)?"
    sep = r"[\s,./-]{0,4}(?:of\s+)?"
    orders = (
        rf"(?<!\d){d}{sep}{mon}{sep}{year}(?!\d)",
        rf"(?<!\d){mon}{sep}{d}{sep}{year}(?!\d)",
        rf"(?<!\d){year}{sep}{mon}{sep}{d}(?!\d)",
    )
    return any(re.search(o, text, re.IGNORECASE) for o in orders)


def extract_dates(rows: list[dict[str, Any]]) -> list[str | None]:
    """`published_at` of each row's text, read from a .txt file as `ipwire extract` reads it."""
    out: list[str | None] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "text.txt"
        for row in rows:
            path.write_text(row["text"], encoding="utf-8")
            out.append(extract_path(str(path)).get("published_at"))
    return out


def score(rows: list[dict[str, Any]], preds: list[str | None]) -> dict[str, int]:
    """Counts behind the table for aligned rows and predicted dates."""
    pairs = list(zip(rows, preds, strict=True))
    dated = [(r, p) for r, p in pairs if r.get("date")]
    shown = [p for r, p in dated if shows_date(r["text"], r["date"])]
    found = [(r["date"], p) for r, p in dated if p]
    undated = [p for r, p in pairs if not r.get("date")]
    return {
        "dated": len(dated),
        "found": len(found),
        "shown": len(shown),
        "shown_found": sum(bool(p) for p in shown),
        "right": sum(p[:10] == d for d, p in found),
        "undated": len(undated),
        "invented": sum(bool(p) for p in undated),
    }


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.1f}%)" if d else "-"


def _page_date(page_id: str) -> str | None:
    return extract_path(str(page_path("wcxb-dev", "dumps", page_id))).get("published_at")


def score_pages(workers: int = 8) -> None:
    """Found and right day on the WCXB dev text dumps against the gold publish_date."""
    gold = load_gold("wcxb-dev")
    preds = pool_map(_page_date, [g["id"] for g in gold], workers)
    dated = [
        (g["publish_date"][:10], p)
        for g, p in zip(gold, preds, strict=True)
        if g.get("publish_date")
    ]
    found = [(d, p) for d, p in dated if p]
    other = sum(bool(p) for g, p in zip(gold, preds, strict=True) if not g.get("publish_date"))
    print("\nWCXB dev text dumps (gold publish_date from page metadata):")
    print_table(
        ("pages", "found", "right day", "dated without a gold date"),
        [
            (
                len(gold),
                _pct(len(found), len(dated)),
                _pct(sum(p[:10] == d for d, p in found), len(found)),
                other,
            )
        ],
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--misses", choices=("A", "B", "all"), help="list missed and wrong dates")
    ap.add_argument("--invented", action="store_true", help="list dates given to null labels")
    ap.add_argument("--pages", action="store_true", help="also score the WCXB dev text dumps")
    args = ap.parse_args()
    rows = load_labels(args.labels)
    preds = extract_dates(rows)
    table = []
    for name, keep in (("all", None), ("half A", "A"), ("half B", "B")):
        idx = [i for i, r in enumerate(rows) if keep is None or half_of(r) == keep]
        s = score([rows[i] for i in idx], [preds[i] for i in idx])
        table.append(
            (
                name,
                len(idx),
                _pct(s["found"], s["dated"]),
                _pct(s["shown_found"], s["shown"]),
                _pct(s["right"], s["found"]),
                _pct(s["invented"], s["undated"]),
            )
        )
    headers = ("set", "texts", "found (dated)", "found (date shown)", "right day", "invented")
    print_table(headers, table)
    for row, pred in zip(rows, preds, strict=True):
        label = row.get("date")
        if args.misses and args.misses in ("all", half_of(row)) and label:
            if not pred or pred[:10] != label:
                shown = "shown" if shows_date(row["text"], label) else "not shown"
                print(f"\n--- {row['id']} [{half_of(row)}] label {label} ({shown}) got {pred}")
                print(row["text"][:600])
        if args.invented and not label and pred:
            print(f"\n+++ {row['id']} [{half_of(row)}] null label got {pred}")
            print(row["text"][:600])
    if args.pages:
        score_pages()


if __name__ == "__main__":
    main()
