"""The learned layer over the rules: features of an article and the small models that weigh them.

The rules (actors, cues, negation, evidence sentences) stay the reading of the text; a model
only weighs what they found. Each head is a plain L2-regularised linear model (logistic for
relevance, each topic and the sign of tone; ridge for the level of tone) whose weights sit in
`ipwire/classifier_model.json`, written by `bench/fit_classify.py` from story-grouped folds,
so a weight can be read and a wrong label can be corrected and refitted. Word features
("w:"/"v:" plus the word) are offered to every head; the fit keeps only the frequent ones a
head is allowed (today only tone uses them: they overfit relevance and topics on the folds).
A clear call of the rules still counts where a head alone would soften it (`weights.RulePrior`).
"""

from __future__ import annotations

import math

from ipwire.records import TOPICS
from ipwire.tasks.classify.relevance import relevance_features
from ipwire.tasks.classify.sentences import _Sentence
from ipwire.tasks.classify.taxonomy import Taxonomy


def _log1p(x: float) -> float:
    return math.log1p(max(0.0, x))


def _read(sentences: list[_Sentence]) -> int:
    """Sentences read for content (a skipped related-story teaser has no words)."""
    return sum(1 for s in sentences if s.lower_words)


def _words(sentences: list[_Sentence], prefix: str) -> dict[str, float]:
    """General word features: which words the given sentences use (the fit keeps frequent ones)."""
    out: dict[str, float] = {}
    for s in sentences:
        for w in s.lower_words:
            if len(w) >= 3 and w.isalpha():
                out[prefix + w] = 1.0
    return out


def relevance_vector(sentences: list[_Sentence], tax: Taxonomy) -> dict[str, float]:
    """What the relevance head weighs: the rule features plus how the pair sits in the text."""
    feats = relevance_features(sentences)
    n = _read(sentences)
    side = [s for s in sentences if s.side]
    both = [s for s in sentences if s.both]
    n_india = sum(1 for s in sentences if s.india and not s.listed)
    n_pak = sum(1 for s in sentences if s.pakistan and not s.listed)
    n_marker = sum(1 for s in sentences if s.marker)
    first_both = next((i for i, s in enumerate(sentences) if s.both), None)
    x = tax.relevance["bias"] + sum(tax.relevance[k] * v for k, v in feats.items())
    feats.update(
        {
            "rule_logit": max(-8.0, min(8.0, x)),
            "log_sentences": math.log1p(n),
            "side_share": len(side) / (n + 1),
            "both_of_all": len(both) / (n + 1),
            # a bilateral marker (the LoC, "occupied Kashmir") stands for both states
            "balance": min(n_india + n_marker, n_pak + n_marker)
            / (max(n_india, n_pak) + n_marker + 1),
            "marker_sentences": float(min(3, sum(1 for s in sentences if s.marker))),
            "listed_sentences": float(min(3, sum(1 for s in sentences if s.listed))),
            "third_in_both": float(min(3, sum(1 for s in both if s.third))),
            "first_both_early": 1.0 / (1.0 + first_both) if first_both is not None else 0.0,
            "both_tone_hits": _log1p(sum(len(s.tone_hits) for s in both)),
            "one_side_only": 1.0 if (n_india == 0) != (n_pak == 0) and not n_marker else 0.0,
            "idle_pair_share": sum(1 for s in both if not s.tone_hits and not s.topic_hits)
            / (len(both) + 1),
            "third_side_sentences": _log1p(
                sum(1 for s in side if s.third and not s.both and not s.marker)
            ),
        }
    )
    feats.update(_words(both, "w:"))
    return feats


def topic_vectors(
    sentences: list[_Sentence],
    totals: dict[str, tuple[float, list[tuple[float, int]]]],
    tax: Taxonomy,
) -> dict[str, dict[str, float]]:
    """What each topic head weighs: its own cue totals and where they fall, plus the others'."""
    top = max((t for t, _ in totals.values()), default=0.0)
    pair = {s.index for s in sentences if s.both}
    heads = {s.index for s in sentences if s.headline}
    shared = {f"all_{name}": _log1p(totals[name][0]) for name in TOPICS}
    shared["log_sentences"] = math.log1p(_read(sentences))
    shared["third_in_both"] = float(min(3, sum(1 for s in sentences if s.both and s.third)))
    shared["marker_sentences"] = float(min(3, sum(1 for s in sentences if s.marker)))
    shared.update(_words([s for s in sentences if s.side], "v:"))
    lead = {s.index for s in sentences[:4]}
    out: dict[str, dict[str, float]] = {}
    for name in TOPICS:
        total, contrib = totals[name]
        topic = tax.topics[name]
        floor = topic.relative_floor
        floor = (tax.topic_settings["relative_floor"] if floor is None else floor) * top
        own = {
            "total": _log1p(total),
            "of_top": total / top if top > 0 else 0.0,
            "over_threshold": _log1p(total / topic.threshold) if topic.threshold else 0.0,
            "rule": 1.0 if total >= topic.threshold and total >= floor and total > 0 else 0.0,
            "in_pair": _log1p(sum(g for g, i in contrib if i in pair)),
            "in_headline": 1.0 if any(i in heads for _, i in contrib) else 0.0,
            "sentences": float(min(5, len(contrib))),
            "in_lead": _log1p(sum(g for g, i in contrib if i in lead)),
        }
        out[name] = {**own, **shared}
    return out


def tone_vector(
    sentences: list[_Sentence],
    rule_tone: float,
    totals: dict[str, tuple[float, list[tuple[float, int]]]],
) -> dict[str, float]:
    """What the tone head weighs: the rule score, the cue mass by strength and place, and
    what the story is about (a match report or a pilgrimage reads warmer than a shelling)."""
    pos_both = neg_both = pos_side = neg_side = 0.0
    strong_neg = strong_pos = 0
    head = lead = 0.0
    for s in sentences:
        for value, _cue in s.tone_hits:
            if s.both:
                if value > 0:
                    pos_both += value
                else:
                    neg_both -= value
            elif s.side:
                if value > 0:
                    pos_side += value
                else:
                    neg_side -= value
            if value <= -1.5:
                strong_neg += 1
            elif value >= 1.5:
                strong_pos += 1
            if s.headline:
                head += value
            if s.index < 4:
                lead += value
    return {
        **{f"topic_{name}": _log1p(totals[name][0]) for name in TOPICS},
        "lead": max(-4.0, min(4.0, lead)),
        "rule_tone": rule_tone,
        "pos_both": _log1p(pos_both),
        "neg_both": _log1p(neg_both),
        "pos_side": _log1p(pos_side),
        "neg_side": _log1p(neg_side),
        "strong_neg": _log1p(strong_neg),
        "strong_pos": _log1p(strong_pos),
        "headline": max(-2.0, min(2.0, head)),
        **_words([s for s in sentences if s.both], "w:"),
    }
