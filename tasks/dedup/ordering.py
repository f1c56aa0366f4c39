"""Article dates, labels and the order keys that make dedup independent of input order."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ipwire.records import TOPICS, Article
from ipwire.settings import DedupSettings
from ipwire.tasks.clean.dates import parse_date
from ipwire.tasks.dedup.index import _LAST_TS, _UNKNOWN_DAY, _Index


def _day_of(published_at: str | None) -> int | None:
    if not published_at:
        return None
    try:
        d = datetime.fromisoformat(published_at.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            d = date.fromisoformat(published_at[:10])
        except ValueError:
            return None
    return (d - date(1970, 1, 1)).days


def _article_day(article: Article) -> int | None:
    """The article's day: its publication date, else a date in the first lines of its text
    (a dateline or by-line date such as "August 8, 2022"); a date later in the text is more
    often an earlier event than the report's own day."""
    day = _day_of(article.published_at)
    if day is None and article.body:
        day = _day_of(parse_date(article.body[:_LEAD_CHARS]))
    return day


_LEAD_CHARS = 200


def _labels(article: Article, settings: DedupSettings) -> tuple[bool | None, int | None]:
    """The relevance decision and the topics as a bit mask, as the story gates use them.

    An article whose relevance is within ``relevance_margin`` of the classifier's cut gets no
    topics (mask 0): the decision may be wrong either way, so it joins a story only on the
    stronger untopical evidence, from either side."""
    c = article.classification
    if c is None:
        return None, None
    if abs(float(c.relevance) - settings.relevance_cut) < settings.relevance_margin:
        return bool(c.is_relevant), 0
    mask = 0
    for t in c.topics:
        if t.topic in TOPICS:
            mask |= 1 << TOPICS.index(t.topic)
    return bool(c.is_relevant), mask


def _article_ts(article: Article) -> int | None:
    """Seconds since 1970 (UTC) of the article's publication; a date without a time, or a
    date from the first lines of the text, counts from the start of its day."""
    if article.published_at and len(article.published_at) > 10:
        try:
            dt = datetime.fromisoformat(article.published_at.replace("Z", "+00:00"))
        except ValueError:
            dt = None
        if dt is not None:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
            return int(dt.timestamp())
    day = _article_day(article)
    return None if day is None else day * 86400


def _order_key(article: Article) -> tuple[int, str]:
    """Earliest publication time first (undated last), then article id: the order that
    decides which member of a chain or story is the first, whatever order the inputs came in."""
    ts = _article_ts(article)
    return (_LAST_TS if ts is None else ts, article.article_id)


_LAST_DAY = 2**31


def _cluster_key(index: _Index, doc: int) -> tuple[int, int, str]:
    """The order in which ``_recluster`` takes articles: published day, then the text's
    content hash (not the article id, which comes from the URL or file path: the same texts
    under other addresses must be taken in the same order and so cluster the same way)."""
    day = int(index.day[doc])
    return (_LAST_DAY if day == _UNKNOWN_DAY else day, int(index.chash[doc]), index.article_id[doc])


def _doc_key(index: _Index, doc: int) -> tuple[int, str]:
    return (int(index.ts[doc]), index.article_id[doc])
