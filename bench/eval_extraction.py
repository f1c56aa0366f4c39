"""Score ipwire's extractors on the WCXB dev pack and (re)fit the line model.

    python bench/eval_extraction.py [--limit N] [--only text|html]   # the quality table
    python bench/eval_extraction.py --labels                         # clean news texts only
    python bench/eval_extraction.py --gold-texts                     # gold texts pasted alone
    python bench/eval_extraction.py --time                           # paste CPU ms per page
    python bench/eval_extraction.py train                            # refit weights into
                                                                     # ipwire/boilerplate.toml
    python bench/eval_extraction.py train-title                      # refit the title model
    python bench/eval_extraction.py train-paste-trees                # refit the paste trees
    python bench/eval_extraction.py cv-paste-trees [--grid I ...]    # compare paste-tree
                                                                     # settings by CV

The labels check runs the 487 labelled news texts (eval/labels/dev.jsonl, all article text
with at most a little chrome) through extract_from_text: an extractor trained on page pastes
must not drop real articles whose shape it never saw (one long line, hard-wrapped lines,
a dateline first line, a text cut off mid-sentence).

The pack is split in two halves by a hash of the page id: the model is fitted on the "fit"
half only, and the table reports the full set and the held-out half, so rules that merely
memorise these pages show up as a gap between the two rows.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _common when loaded by tests

from _common import (  # noqa: E402
    SCORER,
    load_gold,
    load_labels,
    page_path,
    pool_map,
    print_table,
    read_page,
)
from _extraction_common import (  # noqa: E402
    _WORD,
    PACK,
    held_out,
    same_author,
    same_date,
    same_title,
)
from fit_lines import cv_paste_trees, train, train_paste_trees  # noqa: E402
from fit_titles import train_title  # noqa: E402

from ipwire.tasks.clean import extract_from_html, extract_from_text  # noqa: E402

REFERENCE = [
    ("text dump", "nothing removed", "0.803", "0.909"),
    ("text dump", "trafilatura 2.3.1 over the lines wrapped as paragraphs", "0.827", "0.909"),
    ("HTML", "trafilatura 2.3.1 extract() defaults", "0.929", "0.050"),
]


def _extract_job(item: tuple[str, str, str | None]) -> dict:
    """The scored fields of one page: a text dump, or HTML (with its URL, and the outlet)."""
    page_id, kind, url = item
    page = read_page(page_path(PACK, kind, page_id))
    ex = extract_from_html(page, url=url) if kind == "html" else extract_from_text(page)
    row = {
        "id": page_id,
        "text": ex.text,
        "title": ex.title,
        "author": ex.author,
        "published_at": ex.published_at,
    }
    if kind == "html":
        row["outlet"] = ex.outlet
    return row


def _score(gold_rows: list[dict], preds: list[dict]) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        gpath, ppath = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        gpath.write_text("".join(json.dumps(g) + "\n" for g in gold_rows), encoding="utf-8")
        ppath.write_text("".join(json.dumps(p) + "\n" for p in preds), encoding="utf-8")
        out = (
            subprocess.run(
                [sys.executable, str(SCORER), str(gpath), str(ppath)],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    fields = dict(part.split("=") for part in out.split())
    return fields


def _meta_score(gold_rows: list[dict], preds: dict[str, dict]) -> dict[str, str]:
    """Share of pages (with that gold field) where the predicted field matches."""

    out = {}
    for key, pkey, fn in (
        ("title", "title", same_title),
        ("author", "author", same_author),
        ("publish_date", "published_at", same_date),
    ):
        rows = [g for g in gold_rows if g.get(key)]
        hits = sum(fn(preds.get(g["id"], {}).get(pkey), g[key]) for g in rows)
        out[key] = f"{hits / len(rows):.3f}" if rows else "n/a"
    rows = [g for g in gold_rows if g.get("url")]
    if rows and any("outlet" in p for p in preds.values()):
        from ipwire.ids import outlet_from_url

        hits = sum(preds.get(g["id"], {}).get("outlet") == outlet_from_url(g["url"]) for g in rows)
        out["outlet"] = f"{hits / len(rows):.3f}"
    return out


def evaluate(limit: int | None, only: str | None, workers: int) -> None:
    gold = load_gold(PACK)
    if limit:
        gold = gold[:limit]
    headers = ("input", "method", "pages", "F1", "leak", "with", "title", "author", "date")
    print_table(headers, _evaluate_rows(gold, only, workers))


def _evaluate_rows(gold: list[dict], only: str | None, workers: int):
    """The quality table's rows, each yielded as soon as it is scored."""
    for inp, method, f1, leak in REFERENCE:
        yield (inp, f"{method} (eval README)", 711, f1, leak, "", "", "", "")
    runs = []
    if only in (None, "text"):
        runs.append(("text dump", "ipwire extract_from_text", "dumps"))
    if only in (None, "html"):
        runs.append(("HTML", "ipwire extract_from_html", "html"))
    for inp, method, kind in runs:
        items = [(g["id"], kind, g.get("url")) for g in gold]
        preds = pool_map(_extract_job, items, workers)
        by_id = {p["id"]: p for p in preds}
        for label, rows in (
            ("all", gold),
            ("held-out half", [g for g in gold if held_out(g["id"])]),
        ):
            s = _score(rows, [by_id[g["id"]] for g in rows])
            m = _meta_score(rows, by_id)
            extra = f" outlet {m['outlet']}" if "outlet" in m else ""
            yield (
                inp, f"{method}, {label}{extra}", len(rows), s["F1"], s["without-leak"],
                s["with"], m["title"], m["author"], m["publish_date"],
            )  # fmt: skip


def kept_share(text: str, extraction) -> float:
    """Share of a clean text's words the extractor keeps (body plus headline, capped at 1).

    A repeated paragraph counts once, as the extractor keeps it once: a line repeated
    verbatim, and a paragraph (lines between blank lines) repeated with other line breaks,
    as when one copy is hard-wrapped and the other is not.
    """
    total = sum(len(_WORD.findall(line)) for line in distinct_lines(text))
    kept = len(_WORD.findall(extraction.text)) + len(_WORD.findall(extraction.title or ""))
    return min(kept / total, 1.0) if total else 1.0


def distinct_lines(text: str) -> list[str]:
    """The text's lines, whitespace-normalised and lower-cased, each repeated paragraph and
    line once (see :func:`kept_share`)."""
    seen_lines: set[str] = set()
    seen_paragraphs: set[str] = set()
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        whole = " ".join(paragraph.split()).lower()
        if not whole or whole in seen_paragraphs:
            continue
        seen_paragraphs.add(whole)
        for line in paragraph.splitlines():
            key = " ".join(line.split()).lower()
            if key and key not in seen_lines:
                seen_lines.add(key)
                out.append(key)
    return out


# A line of a clean text this long that ends like a sentence is article prose: chrome lines
# are short (a button, a label, a teaser's headline) or clipped ("…").
ARTICLE_SENTENCE_MIN_WORDS = 15
_SENTENCE_CLOSE = re.compile(r"[.!?][\"'”’)]*$")


def sentence_lines(text: str) -> list[str]:
    """The text's distinct lines of :data:`ARTICLE_SENTENCE_MIN_WORDS` words or more that
    close like a sentence (lines, not sentences: a hard-wrapped paragraph's sentence split
    over two lines is not one)."""
    return [
        line
        for line in distinct_lines(text)
        if len(_WORD.findall(line)) >= ARTICLE_SENTENCE_MIN_WORDS and _SENTENCE_CLOSE.search(line)
    ]


def lost_sentences(text: str, extraction) -> list[str]:
    """The text's sentence lines (:func:`sentence_lines`) whose words are nowhere in the
    extraction's body or headline.

    The kept share counts every word of a text, its chrome too; this counts what a reader
    would call the article, independently of what the extractor calls chrome.
    """
    kept = " ".join(_WORD.findall(f"{extraction.title or ''} {extraction.text}".lower()))
    return [line for line in sentence_lines(text) if " ".join(_WORD.findall(line)) not in kept]


# Gold texts shorter than this are labels or stubs (a page whose article is one line).
GOLD_TEXT_MIN_WORDS = 50


def gold_texts_pasted(pack: str) -> dict[str, float]:
    """A pack's gold article texts (``main_content``), each pasted alone: how much of a text
    that is all article the paste extractor keeps.

    A whole-page paste tells how well chrome goes; this tells how much article goes with it
    when there is no chrome at all (a JSON record's text, a clean copy), on texts of many
    sites and shapes (lists, tables, FAQs) that the labelled news texts do not have. Not
    every gold text is prose: a page whose main content is a list of categories or a
    calendar is gold too, so the figures stay under 1.0.
    """
    shares, lost, sentences, emptied = [], 0, 0, 0
    for g in load_gold(pack):
        text = g.get("main_content") or ""
        if len(_WORD.findall(text)) < GOLD_TEXT_MIN_WORDS:
            continue
        ex = extract_from_text(text)
        shares.append(kept_share(text, ex))
        emptied += not ex.text.strip()
        lost += len(lost_sentences(text, ex))
        sentences += len(sentence_lines(text))
    n = len(shares)
    return {
        "texts": n,
        "mean": sum(shares) / n,
        "keep_90": sum(v >= 0.9 for v in shares) / n,
        "keep_80": sum(v >= 0.8 for v in shares) / n,
        "emptied": emptied,
        "sentences_lost": lost,
        "sentences": sentences,
    }


def evaluate_gold_texts() -> None:
    """:func:`gold_texts_pasted` for each pack whose gold has whole texts."""
    for pack in ("wcxb-dev", "newspaper"):
        f = gold_texts_pasted(pack)
        print(
            f"{pack} gold texts pasted alone: {f['texts']} texts of {GOLD_TEXT_MIN_WORDS}+ words, "
            f"mean kept share {f['mean']:.4f}, keep >= 90%: {f['keep_90']:.4f}, "
            f">= 80%: {f['keep_80']:.4f}, emptied {f['emptied']}, sentence lines lost "
            f"{f['sentences_lost']} of {f['sentences']}"
        )


def time_text(rounds: int = 2) -> None:
    """CPU time of extract_from_text per dev paste, one process (best of ``rounds``)."""
    import time

    texts = [read_page(page_path(PACK, "dumps", g["id"])) for g in load_gold(PACK)]
    extract_from_text(texts[0])  # rules and trees loaded outside the timing
    best = None
    for _ in range(rounds):
        t0 = time.process_time()
        for text in texts:
            extract_from_text(text)
        ms = (time.process_time() - t0) * 1000 / len(texts)
        best = ms if best is None else min(best, ms)
    print(f"extract_from_text: {len(texts)} pastes, CPU {best:.2f} ms per page (best of {rounds})")


def evaluate_labels(show: int = 8) -> None:
    """The labelled texts' kept shares, their sentence lines lost, and for each text under
    90% what it lost by the audit's kinds (chrome, or the article)."""
    rows = load_labels()
    extractions = [extract_from_text(r["text"]) for r in rows]
    shares = [(r["id"], kept_share(r["text"], ex)) for r, ex in zip(rows, extractions, strict=True)]
    values = [v for _, v in shares]
    n = len(values)
    sentences = sum(len(sentence_lines(r["text"])) for r in rows)
    lost = [
        (r["id"], line)
        for r, ex in zip(rows, extractions, strict=True)
        for line in lost_sentences(r["text"], ex)
    ]
    print(
        f"\nlabels texts through extract_from_text: {n} texts, "
        f"keep >= 80% of their words: {sum(v >= 0.8 for v in values) / n:.4f}, "
        f"keep >= 90%: {sum(v >= 0.9 for v in values) / n:.4f}, "
        f"below 50%: {sum(v < 0.5 for v in values)}, "
        f"mean kept share {sum(values) / n:.4f}, min {min(values):.3f}; "
        f"sentence lines of {ARTICLE_SENTENCE_MIN_WORDS}+ words lost: {len(lost)} of {sentences}"
    )
    for text_id, line in lost:
        print(f"  lost sentence {text_id}: {line[:100]}")
    worst = sorted(shares, key=lambda x: x[1])[:show]
    print("lowest: " + ", ".join(f"{i} {v:.2f}" for i, v in worst))
    print("under 90%, words the audit strips by kind (the headline's lines left out):")
    still_under = 0
    for (text_id, share), ex, row in sorted(
        zip(shares, extractions, rows, strict=True), key=lambda x: x[0][1]
    ):
        if share >= 0.9:
            continue
        kinds: dict[str, int] = {}
        for s in ex.stripped:
            if s.kind == "title":
                continue  # the headline's line (or its second copy): its words are the title
            kinds[s.kind] = kinds.get(s.kind, 0) + len(_WORD.findall(s.text))
        by_kind = ", ".join(f"{k} {w}" for k, w in sorted(kinds.items(), key=lambda kv: -kv[1]))
        print(f"  {text_id} {share:.2f}: {by_kind}")
        still_under += named_chrome_share(row["text"], share, kinds) < 0.9
    print(
        f"under 90% were only {', '.join(sorted(NAMED_CHROME))} stripped (every dateline, "
        f"caption, byline, share line and advertisement label put back): {still_under}"
    )


# The boilerplate the mission names for pastes ("Don't Miss", "Latest from …", "ALSO READ",
# menus, footers) and the comment form and teasers issue 13 names after a news text.
NAMED_CHROME = frozenset({"also-read", "related-links", "navigation", "footer", "comments"})


def named_chrome_share(text: str, share: float, kinds: dict[str, int]) -> float:
    """A text's kept share had the extractor stripped only :data:`NAMED_CHROME`: the words
    of every other kind it stripped counted as kept. Not the headline's lines, nor the second
    copy of a paragraph the body keeps ("duplicate"): the kept share counts their words
    already, once, as the text's total does."""
    total = sum(len(_WORD.findall(line)) for line in distinct_lines(text))
    back = sum(
        words
        for kind, words in kinds.items()
        if kind not in NAMED_CHROME and kind not in ("title", "duplicate")
    )
    return min(share + back / total, 1.0) if total else 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "command",
        nargs="?",
        default="eval",
        choices=["eval", "train", "train-title", "train-paste-trees", "cv-paste-trees"],
    )
    ap.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    ap.add_argument("--only", choices=["text", "html"], default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--grid", type=int, nargs="*", default=None, help="cv-paste-trees: CV_GRID entries to score"
    )
    ap.add_argument(
        "--labels", action="store_true", help="only the labels check (clean news texts)"
    )
    ap.add_argument(
        "--time", action="store_true", help="only the paste extractor's CPU time per page"
    )
    ap.add_argument(
        "--gold-texts",
        action="store_true",
        help="only the packs' gold texts pasted alone (how much article a clean text keeps)",
    )
    args = ap.parse_args()
    if args.command == "train":
        train()
    elif args.command == "train-title":
        train_title()
    elif args.command == "train-paste-trees":
        train_paste_trees()
    elif args.command == "cv-paste-trees":
        cv_paste_trees(args.workers, args.grid)
    elif args.labels:
        evaluate_labels()
    elif args.gold_texts:
        evaluate_gold_texts()
    elif args.time:
        time_text()
    else:
        evaluate(args.limit, args.only, args.workers)
        if args.only in (None, "text"):
            evaluate_labels()
            evaluate_gold_texts()


if __name__ == "__main__":
    main()
