"""Measure dedup and story clustering on the labelled dev set (../shared/eval/labels/dev.jsonl).

Each text is ingested as a file-like article (body = text, published_at = labelled date,
outlet from the url) in batches: find_duplicates -> classification from the labels (or none
with --no-labels) -> assign_stories -> rows written -> persist -> commit. Then, in a later
batch, exact variants (same words, different case/spacing) and chrome variants (menu and
related-links lines around the text) of every text are ingested too.

Figures (pairs of labelled texts; a story key shared = same report):
  story recall       same-report pairs sharing a story_id
  dup precision      pairs joined by duplicate_of (same root) that are the same report
  copy recall        same-report pairs sharing most wording (3-word-shingle containment of the
                     smaller >= 0.5) that are joined by duplicate_of
  false merges       pairs sharing a story_id that are different reports AND >30 days apart,
                     share no topic, or differ in relevance (label-based)
  different-report   pairs sharing a story_id with different story keys (stricter)
  exact/chrome       variants joined to their original's root

With --via-flow the texts go through the real pipeline instead: each text is written to its
own .txt file and ``ipwire ingest <folder> --db <tmp>`` runs the flow (clean, dedup, real
classifier, stories, loader); the warehouse it leaves is scored. The second run ingests the
same files in two runs (a shuffled half first), to check order and batch independence.

With --records the texts go through the flow as a feed delivers them: ONE JSONL file of
records {"url", "title"?, "published"?, "text"} (published = the labelled date when known; two
texts sharing a canonical URL get an ``eval_id`` query so neither is taken for a revision),
then the exact and chrome variants as further records in a second file (second run); the
shuffled pass ingests the texts in two runs (a shuffled half first). Variants are scored too.

Run:  .venv/bin/python bench/eval_dedup.py [--batch 25] [--seed 7] [--no-labels]
      [--via-flow | --records]
The halves (split by story key) are printed so a threshold tuned on one can be checked on
the other. --seed runs the same input in a shuffled order and reports cluster agreement.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from itertools import combinations
from pathlib import Path

import duckdb
from _common import LABELS, ROOT, hash_fold, load_labels

from ipwire.ids import canonical_url, content_hash, normalise_text, outlet_from_url, stable_id
from ipwire.records import Article, Classification, TopicScore
from ipwire.tasks import dedup
from ipwire.warehouse import db as wh

MENU = [
    "Home | India | World | Business | Sport | Opinion | Videos",
    "Subscribe to our newsletter",
    "Follow us on Facebook, Twitter and Instagram",
]
RELATED = [
    "Related Stories",
    "Gold prices climb for third straight session as rupee weakens",
    "Monsoon to arrive early this year, says weather office",
    "Also read: Ten gadgets under Rs 5,000 you can buy this week",
    "© 2024 All rights reserved. Privacy Policy | Terms of Use",
]


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh warehouse built by the project's own migrations."""
    return wh.connect(path)


def article_from(item: dict, body: str, suffix: str = "") -> Article:
    url = item["url"]
    if suffix:  # a variant is another page: give it its own address
        url = url.split("#")[0] + ("&" if "?" in url else "?") + suffix.lstrip("?")
    return Article(
        article_id=stable_id("article", canonical_url(url)),
        raw_id=stable_id("raw", url),
        source_kind="file",
        source_ref=f"{item['id']}{suffix}.txt",
        url=url,
        canonical_url=canonical_url(url),
        outlet=outlet_from_url(url),
        title=None,
        author=None,
        published_at=item.get("date"),
        fetched_at="2026-11-22T00:00:00+00:00",
        language="en",
        body=body,
        word_count=len(body.split()),
        content_hash=content_hash(body),
    )


def classification_from(item: dict) -> Classification:
    return Classification(
        relevance=item["relevance"] / 2,
        is_relevant=item["relevance"] >= 1,
        reason="label",
        topics=[TopicScore(t, 1.0) for t in item["topics"]],
    )


def write_rows(conn: duckdb.DuckDBPyConnection, arts: list[Article]) -> None:
    for a in arts:
        c = a.classification
        conn.execute(
            "INSERT OR REPLACE INTO articles (article_id, source_kind, source_ref, url, "
            "canonical_url, outlet, title, published_at, fetched_at, body, word_count, "
            "content_hash, duplicate_of, dup_reason, dup_similarity, story_id, relevance, "
            "is_relevant) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                a.article_id,
                a.source_kind,
                a.source_ref,
                a.url,
                a.canonical_url,
                a.outlet,
                a.title,
                a.published_at,
                a.fetched_at,
                a.body,
                a.word_count,
                a.content_hash,
                a.duplicate_of,
                a.dup_reason,
                a.dup_similarity,
                a.story_id,
                c.relevance if c else None,
                c.is_relevant if c else None,
            ],
        )


def ingest(conn, batches, items_by_aid, use_labels, settings) -> float:
    t0 = time.perf_counter()
    for batch in batches:
        dedup.find_duplicates(conn, batch, settings)
        for a in batch:
            a.classification = (
                classification_from(items_by_aid[a.article_id]) if use_labels else None
            )
        dedup.assign_stories(conn, batch, settings)
        conn.execute("BEGIN")
        write_rows(conn, batch)
        dedup.persist(conn, batch, settings)
        conn.execute("COMMIT")
    # the run-end story pass, as the flow does after its last batch
    dedup.recluster_run(conn, [a.article_id for batch in batches for a in batch], settings)
    return time.perf_counter() - t0


def read_back(conn: duckdb.DuckDBPyConnection, arts: list[Article]) -> dict:
    """The stored duplicate_of and story_id (merges re-point rows after their batch), copied
    onto the article objects so the figures score what the warehouse holds."""
    stored = {
        r[0]: (r[1], r[2])
        for r in conn.execute("SELECT article_id, duplicate_of, story_id FROM articles").fetchall()
    }
    for a in arts:
        a.duplicate_of, a.story_id = stored[a.article_id]
    return stored


def shingles(text: str) -> set[str]:
    w = normalise_text(text).split()
    return {" ".join(w[i : i + 3]) for i in range(max(1, len(w) - 2))}


def containment(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def days_apart(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)


def half_of(story: str) -> str:
    return "AB"[hash_fold(story, 2)]


def figures(items, arts, copy_pairs, half: str | None = None) -> dict[str, float]:
    idx = [i for i, it in enumerate(items) if half is None or half_of(it["story"]) == half]
    root = {a.article_id: a.duplicate_of or a.article_id for a in arts}
    same = merged = dup_pairs = dup_ok = false_merge = diff_report = 0
    same_hit = copies = copies_hit = 0
    for i, j in combinations(idx, 2):
        a, b, x, y = items[i], items[j], arts[i], arts[j]
        same_report = a["story"] == b["story"]
        same_story = x.story_id == y.story_id
        joined = root[x.article_id] == root[y.article_id]
        if same_report:
            same += 1
            same_hit += same_story
            if (i, j) in copy_pairs:
                copies += 1
                copies_hit += joined
        if joined:
            dup_pairs += 1
            dup_ok += same_report
        if same_story:
            merged += 1
            if not same_report:
                diff_report += 1
                gap = days_apart(a.get("date"), b.get("date"))
                if (
                    (gap is not None and gap > 30)
                    or not (set(a["topics"]) & set(b["topics"]))
                    or (a["relevance"] >= 1) != (b["relevance"] >= 1)
                ):
                    false_merge += 1
    return {
        "same_report_pairs": same,
        "story_recall": same_hit / max(1, same),
        "dup_pairs": dup_pairs,
        "dup_precision": dup_ok / max(1, dup_pairs),
        "copy_pairs": copies,
        "copy_recall": copies_hit / max(1, copies),
        "story_pairs": merged,
        "false_merge_share": false_merge / max(1, merged),
        "different_report_share": diff_report / max(1, merged),
    }


def run(items, order, batch_size, use_labels, settings, copy_pairs, workdir: Path, tag: str):
    conn = open_warehouse(workdir / f"eval-{tag}.duckdb")
    arts = [article_from(it, it["text"]) for it in items]
    by_aid = {a.article_id: it for a, it in zip(arts, items, strict=True)}
    ordered = [arts[i] for i in order]
    batches = [ordered[k : k + batch_size] for k in range(0, len(ordered), batch_size)]
    seconds = ingest(conn, batches, by_aid, use_labels, settings)
    # variants: exact (case/spacing changed) and chrome (menus and related links around)
    exact = [article_from(it, exact_text(it["text"]), "?v=exact") for it in items]
    chrome = [article_from(it, chrome_text(it["text"]), "?v=chrome") for it in items]
    for v, it in zip(exact + chrome, items + items, strict=True):
        by_aid[v.article_id] = it
    variants = exact + chrome
    vb = [variants[k : k + batch_size] for k in range(0, len(variants), batch_size)]
    ingest(conn, vb, by_aid, use_labels, settings)
    stored = read_back(conn, arts + variants)
    root = {aid: dup or aid for aid, (dup, _) in stored.items()}
    n_exact = sum(
        root[v.article_id] == root[a.article_id] for v, a in zip(exact, arts, strict=True)
    )
    n_chrome = sum(
        root[v.article_id] == root[a.article_id] for v, a in zip(chrome, arts, strict=True)
    )
    conn.close()
    return arts, seconds, n_exact / len(items), n_chrome / len(items)


def flow_run(items: list[dict], folders: list[list[int]], workdir: Path, tag: str) -> list:
    """Ingest the texts as files through ``ipwire ingest`` (one run per folder) and read back
    each text's stored duplicate root and story (rejected texts get ids of their own)."""
    import subprocess
    from types import SimpleNamespace

    db = workdir / f"flow-{tag}.duckdb"
    for n, idx in enumerate(folders):
        folder = workdir / f"{tag}-{n}"
        folder.mkdir()
        for i in idx:
            (folder / f"{items[i]['id']}.txt").write_text(items[i]["text"])
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "ipwire"), "ingest", str(folder), "--db", str(db)],
            check=True,
            capture_output=True,
        )
    conn = duckdb.connect(str(db), read_only=True)
    rows = conn.execute(
        "SELECT source_ref, article_id, duplicate_of, story_id FROM articles"
    ).fetchall()
    conn.close()
    by_name = {Path(r[0]).name.removesuffix(".txt"): r[1:] for r in rows}
    out = []
    for it in items:
        aid, dup, story = by_name.get(it["id"], (f"missing:{it['id']}", None, None))
        out.append(SimpleNamespace(article_id=aid, duplicate_of=dup, story_id=story or aid))
    print(f"{tag}: {sum(it['id'] in by_name for it in items)}/{len(items)} texts stored")
    return out


def _records_urls(items: list[dict]) -> list[str]:
    """Each text's record URL: its labelled URL, made unique where two labelled texts share a
    canonical URL (the loader would take the second for a revision of the first)."""
    seen: set[str] = set()
    out = []
    for it in items:
        url = it["url"]
        if canonical_url(url) in seen:
            url = url.split("#")[0] + ("&" if "?" in url else "?") + f"eval_id={it['id']}"
        seen.add(canonical_url(url))
        out.append(url)
    return out


def _variant_url(url: str, suffix: str) -> str:
    return url.split("#")[0] + ("&" if "?" in url else "?") + suffix


def _record(url: str, item: dict, text: str) -> dict:
    rec = {"url": url, "text": text}
    if item.get("title"):
        rec["title"] = item["title"]
    if item.get("date"):
        rec["published"] = item["date"]
    return rec


def records_run(
    items: list[dict], runs: list[list[int]], workdir: Path, tag: str
) -> tuple[list, float, float]:
    """Ingest the texts as JSON records ``{"url", "title"?, "published"?, "text"}`` (as a
    feed delivers them) through ``ipwire ingest``: one JSONL file per run (the original texts
    in ``runs``), then the exact and chrome variants as further records in a last file. Reads
    back each text's stored root and story, and the share of variants joined to their text."""
    import json
    import subprocess
    from types import SimpleNamespace

    db = workdir / f"records-{tag}.duckdb"
    urls = _records_urls(items)
    files: list[list[dict]] = [
        [_record(urls[i], items[i], items[i]["text"]) for i in r] for r in runs
    ]
    variants = [
        _record(_variant_url(urls[i], "v=exact"), it, exact_text(it["text"]))
        for i, it in enumerate(items)
    ] + [
        _record(_variant_url(urls[i], "v=chrome"), it, chrome_text(it["text"]))
        for i, it in enumerate(items)
    ]
    files.append(variants)
    for n, records in enumerate(files):
        path = workdir / f"{tag}-{n}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "ipwire"), "ingest", str(path), "--db", str(db)],
            check=True,
            capture_output=True,
        )
    conn = duckdb.connect(str(db), read_only=True)
    rows = conn.execute("SELECT canonical_url, article_id, duplicate_of, story_id FROM articles")
    by_url = {r[0]: r[1:] for r in rows.fetchall()}
    conn.close()

    def stored(url: str, name: str) -> SimpleNamespace:
        aid, dup, story = by_url.get(canonical_url(url), (f"missing:{name}", None, None))
        return SimpleNamespace(article_id=aid, duplicate_of=dup, story_id=story or aid)

    out = [stored(u, it["id"]) for u, it in zip(urls, items, strict=True)]
    joined = []
    for suffix in ("v=exact", "v=chrome"):
        vs = [
            stored(_variant_url(u, suffix), f"{it['id']}?{suffix}")
            for u, it in zip(urls, items, strict=True)
        ]
        joined.append(
            sum(
                (v.duplicate_of or v.article_id) == (a.duplicate_of or a.article_id)
                for v, a in zip(vs, out, strict=True)
            )
            / len(items)
        )
    n_stored = sum(canonical_url(u) in by_url for u in urls)
    print(f"{tag}: {n_stored}/{len(items)} texts stored as records")
    return out, joined[0], joined[1]


def exact_text(text: str) -> str:
    """The exact variant: the same words in capitals with doubled spaces."""
    return "  " + text.upper().replace(" ", "  ") + "\n"


def chrome_text(text: str) -> str:
    """The chrome variant: menu lines above the text and related links below it."""
    return "\n".join(MENU) + "\n\n" + text + "\n\n" + "\n".join(RELATED)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--seed", type=int, default=7, help="seed of the shuffled-order run")
    ap.add_argument("--no-labels", action="store_true", help="assign stories unclassified")
    ap.add_argument("--story-threshold", type=float, default=None)
    ap.add_argument("--near-threshold", type=float, default=None)
    ap.add_argument("--story-mean-threshold", type=float, default=None)
    ap.add_argument("--via-flow", action="store_true", help="ingest files with the real flow")
    ap.add_argument(
        "--records",
        action="store_true",
        help="ingest JSON records (url, published, text) with the real flow, plus variants",
    )
    args = ap.parse_args(argv)
    kw = {}
    if args.story_threshold is not None:
        kw["story_threshold"] = args.story_threshold
    if args.near_threshold is not None:
        kw["near_threshold"] = args.near_threshold
    if args.story_mean_threshold is not None:
        kw["story_mean_threshold"] = args.story_mean_threshold
    settings = dedup.DedupSettings(**kw)
    path = LABELS
    items = load_labels(path)
    sh = [shingles(it["text"]) for it in items]
    copy_pairs = {
        (i, j)
        for i, j in combinations(range(len(items)), 2)
        if items[i]["story"] == items[j]["story"] and containment(sh[i], sh[j]) >= 0.5
    }
    print(
        f"{len(items)} texts from {path}, batch {args.batch}, labels "
        f"{'off' if args.no_labels else 'on'}, {settings}"
    )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for tag, order in (
            ("input-order", list(range(len(items)))),
            (
                f"shuffled-{args.seed}",
                random.Random(args.seed).sample(range(len(items)), len(items)),
            ),
        ):
            dedup.clear_cache()
            if args.records:
                t0 = time.perf_counter()
                runs = [order] if tag == "input-order" else [order[:131], order[131:]]
                arts, exact_ok, chrome_ok = records_run(items, runs, Path(tmp), tag)
                print(f"\n== {tag} as records via the flow: {time.perf_counter() - t0:.1f} s")
                print(
                    f"exact variants joined {exact_ok:.3f}, chrome variants joined {chrome_ok:.3f}"
                )
            elif args.via_flow:
                t0 = time.perf_counter()
                folders = [order] if tag == "input-order" else [order[:131], order[131:]]
                arts = flow_run(items, folders, Path(tmp), tag)
                print(f"\n== {tag} via the flow: {time.perf_counter() - t0:.1f} s")
            else:
                arts, secs, exact_ok, chrome_ok = run(
                    items,
                    order,
                    args.batch,
                    not args.no_labels,
                    settings,
                    copy_pairs,
                    Path(tmp),
                    tag,
                )
                print(f"\n== {tag}: {secs:.2f} s for {len(items)} texts")
                print(
                    f"exact variants joined {exact_ok:.3f}, chrome variants joined {chrome_ok:.3f}"
                )
            results[tag] = arts
            for half in (None, "A", "B"):
                f = figures(items, arts, copy_pairs, half)
                name = "all" if half is None else f"half {half}"
                print(
                    f"  {name:7s} "
                    + "  ".join(
                        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in f.items()
                    )
                )
    # determinism: do both orders give the same partitions?
    a, b = results.values()
    agree = total = 0
    for i, j in combinations(range(len(items)), 2):
        s1 = a[i].story_id == a[j].story_id
        s2 = b[i].story_id == b[j].story_id
        d1 = (a[i].duplicate_of or a[i].article_id) == (a[j].duplicate_of or a[j].article_id)
        d2 = (b[i].duplicate_of or b[i].article_id) == (b[j].duplicate_of or b[j].article_id)
        if s1 or s2 or d1 or d2:
            total += 1
            agree += (s1 == s2) and (d1 == d2)
            if (s1, d1) != (s2, d2):
                print(
                    f"  differs: {items[i]['id']} / {items[j]['id']}: story {s1}/{s2}, "
                    f"duplicate root {d1}/{d2}"
                )
    print(f"\norder independence: {agree}/{total} linked pairs identical in both orders")
    return 0


if __name__ == "__main__":
    sys.exit(main())
