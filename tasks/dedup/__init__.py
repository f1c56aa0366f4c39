"""Dedup stage: exact and near duplicates, story clustering and wire credits."""

from ipwire.ids import stable_id
from ipwire.records import TOPICS
from ipwire.settings import DedupSettings
from ipwire.tasks.dedup.features import (
    KIND_BAND,
    KIND_ENTITY,
    KIND_EXACT,
    KIND_NUMBER,
    KIND_QUOTE,
    KIND_SENTENCE,
    KIND_SHINGLE,
    NEAR_KINDS,
    STORY_KINDS,
    WIRE_AGENCIES,
    Features,
    compute_features,
    minhash,
    story_keys,
    wire_credits,
)
from ipwire.tasks.dedup.index import _Index
from ipwire.tasks.dedup.matching import _near_matches, find_duplicates
from ipwire.tasks.dedup.ordering import _labels
from ipwire.tasks.dedup.persist import insert_keys, persist
from ipwire.tasks.dedup.scoring import _linked, story_scores
from ipwire.tasks.dedup.stored_index import clear_cache, warehouse_index
from ipwire.tasks.dedup.stories import (
    assign_stories,
    recluster_all,
    recluster_run,
    recluster_touched,
)

__all__ = [
    "KIND_BAND",
    "KIND_ENTITY",
    "KIND_EXACT",
    "KIND_NUMBER",
    "KIND_QUOTE",
    "KIND_SENTENCE",
    "KIND_SHINGLE",
    "NEAR_KINDS",
    "STORY_KINDS",
    "TOPICS",
    "WIRE_AGENCIES",
    "DedupSettings",
    "Features",
    "assign_stories",
    "clear_cache",
    "compute_features",
    "find_duplicates",
    "insert_keys",
    "minhash",
    "persist",
    "recluster_all",
    "recluster_run",
    "recluster_touched",
    "stable_id",
    "story_keys",
    "story_scores",
    "warehouse_index",
    "wire_credits",
    # internals that tests/test_stories.py and bench/bench_dedup.py reach through the package
    "_Index",
    "_labels",
    "_linked",
    "_near_matches",
]
