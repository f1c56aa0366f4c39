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
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _common when loaded by tests

from _classify_scores import per_topic, per_topic_scores, render, score  # noqa: E402
from _common import LABELS, load_labels, story_half  # noqa: E402, F401
from fit_classify import PARAMS, cross_validate, featurise, read_label_files  # noqa: E402

from ipwire.tasks.classify import (  # noqa: E402
    CLASSIFIER_VERSION,
    article_features,
    classify,
    default_taxonomy,
)


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
