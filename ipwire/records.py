"""Plain records passed between stages.

Stages exchange these small dataclasses only, never parser objects, so a batch can be
pickled, moved to another process, or written to JSON for inspection.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The topic vocabulary of DESIGN.md: the only names a topic may have.
TOPICS = (
    "diplomacy",
    "kashmir",
    "military",
    "terrorism",
    "nuclear",
    "water",
    "trade_economy",
    "people",
    "sport",
    "third_party",
)


@dataclass(frozen=True)
class RawDoc:
    """One input exactly as received: a file, one JSON line, a feed entry or a fetched page."""

    raw_id: str
    source_kind: str  # file | jsonl | feed_entry | page
    source_ref: str  # path, path#Lnn, or URL
    fetched_at: str  # ISO 8601 UTC, the run's timestamp
    content_type: str  # text/plain | text/html | application/json ...
    sha256: str
    content: bytes
    url: str | None = None
    hints: dict[str, Any] = field(
        default_factory=dict
    )  # title/published/outlet/author from the container


@dataclass(frozen=True)
class Stripped:
    """A block the clean stage removed, kept for audit."""

    kind: str  # navigation, related-links, footer, advertisement, markup, ...
    text: str


@dataclass
class Extraction:
    """What an extractor found in one document."""

    text: str
    title: str | None = None
    author: str | None = None
    published_at: str | None = None  # ISO 8601, with the publisher's offset when given
    outlet: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    stripped: list[Stripped] = field(default_factory=list)
    method: str = ""


@dataclass
class Article:
    """A cleaned article, ready for dedup, classification and loading."""

    article_id: str
    raw_id: str
    source_kind: str
    source_ref: str
    url: str | None
    canonical_url: str | None
    outlet: str | None
    title: str | None
    author: str | None
    published_at: str | None
    fetched_at: str
    language: str | None
    body: str
    word_count: int
    content_hash: str
    stripped: list[Stripped] = field(default_factory=list)
    extraction_method: str = ""
    # filled by dedup
    duplicate_of: str | None = None
    dup_reason: str | None = None  # exact | near | None
    dup_similarity: float | None = None
    story_id: str | None = None
    wire: list[str] = field(default_factory=list)
    # (layer, old id, new id): chains or stories this article joined, re-pointed by persist
    dedup_merges: list[tuple[str, str, str]] = field(default_factory=list)
    # filled by classify
    classification: Classification | None = None


@dataclass(frozen=True)
class TopicScore:
    topic: str
    score: float
    evidence: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ActorMention:
    actor: str
    kind: str  # person | agency | armed_group | place | third_party | state ...
    mentions: int


@dataclass
class Classification:
    """Labels for one article, each with the sentences that caused it."""

    relevance: float
    is_relevant: bool
    reason: str  # bilateral | secondary_angle | passing_mention | domestic | other_dyad
    topics: list[TopicScore] = field(default_factory=list)
    tone: float | None = None
    tone_evidence: list[str] = field(default_factory=list)
    actors: list[ActorMention] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    classifier_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Rejection:
    """An input that could not be used, and why. Nothing is dropped without one."""

    source_ref: str
    stage: str  # sources | clean | dedup | classify | load | fetch | parse
    reason: str  # short code: empty, binary, undecodable, no_article_text, malformed_json, ...
    detail: str = ""
    raw_id: str | None = None
    # what the clean stage removed from a page it then found no article in: the audit says
    # why the page was rejected (all of it menus, a cookie wall, a list of links)
    stripped: tuple[Stripped, ...] = ()

    def brief(self) -> dict[str, Any]:
        """The rejection as a run summary lists it: where, which stage, why (not the audit)."""
        return {
            "source_ref": self.source_ref,
            "stage": self.stage,
            "reason": self.reason,
            "detail": self.detail,
            "raw_id": self.raw_id,
        }
