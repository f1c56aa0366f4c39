"""What eval_extraction.py and its fitting modules share: the pack, the half split, line labels."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _common when loaded by tests

from _common import hash_fold  # noqa: E402

PACK = "wcxb-dev"
_WORD = re.compile(r"\w+")


def held_out(page_id: str) -> bool:
    """Stable half split: the held-out half is never used for fitting."""
    return hash_fold(page_id, 2) == 1


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def same_title(pred: str | None, gold: str | None) -> bool:
    """A title with the gold title's words, case and punctuation aside."""
    return _norm(pred or "") == _norm(gold or "")


def same_author(pred: str | None, gold: str | None) -> bool:
    """An author with the gold's words, or holding them or held in them ("Jane Doe" for
    "Jane Doe, Staff Writer")."""
    ours, theirs = _norm(pred or ""), _norm(gold or "")
    return bool(ours) and (ours in theirs or theirs in ours)


def same_date(pred: str | None, gold: str | None) -> bool:
    """A date on the gold's day."""
    return bool(pred) and (pred or "")[:10] == (gold or "")[:10]


def line_labels(lines, main_content: str) -> list[int]:
    """1 when the line's words appear in the gold article (whole gold lines for short ones)."""
    gold = " " + _norm(main_content) + " "
    gold_lines = {_norm(x) for x in main_content.split("\n") if x.strip()}
    out = []
    for ln in lines:
        n = _norm(ln.text)
        if not n:
            out.append(0)
        elif len(n.split()) >= 4:
            out.append(int(" " + n + " " in gold))
        else:
            out.append(int(n in gold_lines))
    return out


def _word_f1(pred: str, ref: str) -> float:
    p, r = _WORD.findall(pred.lower()), _WORD.findall(ref.lower())
    if not r:
        return 1.0 if not p else 0.0
    if not p:
        return 0.0
    ov = sum((Counter(p) & Counter(r)).values())
    if not ov:
        return 0.0
    prec, rec = ov / len(p), ov / len(r)
    return 2 * prec * rec / (prec + rec)
