"""The classify entry points: one article's labels with evidence, a batch, and the JSON line.

The classifier is pure Python and fast enough for nightly batches on one core.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ipwire.records import ActorMention, Classification, TopicScore
from ipwire.tasks.classify.model import relevance_vector, tone_vector
from ipwire.tasks.classify.relevance import _relevance
from ipwire.tasks.classify.sentences import _analyse, _Sentence
from ipwire.tasks.classify.taxonomy import Taxonomy, default_taxonomy
from ipwire.tasks.classify.tone import _tone
from ipwire.tasks.classify.topics import _topics, topic_totals


def _actors(sentences: list[_Sentence], tax: Taxonomy) -> list[ActorMention]:
    counts: dict[str, int] = {}
    for s in sentences:
        for name, n in s.actors.items():
            counts[name] = counts.get(name, 0) + n
    out = [ActorMention(name, tax.actors[name].kind, n) for name, n in counts.items()]
    out.sort(key=lambda a: (-a.mentions, a.actor))
    return out


def classify(
    text: str, title: str | None = None, *, taxonomy: Taxonomy | None = None
) -> Classification:
    """Label one cleaned article body (with its title when known)."""
    tax = taxonomy or default_taxonomy()
    sentences = _analyse(text or "", title, tax)
    model = tax.model
    rel_head = model.relevance if model else None
    learned_rel = None
    if rel_head is not None:

        def learned_rel(sents: list[_Sentence]) -> tuple[float, float]:
            return rel_head.prob(relevance_vector(sents, tax)), rel_head.threshold

    score, is_rel, reason, both_sents = _relevance(sentences, tax, learned_rel)
    # the learned head may find a text relevant with no sentence naming both states (a
    # marker, "its neighbour"): its evidence is then the sentences naming either
    pool = both_sents or ([s for s in sentences if s.side] if is_rel else [])
    ranked = sorted(pool, key=lambda s: (-len(s.tone_hits) - 2 * s.headline, s.index))
    evidence = [s.text for s in sorted(ranked[:3], key=lambda s: s.index)]
    topics: list[TopicScore] = []
    tone: float | None = None
    tone_evidence: list[str] = []
    if is_rel:
        totals = topic_totals(sentences, tax)
        topics = _topics(sentences, tax, totals)
        learned_tone = None
        if model is not None and model.tone is not None:

            def learned_tone(sents: list[_Sentence], rule: float) -> float:
                return model.tone_of(tone_vector(sents, rule, totals)) or 0.0

        tone, tone_evidence = _tone(sentences, tax, learned_tone)
    return Classification(
        relevance=score,
        is_relevant=is_rel,
        reason=reason,
        topics=topics,
        tone=tone,
        tone_evidence=tone_evidence,
        actors=_actors(sentences, tax),
        evidence=evidence,
        classifier_version=tax.version,
    )


def classify_many(
    items: Iterable[tuple[str, str | None]], *, taxonomy: Taxonomy | None = None
) -> list[Classification]:
    """Label a batch of (text, title) pairs with one taxonomy."""
    tax = taxonomy or default_taxonomy()
    return [classify(text, title, taxonomy=tax) for text, title in items]


def classification_to_json(item_id: str, c: Classification) -> dict[str, Any]:
    """One output line of `ipwire classify` (DESIGN.md), plus reason and tone evidence."""
    return {
        "id": item_id,
        "relevance": c.relevance,
        "is_relevant": c.is_relevant,
        "reason": c.reason,
        "topics": [{"topic": t.topic, "score": t.score} for t in c.topics],
        "tone": c.tone,
        "actors": [{"actor": a.actor, "kind": a.kind, "mentions": a.mentions} for a in c.actors],
        "evidence": list(c.evidence),
        "topic_evidence": {t.topic: list(t.evidence) for t in c.topics},
        "tone_evidence": list(c.tone_evidence),
        "classifier_version": c.classifier_version,
    }
