"""The analyst's desk on a year of nightly runs: 100k synthetic articles.

Builds a warehouse of N articles (default 100,000) spread over one year, in SQL: bodies of
~250 words drawn from a news-like vocabulary, ~15 % of articles copies of an earlier one, three
reports a story on average, outlets from India, Pakistan and elsewhere, one to three topics,
two to four actors, tones that drift by side. Then it times what an analyst meets:

* publishing the snapshot with its full-text index (what every run now does at its end);
* `ipwire report` for the whole year (target: under 30 s, file under 5 MB);
* a search, and `show` of one article.

Run:  .venv/bin/python bench/bench_report.py [--articles 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ipwire import snapshot  # noqa: E402
from ipwire.desk import index, report, run_search, show  # noqa: E402
from ipwire.desk.search import Filters  # noqa: E402
from ipwire.warehouse import db as wh  # noqa: E402

OUTLETS = [
    ("dawn.com", "PK"),
    ("tribune.com.pk", "PK"),
    ("geo.tv", "PK"),
    ("thenews.com.pk", "PK"),
    ("arynews.tv", "PK"),
    ("brecorder.com", "PK"),
    ("thehindu.com", "IN"),
    ("hindustantimes.com", "IN"),
    ("indianexpress.com", "IN"),
    ("ndtv.com", "IN"),
    ("timesofindia.indiatimes.com", "IN"),
    ("tribuneindia.com", "IN"),
    ("news18.com", "IN"),
    ("theprint.in", "IN"),
    ("aljazeera.com", "QA"),
    ("reuters.com", "GB"),
    ("bbc.com", "GB"),
    ("apnews.com", "US"),
    ("thedailystar.net", "BD"),
    ("gulfnews.com", "AE"),
]
VOCAB = (
    "india pakistan talks border ceasefire kashmir line control army shelling minister "
    "foreign diplomacy treaty indus waters river dam trade visa pilgrims kartarpur prisoners "
    "fishermen cricket match nuclear missile test terror attack militants security forces "
    "delegation summit sco united nations china afghanistan balochistan punjab sindh delhi "
    "islamabad lahore srinagar jammu statement said officials government spokesperson "
    "week month year agreement dispute tensions dialogue peace violation killed injured "
    "sanctions tariff exports imports electricity flood monsoon glacier hydropower"
).split()
# Invented headlines: who, what they did, about what (the story number keeps them apart).
WHO = ["India", "Pakistan", "New Delhi", "Islamabad", "Army chiefs", "Foreign ministers",
       "Border officials", "Water commissioners", "Cricket boards", "Trade bodies",
       "Envoys"]  # fmt: skip
ACT = ["hold talks on", "trade barbs over", "agree on", "reject proposal on", "meet again on",
       "exchange lists on", "raise concerns over", "issue statement on",
       "suspend talks on"]  # fmt: skip
WHAT = ["Indus waters", "the Line of Control", "the Kartarpur corridor", "prisoner releases",
        "visa rules", "trade via Wagah", "cricket ties", "a ceasefire", "flood data",
        "pilgrim visits", "airspace", "nuclear lists", "fishermen", "a UN resolution"]  # fmt: skip
TOPICS = ["diplomacy", "kashmir", "military", "terrorism", "nuclear", "water",
          "trade_economy", "people", "sport", "third_party"]  # fmt: skip
ACTORS = [("Narendra Modi", "person"), ("Shehbaz Sharif", "person"), ("Line of Control", "place"),
          ("Indus Waters Treaty", "place"), ("ISI", "agency"), ("Indian Army", "agency"),
          ("Pakistan Army", "agency"), ("United Nations", "third_party"), ("China", "third_party"),
          ("United States", "third_party"), ("S. Jaishankar", "person"),
          ("Ishaq Dar", "person"), ("Jammu and Kashmir", "place"),
          ("Lashkar-e-Taiba", "armed_group")]  # fmt: skip


def build(path: Path, n: int) -> float:
    """Fill a migrated warehouse with `n` articles over 2025; returns the seconds it took."""
    started = time.perf_counter()
    with wh.connect(path) as conn:
        conn.execute("SELECT setseed(0.42)")
        conn.execute(
            "CREATE TEMP TABLE outlets AS SELECT * FROM (VALUES "
            + ", ".join(f"({i}, '{o}', '{c}')" for i, (o, c) in enumerate(OUTLETS))
            + ") t(k, outlet, country)"
        )
        conn.execute(
            f"""
            INSERT INTO articles (article_id, source_kind, source_ref, url, canonical_url, outlet,
                outlet_country, title, published_at, published_date, fetched_at, body,
                word_count, content_hash, duplicate_of, dup_reason, story_id, relevance,
                is_relevant, relevance_reason, tone, classifier_version)
            WITH base AS (
                SELECT i, (i // 3) AS story,
                       DATE '2025-01-01' + CAST(floor((i // 3) * 365.0 / ({n} // 3 + 1)) AS INT)
                           AS day,
                       CAST(floor(random() * {len(OUTLETS)}) AS INT) AS k,
                       random() AS r
                FROM range({n}) t(i)
            )
            SELECT printf('%016x', i), 'page', 'https://x/' || i, 'https://x/' || i,
                   'https://x/' || i,
                   o.outlet, o.country,
                   $who[1 + story % len($who)] || ' ' || $act[1 + (story // 7) % len($act)]
                       || ' ' || $what[1 + (story // 3) % len($what)] || ' (' || story || ')',
                   CAST(day AS VARCHAR), day, TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_days(
                       CAST(day - DATE '2025-01-01' AS INT) + 1),
                   array_to_string(list_transform(range(250),
                       x -> $vocab[1 + CAST(floor(random() * len($vocab)) AS INT)]), ' '),
                   250, printf('h%016x', i),
                   CASE WHEN i % 3 = 2 AND r < 0.45 THEN printf('%016x', i - 1) END,
                   CASE WHEN i % 3 = 2 AND r < 0.45 THEN 'near' END,
                   printf('s%015x', story), 0.2 + 0.8 * r, r > 0.2,
                   CASE WHEN r > 0.2 THEN 'bilateral' ELSE 'domestic' END,
                   CASE WHEN r > 0.2 THEN
                       greatest(-1, least(1, (random() - 0.5) * 1.6
                           + CASE o.country WHEN 'IN' THEN -0.2 WHEN 'PK' THEN -0.1 ELSE 0 END
                           + 0.3 * sin(day - DATE '2025-01-01'))) END,
                   'bench'
            FROM base JOIN outlets o ON o.k = base.k
            """,
            {"vocab": VOCAB, "who": WHO, "act": ACT, "what": WHAT},
        )
        conn.execute(
            """
            INSERT INTO article_topics
            SELECT article_id, $topics[1 + CAST(hash(article_id || j) % 10 AS INT)],
                   0.5 + random() / 2, [left(body, 120)]
            FROM articles, range(1 + CAST(hash(article_id) % 3 AS INT)) t(j)
            ON CONFLICT DO NOTHING
            """,
            {"topics": TOPICS},
        )
        conn.execute(
            "CREATE TEMP TABLE actors AS SELECT * FROM (VALUES "
            + ", ".join(f"({i}, '{a}', '{k}')" for i, (a, k) in enumerate(ACTORS))
            + ") t(k, actor, kind)"
        )
        conn.execute(
            f"""
            INSERT INTO article_actors
            SELECT article_id, a.actor, a.kind, 1 + CAST(hash(article_id || a.actor) % 5 AS INT)
            FROM articles, range(2 + CAST(hash(article_id) % 3 AS INT)) t(j)
            JOIN actors a ON a.k = CAST(hash(article_id || j) % {len(ACTORS)} AS INT)
            ON CONFLICT DO NOTHING
            """
        )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Build in this folder and keep it.")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ipwire-bench-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.duckdb"
    for stale in folder.glob("bench*"):
        stale.unlink()
    try:
        built = build(db, args.articles)
        t = time.perf_counter()
        snapshot.publish_snapshot(db)
        published = time.perf_counter() - t
        out = folder / "year.html"
        t = time.perf_counter()
        with snapshot.connect_reader(db) as conn:
            assert index.has_index(conn)
            result = report.write_report(conn, date(2025, 1, 1), date(2025, 12, 31), out)
        reported = time.perf_counter() - t
        t = time.perf_counter()
        with index.open_search(db) as conn:
            hits = run_search(conn, "indus waters treaty", Filters(limit=20))
            searched = time.perf_counter() - t
            t = time.perf_counter()
            show.article(conn, hits[0].article_id)
            shown = time.perf_counter() - t
        size_mb = result.size_bytes / 1e6
        rows = [
            ("articles", f"{args.articles:,}"),
            ("build warehouse", f"{built:.1f} s"),
            ("publish snapshot + FTS index", f"{published:.1f} s"),
            ("report, whole year", f"{reported:.1f} s (target < 30 s)"),
            ("report size", f"{size_mb:.2f} MB (target < 5 MB)"),
            ("search, 20 hits", f"{searched:.2f} s"),
            ("show one article", f"{shown:.2f} s"),
        ]
        for name, value in rows:
            print(f"{name:<30} {value}")
        return 0 if reported < 30 and size_mb < 5 else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
