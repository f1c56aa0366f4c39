"""Fit ipwire's headline ranker (model.title in ipwire/boilerplate.toml) on the fit half of
the WCXB dev pack, choosing its L2 setting by site-fold CV. Run through
bench/eval_extraction.py (train-title).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _common when loaded by tests

from _common import N_FOLDS, hash_fold, load_gold, page_path, read_page, site_of  # noqa: E402
from _extraction_common import PACK, _norm, held_out  # noqa: E402
from fit_lines import _write_section  # noqa: E402

from ipwire.tasks.clean import load_rules  # noqa: E402
from ipwire.tasks.clean.decisions import decide  # noqa: E402
from ipwire.tasks.clean.lines import join_wrapped_lines, split_lines  # noqa: E402
from ipwire.tasks.clean.metadata import title_candidates  # noqa: E402
from ipwire.tasks.clean.model import TITLE_FEATURES  # noqa: E402

TITLE_L2S = (0.3, 1.0, 3.0)  # the L2 settings train-title chooses among by site-fold CV
TITLE_CV_SALTS = ("", "a", "b", "c")  # four site-fold splits, averaged: a fold is ~60 pages


def _title_pages(rules) -> list[dict]:
    """Per page with a gold title: its candidate rows, which of them is the gold title, its
    site and half. A clean text only ranks lines above its body, as extract_from_text does."""
    import numpy as np

    pages = []
    for g in load_gold(PACK):
        if not g.get("title"):
            continue
        text = read_page(page_path(PACK, "dumps", g["id"]))
        lines = join_wrapped_lines(split_lines(text), rules)
        if not lines:
            continue
        d = decide(lines, rules, paste=True)
        idx, rows = title_candidates(lines, d.keep, d.probs, rules)
        if d.clean:
            first = d.keep.index(True)
            rows = [r for i, r in zip(idx, rows, strict=True) if i < first]
            idx = [i for i in idx if i < first]
        target = _norm(g["title"])
        pages.append(
            {
                "x": np.asarray(rows, float).reshape(len(rows), len(TITLE_FEATURES)),
                "y": np.array([_norm(lines[i].text) == target for i in idx], bool),
                "site": site_of(g),
                "held_out": held_out(g["id"]),
            }
        )
    return pages


def _fit_title(pages: list[dict], l2: float) -> list[float]:
    """Conditional logit: per page a softmax over its candidates, the gold line(s) the
    target, so the weights learn which line wins on its page; every page weighs the same."""
    import numpy as np
    from scipy.optimize import minimize

    used = [p for p in pages if p["y"].any() and len(p["y"]) > 1]
    x = np.vstack([p["x"] for p in used])
    mu, sd = x.mean(0), x.std(0)
    sd[sd == 0] = 1.0
    mu[0], sd[0] = 0.0, 1.0
    zs = [((p["x"] - mu) / sd, p["y"]) for p in used]

    def loss(w):
        total, grad = 0.0, np.zeros(len(w))
        for z, y in zs:
            s = z @ w
            e = np.exp(s - s.max())
            total -= np.log(e[y].sum()) - np.log(e.sum())
            grad -= z.T @ (np.where(y, e, 0.0) / e[y].sum() - e / e.sum())
        total += l2 * float((w[1:] ** 2).sum())
        grad[1:] += 2 * l2 * w[1:]
        return total, grad

    beta = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    raw = beta / sd
    raw[0] = -float((beta[1:] * mu[1:] / sd[1:]).sum())
    return [float(v) for v in raw]


def _title_hits(pages: list[dict], w: list[float]) -> float:
    """Share of pages whose best-scored candidate is the gold title."""
    import numpy as np

    hits = sum(1 for p in pages if len(p["y"]) and p["y"][int(np.argmax(p["x"] @ np.asarray(w)))])
    return hits / max(len(pages), 1)


def train_title() -> None:
    """Fit the headline ranker (model.title) on the fit half. The L2 setting is chosen by
    site-grouped 5-fold CV inside the fit half (averaged over four fold splits); the ranker's
    hit rate is printed for the CV and for both halves."""
    pages = _title_pages(load_rules())
    fit = [p for p in pages if not p["held_out"]]
    hold = [p for p in pages if p["held_out"]]
    best = None
    for l2 in TITLE_L2S:
        hits = 0.0
        for salt in TITLE_CV_SALTS:
            for k in range(N_FOLDS):
                test = [p for p in fit if hash_fold(salt + p["site"], N_FOLDS) == k]
                train = [p for p in fit if hash_fold(salt + p["site"], N_FOLDS) != k]
                hits += _title_hits(test, _fit_title(train, l2)) * len(test)
        cv = hits / len(fit) / len(TITLE_CV_SALTS)
        print(f"l2={l2}: ranker hits, site-fold CV in the fit half {cv:.3f}")
        if best is None or cv > best[0]:
            best = (cv, l2)
    beta = _fit_title(fit, best[1])
    print(
        f"fitted on {sum(p['y'].any() for p in fit)} pages (l2={best[1]}): ranker hits "
        f"fit half {_title_hits(fit, beta):.3f}, held-out half {_title_hits(hold, beta):.3f}"
    )
    print(
        f"gold title among the candidates (the ranker's ceiling): fit half "
        f"{_candidate_recall(fit):.3f}, held-out half {_candidate_recall(hold):.3f}"
    )
    _write_section("model.title", dict(zip(TITLE_FEATURES, beta, strict=True)))


def _candidate_recall(pages: list[dict]) -> float:
    """Share of pages whose gold title is one of the ranked candidates: no ranker can score
    above it, so a gain past it must come from candidate recall, not from weights."""
    return sum(1 for p in pages if p["y"].any()) / max(len(pages), 1)
