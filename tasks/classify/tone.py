"""Tone scoring: event cues on a Goldstein/CAMEO-like scale, with the sentences that carry them.

The cues are read per sentence (turned around when negated, weakened when hedged) during
sentence analysis; this module weighs them into one score for the article.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ipwire.tasks.classify.sentences import _Sentence
from ipwire.tasks.classify.taxonomy import Taxonomy


def _tone(
    sentences: list[_Sentence],
    tax: Taxonomy,
    learned: Callable[[list[_Sentence], float], float] | None = None,
) -> tuple[float, list[str]]:
    """Tone in [-1, 1] and the sentences that carry its sign; `learned` reweighs the rule score."""
    t = tax.tone
    num = 0.0
    den = t["prior"]
    scored: list[tuple[float, int]] = []
    for s in sentences:
        if not s.tone_hits:
            continue
        if s.both:
            weight = t["both_weight"]
        elif s.side:
            weight = t["side_weight"]
        else:
            weight = t["other_weight"]
        if s.headline:
            weight *= t["headline_weight"]
        weight /= 1.0 + t["position_decay"] * s.index
        sent_sum = 0.0
        for value, _cue in s.tone_hits:
            mag = abs(value) ** t["intensity"]
            sent_sum += math.copysign(mag, value)
        num += weight * sent_sum
        den += weight * len(s.tone_hits)
        scored.append((weight * sent_sum, s.index))
    mean = num / den
    tone = math.tanh(t["gain"] * mean)
    if learned is not None:
        tone = max(-1.0, min(1.0, learned(sentences, tone)))
    sign = 1 if tone >= 0 else -1
    best = sorted((c for c in scored if c[0] * sign > 0), key=lambda c: (-abs(c[0]), c[1]))[:3]
    evidence = [sentences[i].text for _, i in sorted(best, key=lambda c: c[1])]
    return round(tone, 3), evidence
