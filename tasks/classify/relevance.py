"""Relevance scoring: whether an article is about relations between India and Pakistan.

Relevance counts sentences that involve both states (or a bilateral marker such as the LoC or
the Indus Waters Treaty), ignores regional lists ("India, Pakistan and Bangladesh"), and weighs
how much of the text is about the pair against how much is about one state alone or one state
and a third.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ipwire.tasks.classify.sentences import _analyse, _Sentence
from ipwire.tasks.classify.taxonomy import Taxonomy, default_taxonomy

REASONS = ("bilateral", "secondary_angle", "passing_mention", "domestic", "other_dyad")


def _sigmoid(x: float) -> float:
    if x < -40:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def relevance_features(sentences: list[_Sentence]) -> dict[str, float]:
    """The features the relevance score weighs (named as in [relevance] of the taxonomy)."""
    side_sents = [s for s in sentences if s.side]
    both_sents = [s for s in sentences if s.both]
    n_side = len(side_sents)
    other = [
        s for s in side_sents if s.third and not s.marker and (s.india == 0) != (s.pakistan == 0)
    ]
    n_india = sum(1 for s in sentences if s.india and not s.listed)
    n_pak = sum(1 for s in sentences if s.pakistan and not s.listed)
    return {
        "both_sentences": float(min(6, len(both_sents))),
        "both_share": len(both_sents) / (n_side + 2),
        "headline_both": 1.0 if any(s.headline and s.both for s in sentences) else 0.0,
        "lead_both": 1.0 if any(s.both for s in sentences[:3]) else 0.0,
        "interaction_sentences": float(min(4, sum(1 for s in both_sents if s.tone_hits))),
        "other_dyad_share": len(other) / (n_side + 2),
        "pair_sentences": float(min(5, n_india, n_pak)),
        "headline_side": 1.0 if any(s.headline and s.side for s in sentences) else 0.0,
    }


def article_features(
    text: str, title: str | None = None, *, taxonomy: Taxonomy | None = None
) -> dict[str, float]:
    """Relevance features of one text, for fitting the [relevance] weights."""
    tax = taxonomy or default_taxonomy()
    return relevance_features(_analyse(text or "", title, tax))


def _relevance(
    sentences: list[_Sentence],
    tax: Taxonomy,
    learned: Callable[[list[_Sentence]], tuple[float, float]] | None = None,
) -> tuple[float, bool, str, list[_Sentence]]:
    """Score, decision, reason and the pair sentences; `learned` gives (probability, cut)."""
    rel = tax.relevance
    feats = relevance_features(sentences)
    if learned is None:
        x = rel["bias"] + sum(rel[k] * v for k, v in feats.items())
        score, cut = _sigmoid(x), rel["threshold"]
    else:
        score, cut = learned(sentences)
    is_rel = score >= cut
    both_sents = [s for s in sentences if s.both]
    india = any(s.india for s in sentences)
    pak = any(s.pakistan for s in sentences)
    if is_rel:
        reason = "bilateral" if feats["both_share"] > rel["secondary_share"] else "secondary_angle"
    elif both_sents or (india and pak):
        reason = (
            "other_dyad" if feats["other_dyad_share"] > feats["both_share"] else "passing_mention"
        )
    elif (india or pak) and any(s.third for s in sentences if s.side):
        reason = "other_dyad"
    else:
        reason = "domestic"
    return round(score, 4), is_rel, reason, both_sents
