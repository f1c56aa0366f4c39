"""Shared helpers for the dedup tests: fixture texts, a minimal warehouse, loading batches.

Each test builds a warehouse from the project's own migrations in a temporary DuckDB file and
writes the rows itself.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ipwire.ids import canonical_url, content_hash, outlet_from_url, stable_id
from ipwire.records import Article, Classification, TopicScore
from ipwire.tasks import dedup
from ipwire.warehouse import db as wh

FIXTURES = Path(__file__).parent / "fixtures" / "dedup"


CHROME_TOP = "Home | World | Business | Sport\nSubscribe to our newsletter\n\n"


CHROME_BOTTOM = (
    "\n\nRelated Stories\nGold prices rise for a third day as the rupee weakens\n"
    "Five phones under Rs 20,000 you can buy this month\n© 2025 All rights reserved"
)


def text(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text()


def make_article(url: str, body: str, published_at: str | None = "2025-03-14") -> Article:
    return Article(
        article_id=stable_id("article", canonical_url(url)),
        raw_id=stable_id("raw", url),
        source_kind="file",
        source_ref=url,
        url=url,
        canonical_url=canonical_url(url),
        outlet=outlet_from_url(url),
        title=None,
        author=None,
        published_at=published_at,
        fetched_at="2025-03-15T00:00:00+00:00",
        language="en",
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(body),
    )


def classify(article: Article, relevant: bool, topics: list[str]) -> None:
    article.classification = Classification(
        relevance=1.0 if relevant else 0.0,
        is_relevant=relevant,
        reason="test",
        topics=[TopicScore(t, 1.0) for t in topics],
    )


def fresh_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A new DuckDB file with every migration applied, as ``ipwire`` makes one."""
    return wh.connect(path)


def make_stale(conn: duckdb.DuckDBPyConnection, art: Article) -> None:
    """Give an article a story of its own, as if it had been clustered with other key weights,
    and drop the in-memory index so the change is read back."""
    stale = stable_id("story", art.article_id)
    for table in ("articles", "dedup_signatures"):
        conn.execute(
            f"UPDATE {table} SET story_id = ? WHERE article_id = ?", [stale, art.article_id]
        )
    dedup.clear_cache()


@pytest.fixture
def conn(tmp_path: Path):
    dedup.clear_cache()
    connection = fresh_warehouse(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()
    dedup.clear_cache()


def load(conn: duckdb.DuckDBPyConnection, batch: list[Article], classified: bool = True) -> None:
    """What the flow and loader do with one batch: dedup, classify, stories, write, persist."""
    dedup.find_duplicates(conn, batch)
    for article in batch:
        if classified and article.classification is None:
            classify(article, True, ["people", "diplomacy"])
    dedup.assign_stories(conn, batch)
    conn.execute("BEGIN")
    for a in batch:
        conn.execute(
            "INSERT OR REPLACE INTO articles (article_id, source_kind, source_ref, fetched_at, "
            "word_count, url, canonical_url, outlet, published_at, body, content_hash, "
            "duplicate_of, dup_reason, dup_similarity, story_id) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                a.article_id,
                a.source_kind,
                a.source_ref,
                a.fetched_at,
                a.word_count,
                a.url,
                a.canonical_url,
                a.outlet,
                a.published_at,
                a.body,
                a.content_hash,
                a.duplicate_of,
                a.dup_reason,
                a.dup_similarity,
                a.story_id,
            ],
        )
    dedup.persist(conn, batch)
    conn.execute("COMMIT")


def story_of(conn: duckdb.DuckDBPyConnection, article: Article) -> str:
    """The stored story id (a later article may have merged the story the object holds)."""
    return conn.execute(
        "SELECT story_id FROM articles WHERE article_id = ?", [article.article_id]
    ).fetchone()[0]


def _partition(groups: dict[str, str]) -> frozenset[frozenset[str]]:
    """Groups of article ids, whatever the group ids are."""
    out: dict[str, set[str]] = {}
    for aid, group in groups.items():
        out.setdefault(group, set()).add(aid)
    return frozenset(frozenset(members) for members in out.values())


# A joint statement that two outlets quote in full inside reports of their own words.
JOINT_STATEMENT = (
    '"The two sides reviewed the implementation of the Indus Waters Treaty, agreed to hold '
    "the next meeting of the Permanent Indus Commission in Lahore in May, and resolved to "
    "share flood data from the Chenab and Jhelum rivers in a timely manner during the "
    'monsoon season," the joint statement said.\n\n'
    '"Both commissioners expressed satisfaction with the exchange of information on planned '
    "projects on the western rivers and agreed that tours of inspection by the two sides "
    "would be resumed at the earliest, including visits to the sites of the Pakal Dul, "
    'Lower Kalnai and Kiru hydroelectric plants," it added.'
)


OUTLET_ONE = (
    "India, Pakistan water commissioners end two-day talks in New Delhi\n\n"
    "NEW DELHI: Indian and Pakistani water officials wrapped up two days of talks at the "
    "headquarters of the Central Water Commission on Wednesday, the first such meeting in "
    "more than a year, with both delegations describing the atmosphere as cordial.\n\n"
    + JOINT_STATEMENT
    + "\n\nThe Indian delegation was led by Indus Commissioner Pradeep Kumar Saxena while "
    "Pakistan's side was headed by Syed Mehr Ali Shah. Officials said the Kishanganga and "
    "Ratle projects were raised by the visitors, who repeated long-standing objections to "
    "the design of both plants. India maintains the projects comply with the treaty, "
    "the ministry said in Delhi."
)


OUTLET_TWO = (
    "Pakistan raises Kishanganga objections as Indus talks conclude\n\n"
    "ISLAMABAD: Pakistan's Indus Waters Commissioner Syed Mehr Ali Shah returned from New "
    "Delhi on Thursday after what the foreign office called constructive talks, saying "
    "Islamabad had pressed its case on the Kishanganga and Ratle hydropower projects.\n\n"
    + JOINT_STATEMENT
    + "\n\nShah told reporters at Wagah that Pakistan wanted a neutral expert to settle the "
    "dispute if the commission could not. He said India's commissioner Pradeep Kumar "
    "Saxena had agreed to consider sending an inspection team to the Chenab basin before "
    "the Lahore meeting. Farmers' groups in Punjab province have warned that reduced flows "
    "in the sowing season would hurt wheat and rice crops, Shah said."
)
