"""Near-duplicate lookup cost against 10k, 100k and 1M stored articles.

For each size a fresh DuckDB warehouse is filled (in a process of its own) with synthetic
rows (signature + 39 near keys + 40 story keys per article, story keys drawn from a skewed
vocabulary like names in news),
plus 200 real-text synthetic articles persisted through ``dedup.persist``. Then 200 queries
(100 reworded copies of stored articles, 100 new texts) are looked up. Each size runs in its
own process so peak memory (ru_maxrss) is that size's alone.

Printed per size: index load (once per process), near-dup lookup ms/article (candidates +
verification, features computed beforehand), story lookup ms/article, find_duplicates
ms/article for the batch (features included), assign_stories ms/article for the same batch
(the whole story stage: candidates, component, re-clustering), copies found, the memory
the index's arrays and dictionaries hold, and peak RSS of the measuring process (after the
index load, and at
the end; DuckDB's own block cache of the warehouse file is part of it).

Run:  .venv/bin/python bench/bench_dedup.py [--max 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
from _common import apply_dedup_migrations, peak_rss_mb

from ipwire.ids import content_hash, stable_id
from ipwire.records import Article
from ipwire.tasks import dedup

SIZES = (10_000, 100_000, 1_000_000)
WORDS = [f"w{i}" for i in range(20_000)] + [f"Name{i}" for i in range(3_000)]


def synthetic_text(rng: random.Random, n_words: int = 300) -> str:
    sentences = []
    for _ in range(n_words // 15):
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(15)) + ".")
    return " ".join(sentences)


def reword(rng: random.Random, text: str) -> str:
    words = text.split()
    for _ in range(len(words) // 20):  # change 5% of the words, drop the last sentence
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words[: len(words) - 15])


def article(n: int, body: str) -> Article:
    url = f"https://bench.example/{n}"
    return Article(
        article_id=stable_id("article", url),
        raw_id=str(n),
        source_kind="file",
        source_ref=url,
        url=url,
        canonical_url=url,
        outlet="bench.example",
        title=None,
        author=None,
        published_at="2025-01-01",
        fetched_at="2025-01-01T00:00:00+00:00",
        language="en",
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(body),
    )


def fill(conn: duckdb.DuckDBPyConnection, n: int, settings: dedup.DedupSettings) -> None:
    """n filler rows written in SQL: random near keys, skewed story keys."""
    blob = "00" * 4 * settings.num_perm
    conn.execute(
        f"""INSERT INTO dedup_signatures (seq, article_id, content_hash, params, n_shingles,
               minhash, n_story_keys, root_id, story_id, story_day)
            SELECT nextval('dedup_seq'), 'f' || range, md5(range::VARCHAR), ?, 300,
                   unhex('{blob}'), 40, 'f' || range, 's' || range, 20089
            FROM range(?)""",
        [settings.params(), n],
    )
    conn.execute(
        """INSERT INTO dedup_keys
           SELECT (hash(s.seq * 64 + k.range) >> 1)::BIGINT,
                  CASE WHEN k.range = 0 THEN 1 WHEN k.range < 33 THEN 2 ELSE 3 END, s.seq
           FROM dedup_signatures s, range(39) k""",
    )
    conn.execute(
        """INSERT INTO dedup_keys
           SELECT (hash('story' || floor(pow(random(), 3) * 500000)::BIGINT) >> 1)::BIGINT,
                  4, s.seq
           FROM dedup_signatures s, range(40) k""",
    )


def real_articles(rng: random.Random) -> list:
    """The 200 real articles stored beside the synthetic fill; drawn first from a
    ``Random(n)``, so ``one_size`` gets the same texts back to plant copies of."""
    return [article(i, synthetic_text(rng)) for i in range(200)]


def build(n: int, path: Path) -> float:
    """Fill a fresh warehouse at ``path`` (run in its own process: DuckDB's memory while
    inserting 80 million key rows is not the index's)."""
    settings = dedup.DedupSettings()
    rng = random.Random(n)
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE articles (article_id VARCHAR)")
    apply_dedup_migrations(conn)
    t0 = time.perf_counter()
    fill(conn, n, settings)
    stored = real_articles(rng)
    for a in stored:
        a.story_id = stable_id("story", a.article_id)
    conn.execute("BEGIN")
    dedup.persist(conn, stored, settings)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t0


def index_mb(index: dedup._Index) -> float:
    """Memory held by the index's arrays and dictionaries (strings counted once each)."""
    total = 0
    for value in vars(index).values():
        if isinstance(value, np.ndarray):
            total += value.nbytes
            if value.dtype == object:
                total += sum(sys.getsizeof(v) for v in value.tolist() if v is not None)
    for postings in (index.near, index.story):
        total += postings.keys.nbytes + postings.docs.nbytes
    total += index.story_df.keys.nbytes + index.story_df.n.nbytes
    total += sys.getsizeof(index.by_article) + sys.getsizeof(index.by_story)
    total += sum(sys.getsizeof(v) for v in index.by_story.values())
    return total / 2**20


def one_size(n: int, path: Path) -> dict:
    settings = dedup.DedupSettings()
    rng = random.Random(n)
    stored = real_articles(rng)  # the texts build() stored: same seed, same draws
    conn = duckdb.connect(str(path))
    t0 = time.perf_counter()
    index = dedup.warehouse_index(conn, settings)
    load_s = time.perf_counter() - t0
    load_rss = peak_rss_mb()
    queries = [article(10_000 + i, reword(rng, a.body)) for i, a in enumerate(stored[:100])]
    queries += [article(20_000 + i, synthetic_text(rng)) for i in range(100)]
    feats = [dedup.compute_features(q, settings) for q in queries]
    empty = dedup._Index(settings)
    t0 = time.perf_counter()
    found = sum(
        bool(dedup._near_matches([index, empty], q, f, settings))
        for q, f in zip(queries, feats, strict=True)
    )
    near_ms = (time.perf_counter() - t0) * 1000 / len(queries)
    t0 = time.perf_counter()
    for f in feats:
        dedup.story_scores([index, empty], f, settings)
    story_ms = (time.perf_counter() - t0) * 1000 / len(queries)
    held = index_mb(index)
    del index, empty
    dedup.clear_cache()
    dedup.warehouse_index(conn, settings)
    fresh = [article(30_000 + i, q.body) for i, q in enumerate(queries)]
    t0 = time.perf_counter()
    dedup.find_duplicates(conn, fresh, settings)
    batch_ms = (time.perf_counter() - t0) * 1000 / len(fresh)
    t0 = time.perf_counter()
    dedup.assign_stories(conn, fresh, settings)
    stories_ms = (time.perf_counter() - t0) * 1000 / len(fresh)
    conn.close()
    return {
        "stored": n + 200,
        "index_load_s": round(load_s, 2),
        "index_mb": round(held),
        "peak_rss_after_load_mb": round(load_rss),
        "near_lookup_ms": round(near_ms, 3),
        "story_lookup_ms": round(story_ms, 3),
        "find_duplicates_ms_per_article": round(batch_ms, 3),
        "assign_stories_ms_per_article": round(stories_ms, 3),
        "copies_found": f"{found}/100 (of 200 queries, 100 are copies)",
        "peak_rss_mb": round(peak_rss_mb()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max", type=int, default=SIZES[-1], help="largest warehouse size")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--build", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.build:
        print(json.dumps({"fill_s": round(build(args.build, Path(args.db)), 1)}))
        return 0
    if args.one:
        print(json.dumps(one_size(args.one, Path(args.db))))
        return 0
    for n in [s for s in SIZES if s <= args.max]:
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "bench.duckdb")
            row = {}
            for step in ("--build", "--one"):
                out = subprocess.run(
                    [sys.executable, __file__, step, str(n), "--db", db],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                row.update(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
