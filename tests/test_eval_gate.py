"""The extraction quality gate: pinned per-pack floors, and a drop below one fails `make eval`."""

import json
from pathlib import Path

import pytest
from bench_scripts import load


def _eval_packs():
    return load("eval_packs")


def _result(
    ipwire_html: float,
    traf_html: float,
    leak: float,
    paste: float,
    title: float = 0.8,
    author: float = 0.8,
    date: float = 0.7,
) -> dict:
    def method(f1: float, leak: float | None = None, title: float | None = None) -> dict:
        fig = {"f1": f1} if leak is None else {"f1": f1, "leak": leak}
        if title is not None:
            fig["title"] = title
            fig["author"] = author
            fig["date"] = date
        return {"all": fig, "folds": {}, "worst_fold": f1}

    return {
        "pages": 3,
        "title_agreement": title,
        "margin_interval": (ipwire_html - traf_html - 0.005, ipwire_html - traf_html + 0.005),
        "methods": {
            "ipwire_html": method(ipwire_html, leak, title),
            "trafilatura_html": method(traf_html, 0.05),
            "ipwire_paste": method(paste, 0.04, title),
            "raw_paste": method(0.8, 0.9),
        },
    }


def test_a_figure_below_its_floor_fails_the_gate_and_names_pack_and_figure():
    ev = _eval_packs()
    floors = {"packs": {"p": {"ipwire_html.quality": 0.95, "ipwire_paste.quality": 0.9}}}
    assert ev.gate({"p": _result(0.951, 0.93, 0.02, 0.91)}, floors) == []
    failures = ev.gate({"p": _result(0.949, 0.93, 0.02, 0.91)}, floors)
    assert len(failures) == 1 and failures[0].startswith("p ipwire_html.quality 0.9490")


def test_a_leak_above_its_ceiling_and_a_margin_below_its_floor_fail_the_gate():
    ev = _eval_packs()
    floors = {"packs": {"p": {"ipwire_html.leak": 0.03, "margin": 0.0}}}
    assert ev.gate({"p": _result(0.95, 0.94, 0.03, 0.9)}, floors) == []
    failures = ev.gate({"p": _result(0.93, 0.94, 0.031, 0.9)}, floors)
    assert any("ipwire_html.leak 0.0310 > ceiling 0.03" in f for f in failures)
    assert any("margin -0.0100 < floor 0.0" in f for f in failures)


def test_a_margin_whose_interval_reaches_under_its_floor_fails_the_gate():
    ev = _eval_packs()
    floors = {"packs": {"p": {"margin_low": 0.0}}}
    assert ev.gate({"p": _result(0.95, 0.94, 0.03, 0.9)}, floors) == []  # low end +0.005
    failures = ev.gate({"p": _result(0.943, 0.94, 0.03, 0.9)}, floors)  # low end -0.002
    assert failures == ["p margin_low -0.0020 < floor 0.0"]


class _Scorer:
    """The shared scorer's two measures, as score_extraction.py defines them."""

    @staticmethod
    def word_prf(pred: str, ref: str):
        from collections import Counter

        p, r = pred.lower().split(), ref.lower().split()
        if not p or not r:
            return (0.0, 0.0, 0.0)
        overlap = sum((Counter(p) & Counter(r)).values())
        prec, rec = overlap / len(p), overlap / len(r)
        return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)

    @staticmethod
    def share_found(text: str, snippets: list[str]):
        low = " ".join(text.lower().split())
        return sum(s.lower() in low for s in snippets) / len(snippets) if snippets else None


def test_page_parts_give_back_the_packs_headline_figure():
    ev = _eval_packs()
    words = [
        {"id": "a", "main_content": "one two three four"},
        {"id": "b", "main_content": "five six"},
        {"id": "c", "main_content": None},
    ]
    pred = {"a": "one two three menu", "b": "five six seven"}
    assert (
        abs(
            ev._headline_of(ev.page_parts(words, pred, _Scorer))
            - ev.headline(ev.score(words, pred, _Scorer))
        )
        < 1e-12
    )
    snippets = [
        {"id": "a", "with": ["one two", "three"], "without": ["menu"]},
        {"id": "b", "with": ["five"], "without": ["seven", "eight"]},
    ]
    assert (
        abs(
            ev._headline_of(ev.page_parts(snippets, pred, _Scorer))
            - ev.headline(ev.score(snippets, pred, _Scorer))
        )
        < 1e-12
    )


def test_the_margin_interval_draws_whole_sites_and_shows_a_margin_that_lives_on_one_site():
    ev = _eval_packs()
    # one site of ten pages and fifteen of two
    sites = ["s0"] * 10 + [f"s{1 + i // 2}" for i in range(30)]
    level = [ev.PagePart(0.9, 0, 0, 0)] * 40
    # better by 0.02 on every page: the whole interval is +0.02
    better = [ev.PagePart(0.92, 0, 0, 0)] * 40
    assert ev.margin_interval(sites, better, level) == pytest.approx((0.02, 0.02))
    # a margin that lives on one site's ten pages: drawn page by page, almost every draw
    # would hold some of them; drawn by site, a draw without that site shows no margin
    one_site = [ev.PagePart(0.9 + (0.1 if s == "s0" else 0.0), 0, 0, 0) for s in sites]
    lo, hi = ev.margin_interval(sites, one_site, level)
    assert lo == pytest.approx(0.0) and hi > 0.025
    # the draws are seeded: the same pages give the same interval
    assert ev.margin_interval(sites, one_site, level) == (lo, hi)


def test_pinned_floors_name_only_known_packs_and_figures():
    ev = _eval_packs()
    floors = json.loads(ev.FLOORS.read_text(encoding="utf-8"))
    result = _result(0.9, 0.9, 0.1, 0.9)
    assert floors["packs"], "no floors pinned"
    for pack, limits in floors["packs"].items():
        assert pack in ev.PACKS
        for key, limit in limits.items():
            assert isinstance(limit, float | int)
            assert ev.figure(result, key) is not None, key


def test_a_title_hit_rate_below_its_floor_fails_the_gate():
    ev = _eval_packs()
    gold = [{"id": "1", "title": "Talks resume"}, {"id": "2", "title": "Border shut"}, {"id": "3"}]
    assert ev.title_hits(gold, {"1": "talks  RESUME!", "2": "Border"}) == 0.5
    assert ev.title_hits([{"id": "3"}], {}) is None
    floors = {"packs": {"p": {"ipwire_paste.title": 0.77}}}
    assert ev.gate({"p": _result(0.95, 0.94, 0.02, 0.9, title=0.775)}, floors) == []
    failures = ev.gate({"p": _result(0.95, 0.94, 0.02, 0.9, title=0.76)}, floors)
    assert failures == ["p ipwire_paste.title 0.7600 < floor 0.77"]


def test_an_author_hit_rate_below_its_floor_fails_the_gate():
    ev = _eval_packs()
    gold = [
        {"id": "1", "author": "Jane Doe, Staff Writer"},
        {"id": "2", "author": "Ravi Kumar"},
        {"id": "3", "author": "Ana Ruiz"},
        {"id": "4"},
    ]
    # the byline's name within the gold's longer credit counts; another name or none does not
    assert ev.author_hits(gold, {"1": "jane doe", "2": "Asif Shahzad", "4": "X"}) == 1 / 3
    assert ev.author_hits([{"id": "4"}], {}) is None
    floors = {"packs": {"p": {"ipwire_html.author": 0.8}}}
    assert ev.gate({"p": _result(0.95, 0.94, 0.02, 0.9, author=0.81)}, floors) == []
    failures = ev.gate({"p": _result(0.95, 0.94, 0.02, 0.9, author=0.79)}, floors)
    assert failures == ["p ipwire_html.author 0.7900 < floor 0.8"]


def test_a_date_hit_rate_counts_the_same_day_and_fails_the_gate_below_its_floor():
    ev = _eval_packs()
    gold = [
        {"id": "1", "publish_date": "2025-06-09"},
        {"id": "2", "publish_date": "2025-06-09T23:00:00"},
        {"id": "3", "publish_date": "2024-01-01"},
        {"id": "4"},
    ]
    dates = {"1": "2025-06-09T10:00:54+00:00", "2": "2025-06-10", "4": "2020-01-01"}
    assert ev.date_hits(gold, dates) == 1 / 3
    assert ev.date_hits([{"id": "4"}], dates) is None
    floors = {"packs": {"p": {"ipwire_html.date": 0.73}}}
    assert ev.gate({"p": _result(0.95, 0.94, 0.02, 0.9, date=0.74)}, floors) == []
    failures = ev.gate({"p": _result(0.95, 0.94, 0.02, 0.9, date=0.7)}, floors)
    assert failures == ["p ipwire_html.date 0.7000 < floor 0.73"]


def test_paste_titles_are_checked_against_the_pages_own_html_titles():
    ev = _eval_packs()
    html = {"1": "Talks resume", "2": "Border shut", "3": "", "4": "Trade reopens"}
    paste = {"1": "talks  RESUME!", "2": "Home / News", "4": "Trade reopens"}
    # page 3 has no HTML title and is left out: two of three agree
    assert ev.title_agreement(["1", "2", "3", "4"], paste, html) == 2 / 3
    assert ev.title_agreement(["3"], paste, html) is None
    floors = {"packs": {"p": {"title_agreement": 0.7}}}
    assert ev.gate({"p": _result(0.95, 0.94, 0.02, 0.9, title=0.75)}, floors) == []
    failures = ev.gate({"p": _result(0.95, 0.94, 0.02, 0.9, title=0.6)}, floors)
    assert failures == ["p title_agreement 0.6000 < floor 0.7"]


def test_the_language_report_reads_the_script_first_then_the_function_words():
    guess = load("by_language").guess_language
    assert guess("Die Regierung hat sich mit den Vertretern auf eine Lösung für die Grenze") == "de"
    assert guess("Minister spraw zagranicznych spotkał się w środę z ambasadorem i nie") == "pl"
    assert guess("The talks on the water treaty ended in Lahore and the envoys left") == "en"
    assert guess("印度和巴基斯坦恢复了对话") == "zh"
    assert guess("日本のニュースです") == "ja"


def test_a_bench_script_in_a_second_checkout_imports_that_checkouts_stages(tmp_path: Path):
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    other = tmp_path / "older"
    for folder in ("ipwire", "tasks"):
        shutil.copytree(root / folder, other / folder, ignore=shutil.ignore_patterns("*.pyc"))
    (other / "bench").mkdir()
    shutil.copy(root / "bench" / "_common.py", other / "bench" / "_common.py")
    probe = (
        "import sys; sys.path.insert(0, 'bench'); import _common; "
        "import ipwire.tasks.clean.html as stage; print(stage.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=other, capture_output=True, text=True, check=True
    )
    assert Path(out.stdout.strip()).is_relative_to(other)


def test_the_audit_report_asks_the_gold_whether_a_stripped_line_was_article():
    kinds = load("stripped_kinds")
    whole = {"main_content": "India and Pakistan resumed talks.\nThe envoys met in Lahore."}
    assert kinds.gold_says("The envoys met in Lahore", whole) is True
    # the words must stand in order in the gold text, not just somewhere in it
    assert kinds.gold_says("Lahore met the envoys", whole) is False
    snippets = {"main_content": None, "with": ["resumed talks"], "without": ["Sign up"]}
    assert kinds.gold_says("Both sides resumed talks on Monday", snippets) is True
    assert kinds.gold_says("Sign up for our newsletter", snippets) is False
    # snippet gold that names neither leaves the line out
    assert kinds.gold_says("Most read this week", snippets) is None
    table = kinds.tally([("caption", False, 6), ("caption", True, 4), ("byline", False, 3)])
    assert table == {"caption": [2, 1, 10, 4], "byline": [1, 0, 3, 0]}


def test_the_audit_report_reads_the_rows_eval_packs_kept_instead_of_extracting_again(
    tmp_path: Path,
):
    kinds = load("stripped_kinds")
    golds = [
        {"id": "a", "main_content": "Talks resumed in Lahore on Monday."},
        {"id": "b", "main_content": "The envoys met again."},
    ]
    rows = [
        {"page": "b", "stripped": [{"kind": "byline", "text": "By a staff reporter here"}]},
        {"page": "a", "stripped": [{"kind": "navigation", "text": "Talks resumed in Lahore"}]},
    ]
    (tmp_path / "p-paste.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    # rows come back in gold order, and each line is judged against its own page's gold
    got = kinds.pack_rows("p", "paste", golds, tmp_path)
    assert [r["page"] for r in got] == ["a", "b"]
    assert kinds.judged(got, golds) == [("navigation", True, 4), ("byline", False, 5)]
