"""How the classification is scored: relevance P/R/F1, topic micro- and macro-F1 and tone
agreement (Spearman, sign), and the table that prints them. One home for the scoring that
``eval_classify.py`` reports and ``fit_classify.py`` chooses its settings by."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ipwire.records import TOPICS


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    if len(xs) < 2:
        return float("nan")
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = math.sqrt(sum((a - mx) ** 2 for a in rx))
    vy = math.sqrt(sum((b - my) ** 2 for b in ry))
    return cov / (vx * vy) if vx and vy else float("nan")


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(rows: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, float]:
    """Relevance P/R/F1, topic micro-F1 and tone agreement for aligned rows and predictions."""
    tp = fp = fn = 0
    ttp = tfp = tfn = 0
    gold_tone: list[float] = []
    pred_tone: list[float] = []
    for row, pred in zip(rows, preds, strict=True):
        gold_rel = row["relevance"] >= 1
        if pred["is_relevant"] and gold_rel:
            tp += 1
        elif pred["is_relevant"]:
            fp += 1
        elif gold_rel:
            fn += 1
        if gold_rel:
            gold_topics = set(row["topics"])
            got = set(pred["topics"]) if pred["is_relevant"] else set()
            ttp += len(gold_topics & got)
            tfp += len(got - gold_topics)
            tfn += len(gold_topics - got)
            if row.get("tone") is not None:  # an exported correction may carry no tone
                gold_tone.append(row["tone"] / 2.0)
                pred_tone.append(pred["tone"] if pred["tone"] is not None else 0.0)
    p, r, f = _f1(tp, fp, fn)
    _, _, tf = _f1(ttp, tfp, tfn)
    nonzero = [(g, q) for g, q in zip(gold_tone, pred_tone, strict=True) if g != 0]
    agree = sum(1 for g, q in nonzero if q != 0 and (g > 0) == (q > 0))
    return {
        "n": len(rows),
        "precision": p,
        "recall": r,
        "f1": f,
        "topic_f1": tf,
        "topic_macro": sum(per_topic_scores(rows, preds).values()) / 10,
        "tone_spearman": spearman(gold_tone, pred_tone) if gold_tone else float("nan"),
        "tone_sign": agree / len(nonzero) if nonzero else float("nan"),
    }


def render(lines: list[tuple[str, dict]]) -> str:
    head = f"{'set':<24} {'n':>4} {'rel P':>6} {'rel R':>6} {'rel F1':>6} "
    head += f"{'topicF1':>7} {'toneρ':>6} {'sign':>6}"
    out = [head, "-" * len(head)]
    for name, m in lines:
        cells = [
            f"{m[k]:.3f}" if not math.isnan(m[k]) else "  -  "
            for k in ("precision", "recall", "f1", "topic_f1", "tone_spearman", "tone_sign")
        ]
        if name.startswith(("naive", "refit")):
            cells[3:] = ["  -  "] * 3
        out.append(
            f"{name:<24} {m['n']:>4} {cells[0]:>6} {cells[1]:>6} {cells[2]:>6} "
            f"{cells[3]:>7} {cells[4]:>6} {cells[5]:>6}"
        )
    return "\n".join(out)


def _topic_counts(rows: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, list[int]]:
    counts = {t: [0, 0, 0] for t in TOPICS}
    for row, pred in zip(rows, preds, strict=True):
        if row["relevance"] < 1:
            continue
        gold = set(row["topics"])
        got = set(pred["topics"]) if pred["is_relevant"] else set()
        for t in gold & got:
            counts[t][0] += 1
        for t in got - gold:
            counts[t][1] += 1
        for t in gold - got:
            counts[t][2] += 1
    return counts


def per_topic_scores(rows: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, float]:
    """F1 per topic on the gold-relevant items."""
    return {t: _f1(*c)[2] for t, c in _topic_counts(rows, preds).items()}


def per_topic(rows: list[dict[str, Any]], preds: list[dict[str, Any]]) -> str:
    """Precision/recall/F1 with TP/FP/FN per topic on the gold-relevant items."""
    counts = _topic_counts(rows, preds)
    head = f"{'topic':<14} {'gold':>4} {'TP':>4} {'FP':>4} {'FN':>4} {'P':>6} {'R':>6} {'F1':>6}"
    out = [head, "-" * len(head)]
    for t, (tp, fp, fn) in counts.items():
        p, r, f = _f1(tp, fp, fn)
        out.append(f"{t:<14} {tp + fn:>4} {tp:>4} {fp:>4} {fn:>4} {p:>6.3f} {r:>6.3f} {f:>6.3f}")
    return "\n".join(out)
