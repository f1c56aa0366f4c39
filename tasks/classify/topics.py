"""Topic scoring: summed cue weights per topic, with the sentences that carry them."""

from __future__ import annotations

import math

from ipwire.records import TopicScore
from ipwire.tasks.classify.model import topic_vectors
from ipwire.tasks.classify.sentences import _Sentence
from ipwire.tasks.classify.taxonomy import Taxonomy
from ipwire.tasks.classify.weights import keeps_topic


def topic_totals(
    sentences: list[_Sentence], tax: Taxonomy
) -> dict[str, tuple[float, list[tuple[float, int]]]]:
    """Summed cue weight per topic, with each sentence's share (for evidence)."""
    near: set[int] = set()
    for s in sentences:
        if s.side:
            near.update((s.index - 1, s.index, s.index + 1))
    pair = {s.index for s in sentences if s.both}
    out: dict[str, tuple[float, list[tuple[float, int]]]] = {}
    for name, topic in tax.topics.items():
        counts: dict[str, int] = {}
        total = 0.0
        contrib: list[tuple[float, int]] = []
        for s in sentences:
            hits = list(s.topic_hits.get(name, ()))
            for regex, weight in topic.patterns:
                if regex.search(s.text):
                    hits.append((regex.pattern, weight))
            if not hits:
                continue
            scope = pair if topic.scope == "both" else near
            factor = 1.0 if s.index in scope else tax.topic_settings["far_factor"]
            if s.headline:
                factor *= tax.topic_settings["headline_factor"]
            gained = 0.0
            for cue, weight in hits:
                seen = counts.get(cue, 0)
                if seen >= topic.max_per_cue:
                    continue
                counts[cue] = seen + 1
                gained += weight * factor
            total += gained
            if gained > 0:
                contrib.append((gained, s.index))
        out[name] = (total, contrib)
    return out


def _topics(
    sentences: list[_Sentence],
    tax: Taxonomy,
    totals: dict[str, tuple[float, list[tuple[float, int]]]] | None = None,
) -> list[TopicScore]:
    """Topics over their cut: the fitted head's probability (backed by a clear rule call, see
    `RulePrior`) where there is one, else the rule."""
    if totals is None:
        totals = topic_totals(sentences, tax)
    top = max((t for t, _ in totals.values()), default=0.0)
    heads = tax.model.topics if tax.model else {}
    prior = tax.model.prior if tax.model else None
    vectors = topic_vectors(sentences, totals, tax) if heads else {}
    out: list[TopicScore] = []
    for name, (total, contrib) in totals.items():
        topic = tax.topics[name]
        head = heads.get(name)
        if head is not None and prior is not None:
            if not contrib or not keeps_topic(head, vectors[name], prior):
                continue
            score = round(head.prob(vectors[name]), 3)
        else:
            threshold = topic.threshold
            share = topic.relative_floor
            floor = (tax.topic_settings["relative_floor"] if share is None else share) * top
            if total < threshold or total < floor:
                continue
            score = round(1.0 - math.exp(-total / (2.0 * threshold)), 3)
        best = sorted(contrib, key=lambda c: (-c[0], c[1]))[:3]
        evidence = [sentences[i].text for _, i in sorted(best, key=lambda c: c[1])]
        out.append(TopicScore(name, score, evidence))
    out.sort(key=lambda t: -t.score)
    return out
