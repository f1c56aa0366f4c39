"""The title ranker's fit reports the ceiling that candidate recall puts on it."""

import numpy as np
from bench_scripts import load


def test_candidate_recall_counts_pages_whose_gold_title_is_a_candidate():
    fit_titles = load("fit_titles")
    pages = [
        {"y": np.array([False, True])},  # gold among the candidates
        {"y": np.array([False, False])},  # gold not a candidate
        {"y": np.array([], bool)},  # no candidate at all
        {"y": np.array([True])},
    ]
    assert fit_titles._candidate_recall(pages) == 0.5
    assert fit_titles._candidate_recall([]) == 0.0
