"""Score extraction on every shared pack beside its baselines, by site folds, and gate on floors.

For each pack in ../shared/eval/extraction (wcxb-dev, trafeval, newspaper) it runs the real
``ipwire extract --format jsonl`` over the HTML pages and over the text dumps (pastes), bare
``trafilatura.extract`` (2.3.1 defaults) over the HTML, and takes the dump itself as the
"raw paste" baseline. Every prediction is scored with the shared scorer's own functions
(``score_extraction.py``): word F1 where the gold has main text, snippet F1 (pooled) where it
has only snippets, and the boilerplate leak.

Pages are grouped into folds by site (the host of the gold URL, else the page id's site part),
so a figure "by fold" never mixes pages of one site across folds; the table prints each pack's
worst fold beside the whole pack, so a gain that lives on a few sites shows up.

Each pack's HTML margin over trafilatura is also given as a 90% interval over packs made by
drawing its sites again with replacement (all pages of a site together): how far the margin
could move on other sites like these.

The gate: ``bench/extraction_floors.json`` pins a floor per pack and figure; ``--gate`` exits 1
when any figure falls below its floor (or a leak rises above its ceiling). Lowering a floor is
an explicit edit of that file, explained in its commit.

Run:  .venv/bin/python bench/eval_packs.py [--packs wcxb-dev trafeval] [--gate] [--json OUT]
      [--per-page DIR]   (one JSONL of per-page scores per pack and method, to read losses)
      [--rows DIR]       (ipwire's own JSON lines per pack, audit included, for
                          ``stripped_kinds.py --rows DIR``: the pages are extracted once)
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for _common when loaded by tests
from _common import (  # noqa: E402
    PACKS,
    ROOT,
    SCORER,
    fold_of,
    ipwire_extract,
    load_gold,
    page_path,
    pool_map,
    print_table,
    read_page,
    site_of,
)
from _extraction_common import _norm, same_author, same_date, same_title  # noqa: E402

FLOORS = ROOT / "bench" / "extraction_floors.json"
CACHE = ROOT / "data" / "eval-cache"
# The pages a method reads, by the name the audit report gives them.
HOW = {"html": "html", "dumps": "paste"}


def _scorer():
    """The shared scorer as a module, so every figure uses its exact definitions."""
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


# The fields of ipwire's rows the figures read, each keyed by page id.
FIELDS = ("text", "title", "author", "published_at")


def _ipwire(
    pack: str, kind: str, ids: list[str], rows_dir: Path | None = None
) -> dict[str, dict[str, str]]:
    """``ipwire extract --format jsonl`` over the pages, in one run (all cores): each page's
    text, title, author and date, by field. With ``rows_dir`` the CLI's rows (audit
    included) are kept there as ``{pack}-{html|paste}.jsonl``, each with its page id, for
    ``stripped_kinds.py --rows``."""
    pairs = list(zip(ids, ipwire_extract([page_path(pack, kind, i) for i in ids]), strict=True))
    if rows_dir is not None:
        rows_dir.mkdir(parents=True, exist_ok=True)
        with (rows_dir / f"{pack}-{HOW[kind]}.jsonl").open("w", encoding="utf-8") as fh:
            for i, row in pairs:
                fh.write(json.dumps({"page": i, **row}, ensure_ascii=False) + "\n")
    return {field: {i: (row.get(field) or "") for i, row in pairs} for field in FIELDS}


def _traf_job(path: str) -> str:
    import trafilatura

    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    return trafilatura.extract(raw) or ""


def _trafilatura(pack: str, ids: list[str], workers: int) -> dict[str, str]:
    """Bare trafilatura over the HTML pages; cached per pack and trafilatura version."""
    import trafilatura

    cache = CACHE / f"trafilatura-{trafilatura.__version__}-{pack}.json"
    if cache.exists():
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if set(cached) >= set(ids):
            return {i: cached[i] for i in ids}
    paths = [str(page_path(pack, "html", i)) for i in ids]
    texts = pool_map(_traf_job, paths, workers)
    result = dict(zip(ids, texts, strict=True))
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return result


def _raw(pack: str, ids: list[str]) -> dict[str, str]:
    return {i: read_page(page_path(pack, "dumps", i)) for i in ids}


def _hit_rate(gold: list[dict], key: str, found: dict[str, str], same) -> float | None:
    """Share of the pages with a gold ``key`` whose found value is ``same`` as it; None when
    no page has one."""
    pages = [g for g in gold if g.get(key)]
    if not pages:
        return None
    return sum(same(found.get(str(g["id"]), ""), g[key]) for g in pages) / len(pages)


def title_hits(gold: list[dict], titles: dict[str, str]) -> float | None:
    """Share of the pages with a gold title whose title is the same words (case and
    punctuation aside); None when no page has a gold title."""
    return _hit_rate(gold, "title", titles, same_title)


def author_hits(gold: list[dict], authors: dict[str, str]) -> float | None:
    """Share of the pages with a gold author whose author has the gold's words, or holds
    them or is held in them ("Jane Doe" for "Jane Doe, Staff Writer"); None when no page has
    a gold author."""
    return _hit_rate(gold, "author", authors, same_author)


def date_hits(gold: list[dict], dates: dict[str, str]) -> float | None:
    """Share of the pages with a gold publication date whose date is the same day; None when
    no page has a gold date."""
    return _hit_rate(gold, "publish_date", dates, same_date)


def title_agreement(ids: list[str], paste: dict[str, str], html: dict[str, str]) -> float | None:
    """Share of the pages with an HTML title whose paste title has the same words: a title
    figure for packs without gold titles (a page's own declaration, its <h1> or og:title, is
    right on 0.87 of wcxb-dev pages). None when no page has an HTML title."""
    pages = [i for i in ids if _norm(html.get(i) or "")]
    if not pages:
        return None
    return sum(_norm(paste.get(i) or "") == _norm(html[i]) for i in pages) / len(pages)


class PagePart(NamedTuple):
    """One page's share of a pack's figures, scored once: word F1 (None where the gold has
    no text), must-keep snippets kept and lost, boilerplate snippets leaked, and the share
    leaked (None where the gold has none)."""

    f1: float | None
    kept: int
    leaked: int
    lost: int
    leak: float | None = None


def page_parts(gold: list[dict], pred: dict[str, str], sc) -> list[PagePart]:
    """Each page's :class:`PagePart`, by the shared scorer's own measures, so a fold, a page
    or a resample of pages forms its figures without scoring a text again."""
    parts = []
    for g in gold:
        text = pred.get(str(g["id"]), "")
        f1 = sc.word_prf(text, g["main_content"])[2] if g.get("main_content") is not None else None
        keep, drop = g.get("with") or [], g.get("without") or []
        w, leak = sc.share_found(text, keep), sc.share_found(text, drop)
        kept = round(w * len(keep)) if w is not None else 0
        leaked = round(leak * len(drop)) if leak is not None else 0
        parts.append(PagePart(f1, kept, leaked, len(keep) - kept, leak))
    return parts


def _mean_f1(parts: list[PagePart]) -> float | None:
    f1s = [p.f1 for p in parts if p.f1 is not None]
    return sum(f1s) / len(f1s) if f1s else None


def _snip_f1(parts: list[PagePart]) -> float | None:
    """Snippet F1 pooled over the pages (None when it has no precision or no recall)."""
    tp, fp, fn = (
        sum(p.kept for p in parts),
        sum(p.leaked for p in parts),
        sum(p.lost for p in parts),
    )
    if not (tp + fp and tp + fn):
        return None
    prec, rec = tp / (tp + fp), tp / (tp + fn)
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def summarize(parts: list[PagePart]) -> dict[str, float]:
    """Per-page averages (word F1, leak) and pooled snippet F1, as the shared scorer does."""
    out: dict[str, float] = {}
    if (f1 := _mean_f1(parts)) is not None:
        out["f1"] = f1
    if (snip := _snip_f1(parts)) is not None:
        out["snip_f1"] = snip
    leaks = [p.leak for p in parts if p.leak is not None]
    if leaks:
        out["leak"] = sum(leaks) / len(leaks)
    return out


def figures(
    gold: list[dict],
    parts: list[PagePart],
    idx: Iterable[int],
    meta: dict[str, dict[str, str]] | None = None,
) -> dict[str, float]:
    """:func:`summarize` of the pages ``idx``, and, when ``meta`` (a method's rows by field)
    is given, their title, author and date hit rates where the gold has some."""
    idx = list(idx)
    out = summarize([parts[i] for i in idx])
    if meta is None:
        return out
    chosen = [gold[i] for i in idx]
    for key, field, hit_rate in (
        ("title", "title", title_hits),
        ("author", "author", author_hits),
        ("date", "published_at", date_hits),
    ):
        hits = hit_rate(chosen, meta[field])
        if hits is not None:
            out[key] = hits
    return out


def score(
    gold: list[dict], pred: dict[str, str], sc, meta: dict[str, dict[str, str]] | None = None
) -> dict[str, float]:
    """The pack's figures for one method's texts (:func:`figures` of every page)."""
    return figures(gold, page_parts(gold, pred, sc), range(len(gold)), meta)


def _headline_of(parts: list[PagePart]) -> float:
    """:func:`headline` from page parts: mean word F1 where the gold has text, else pooled
    snippet F1 (0.0 for a draw with neither)."""
    f1 = _mean_f1(parts)
    if f1 is not None:
        return f1
    return _snip_f1(parts) or 0.0


# Sites drawn with replacement, and the draw's seed: the interval is the same run to run.
BOOTSTRAP_DRAWS = 1000
BOOTSTRAP_SEED = 13


def margin_interval(
    sites: list[str],
    ours: list[PagePart],
    theirs: list[PagePart],
    draws: int = BOOTSTRAP_DRAWS,
) -> tuple[float, float]:
    """The 5th and 95th percentiles of the headline margin (``ours`` minus ``theirs``) over
    packs made by drawing the pack's sites with replacement, all pages of a drawn site
    together: how far the margin could move on another set of sites like these, which is
    what "never below trafilatura on a pack nobody tuned on" asks."""
    by_site: dict[str, list[int]] = {}
    for i, site in enumerate(sites):
        by_site.setdefault(site, []).append(i)
    groups = list(by_site.values())
    rng = random.Random(BOOTSTRAP_SEED)
    margins = []
    for _ in range(draws):
        idx = [i for g in rng.choices(groups, k=len(groups)) for i in g]
        margins.append(
            _headline_of([ours[i] for i in idx]) - _headline_of([theirs[i] for i in idx])
        )
    margins.sort()
    return margins[int(0.05 * draws)], margins[int(0.95 * draws) - 1]


def headline(fig: dict[str, float]) -> float:
    """A pack's one quality figure: word F1 where gold has text, else snippet F1."""
    return fig["f1"] if "f1" in fig else fig["snip_f1"]


def evaluate_pack(
    pack: str, workers: int, per_page: Path | None, sc, rows_dir: Path | None = None
) -> dict:
    gold = load_gold(pack)
    ids = [str(g["id"]) for g in gold]
    html = _ipwire(pack, "html", ids, rows_dir)
    paste = _ipwire(pack, "dumps", ids, rows_dir)
    preds = {
        "ipwire_html": html["text"],
        "trafilatura_html": _trafilatura(pack, ids, workers),
        "ipwire_paste": paste["text"],
        "raw_paste": _raw(pack, ids),
    }
    meta = {"ipwire_html": html, "ipwire_paste": paste}
    parts = {method: page_parts(gold, pred, sc) for method, pred in preds.items()}
    sites = [site_of(g) for g in gold]
    folds: dict[int, list[int]] = {}
    for i, site in enumerate(sites):
        folds.setdefault(fold_of(site), []).append(i)
    result: dict = {
        "pages": len(gold),
        "methods": {},
        "title_agreement": title_agreement(ids, paste["title"], html["title"]),
        "margin_interval": margin_interval(sites, parts["ipwire_html"], parts["trafilatura_html"]),
    }
    for method, own in parts.items():
        by_fold = {k: figures(gold, own, idx, meta.get(method)) for k, idx in sorted(folds.items())}
        result["methods"][method] = {
            "all": figures(gold, own, range(len(gold)), meta.get(method)),
            "folds": {str(k): v for k, v in by_fold.items()},
            "worst_fold": min(headline(v) for v in by_fold.values()),
        }
        if per_page is not None:
            per_page.mkdir(parents=True, exist_ok=True)
            with (per_page / f"{pack}-{method}.jsonl").open("w", encoding="utf-8") as fh:
                for g, site, part in zip(gold, sites, own, strict=True):
                    row = {"id": g["id"], "site": site, **summarize([part])}
                    fh.write(json.dumps(row) + "\n")
    return result


def _fmt(fig: dict[str, float], key: str) -> str:
    return f"{fig[key]:.3f}" if key in fig else "–"


HEADERS = (
    "pack", "pages", "ipwire HTML", "worst fold", "trafilatura HTML", "margin",
    "HTML leak ipwire / traf", "ipwire paste", "worst fold", "raw paste", "paste leak",
)  # fmt: skip


def _row(pack: str, res: dict, margin: float) -> list:
    m = res["methods"]
    ih, th = m["ipwire_html"], m["trafilatura_html"]
    ip, rp = m["ipwire_paste"], m["raw_paste"]
    unit = "" if "f1" in ih["all"] else " snip"
    return [
        pack, res["pages"], f"{headline(ih['all']):.3f}{unit}", f"{ih['worst_fold']:.3f}",
        f"{headline(th['all']):.3f}", f"{margin:+.3f}",
        f"{_fmt(ih['all'], 'leak')} / {_fmt(th['all'], 'leak')}",
        f"{headline(ip['all']):.3f}", f"{ip['worst_fold']:.3f}", f"{headline(rp['all']):.3f}",
        _fmt(ip["all"], "leak"),
    ]  # fmt: skip


def print_results(results: dict[str, dict]) -> None:
    margins = {pack: figure(res, "margin") for pack, res in results.items()}
    print_table(HEADERS, (_row(pack, res, margins[pack]) for pack, res in results.items()))
    print(f"mean HTML margin over trafilatura: {sum(margins.values()) / len(margins):+.4f}")
    spans = []
    for pack, res in results.items():
        if res.get("margin_interval") is not None:
            lo, hi = res["margin_interval"]
            spans.append(f"{pack} {margins[pack]:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    if spans:
        print(
            f"HTML margin, 90% interval over {BOOTSTRAP_DRAWS} draws of each pack's sites: "
            + ", ".join(spans)
        )
    agree = [
        f"{pack} {res['title_agreement']:.3f}"
        for pack, res in results.items()
        if res.get("title_agreement") is not None
    ]
    print("paste titles with the words of the page's HTML title: " + ", ".join(agree))
    for pack, res in results.items():
        m = res["methods"]
        if "title" in m["ipwire_paste"]["all"]:
            paste, html = m["ipwire_paste"]["all"]["title"], m["ipwire_html"]["all"]["title"]
            print(f"{pack} titles (same words as gold): paste {paste:.3f}, HTML {html:.3f}")
        if "author" in m["ipwire_paste"]["all"]:
            paste, html = m["ipwire_paste"]["all"]["author"], m["ipwire_html"]["all"]["author"]
            print(f"{pack} authors (the gold's words): paste {paste:.3f}, HTML {html:.3f}")
        if "date" in m["ipwire_paste"]["all"]:
            paste, html = m["ipwire_paste"]["all"]["date"], m["ipwire_html"]["all"]["date"]
            print(f"{pack} publication dates (the gold's day): paste {paste:.3f}, HTML {html:.3f}")


def figure(result: dict, key: str) -> float | None:
    """One pinned figure of a pack's result: ``method.quality``, ``method.leak``, or
    ``margin`` (ipwire HTML minus trafilatura HTML, the issue's "never below trafilatura") and
    ``margin_low`` (its interval's low end when the pack's sites are drawn again), or
    ``title_agreement`` (paste titles with the HTML title's words)."""
    methods = result["methods"]
    if key == "title_agreement":
        return result.get("title_agreement")
    if key == "margin_low":
        interval = result.get("margin_interval")
        return interval[0] if interval is not None else None
    if key == "margin":
        return headline(methods["ipwire_html"]["all"]) - headline(
            methods["trafilatura_html"]["all"]
        )
    method, _, name = key.rpartition(".")
    fig = methods[method]["all"]
    return headline(fig) if name == "quality" else fig.get(name)


def gate(results: dict[str, dict], floors: dict) -> list[str]:
    """Every figure below its floor (or a leak above its ceiling), as readable lines."""
    failures = []
    for pack, limits in floors.get("packs", {}).items():
        if pack not in results:
            continue
        for key, limit in limits.items():
            value = figure(results[pack], key)
            if value is None:
                failures.append(f"{pack} {key} was not measured (a pinned figure must be)")
                continue
            if key.endswith(".leak") and value > limit + 1e-9:
                failures.append(f"{pack} {key} {value:.4f} > ceiling {limit}")
            elif not key.endswith(".leak") and value < limit - 1e-9:
                shown = f"{value:+.4f}" if key.startswith("margin") else f"{value:.4f}"
                failures.append(f"{pack} {key} {shown} < floor {limit}")
    return failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packs", nargs="*", default=list(PACKS), choices=PACKS)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--gate", action="store_true", help="exit 1 when a figure is below its floor")
    ap.add_argument("--json", type=Path, default=None, help="write all figures here")
    ap.add_argument("--per-page", type=Path, default=None, help="folder for per-page scores")
    ap.add_argument(
        "--rows", type=Path, default=None, help="keep ipwire's JSON lines (with the audit) here"
    )
    args = ap.parse_args()
    sc = _scorer()
    results = {p: evaluate_pack(p, args.workers, args.per_page, sc, args.rows) for p in args.packs}
    print_results(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if not args.gate:
        return 0
    failures = gate(results, json.loads(FLOORS.read_text(encoding="utf-8")))
    for line in failures:
        print(f"GATE: {line}")
    print("gate: " + ("FAILED" if failures else f"all floors held ({FLOORS.name})"))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
