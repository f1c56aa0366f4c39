"""`ipwire report`: the figures of one period, gathered from the snapshot and written as HTML.

Everything counts duplicate chains (the `chains` view: one row per report, copies folded in,
analysts' corrections applied) and uses publication dates only: an article without a known
publication date belongs to no period and is counted apart. "Sides" are the countries of the
outlets: IN (Indian outlets), PK (Pakistani outlets), everything else "other".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from ipwire.desk.report_data import ReportData, Table


@dataclass(frozen=True)
class ReportResult:
    """What `write_report` wrote, for the command line and the nightly flow."""

    path: Path
    since: date
    until: date
    articles: int
    size_bytes: int

    def summary(self) -> str:
        if not self.articles:
            return (
                f"no articles published between {self.since} and {self.until}; "
                f"wrote an empty report to {self.path}"
            )
        noun = "article" if self.articles == 1 else "articles"
        return (
            f"wrote {self.path} ({self.size_bytes / 1024:.0f} KB): {self.articles} {noun} "
            f"published {self.since} … {self.until}"
        )


def _table(conn: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> Table:
    cur = conn.execute(sql, params or {})
    return [d[0] for d in cur.description], cur.fetchall()


_PERIOD = """
CREATE OR REPLACE TEMP TABLE period AS
SELECT c.article_id, c.story_id, c.outlet, c.outlet_country, c.published_date, c.n_copies,
       c.is_relevant, c.tone, c.topics,
       CASE WHEN outlet_country IN ('IN', 'PK') THEN outlet_country ELSE 'other' END AS side,
       CAST(date_trunc('week', published_date) AS DATE) AS week
FROM chains c
WHERE published_date BETWEEN $since AND $until
"""


def gather(conn: duckdb.DuckDBPyConnection, since: date, until: date, top: int = 15) -> ReportData:
    """Run the report's queries over [since, until] (and the period of equal length before)."""
    p = {"since": since, "until": until}
    days = (until - since).days + 1
    before = {"since": since - timedelta(days=days), "until": since - timedelta(days=1)}
    conn.execute(_PERIOD, p)
    data = ReportData(since=since, until=until)
    cols, rows = _table(
        conn,
        """
        SELECT count(*) AS articles,
               count(*) FILTER (WHERE is_relevant) AS relevant,
               count(DISTINCT story_id) FILTER (WHERE is_relevant) AS stories,
               count(DISTINCT outlet) AS outlets,
               coalesce(sum(n_copies), 0) AS copies_folded
        FROM period
        """,
    )
    data.figures = dict(zip(cols, rows[0], strict=True))
    data.figures["undated"] = conn.execute(
        "SELECT count(*) FROM chains WHERE published_date IS NULL"
    ).fetchone()[0]
    if data.empty:
        return data
    data.by_country = _table(
        conn,
        """
        SELECT coalesce(outlet_country, '?') AS country, count(DISTINCT outlet) AS outlets,
               count(*) AS articles, count(*) FILTER (WHERE is_relevant) AS relevant
        FROM period GROUP BY 1 ORDER BY articles DESC, country
        """,
    )
    data.top_stories = _table(
        conn,
        """
        SELECT arg_min(article_id, published_date) AS headline,
               count(DISTINCT outlet) AS outlets,
               count(DISTINCT outlet_country) AS countries,
               string_agg(DISTINCT outlet_country, ' ' ORDER BY outlet_country) AS country_list,
               count(*) AS reports, sum(n_copies) AS copies,
               CAST(min(published_date) AS VARCHAR) AS first_published,
               round(avg(tone), 2) AS tone, story_id
        FROM period WHERE is_relevant AND story_id IS NOT NULL
        GROUP BY story_id
        ORDER BY outlets DESC, countries DESC, reports DESC, first_published
        LIMIT $top
        """,
        {"top": top},
    )
    data.tone_weekly = _table(
        conn,
        """
        SELECT CAST(week AS VARCHAR) AS week,
               round(avg(tone) FILTER (WHERE side = 'IN'), 3) AS tone_in,
               count(tone) FILTER (WHERE side = 'IN') AS n_in,
               round(avg(tone) FILTER (WHERE side = 'PK'), 3) AS tone_pk,
               count(tone) FILTER (WHERE side = 'PK') AS n_pk,
               round(avg(tone) FILTER (WHERE side = 'other'), 3) AS tone_other,
               count(tone) FILTER (WHERE side = 'other') AS n_other
        FROM period WHERE is_relevant
        GROUP BY week ORDER BY week
        """,
    )
    data.topics_weekly = _table(
        conn,
        """
        PIVOT (
            SELECT CAST(week AS VARCHAR) AS week, unnest(topics) AS topic
            FROM period WHERE is_relevant
        ) ON topic USING count(*) GROUP BY week ORDER BY week
        """,
    )
    data.actors = _table(
        conn,
        """
        SELECT x.actor, any_value(x.kind) AS kind, count(*) AS articles,
               sum(x.mentions) AS mentions,
               count(*) FILTER (WHERE p.side = 'IN') AS in_outlets,
               count(*) FILTER (WHERE p.side = 'PK') AS pk_outlets
        FROM period p JOIN article_actors x ON x.article_id = p.article_id
        WHERE p.is_relevant AND x.actor NOT IN ('India', 'Pakistan')
        GROUP BY x.actor ORDER BY articles DESC, mentions DESC, x.actor LIMIT 20
        """,
    )
    data.changes = _changes(conn, before)
    data.both_sides = _table(
        conn,
        """
        SELECT arg_min(article_id, published_date) FILTER (WHERE side = 'IN') AS indian_headline,
               arg_min(article_id, published_date) FILTER (WHERE side = 'PK')
                   AS pakistani_headline,
               round(avg(tone) FILTER (WHERE side = 'IN'), 2) AS tone_in,
               round(avg(tone) FILTER (WHERE side = 'PK'), 2) AS tone_pk,
               count(*) FILTER (WHERE side = 'IN') AS reports_in,
               count(*) FILTER (WHERE side = 'PK') AS reports_pk,
               CAST(min(published_date) AS VARCHAR) AS first_published, story_id
        FROM period WHERE is_relevant AND story_id IS NOT NULL
        GROUP BY story_id
        HAVING count(*) FILTER (WHERE side = 'IN') > 0 AND count(*) FILTER (WHERE side = 'PK') > 0
        ORDER BY reports_in + reports_pk DESC, first_published
        LIMIT $top
        """,
        {"top": top},
    )
    data.top_stories = _with_headlines(conn, data.top_stories, ("headline",))
    data.both_sides = _with_headlines(
        conn, data.both_sides, ("indian_headline", "pakistani_headline")
    )
    return data


def _with_headlines(conn: duckdb.DuckDBPyConnection, table: Table, columns: tuple) -> Table:
    """Replace the article ids in `columns` by those articles' headlines.

    Headlines may come from the body (articles without a title), so they are looked up for the
    few rows shown rather than computed for every article of the period.
    """
    cols, rows = table
    where = [cols.index(c) for c in columns]
    ids = sorted({r[i] for r in rows for i in where if r[i]})
    if not ids:
        return table
    found = dict(
        conn.execute(
            "SELECT chain_id, headline FROM chains WHERE list_contains($ids, chain_id)",
            {"ids": ids},
        ).fetchall()
    )
    fixed = [tuple(found.get(v) if i in where and v else v for i, v in enumerate(r)) for r in rows]
    return cols, fixed


def _changes(conn: duckdb.DuckDBPyConnection, before: dict) -> Table:
    """Topics, actors and sides: relevant reports now against the period just before."""
    return _table(
        conn,
        """
        WITH prev AS (
            SELECT c.*, CASE WHEN outlet_country IN ('IN', 'PK') THEN outlet_country
                             ELSE 'other' END AS side
            FROM chains c
            WHERE published_date BETWEEN $since AND $until AND is_relevant
        ),
        now_ AS (SELECT * FROM period WHERE is_relevant),
        counts AS (
            SELECT 'topic' AS kind, t AS name, 1 AS now_n, 0 AS prev_n
            FROM (SELECT unnest(topics) AS t FROM now_)
            UNION ALL SELECT 'topic', t, 0, 1 FROM (SELECT unnest(topics) AS t FROM prev)
            UNION ALL
            SELECT 'actor', x.actor, 1, 0 FROM now_ JOIN article_actors x USING (article_id)
            UNION ALL
            SELECT 'actor', x.actor, 0, 1 FROM prev JOIN article_actors x USING (article_id)
            UNION ALL SELECT 'outlets', side, 1, 0 FROM now_
            UNION ALL SELECT 'outlets', side, 0, 1 FROM prev
        )
        SELECT kind, name, sum(now_n) AS now, sum(prev_n) AS before,
               sum(now_n) - sum(prev_n) AS change,
               CASE WHEN sum(prev_n) > 0
                    THEN round(100.0 * (sum(now_n) - sum(prev_n)) / sum(prev_n)) END AS pct
        FROM counts
        WHERE name NOT IN ('India', 'Pakistan')
        GROUP BY kind, name
        ORDER BY abs(sum(now_n) - sum(prev_n)) DESC, kind, name
        LIMIT 25
        """,
        before,
    )


def write_report(
    conn: duckdb.DuckDBPyConnection, since: date, until: date, out: Path
) -> ReportResult:
    """Gather the period's figures and write the self-contained HTML file `out`."""
    # the charts load matplotlib (half a second): search and show import this package too
    from ipwire.desk.html import render_report

    data = gather(conn, since, until)
    html = render_report(data)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    return ReportResult(out, since, until, data.figures.get("articles", 0), out.stat().st_size)


def write_weekly_report(
    db_path: str | os.PathLike[str], folder: str | os.PathLike[str], today: date | None = None
) -> Path:
    """The last seven days' report (ending yesterday) into `folder`; returns the file's path.

    For the nightly flow: reads the published snapshot, so call it after `publish_snapshot`.
    The file is `ipwire-week-<until>.html`; a rerun the same night overwrites it.
    """
    from ipwire.snapshot import connect_reader

    today = today or datetime.now(UTC).date()
    until = today - timedelta(days=1)
    since = until - timedelta(days=6)
    out = Path(folder) / f"ipwire-week-{until.isoformat()}.html"
    with connect_reader(db_path) as conn:
        return write_report(conn, since, until, out).path
