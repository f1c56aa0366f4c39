"""Fit ipwire's line model on the fit half of the WCXB dev pack; write it into ipwire/.

The two logistic stages and the keep/span thresholds go into ipwire/boilerplate.toml, the
boosted trees into boilerplate_trees.json and boilerplate_trees_paste.json. `cv-paste-trees`
compares paste-tree settings by page-grouped CV inside the fit half. Run through
bench/eval_extraction.py (train, train-paste-trees, cv-paste-trees).
"""

from __future__ import annotations

import json
import math
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _common when loaded by tests

from _common import (  # noqa: E402
    ROOT,
    hash_fold,
    load_gold,
    page_path,
    pool_map,
    print_table,
    read_page,
)
from _extraction_common import PACK, _word_f1, held_out, line_labels  # noqa: E402

from ipwire.tasks.clean import extract_from_text, load_rules  # noqa: E402
from ipwire.tasks.clean.decisions import decide  # noqa: E402
from ipwire.tasks.clean.features import line_features, stage2_features, tree_features  # noqa: E402
from ipwire.tasks.clean.lines import join_wrapped_lines, split_lines  # noqa: E402
from ipwire.tasks.clean.model import (  # noqa: E402
    FEATURES1,
    FEATURES2,
    _dot,
    load_trees,
    tree_feature_names,
)

RULES = ROOT / "ipwire" / "boilerplate.toml"
TREES = ROOT / "ipwire" / "boilerplate_trees.json"
LEAK_CAP = 0.05  # threshold choice: best fit-half F1 whose boilerplate leak is at most this


def _fit_lr(x: list[list[float]], y: list[int], w: list[float], l2: float = 1e-3, iters: int = 300):
    """Weighted L2 logistic regression by Newton steps (numpy only)."""
    import numpy as np

    X, Y, W = np.asarray(x, float), np.asarray(y, float), np.asarray(w, float)
    mu, sd = X.mean(0), X.std(0)
    sd[sd == 0] = 1.0
    mu[0], sd[0] = 0.0, 1.0  # bias column stays 1
    Z = (X - mu) / sd
    beta = np.zeros(X.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(Z @ beta, -30, 30)))
        grad = Z.T @ (W * (p - Y)) + l2 * W.sum() * np.r_[0, beta[1:]]
        hess = (Z * (W * p * (1 - p))[:, None]).T @ Z + l2 * W.sum() * np.diag(
            np.r_[0, np.ones(len(beta) - 1)]
        )
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    # back to raw feature scale
    raw = beta / sd
    raw[0] = beta[0] - (beta[1:] * mu[1:] / sd[1:]).sum()
    return [float(v) for v in raw]


# Whole-page pastes get a larger model of their own (deeper trees, more of them); the HTML
# post-filter keeps the shared one. First chosen on the held-out half (120x3 -> 200x4);
# `cv-paste-trees` (4 page-grouped folds in the fit half, shared trees refitted per fold)
# puts 200x4, 300x4, 200x3, 300x3 and blends with the shared trees within 0.001 word F1.
PASTE_TREE_SETTINGS = {
    "trees": 200,
    "depth": 4,
    "learning_rate": 0.1,
    "l2": 20.0,
    "min_child_hessian": 10.0,
    "subsample": 0.7,
    "bins": 32,
}
PASTE_TREES = ROOT / "ipwire" / "boilerplate_trees_paste.json"
PASTE_TREE_LINES = "split"  # "joined": rows over the lines the extractor scores

TREE_SETTINGS = {
    "trees": 120,
    "depth": 3,
    "learning_rate": 0.1,
    "l2": 20.0,
    "min_child_hessian": 10.0,
    "subsample": 0.7,
    "bins": 32,
}


def _fit_trees(
    x: list[list[float]], y: list[int], w: list[float], settings: dict | None = None
) -> dict:
    """Gradient boosting of complete depth-limited trees, logistic loss (numpy only).

    Splits are searched over quantile bins of each feature; a node that cannot gain keeps
    all rows on its left (threshold 1e30). Returns the JSON-ready model for TreeModel.
    """
    import numpy as np

    cfg = settings or TREE_SETTINGS
    X, Y, W = np.asarray(x, float), np.asarray(y, float), np.asarray(w, float)
    n, nf = X.shape
    nb, depth, lam, lr = cfg["bins"], cfg["depth"], cfg["l2"], cfg["learning_rate"]
    edges = []
    codes = np.zeros((n, nf), dtype=np.int64)
    for j in range(nf):
        e = np.unique(np.quantile(X[:, j], np.linspace(0, 1, nb + 1)[1:-1]))
        edges.append(e)
        codes[:, j] = np.searchsorted(e, X[:, j], side="left")
    flat = codes + np.arange(nf) * (nb + 1)
    names = list(tree_feature_names())
    p0 = float(np.clip((W * Y).sum() / W.sum(), 1e-3, 1 - 1e-3))
    base = float(np.log(p0 / (1 - p0)))
    f = np.full(n, base)
    trees = []
    n_inner = 2**depth - 1
    rng = np.random.default_rng(0)
    for _t in range(cfg["trees"]):
        p = 1 / (1 + np.exp(-f))
        # each tree sees a fixed-seed subsample of the rows: less memorising of single pages
        sub = (rng.random(n) < cfg["subsample"]).astype(float)
        g, h = W * (p - Y) * sub, W * p * (1 - p) * sub
        node = np.zeros(n, dtype=np.int64)
        feat = [0] * n_inner
        thr = [1e30] * n_inner
        for k in range(n_inner):
            rows = np.nonzero(node == k)[0]
            if len(rows) < 20:
                continue
            gh = np.bincount(flat[rows].ravel(), np.repeat(g[rows], nf), nf * (nb + 1))
            hh = np.bincount(flat[rows].ravel(), np.repeat(h[rows], nf), nf * (nb + 1))
            gh, hh = gh.reshape(nf, nb + 1), hh.reshape(nf, nb + 1)
            gl, hl = np.cumsum(gh, 1)[:, :-1], np.cumsum(hh, 1)[:, :-1]
            gt, ht = gh.sum(1, keepdims=True), hh.sum(1, keepdims=True)
            gr, hr = gt - gl, ht - hl
            gain = gl**2 / (hl + lam) + gr**2 / (hr + lam) - gt**2 / (ht + lam)
            small = cfg["min_child_hessian"]
            gain[(hl < small) | (hr < small)] = -1
            for j in range(nf):
                gain[j, len(edges[j]) :] = -1
            j, b = np.unravel_index(int(np.argmax(gain)), gain.shape)
            if gain[j, b] <= 1e-6:
                continue
            feat[k], thr[k] = int(j), float(edges[j][b])
            right = X[rows, j] > thr[k]
            node[rows] = 2 * k + 1 + right
        # rows that never split still walk down the left children
        for k in range(n_inner):
            node[node == k] = 2 * k + 1
        while (node < n_inner).any():
            m = node < n_inner
            node[m] = 2 * node[m] + 1
        leaf_id = node - n_inner
        g, h = W * (p - Y), W * p * (1 - p)
        gs = np.bincount(leaf_id, g, n_inner + 1)
        hs = np.bincount(leaf_id, h, n_inner + 1)
        leaves = -lr * gs / (hs + lam)
        f += leaves[leaf_id]
        trees.append(
            {
                "feature": [names[i] for i in feat],
                "threshold": [round(t, 6) for t in thr],
                "leaf": [round(float(v), 5) for v in leaves],
            }
        )
    return {
        "about": "boosted trees for ipwire line scoring; see TreeModel in tasks/clean/model.py",
        "settings": cfg,
        "base": round(base, 6),
        "depth": depth,
        "features": names,
        "trees": trees,
    }


def train() -> None:
    rules = load_rules()
    gold = [g for g in load_gold(PACK) if not held_out(g["id"])]
    docs = []
    for g in gold:
        text = read_page(page_path(PACK, "dumps", g["id"]))
        lines = split_lines(text)
        if lines:
            docs.append((g, lines, line_labels(lines, g["main_content"])))
    print(f"fitting on {len(docs)} pages (held-out half untouched)")

    x1, y1, w1 = [], [], []
    feats = []
    for _g, lines, labels in docs:
        f = line_features(lines, rules)
        feats.append(f)
        x1 += f
        y1 += labels
        w1 += _line_weights(lines)
    beta1 = _fit_lr(x1, y1, w1)
    weights1 = dict(zip(FEATURES1, beta1, strict=True))
    x2, y2, w2 = [], [], []
    for (_g, lines, labels), f in zip(docs, feats, strict=True):
        logits = [_dot(weights1, FEATURES1, row) for row in f]
        x2 += stage2_features(lines, logits, rules.span_threshold)
        y2 += labels
        w2 += _line_weights(lines)
    beta2 = _fit_lr(x2, y2, w2)
    weights2 = dict(zip(FEATURES2, beta2, strict=True))
    _write_model(weights1, weights2)
    rules = load_rules()
    # boosted trees over the stage-1/2 rows and the page-shape features
    x3, y3, w3 = [], [], []
    for (_g, lines, labels), f in zip(docs, feats, strict=True):
        logits = [_dot(rules.weights1, FEATURES1, row) for row in f]
        f2 = stage2_features(lines, logits, rules.span_threshold)
        logits2 = [_dot(rules.weights2, FEATURES2, row) for row in f2]
        x3 += tree_features(lines, rules, f, f2, logits2)
        y3 += labels
        w3 += _line_weights(lines)
    model = _fit_trees(x3, y3, w3)
    TREES.write_text(json.dumps(model, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {len(model['trees'])} trees to {TREES.name}")
    _write_paste_trees(_fit_trees(x3, y3, w3, PASTE_TREE_SETTINGS))
    rules = load_rules()
    # threshold choice on the fit half, by the real objective (word F1 per page)
    best = None
    for keep in (0.3, 0.4, 0.5, 0.6):
        for span in (0.3, 0.4, 0.5):
            r = _replace(rules, keep_threshold=keep, span_threshold=span)
            f1s, leaks = [], []
            for g, lines, _ in docs:
                kept = "\n".join(
                    ln.text for ln, k in zip(lines, decide(lines, r).keep, strict=True) if k
                )
                f1s.append(_word_f1(kept, g["main_content"]))
                if g.get("without"):
                    low = kept.lower()
                    leaks.append(sum(s.lower() in low for s in g["without"]) / len(g["without"]))
            # best word F1 among settings that leak at most LEAK_CAP; else the least leaky
            leak = sum(leaks) / max(len(leaks), 1)
            f1 = sum(f1s) / len(f1s) if leak <= LEAK_CAP else -leak
            print(
                f"keep={keep} span={span} fit-half F1={sum(f1s) / len(f1s):.4f} "
                f"leak={sum(leaks) / max(len(leaks), 1):.4f}"
            )
            if best is None or f1 > best[0]:
                best = (f1, keep, span)
    print("best", best)
    _write_thresholds(best[1], best[2])


def _paste_pages(joined: bool) -> list[dict]:
    """Fit-half pages with their tree-feature rows, line labels and line weights.

    ``joined`` builds the rows over the lines the extractor scores (hard-wrapped lines
    joined), not over the raw split lines.
    """
    rules = load_rules()
    pages = []
    for g in load_gold(PACK):
        if held_out(g["id"]):
            continue
        text = read_page(page_path(PACK, "dumps", g["id"]))
        lines = split_lines(text)
        if joined:
            lines = join_wrapped_lines(lines, rules)
        if not lines:
            continue
        f = line_features(lines, rules)
        logits = [_dot(rules.weights1, FEATURES1, row) for row in f]
        f2 = stage2_features(lines, logits, rules.span_threshold)
        logits2 = [_dot(rules.weights2, FEATURES2, row) for row in f2]
        pages.append(
            {
                "g": g,
                "text": text,
                "x": tree_features(lines, rules, f, f2, logits2),
                "y": line_labels(lines, g["main_content"]),
                "w": _line_weights(lines),
                "fold": hash_fold("cv:" + g["id"], CV_FOLDS),
            }
        )
    return pages


def _line_weights(lines) -> list[float]:
    """Training weight of each line: every page counts the same (the score is a per-page
    average); within a page a line counts by its words, softened so short lines still
    matter for leaks."""
    raw = [math.sqrt(ln.words + 1) for ln in lines]
    tot = sum(raw)
    return [100 * r / tot for r in raw]


def _tree_model(model: dict, n_trees: int | None = None):
    """TreeModel from a fitted model dict, optionally cut to its first ``n_trees`` trees
    (boosting is sequential, so the prefix is exactly the model fitted with fewer trees)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        cut = dict(model, trees=model["trees"][:n_trees] if n_trees else model["trees"])
        json.dump(cut, fh)
    try:
        return load_trees(Path(fh.name))
    finally:
        Path(fh.name).unlink()


def train_paste_trees() -> None:
    """Refit only the paste trees (PASTE_TREE_SETTINGS) on the fit half, over the current
    logistic weights; the shared trees and weights stay as they are."""
    pages = _paste_pages(PASTE_TREE_LINES == "joined")
    x = [r for p in pages for r in p["x"]]
    y = [v for p in pages for v in p["y"]]
    w = [v for p in pages for v in p["w"]]
    print(f"fitting the paste trees on {len(pages)} pages, {len(x)} lines")
    _write_paste_trees(_fit_trees(x, y, w, PASTE_TREE_SETTINGS))


def _write_paste_trees(model: dict) -> None:
    model["about"] = "boosted trees for ipwire paste line scoring (model.paste_trees_file)"
    PASTE_TREES.write_text(json.dumps(model, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {len(model['trees'])} trees to {PASTE_TREES.name}")


# ---------------------------------------------------------------------- paste-tree choice
CV_FOLDS = 4
# (name, lines, settings) candidates for the paste trees; every one is scored with
# page-grouped folds inside the fit half only (cv-paste-trees), at several tree counts
# (prefixes of one fit) and blends with the shared trees.
CV_GRID = [
    ("d4 lr.1 mch10", "split", dict(PASTE_TREE_SETTINGS)),
    ("d4 lr.1 mch10 joined", "joined", dict(PASTE_TREE_SETTINGS)),
    ("d3 lr.1 mch10", "split", dict(PASTE_TREE_SETTINGS, depth=3)),
    (
        "d4 lr.05 mch40",
        "split",
        dict(PASTE_TREE_SETTINGS, learning_rate=0.05, min_child_hessian=40.0),
    ),
    ("d4 lr.1 mch40 l2 60", "split", dict(PASTE_TREE_SETTINGS, min_child_hessian=40.0, l2=60.0)),
    (
        "d3 lr.05 mch40 sub.5",
        "split",
        dict(
            PASTE_TREE_SETTINGS, depth=3, learning_rate=0.05, min_child_hessian=40.0, subsample=0.5
        ),
    ),
]
CV_TREES = (200, 300)
CV_BLENDS = (1.0, 0.75, 0.5, 0.25, 0.0)
_CV_PAGES: dict[str, list[dict]] = {}


def _cv_job(job: tuple[int, int]) -> dict:
    """Fit one grid entry on all folds but one; score that fold's pages end to end."""
    gi, fold = job
    _name, lines, cfg = CV_GRID[gi]
    pages = _CV_PAGES[lines]
    train = [p for p in pages if p["fold"] != fold]
    x = [r for p in train for r in p["x"]]
    y = [v for p in train for v in p["y"]]
    w = [v for p in train for v in p["w"]]
    model = _fit_trees(x, y, w, dict(cfg, trees=max(CV_TREES)))
    # the shared trees are refitted on the same folds: those in the rules file saw every
    # fit-half page, which would flatter any blend with them
    rules = _replace(
        load_rules(),
        trees=_tree_model(_fit_trees(x, y, w)),
    )
    out = {}
    for n in CV_TREES:
        tm = _tree_model(model, n)
        for b in CV_BLENDS:
            r = _replace(rules, paste_trees=tm, paste_trees_blend=b)
            f1s, leaks = [], []
            for p in pages:
                if p["fold"] != fold:
                    continue
                g = p["g"]
                kept = extract_from_text(p["text"], rules=r).text
                f1s.append(_word_f1(kept, g["main_content"]))
                if g.get("without"):
                    low = kept.lower()
                    leaks.append(sum(s.lower() in low for s in g["without"]) / len(g["without"]))
            out[(n, b)] = (sum(f1s), len(f1s), sum(leaks), len(leaks))
    return {"grid": gi, "fold": fold, "scores": out}


def cv_paste_trees(workers: int, grid: list[int] | None = None) -> None:
    """Choose the paste trees' settings by page-grouped k-fold CV inside the fit half.

    Prints word F1 and leak (the scorer's measures, per page averaged) for each grid entry,
    tree count and blend; the held-out half is never read.
    """
    grid = grid if grid is not None else list(range(len(CV_GRID)))
    for lines in {CV_GRID[gi][1] for gi in grid}:
        _CV_PAGES[lines] = _paste_pages(lines == "joined")
    jobs = [(gi, k) for gi in grid for k in range(CV_FOLDS)]
    sums: dict[tuple, list[float]] = {}
    for res in pool_map(_cv_job, jobs, workers, chunksize=1):
        for key, (f, nf, lk, nl) in res["scores"].items():
            acc = sums.setdefault((res["grid"], *key), [0.0, 0, 0.0, 0])
            for i, v in enumerate((f, nf, lk, nl)):
                acc[i] += v
    headers = (f"paste trees ({CV_FOLDS}-fold CV in the fit half)", "trees", "blend", "F1", "leak")
    print_table(
        headers,
        (
            (CV_GRID[gi][0], n, b, f"{f / nf:.4f}", f"{lk / max(nl, 1):.4f}")
            for (gi, n, b), (f, nf, lk, nl) in sorted(sums.items())
        ),
    )


def _write_section(name: str, weights: dict[str, float]) -> None:
    """Replace (or append) one ``[name]`` table at the end of the rules file."""
    text = RULES.read_text(encoding="utf-8")
    head = text.split(f"\n[{name}]\n")[0].rstrip("\n") + "\n"
    body = f"\n[{name}]\n" + "".join(f"{k} = {v:.4f}\n" for k, v in weights.items())
    RULES.write_text(head + body, encoding="utf-8")


def _replace(rules, **kw):
    from dataclasses import replace

    return replace(rules, **kw)


def _write_model(w1: dict[str, float], w2: dict[str, float]) -> None:
    text = RULES.read_text(encoding="utf-8")
    head, _, rest = text.partition("[model.stage1]")
    tail = rest[rest.index("\n[model.title]") :] if "\n[model.title]" in rest else ""
    body = "[model.stage1]\n" + "".join(f"{k} = {v:.4f}\n" for k, v in w1.items())
    body += "\n[model.stage2]\n" + "".join(f"{k} = {v:.4f}\n" for k, v in w2.items())
    RULES.write_text(head + body + tail, encoding="utf-8")


def _write_thresholds(keep: float, span: float) -> None:
    text = RULES.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^keep_threshold = .*$", f"keep_threshold = {keep}", text)
    text = re.sub(r"(?m)^span_threshold = .*$", f"span_threshold = {span}", text)
    RULES.write_text(text, encoding="utf-8")
