"""Classify stage: relevance, topics, tone and actors of an article, each with its evidence."""

from ipwire.tasks.classify.classifier import classification_to_json, classify, classify_many
from ipwire.tasks.classify.errors import TaxonomyError
from ipwire.tasks.classify.relevance import REASONS, article_features, relevance_features
from ipwire.tasks.classify.sentences import split_sentences
from ipwire.tasks.classify.taxonomy import (
    ACTOR_KINDS,
    CLASSIFIER_VERSION,
    DEFAULT_TAXONOMY,
    RULES_VERSION,
    SIDES,
    TOPIC_SCOPES,
    Actor,
    Taxonomy,
    Topic,
    default_taxonomy,
    load_taxonomy,
)
from ipwire.tasks.classify.topics import topic_totals

__all__ = [
    "ACTOR_KINDS",
    "CLASSIFIER_VERSION",
    "DEFAULT_TAXONOMY",
    "REASONS",
    "RULES_VERSION",
    "SIDES",
    "TOPIC_SCOPES",
    "Actor",
    "Taxonomy",
    "TaxonomyError",
    "Topic",
    "article_features",
    "classification_to_json",
    "classify",
    "classify_many",
    "default_taxonomy",
    "load_taxonomy",
    "relevance_features",
    "split_sentences",
    "topic_totals",
]
