"""The fitted line and title models: their feature names, and the boosted-tree scorer.

``load_rules`` checks the weight tables against these names and ``load_trees`` checks a
trees file against them, so a model fitted on other features is refused at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

FEATURES1 = (
    "bias",
    "log_words",
    "long_line",
    "tiny_line",
    "stopword_ratio",
    "sentence_end",
    "comma_density",
    "capitalised_share",
    "digit_share",
    "symbol_share",
    "log_block_lines",
    "block_mean_log_words",
    "repeated",
    "chrome_phrase",
    "marker",
    "line_pattern",
    "position",
    "position_sq",
    "date_like",
    "by_line",
    "urlish",
    "bullet",
    "separators",
    "all_caps",
)
FEATURES2 = (
    "bias",
    "self_logit",
    "prev1",
    "next1",
    "prev3",
    "next3",
    "prev10",
    "next10",
    "block_mean",
    "share_good_before",
    "share_good_after",
    "in_span",
)


FEATURES3 = (
    "stage2_logit",
    "words_before_share",
    "prose",
    "short_run",
    "block_prose_share",
    "lines_before_span",
    "lines_after_span",
    "markers_since_span",
    "prev_log_words",
    "next_log_words",
    "prev_stopword_ratio",
    "next_stopword_ratio",
    "prev_sentence_end",
    "next_sentence_end",
    "title_repeat",
    "bio_like",
    "call_to_action",
    "chars_per_word",
    "lowercase_start",
    "question",
    "log_doc_lines",
    "lines_to_prose",
)


TITLE_FEATURES = (
    "bias",
    "log_words",
    "short",
    "long",
    "log_lines_above_body",
    "below_body_start",
    "is_body_start",
    "sentence_end",
    "colon_or_question",
    "capitalised_share",
    "stopword_share",
    "repeated",
    "repeated_later",
    "breadcrumb_tail",
    "body_overlap",
    "chrome",
    "date_or_byline",
    "meta_below",
    "urlish",
    "separators",
    "all_caps",
    "line_prob",
    "prose",
    "next_prose",
    "longest_near",
    "repeat_near",
    "after_short_line",
    "prob_above",
    "candidate_above",
    "candidate_below",
    "log_candidates_to_body",
    "log_words_squared",
    "log_lines_to_main",
    "below_main",
    "menu_above",
    "shorter_than_next",
    "question_near_body",
    "repeat_far",
    "lead_overlap",
    "deck_shape",
    "headline_over_deck",
)


def _dot(weights: dict[str, float], names: tuple[str, ...], row: list[float]) -> float:
    return sum(weights[name] * value for name, value in zip(names, row, strict=True))


def tree_feature_names() -> tuple[str, ...]:
    """Column names of :func:`tree_features` rows, as written in the trees file."""
    return FEATURES1[1:] + FEATURES2[1:] + FEATURES3


@dataclass(frozen=True)
class TreeModel:
    """Gradient-boosted depth-limited trees over :func:`tree_features` (logistic loss).

    Each tree is complete: node k tests ``x[feature[k]] > threshold[k]`` and goes to child
    2k+2 when true, 2k+1 otherwise; after ``depth`` tests the leaf value is added to the
    logit. Fitted by ``bench/eval_extraction.py train``; the file lists feature names so a
    reader can see what each split looks at.
    """

    base: float
    depth: int
    features: tuple[str, ...]
    feature_idx: Any  # numpy int array (trees, internal nodes)
    thresholds: Any  # numpy float array (trees, internal nodes)
    leaves: Any  # numpy float array (trees, leaves)

    @cached_property
    def read(self) -> frozenset[int]:
        """The feature columns some node of some tree tests."""
        return frozenset(int(i) for i in self.feature_idx.ravel())

    def logits(self, rows: Any) -> list[float]:
        """Logit of each row (a list of feature rows or a 2-D array of them).

        Every node's test is made at once, in one gather of the row values its tree looks
        at; the walk down a tree then only picks, level by level, which of those outcomes
        it reads. The leaves are summed in tree order, as a walk of each row would.
        """
        import numpy as np

        x = np.asarray(rows, dtype=float)
        n = x.shape[0]
        n_trees, n_nodes = self.feature_idx.shape
        tests = (x[:, self.feature_idx] > self.thresholds).ravel()
        row_start = np.arange(n * n_trees) * n_nodes
        node = np.zeros(n * n_trees, dtype=np.int64)
        for _ in range(self.depth):
            node = 2 * node + 1 + tests[row_start + node]
        n_leaves = 2**self.depth
        leaf = (node - (n_leaves - 1)).reshape(n, n_trees) + np.arange(n_trees) * n_leaves
        return (self.base + self.leaves.ravel()[leaf].sum(axis=1)).tolist()


def load_trees(path: Path) -> TreeModel:
    """Read a trees file; ValueError when it does not match this code's feature names."""
    import json

    import numpy as np

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"boilerplate rules: trees file not found: {path}") from exc
    except ValueError as exc:
        raise ValueError(f"boilerplate rules: trees file {path} is not valid JSON") from exc
    names = tuple(data.get("features", ()))
    if names != tree_feature_names():
        raise ValueError(f"boilerplate rules: trees file {path} was fitted on other features")
    depth = int(data["depth"])
    index = {name: i for i, name in enumerate(names)}
    trees = data["trees"]
    return TreeModel(
        base=float(data["base"]),
        depth=depth,
        features=names,
        feature_idx=np.array([[index[f] for f in t["feature"]] for t in trees], dtype=np.int64),
        thresholds=np.array([t["threshold"] for t in trees], dtype=float),
        leaves=np.array([t["leaf"] for t in trees], dtype=float),
    )
