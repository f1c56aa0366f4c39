"""Score the classify stage against the labelled news in ../shared/eval/labels.

Prints one table: the full set and its two halves as the shipped classifier labels them, the
naive "names both India and Pakistan" baseline, and the learned heads refitted on story-grouped
folds and scored on the fold each text was held out of. The halves split by story (copies of
one report stay together). The shipped model was fitted on the dev set, so its full and half
rows are fitted figures; only the "held out" row says how it carries to unseen news.

    .venv/bin/python bench/eval_classify.py [--labels PATH ...] [--errors A|B|all]
        [--per-topic A|B|all]

`--labels` accepts any JSONL with the same keys (id, text, relevance, topics, tone), e.g. an
export of `ipwire corrections`; repeated, later files override rows with the same id.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _common when loaded by tests

from _common import LABELS, load_labels, story_half  # noqa: E402, F401
from fit_classify import PARAMS, cross_validate, featurise, read_label_files  # noqa: E402

from ipwire.tasks.classify import (  # noqa: E402
    CLASSIFIER_VERSION,
    article_features,
    classify,
    default_taxonomy,
)


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


def predict(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        c = classify(row["text"], row.get("title"))
        out.append(
            {
                "is_relevant": c.is_relevant,
                "relevance": c.relevance,
                "reason": c.reason,
                "topics": [t.topic for t in c.topics],
                "tone": c.tone,
            }
        )
    return out


_INDIA = re.compile(r"\bIndia", re.IGNORECASE)
_PAKISTAN = re.compile(r"\bPakistan", re.IGNORECASE)


def naive(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reference rule: relevant when the text names both India and Pakistan."""
    return [
        {
            "is_relevant": bool(_INDIA.search(r["text"]) and _PAKISTAN.search(r["text"])),
            "topics": [],
            "tone": None,
        }
        for r in rows
    ]


def table(rows: list[dict[str, Any]], preds: list[dict[str, Any]]) -> list[tuple[str, dict]]:
    halves: dict[str, list[int]] = {"A": [], "B": []}
    for i, row in enumerate(rows):
        halves[story_half(row)].append(i)

    def sub(idx: list[int], fn: Callable[[list], list] | None = None) -> dict[str, float]:
        rs = [rows[i] for i in idx]
        ps = fn(rs) if fn else [preds[i] for i in idx]
        return score(rs, ps)

    every = list(range(len(rows)))
    return [
        ("full", sub(every)),
        ("half A", sub(halves["A"])),
        ("half B", sub(halves["B"])),
        ("naive both-names (full)", sub(every, naive)),
    ]


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


def fit_relevance(
    feats: list[dict[str, float]], gold: list[bool], l2: float = 0.02, steps: int = 3000
) -> dict[str, float]:
    """Logistic regression (batch gradient descent, L2) of relevance on the taxonomy features."""
    names = sorted(feats[0])
    w = {k: 0.0 for k in names}
    bias = 0.0
    n = len(feats)
    rate = 0.3
    for _ in range(steps):
        gw = {k: 0.0 for k in names}
        gb = 0.0
        for f, y in zip(feats, gold, strict=True):
            z = bias + sum(w[k] * f[k] for k in names)
            p = 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))
            err = p - (1.0 if y else 0.0)
            gb += err
            for k in names:
                gw[k] += err * f[k]
        bias -= rate * gb / n
        for k in names:
            w[k] -= rate * (gw[k] / n + l2 * w[k])
    return {"bias": bias, **w}


def apply_weights(weights: dict[str, float], f: dict[str, float], threshold: float) -> bool:
    z = weights["bias"] + sum(weights[k] * v for k, v in f.items())
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z)))) >= threshold


def cross_fit(rows: list[dict[str, Any]]) -> list[tuple[str, dict]]:
    """Relevance weights refitted on one half and scored on the other."""
    feats = [article_features(r["text"], r.get("title")) for r in rows]
    threshold = default_taxonomy().relevance["threshold"]
    out = []
    for fit_on, test_on in (("A", "B"), ("B", "A")):
        idx_fit = [i for i, r in enumerate(rows) if story_half(r) == fit_on]
        idx_test = [i for i, r in enumerate(rows) if story_half(r) == test_on]
        weights = fit_relevance(
            [feats[i] for i in idx_fit], [rows[i]["relevance"] >= 1 for i in idx_fit]
        )
        preds = [
            {"is_relevant": apply_weights(weights, feats[i], threshold), "topics": [], "tone": None}
            for i in idx_test
        ]
        out.append(
            (f"refit {fit_on} -> {test_on} (rel)", score([rows[i] for i in idx_test], preds))
        )
    return out


def errors(rows: list[dict[str, Any]], preds: list[dict[str, Any]], which: str) -> None:
    for row, pred in zip(rows, preds, strict=True):
        if which != "all" and story_half(row) != which:
            continue
        gold_rel = row["relevance"] >= 1
        notes = []
        if gold_rel != pred["is_relevant"]:
            notes.append(
                f"REL gold={row['relevance']} pred={pred['relevance']:.2f}/{pred['reason']}"
            )
        if gold_rel and pred["is_relevant"]:
            g, p = set(row["topics"]), set(pred["topics"])
            if g != p:
                notes.append(f"TOPIC -{sorted(g - p)} +{sorted(p - g)}")
            if pred["tone"] is not None and abs(row["tone"] / 2 - pred["tone"]) > 0.5:
                notes.append(f"TONE gold={row['tone']} pred={pred['tone']:+.2f}")
        if notes:
            print(row["id"], "|", " ; ".join(notes), "|", row["note"][:140])


def _topic_counts(rows: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, list[int]]:
    from ipwire.records import TOPICS

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", type=Path, action="append", help="label JSONL (repeatable)")
    ap.add_argument("--errors", choices=["A", "B", "all"], help="list disagreements")
    ap.add_argument(
        "--per-topic",
        choices=["A", "B", "all"],
        help="print per-topic precision/recall/FP/FN on the relevant items of a half or all",
    )
    ap.add_argument(
        "--fit",
        action="store_true",
        help="print relevance weights fitted on the whole label set (TOML for [relevance])",
    )
    ap.add_argument("--folds", type=int, default=5, help="story-grouped folds for 'held out'")
    args = ap.parse_args(argv)
    sources = args.labels or [LABELS]
    rows = read_label_files(sources)
    preds = predict(rows)
    if args.errors:
        errors(rows, preds, args.errors)
    held = cross_validate(rows, featurise(rows), PARAMS, args.folds)
    print(f"labels: {', '.join(map(str, sources))}  classifier: {CLASSIFIER_VERSION}")
    print(
        render(
            table(rows, preds)
            + [(f"held out ({args.folds} story folds)", score(rows, held))]
            + cross_fit(rows)
        )
    )
    pt_held = per_topic_scores(rows, held)
    print(
        f"held-out topic F1 macro {sum(pt_held.values()) / len(pt_held):.3f}; "
        + (" ".join(f"{t} {f:.2f}" for t, f in pt_held.items()))
    )
    if args.per_topic:
        which = args.per_topic
        idx = [i for i, r in enumerate(rows) if which == "all" or story_half(r) == which]
        print(f"\nper topic ({args.per_topic}):")
        print(per_topic([rows[i] for i in idx], [preds[i] for i in idx]))
    if args.fit:  # the rules' own [relevance] weights; the learned heads: fit_classify.py
        feats = [article_features(r["text"], r.get("title")) for r in rows]
        weights = fit_relevance(feats, [r["relevance"] >= 1 for r in rows])
        for k, v in weights.items():
            print(f"{k} = {v:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
