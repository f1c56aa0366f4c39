"""The fitted weights of the learned layer: standardised linear heads read from a JSON file.

Kept apart from the features so the taxonomy can load its model without an import cycle.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipwire.records import TOPICS
from ipwire.tasks.classify.errors import TaxonomyError

MODEL_FILE = "classifier_model.json"


@dataclass(frozen=True)
class LinearHead:
    """One standardised linear model: z = bias + sum(w * (x - mean) / scale)."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5

    def z(self, feats: dict[str, float]) -> float:
        total = self.bias
        for k, m, s, w in zip(self.names, self.mean, self.scale, self.weights, strict=True):
            total += w * (feats.get(k, 0.0) - m) / s
        return total

    def prob(self, feats: dict[str, float]) -> float:
        z = self.z(feats)
        if z < -40:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.names),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "weights": [round(v, 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 4),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str) -> LinearHead:
        try:
            names = tuple(str(x) for x in data["features"])
            cols = [tuple(float(v) for v in data[k]) for k in ("mean", "scale", "weights")]
            head = cls(names, *cols, float(data["bias"]), float(data.get("threshold", 0.5)))
        except (KeyError, TypeError, ValueError) as exc:
            raise TaxonomyError(f"{where}: malformed model head ({exc!r})") from exc
        if not all(len(c) == len(names) for c in cols) or any(s <= 0 for s in head.scale):
            raise TaxonomyError(f"{where}: features, mean, scale and weights must align")
        return head


@dataclass(frozen=True)
class RulePrior:
    """How far a clear call of the rules stands against the heads, chosen on held-out folds.

    The heads learnt from long news and see little of short or unusual texts, where they drift
    toward the base rate; a call the rules make plainly is then the better evidence. The
    defaults switch the prior off, so a model file without it is read as before.
    """

    # a topic the rules tag is kept down to this head probability (1.0: the head's cut alone)
    topic_cut: float = 1.0
    # a learned tone that agrees in sign with a rule tone of at least `tone_clear` keeps at
    # least `tone_share` of the rule tone's size (0.0: the learned tone alone)
    tone_share: float = 0.0
    tone_clear: float = 1.0
    # a rule tone of at least this size sets the sign where the learned tone disagrees (the
    # heads, shrunk toward the mostly negative base rate, miss a plain positive reading)
    tone_firm: float = 2.0

    def to_json(self) -> dict[str, float]:
        keys = ("topic_cut", "tone_share", "tone_clear", "tone_firm")
        return {k: getattr(self, k) for k in keys}

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str) -> RulePrior:
        try:
            prior = cls(**{k: float(v) for k, v in data.items()})
        except (TypeError, ValueError) as exc:
            raise TaxonomyError(f"{where}: malformed rule prior ({exc!r})") from exc
        if not (0.0 <= prior.topic_cut <= 1.0 and 0.0 <= prior.tone_share <= 1.0):
            raise TaxonomyError(f"{where}: topic_cut and tone_share must lie in [0, 1]")
        return prior


def keeps_topic(head: LinearHead, feats: dict[str, float], prior: RulePrior) -> bool:
    """The head's call, or the rules' when they tag the topic and the head is not far below."""
    p = head.prob(feats)
    return p >= head.threshold or (feats.get("rule", 0.0) > 0 and p >= prior.topic_cut)


@dataclass(frozen=True)
class Model:
    """The fitted heads; a head that is missing leaves that decision to the rules."""

    digest: str
    relevance: LinearHead | None
    topics: dict[str, LinearHead]
    tone: LinearHead | None
    # the sign of tone, fitted on the texts whose tone is not neutral; averaged with `tone`
    tone_sign: LinearHead | None = None
    prior: RulePrior = RulePrior()

    def tone_of(self, feats: dict[str, float]) -> float | None:
        """The learned tone in [-1, 1]: the ridge level and the sign model's 2p - 1, averaged,
        no softer than the prior's share of a clear rule tone of the same sign; a firm rule
        tone of the other sign turns it to that share."""
        if self.tone is None:
            return None
        level = max(-1.0, min(1.0, self.tone.z(feats)))
        if self.tone_sign is not None:
            level = 0.5 * level + 0.5 * (2.0 * self.tone_sign.prob(feats) - 1.0)
        rule = feats.get("rule_tone", 0.0)
        if abs(rule) >= self.prior.tone_firm and level * rule < 0:
            level = math.copysign(self.prior.tone_share * abs(rule), rule)
        elif abs(rule) >= self.prior.tone_clear and level * rule > 0:
            level = math.copysign(max(abs(level), self.prior.tone_share * abs(rule)), level)
        return level


def load_model(path: Path) -> Model | None:
    """The model file beside a taxonomy, or None when there is none (rules only)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read model file ({exc.strerror})") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: must be a JSON object")
    rel = data.get("relevance")
    tone = data.get("tone")
    sign = data.get("tone_sign")
    prior = data.get("rule_prior")
    topics: dict[str, LinearHead] = {}
    for name, spec in (data.get("topics") or {}).items():
        if name not in TOPICS:
            raise TaxonomyError(f"{path} topics: unknown topic {name!r}")
        topics[name] = LinearHead.from_json(spec, f"{path} topics.{name}")
    return Model(
        digest=hashlib.sha256(raw).hexdigest()[:10],
        relevance=LinearHead.from_json(rel, f"{path} relevance") if rel else None,
        topics=topics,
        tone=LinearHead.from_json(tone, f"{path} tone") if tone else None,
        tone_sign=LinearHead.from_json(sign, f"{path} tone_sign") if sign else None,
        prior=RulePrior.from_json(prior, f"{path} rule_prior") if prior else RulePrior(),
    )
