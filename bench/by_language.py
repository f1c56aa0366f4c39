"""Per-page extraction scores grouped by the language of each page's gold, beside trafilatura.

A pack's mean can hide a language where ipwire falls under trafilatura (a charset read
wrongly, function words the line model does not know). This reads the per-page scores
``bench/eval_packs.py --per-page DIR`` wrote and groups the pages by a guess of their gold's
language: the script (Chinese, Japanese, Cyrillic, Arabic) or, for Latin-script text, the
language whose common function words it holds most of. The figures are means of per-page
scores (a page with nothing of its gold kept counts 0), not the pack's pooled figure.

Run:  .venv/bin/python bench/eval_packs.py --per-page DIR
      .venv/bin/python bench/by_language.py DIR [--pack trafeval]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_gold  # noqa: E402

# the commonest function words of each language the packs hold most of
_FUNCTION_WORDS = {
    "en": "the and of to in is that for with was on are it as",
    "de": "der die und das ist nicht ein eine mit den von zu sich auf für",
    "fr": "le la les et des est une pour dans que qui pas sur du au",
    "es": "el la los las y de que en es por una para con del se",
    "it": "il di che è la per una non sono del della con gli le",
    "pt": "o a os de que em não uma para com do da é no",
    "nl": "de het een van en is dat niet op te voor met zijn",
    "pl": "i w na się z nie do że to jest jak po od",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}
_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)
METHODS = ("ipwire_html", "trafilatura_html", "ipwire_paste", "raw_paste")


def guess_language(text: str) -> str:
    """A language code for a page's gold text: its script, else its function words."""
    for lang, script in _SCRIPTS:
        if script.search(text):
            return lang
    words = re.findall(r"\w+", text.lower())
    return max(_WORDS, key=lambda lang: sum(w in _WORDS[lang] for w in words))


def gold_text(page: dict) -> str:
    """The gold's article text, else its must-keep snippets."""
    return page.get("main_content") or " ".join(page.get("with") or [])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("per_page", type=Path, help="the folder eval_packs.py --per-page wrote")
    ap.add_argument("--pack", default="trafeval")
    args = ap.parse_args()
    key = "snip_f1" if args.pack == "trafeval" else "f1"
    scores = {}
    for method in METHODS:
        path = args.per_page / f"{args.pack}-{method}.jsonl"
        rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
        scores[method] = {row["id"]: row for row in rows}
    by_lang: dict[str, list[str]] = defaultdict(list)
    for page in load_gold(args.pack):
        by_lang[guess_language(gold_text(page))].append(str(page["id"]))
    print(f"| language | pages | {' | '.join(METHODS)} | leak {' | leak '.join(METHODS)} |")
    print("|---" * (2 + 2 * len(METHODS)) + "|")
    for lang, ids in sorted(by_lang.items(), key=lambda item: -len(item[1])):
        quality = [sum(scores[m][i].get(key) or 0.0 for i in ids) / len(ids) for m in METHODS]
        leak = [
            sum(scores[m][i]["leak"] for i in ids if scores[m][i].get("leak") is not None)
            / len(ids)
            if any(scores[m][i].get("leak") is not None for i in ids)
            else None
            for m in METHODS
        ]
        cells = " | ".join("–" if x is None else f"{x:.3f}" for x in quality + leak)
        print(f"| {lang} | {len(ids)} | {cells} |")


if __name__ == "__main__":
    main()
