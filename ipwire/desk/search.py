"""`ipwire search`: BM25 over title and body, one hit per duplicate chain, with a snippet.

Ranking is DuckDB's full-text search (`fts_main_articles.match_bm25`, Porter stems, English
stop words). A chain scores as its best-matching article; its labels are the `chains` view's
(analysts' corrections over the machine's). Each hit names its newest story siblings: other
reports of the same event, so a reader can follow the story forward.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import duckdb

MARK = "**"  # query terms are marked **like this** in snippets
SNIPPET_CHARS = 240
_WORD = re.compile(r"\w+", re.UNICODE)
_ADJACENT = re.compile(r"\*\*(\s+)\*\*")


@dataclass(frozen=True)
class Filters:
    """What narrows a search; None means "any"."""

    since: date | None = None
    until: date | None = None
    outlet: str | None = None
    country: str | None = None
    topic: str | None = None
    include_irrelevant: bool = False
    limit: int = 20


@dataclass
class Hit:
    """One duplicate chain that matched, as a row analysts read."""

    rank: int
    score: float
    article_id: str
    title: str | None
    outlet: str | None
    country: str | None
    published: str | None
    is_relevant: bool | None
    tone: float | None
    topics: list[str]
    copies: int
    copy_outlets: list[str]
    story_id: str | None
    snippet: str
    siblings: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_HITS = """
WITH scored AS (
    SELECT a.article_id, coalesce(a.duplicate_of, a.article_id) AS chain_id,
           fts_main_articles.match_bm25(a.article_id, $query) AS score
    FROM articles a
    WHERE ($outlet IS NULL OR a.outlet = $outlet OR a.outlet LIKE '%.' || $outlet)
      AND ($country IS NULL OR a.outlet_country = $country)
      AND ($since IS NULL OR a.published_date >= $since)
      AND ($until IS NULL OR a.published_date <= $until)
),
best AS (
    SELECT chain_id, max(score) AS score, arg_max(article_id, score) AS best_id
    FROM scored WHERE score IS NOT NULL
    GROUP BY chain_id
)
SELECT b.score, c.article_id, c.title, c.outlet, c.outlet_country,
       CAST(c.published_date AS VARCHAR), c.is_relevant, c.tone, c.topics, c.n_copies,
       c.copy_outlets, c.story_id, b.best_id
FROM best b JOIN chains c ON c.chain_id = b.chain_id
WHERE ($all OR c.is_relevant IS NOT FALSE)
  AND ($topic IS NULL OR list_contains(c.topics, $topic))
ORDER BY b.score DESC, c.published_date DESC NULLS LAST, c.article_id
LIMIT $limit
"""

_SIBLINGS = """
SELECT story_id, article_id, headline, outlet, CAST(published_date AS VARCHAR) AS published
FROM (
    SELECT story_id, article_id, headline, outlet, published_date,
           row_number() OVER (PARTITION BY story_id
                              ORDER BY published_date DESC NULLS LAST, fetched_at DESC,
                                       article_id) AS n
    FROM chains
    WHERE list_contains($stories, story_id)
)
WHERE n <= $per_story
ORDER BY story_id, n
"""


def article_count(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def run_search(
    conn: duckdb.DuckDBPyConnection, query: str, filters: Filters, siblings: int = 3
) -> list[Hit]:
    """The best-ranked chains for `query` under `filters` (an empty list when none match)."""
    params = {
        "query": query,
        "outlet": filters.outlet,
        "country": filters.country.upper() if filters.country else None,
        "since": filters.since,
        "until": filters.until,
        "topic": filters.topic,
        "all": filters.include_irrelevant,
        "limit": filters.limit,
    }
    rows = conn.execute(_HITS, params).fetchall()
    stems = query_stems(conn, query)
    bodies = _texts(conn, [r[12] for r in rows])
    hits = [
        Hit(
            rank=i + 1,
            score=round(r[0], 4),
            article_id=r[1],
            title=r[2] or headline_of(bodies.get(r[12], "")),
            outlet=r[3],
            country=r[4],
            published=r[5],
            is_relevant=r[6],
            tone=None if r[7] is None else round(r[7], 3),
            topics=list(r[8] or []),
            copies=r[9],
            copy_outlets=list(r[10] or []),
            story_id=r[11],
            snippet=snippet(conn, bodies.get(r[12], ""), stems),
        )
        for i, r in enumerate(rows)
    ]
    _attach_siblings(conn, hits, siblings)
    return hits


def headline_of(body: str, limit: int = 100) -> str | None:
    """A stand-in title for an article without one: its first line, cut at a word."""
    first = body.strip().split("\n", 1)[0].strip() if body else ""
    if len(first) <= limit:
        return first or None
    return first[: first.rfind(" ", 0, limit)].rstrip(" ,;:") + " …"


def _texts(conn: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT article_id, body FROM articles WHERE list_contains($ids, article_id)",
        {"ids": ids},
    ).fetchall()
    return dict(rows)


def _attach_siblings(conn: duckdb.DuckDBPyConnection, hits: list[Hit], per_story: int) -> None:
    stories = sorted({h.story_id for h in hits if h.story_id})
    if not stories or per_story <= 0:
        return
    rows = conn.execute(_SIBLINGS, {"stories": stories, "per_story": per_story + 1}).fetchall()
    by_story: dict[str, list[dict[str, Any]]] = {}
    for story_id, article_id, title, outlet, published in rows:
        by_story.setdefault(story_id, []).append(
            {"article_id": article_id, "title": title, "outlet": outlet, "published": published}
        )
    for h in hits:  # the newest other reports of the story, this one left out
        others = [s for s in by_story.get(h.story_id or "", []) if s["article_id"] != h.article_id]
        h.siblings = others[:per_story]


def query_stems(conn: duckdb.DuckDBPyConnection, query: str) -> set[str]:
    """The Porter stems of the query's words, as the index stems them."""
    words = [w.lower() for w in _WORD.findall(query)]
    if not words:
        return set()
    rows = conn.execute("SELECT stem(w, 'porter') FROM unnest($w) AS t(w)", {"w": words})
    return {s for (s,) in rows.fetchall() if s}


def snippet(conn: duckdb.DuckDBPyConnection, text: str, stems: set[str]) -> str:
    """About `SNIPPET_CHARS` of `text` around the densest run of query terms, terms marked."""
    text = " ".join(text.split())
    if not text:
        return ""
    spans = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
    words = sorted({w for _, _, w in spans})
    stem_of = dict(
        conn.execute("SELECT w, stem(w, 'porter') FROM unnest($w) AS t(w)", {"w": words}).fetchall()
    )
    hits = [(s, e) for s, e, w in spans if stem_of.get(w) in stems]
    if not hits:
        return _cut(text, 0)
    best_start, best_n = hits[0][0], 0
    for i, (start, _) in enumerate(hits):  # the window holding the most matches
        n = sum(1 for s, _ in hits[i:] if s < start + SNIPPET_CHARS)
        if n > best_n:
            best_start, best_n = start, n
    begin = max(0, best_start - 40)
    if begin:  # start at a sentence within the lead-in if there is one, else at a word
        stop = max(text.rfind(m, begin, best_start) for m in (". ", "? ", "! ", "…"))
        space = text.find(" ", begin)
        if stop >= 0:
            begin = stop + (1 if text[stop] == "…" else 2)
        elif 0 <= space < best_start:
            begin = space + 1
    end = min(len(text), begin + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > best_start else end
    marked, pos = [], begin
    for s, e in hits:
        if s < begin or e > end:
            continue
        marked += [text[pos:s], MARK, text[s:e], MARK]
        pos = e
    marked.append(text[pos:end])
    joined = _ADJACENT.sub(r"\1", "".join(marked))  # **Indus** **Waters** -> **Indus Waters**
    return ("… " if begin else "") + joined + (" …" if end < len(text) else "")


def _cut(text: str, begin: int) -> str:
    end = min(len(text), begin + SNIPPET_CHARS)
    space = text.rfind(" ", begin, end)
    end = space if end < len(text) and space > begin else end
    return text[begin:end] + (" …" if end < len(text) else "")
