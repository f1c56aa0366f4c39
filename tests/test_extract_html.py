"""HTML extraction: a small fixture page, metadata, empty pages, and a floor on real pages."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from ipwire.tasks.clean import default_rules, extract_from_html, extract_from_text, iso_datetime

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "extract"
PACK = REPO.parent / "shared" / "eval" / "extraction" / "wcxb-dev"


@pytest.fixture(scope="module")
def page():
    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    return extract_from_html(html, url="https://www.example-times.com/news/kartarpur")


def test_article_sentences_survive(page):
    assert "Pilgrims from India crossed into Pakistan on Thursday" in page.text
    assert "return before the border closes at four in the afternoon" in page.text


@pytest.mark.parametrize(
    "chrome", ["Home", "Don't Miss", "Asia Cup thriller", "All rights reserved", "ALSO READ"]
)
def test_chrome_does_not_survive(page, chrome):
    assert chrome not in page.text


def test_also_read_block_is_reported_as_stripped(page):
    assert any(s.kind == "also-read" and "ALSO READ" in s.text for s in page.stripped)


def test_metadata_keeps_the_publishers_offset(page):
    assert page.title == "Kartarpur corridor reopens for pilgrims"
    assert page.author == "Anjali Rao"
    assert page.published_at == "2023-11-09T10:30:00+05:30"
    assert page.outlet == "example-times.com"
    assert page.language == "en"
    assert page.canonical_url == "https://example-times.com/news/kartarpur-corridor-reopens"


def test_page_without_article_gives_empty_text():
    assert extract_from_html("<html><body><nav><a href='/'>Home</a></nav></body></html>").text == ""
    assert extract_from_html("").text == ""


# a section page's headlines, one to a line
HEADLINES = (FIXTURES / "section_headlines.txt").read_text(encoding="utf-8").splitlines()


def _index_page(teaser: bool) -> str:
    """A section page: each story's headline as a link, with its teaser sentence or not."""
    items = "".join(
        f"<li><h3><a href='/news/{i}'>{h}</a></h3>"
        + (f"<p>{h.split()[0]} officials said on Monday that the matter was settled.</p>" * teaser)
        + "</li>"
        for i, h in enumerate(HEADLINES)
    )
    return (
        "<html><head><title>Latest news</title></head><body><main><h1>Latest news</h1>"
        f"<ul class='stories'>{items}</ul></main></body></html>"
    )


def test_a_page_that_is_only_headline_links_has_no_article_and_audits_them():
    ex = extract_from_html(_index_page(teaser=False))
    assert ex.text == ""
    audited = [s.text for s in ex.stripped if s.kind == "navigation"]
    assert all(h in audited for h in HEADLINES)


def test_headline_links_with_text_of_their_own_are_kept():
    # the same headlines, each over a sentence that is not a link: not a page of links
    ex = extract_from_html(_index_page(teaser=True))
    assert "officials said on Monday that the matter was settled" in ex.text
    assert HEADLINES[0] in ex.text


def test_iso_datetime_keeps_date_only_and_offsets():
    assert iso_datetime("2022-08-08") == "2022-08-08"
    assert iso_datetime("2022-08-08T10:30:00+0530") == "2022-08-08T10:30:00+05:30"
    assert iso_datetime("2022-08-08T05:00:00Z") == "2022-08-08T05:00:00+00:00"
    assert iso_datetime("August 8, 2022") == "2022-08-08"


def test_output_is_deterministic():
    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    assert extract_from_html(html) == extract_from_html(html)


def _word_f1(pred: str, ref: str) -> float:
    p, r = re.findall(r"\w+", pred.lower()), re.findall(r"\w+", ref.lower())
    if not p or not r:
        return float(p == r)
    overlap = sum((Counter(p) & Counter(r)).values())
    return 0.0 if not overlap else 2 * overlap / (len(p) + len(r))


@pytest.mark.skipif(not PACK.exists(), reason="evaluation pack not available")
def test_dev_sample_scores_above_floor():
    """First 40 dev pages: F1 0.943, leak 0.033 (all: 0.943 / 0.034); floors just below.

    Was F1 0.964 with the render fallback on: the fallback helped 14 of 711 wcxb-dev pages and
    hurt every pack it was not tuned on, so it is off and this floor moved down with it (the
    per-pack floors, bench/extraction_floors.json, hold every pack's figure)."""
    text = (PACK / "gold.jsonl").read_text(encoding="utf-8")
    gold = [json.loads(x) for x in text.split("\n") if x.strip()][:40]
    f1s, leaks = [], []
    for g in gold:
        html = gzip.decompress((PACK / "html" / f"{g['id']}.html.gz").read_bytes())
        ex = extract_from_html(html.decode("utf-8", errors="replace"), url=g["url"])
        f1s.append(_word_f1(ex.text, g["main_content"]))
        if g.get("without"):
            low = ex.text.lower()
            leaks.append(sum(s.lower() in low for s in g["without"]) / len(g["without"]))
    assert sum(f1s) / len(f1s) >= 0.94
    assert sum(leaks) / len(leaks) <= 0.035


def test_render_text_puts_blocks_on_lines_and_skips_scripts():
    from ipwire.tasks.clean.render import _parse, render_text

    tree = _parse(
        "<html><head><title>t</title></head><body><nav><a>Home</a> <a>News</a></nav>"
        "<script>var x = 1;</script><p>First <b>para</b>graph.</p><div>Second</div></body></html>"
    )
    assert render_text(tree).split("\n\n") == ["Home News", "First paragraph.", "Second"]


def test_page_where_trafilatura_kept_too_little_falls_back_to_the_text_model():
    from ipwire.tasks.clean.render import _parse, _text_model_fallback

    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    ex = _text_model_fallback(_parse(html), "Pilgrims", default_rules(), None)
    assert ex is not None and ex.method == "render+text-lines"
    assert "return before the border closes at four in the afternoon" in ex.text
    assert "All rights reserved" not in ex.text


def test_page_where_trafilatura_kept_the_article_does_not_fall_back(page):
    from ipwire.tasks.clean.render import _parse, _text_model_fallback

    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    assert _text_model_fallback(_parse(html), page.text, default_rules(), None) is None
    assert page.method == "trafilatura+lines"


def test_paragraph_the_page_ships_twice_is_kept_once():
    from ipwire.tasks.clean.postfilter import _filter_blocks

    para = (
        "Officials from both countries met at the Attari crossing on Tuesday to discuss "
        "the reopening of the corridor for pilgrims travelling to the shrine."
    )
    other = (
        "The talks lasted three hours and ended with an agreement to meet again in March, "
        "according to a statement released by the foreign ministry late in the evening."
    )
    text, stripped = _filter_blocks(f"{para}\n{other}\n{para}", default_rules(), None)
    assert text.count("Attari crossing") == 1
    assert "three hours" in text
    assert any(s.kind == "duplicate" for s in stripped)


def test_short_repeated_line_is_not_treated_as_a_copy():
    from ipwire.tasks.clean.postfilter import DUPLICATE_MIN_WORDS, _filter_blocks

    short = "The ministry did not respond to questions."
    assert len(short.split()) < DUPLICATE_MIN_WORDS
    body = (
        "Officials from both countries met at the Attari crossing on Tuesday to discuss "
        "the reopening of the corridor for pilgrims travelling to the shrine."
    )
    other = (
        "The talks lasted three hours and ended with an agreement to meet again in March, "
        "according to a statement released by the foreign ministry late in the evening."
    )
    raw = f"{body}\n{short}\n{other}\n{short}\n{body.replace('Tuesday', 'Monday')}"
    text, _ = _filter_blocks(raw, default_rules(), None)
    assert text.count(short) == 2


def test_utf8_text_saved_as_windows_1252_is_repaired():
    from ipwire.tasks.clean.decode import repair_mojibake

    assert repair_mojibake("Pakistan doesnâ€™t agree") == "Pakistan doesn’t agree"
    assert repair_mojibake("doesn\u00e2\u0080\u0099t") == "doesn’t"
    assert repair_mojibake("à¤­à¤¾à¤°à¤¤") == "भारत"


def test_correct_accented_text_is_left_alone():
    from ipwire.tasks.clean.decode import repair_mojibake

    for text in ("café « naïve » à la carte", "Straße« doesnâ€™t"[:7], "© 2024 Dawn"):
        assert repair_mojibake(text) == text
    # a correct "É»" beside mangled text elsewhere is not read as a phonetic letter
    assert repair_mojibake("Âge «JOSÉ» isnâ€™t") == "Âge «JOSÉ» isn’t"


def _article_with(word: str, mangled: str):
    """The fixture article with every ``word`` written as ``mangled``, extracted."""
    html = (FIXTURES / "article.html").read_text(encoding="utf-8").replace(word, mangled)
    return extract_from_html(html, url="https://www.example-times.com/news/kartarpur")


def test_page_with_mangled_quotes_gives_clean_article_text(page):
    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    mangled = html.replace("pilgrims", "pilgrimsâ€™").replace("Pilgrims", "Pilgrimsâ€™")
    ex = extract_from_html(mangled, url="https://www.example-times.com/news/kartarpur")
    assert "â€" not in ex.text
    assert "’" in ex.text


def test_page_whose_mangled_quotes_hold_c1_controls_keeps_the_letters_around_them(page):
    # "â\x80\x99" is the latin-1 reading of a UTF-8 quote; trafilatura drops the two C1
    # controls, so a repair of its output alone would leave "pilgrimsâ"
    ex = _article_with("pilgrims", "pilgrims\u00e2\u0080\u0099")
    assert "\u00e2" not in ex.text
    assert "pilgrims’" in ex.text


def test_closing_quote_whose_last_byte_was_lost_is_read_as_a_closing_quote():
    from ipwire.tasks.clean.decode import repair_mojibake

    assert repair_mojibake("â€œMadurai,â€ she said") == "“Madurai,” she said"
    assert repair_mojibake("Madurai,â€ she said") == "Madurai,â€ she said"  # nothing else mangled
    # before a letter the lost byte may be a hyphen's or a joiner's: left as it is
    assert repair_mojibake("â€œCOVIDâ€19â€") == "“COVIDâ€19”"


def test_page_with_a_lost_closing_quote_byte_gives_the_quote(page):
    ex = _article_with("pilgrims", "â€œpilgrimsâ€ ")
    assert "\u00e2" not in ex.text
    assert "“pilgrims”" in ex.text


_PROSE = [
    "Officials from both countries met at the Attari crossing on Tuesday to discuss "
    "the reopening of the corridor for pilgrims travelling to the shrine.",
    "The talks lasted three hours and ended with an agreement to meet again in March, "
    "according to a statement released by the foreign ministry late in the evening.",
    "Traders on both sides of the border said that the closure had cost them a great "
    "deal of business over the winter months and that they hoped for an early decision.",
    "Pilgrims who had waited at the gate since dawn were allowed through in small groups "
    "after their documents were checked by the officials on duty at the crossing.",
]


def _cut_at_marker(monkeypatch, marker: str) -> None:
    """Make the line model close the article at ``marker``, as it does on long real pages."""
    from dataclasses import replace

    import ipwire.tasks.clean.postfilter as eh

    real = eh.decide

    def decide(lines, rules, **kw):
        d = real(lines, rules, **kw)
        at = next(i for i, ln in enumerate(lines) if ln.text == marker)
        return replace(d, cut_at=at, cut_kind="related-links")

    monkeypatch.setattr(eh, "decide", decide)


def test_related_heading_followed_by_article_prose_does_not_cut_the_article(monkeypatch):
    from ipwire.tasks.clean.postfilter import _filter_blocks

    _cut_at_marker(monkeypatch, "Related")
    raw = "\n".join([*_PROSE[:2], "Related", *_PROSE[2:]])
    text, stripped = _filter_blocks(raw, default_rules(), None)
    assert "early decision" in text
    assert "documents were checked" in text
    # the heading alone goes (its section is not there); nothing after it does
    assert [s.text for s in stripped if s.kind == "related-links"] == ["Related"]


def test_related_heading_followed_by_teaser_links_still_closes_the_article(monkeypatch):
    from ipwire.tasks.clean.postfilter import _filter_blocks

    _cut_at_marker(monkeypatch, "Related Articles")
    teasers = ["Asia Cup thriller goes to the last over", "Five things to know about visas"]
    raw = "\n".join([*_PROSE, "Related Articles", *teasers])
    text, stripped = _filter_blocks(raw, default_rules(), None)
    assert "documents were checked" in text
    assert "Asia Cup thriller" not in text
    assert any(s.kind == "related-links" and "Asia Cup" in s.text for s in stripped)


def _lines(texts):
    from ipwire.tasks.clean.lines import split_lines

    return split_lines("\n\n".join(texts))


def test_low_scored_short_lines_at_the_edges_are_peeled():
    from ipwire.tasks.clean.postfilter import _peel_edges

    lines = _lines(["Get started today", "Follow us", *_PROSE, "Want more? Sign up"])
    kinds = [None] * len(lines)
    probs = [0.1, 0.2, 0.9, 0.9, 0.9, 0.9, 0.05]
    _peel_edges(lines, kinds, probs)
    assert kinds == ["navigation", "navigation", None, None, None, None, "navigation"]


def test_peeling_stops_at_the_first_confident_line_and_spares_long_paragraphs():
    from ipwire.tasks.clean.postfilter import _peel_edges

    lines = _lines(["Follow us", "Read our report", "Advertisement", *_PROSE, "Share this"])
    kinds = [None] * len(lines)
    # a well-scored line shields the low-scored one behind it; a long paragraph is kept
    probs = [0.1, 0.6, 0.1, 0.05, 0.9, 0.9, 0.9, 0.1]
    _peel_edges(lines, kinds, probs)
    assert kinds[:4] == ["navigation", None, None, None]
    assert kinds[-1] == "navigation"


def test_table_rows_in_trafilatura_output_are_not_taken_for_menus(monkeypatch):
    from dataclasses import replace

    import ipwire.tasks.clean.postfilter as eh

    real = eh.decide

    def decide(lines, rules, **kw):
        # the paste-trained model scores short cell rows like menu links
        d = real(lines, rules, **kw)
        probs = [0.01 if "|" in ln.text else p for ln, p in zip(lines, d.probs, strict=True)]
        return replace(d, probs=probs)

    monkeypatch.setattr(eh, "decide", decide)
    rows = ["| Crossing | Opened |", "|---|---|", "| Attari | 1947 |", "| Kartarpur | 2019 |"]
    raw = "\n".join([*_PROSE[:2], *rows, *_PROSE[2:], "Home | News"])
    text, _ = eh._filter_blocks(raw, default_rules(), None)
    assert "| Kartarpur | 2019 |" in text
    assert "| Attari | 1947 |" in text
    assert "Home | News" not in text


def test_subheading_dropped_above_a_kept_paragraph_is_restored():
    from ipwire.tasks.clean.render import _parse
    from ipwire.tasks.clean.siblings import _restore_subheadings, _subheadings

    html = "".join(
        [
            "<html><body><article>",
            f"<p>{_PROSE[0]}</p>",
            "<h2><strong>Talks at the border</strong></h2>",
        ]
        + ["<p> </p>", f"<p>{_PROSE[1]}</p>", "<h3>Related</h3>", f"<p>{_PROSE[2]}</p>"]
        + [f"<p>{_PROSE[3]}</p>", "</article></body></html>"]
    )
    heads = _subheadings(_parse(html))
    text = "\n\n".join(_PROSE)  # what trafilatura kept: the paragraphs, no headings
    paras = _restore_subheadings(text, heads, [], default_rules()).split("\n\n")
    assert paras[1] == "Talks at the border"
    assert paras[2] == _PROSE[1]
    assert "Related" not in paras  # a chrome heading is not put back


def test_block_keys_from_the_short_probe_are_the_keys_of_the_whole_block():
    from ipwire.tasks.clean.siblings import _ASCII_WORDS, _KEY_CHARS, _WORD, _plain_key, _start_key

    def whole(parts, pattern):
        words = [w for part in parts for w in pattern.findall(part.lower())]
        return " ".join(words[:8]) if len(words) >= 8 else None

    cases = [
        [_PROSE[1]],
        ["one two three four five six seven eight nine ten"],
        ["x" * 90 + "longword two three four five six seven eight nine"],  # cut at the probe
        ["w " * 7 + "y" * 120 + " after"],  # the eighth word runs past the probe
        ["w " * 7 + "y" * 250],  # ... and past the longer prefix
        ["short lead", "a b c d e f g h i j k l m n o p" + " z" * 60],  # a later part
        ["a b c", "d" * 95 + " e f g h i j"],
        ["ΟΔΟΣ ΚΑΙ ΝΟΜΟΣ " * 12],  # a capital sigma lowers by what follows it ...
        # ... past the probe's end, when only case-ignorable marks stand between ("ʰ")
        ["a b c d e f " + "g" * 77 + " ΟΔΟΣ.ʰΑΒΓ more words"],
        ["Τα λόγια ΤΟΥΣ ΚΑΙ ΟΙ ΔΡΟΜΟΙ ΤΗΣ ΠΟΛΗΣ ΜΑΣ " + "α" * 90],
        ["İstanbul Über " * 20],
        ["a b"],
    ]
    for parts in cases:
        assert _start_key(parts) == whole(parts, _WORD), parts
        assert _start_key(["".join(parts)]) == whole(["".join(parts)], _WORD), parts
        # a plain key reads at most the first _KEY_CHARS characters
        head = "".join(parts)[:_KEY_CHARS]
        assert _plain_key("".join(parts)) == whole([head], _ASCII_WORDS), parts


def test_subheading_is_not_restored_above_the_first_paragraph_or_twice():
    from ipwire.tasks.clean.siblings import _restore_subheadings, _start_key

    key = lambda p: _start_key([p])  # noqa: E731
    rules = default_rules()
    text = "\n\n".join(_PROSE)
    assert _restore_subheadings(text, [("Background", key(_PROSE[0]))], [], rules) == text
    with_head = "\n\n".join([_PROSE[0], "Talks", *_PROSE[1:]])
    assert _restore_subheadings(with_head, [("Talks", key(_PROSE[1]))], [], rules) == with_head
    restored = _restore_subheadings(text, [("Talks", key(_PROSE[1]))], [], rules)
    assert restored == with_head


def test_subheading_already_kept_or_stripped_in_other_case_is_not_restored_but_a_phrase_is():
    from ipwire.records import Stripped
    from ipwire.tasks.clean.siblings import _restore_subheadings, _start_key

    rules = default_rules()
    text = "\n\n".join(_PROSE)
    heads = [("TALKS -- at the border!", _start_key([_PROSE[1]]))]
    gone = [Stripped("navigation", "Talks at the border")]
    assert _restore_subheadings(text, heads, gone, rules) == text
    # the heading's words inside a longer paragraph are not the heading itself
    inside = [Stripped("navigation", "Talks at the border resumed on Monday")]
    restored = _restore_subheadings(text, heads, inside, rules).split("\n\n")
    assert restored[1] == "TALKS -- at the border!"
    # a heading of eight words or more: found whole, not by its first eight words
    long_head = "What the two foreign ministers agreed on at the border"
    heads = [(long_head, _start_key([_PROSE[1]]))]
    gone = [Stripped("navigation", long_head.upper() + ".")]
    assert _restore_subheadings(text, heads, gone, rules) == text
    longer = [Stripped("navigation", long_head + " and what they left for later")]
    assert _restore_subheadings(text, heads, longer, rules).split("\n\n")[1] == long_head


def test_embed_container_holding_a_table_is_not_discarded():
    rows = "".join(f"<tr><td>Crossing {i}</td><td>{1947 + i}</td></tr>" for i in range(6))
    table = f"<table><tr><th>Crossing</th><th>Opened</th></tr>{rows}</table>"
    html = (
        "<html><body><article>"
        + "".join(f"<p>{p}</p>" for p in _PROSE[:2])
        + f"<div class='w-embed'>{table}</div>"
        + "".join(f"<p>{p}</p>" for p in _PROSE[2:])
        + "</article></body></html>"
    )
    ex = extract_from_html(html)
    assert "Crossing 3" in ex.text
    assert "documents were checked" in ex.text


def test_social_embed_without_article_content_is_still_dropped():
    from ipwire.tasks.clean.render import _parse
    from ipwire.tasks.clean.siblings import _unmask_content_containers

    tree = _parse(
        "<html><body><div class='tweet-embed'><p>Great match today!</p></div>"
        "<div class='w-embed'><p>" + _PROSE[0] + "</p><p>" + _PROSE[1] + "</p></div></body></html>"
    )
    _unmask_content_containers(tree)
    divs = list(tree.iter("div"))
    assert divs[0].get("class") == "tweet-embed"
    assert divs[1].get("class") is None


@pytest.mark.parametrize(
    "caption",
    [
        "Pilgrims wait at the Kartarpur gate. Credit: Sam Rao",
        "The corridor at dawn (Photo: Getty Images)",
        "Photo courtesy of the Ministry of External Affairs",
        # a short caption closing with a © credit, after a stop, a bar or no stop at all
        "Pilgrims queue at the Kartarpur gate before dawn. © AFP / Narinder Nanu",
        "Trucks wait at the Wagah crossing near Lahore | © Reuters/Mohsin Raza",
        "Eine Fracking-Anlage zur Förderung von Gas im US-Bundesstaat Pennsylvania © Noah Addis",
    ],
)
def test_photo_caption_line_is_stripped_as_caption(caption):
    from ipwire.tasks.clean.postfilter import _filter_blocks

    text, stripped = _filter_blocks(
        "\n".join([*_PROSE[:2], caption, *_PROSE[2:]]), default_rules(), None
    )
    assert caption not in text
    assert any(s.kind == "caption" and s.text == caption for s in stripped)


@pytest.mark.parametrize(
    "line",
    [
        # a picture's name with its credit (a gallery's label), not a scene described
        "Stau © aremac / Clipdealer",
        "The ministry said the © symbol on the new visa stickers marks state copyright.",
        "© 2025 The Courier",
    ],
)
def test_a_line_with_a_copyright_sign_is_no_caption_unless_a_scene_closes_with_it(line):
    assert default_rules().line_kind(line) != "caption"


def test_sentence_mentioning_a_photo_is_not_a_caption():
    from ipwire.tasks.clean.postfilter import _filter_blocks

    line = "The ministry released a photo of the meeting, which it said was cordial."
    text, _ = _filter_blocks("\n".join([*_PROSE[:2], line, *_PROSE[2:]]), default_rules(), None)
    assert line in text


def test_sql_with_a_date_literal_is_not_taken_for_a_comment_thread(monkeypatch):
    from ipwire.tasks.clean.postfilter import _filter_blocks

    # the line model reads "FROM orders" + "WHERE created_at > '2024-01-01'" as name + date
    _cut_at_marker(monkeypatch, "FROM orders")
    sql = ["FROM orders", "WHERE created_at > '2024-01-01'", "GROUP BY user_id"]
    text, _ = _filter_blocks("\n".join([*_PROSE[:3], *sql, _PROSE[3]]), default_rules(), None)
    assert "documents were checked" in text


def test_comment_thread_after_the_article_still_closes_it(monkeypatch):
    from ipwire.tasks.clean.postfilter import _filter_blocks

    _cut_at_marker(monkeypatch, "Asha Verma")
    thread = ["Asha Verma", "March 3, 2024", "Great report, thank you.", "Ravi", "March 4, 2024"]
    text, _ = _filter_blocks("\n".join([*_PROSE, *thread]), default_rules(), None)
    assert "documents were checked" in text
    assert "Great report" not in text


def _sibling_page(middle: str, tail: str = "") -> str:
    """An article whose parts sit in sibling containers of one column."""
    para = (
        "On {n} officials from both countries met at the border crossing to discuss the "
        "corridor, the pilgrim quotas and the fees charged to each visitor this season."
    )
    return (
        "<html><body><div class='column'>"
        f"<div class='rich'><p>{para.format(n='Monday')}</p></div>"
        f"{middle}"
        f"<div class='rich'><p>{para.format(n='Tuesday')}</p></div>"
        f"{tail}</div></body></html>"
    )


def _kept_paragraphs(tree) -> str:
    """What trafilatura keeps of a sibling page: its Monday and Tuesday paragraphs."""
    return "\n\n".join(
        " ".join(p.text_content().split())
        for p in tree.iter("p")
        if "Monday" in p.text_content() or "Tuesday" in p.text_content()
    )


_PANE = (
    "<div class='pane'><h3>Week 1</h3><p>The pilgrims apply online through the portal and "
    "receive a confirmation message with the date and time of their crossing.</p></div>"
)


def test_paragraph_in_a_sibling_container_is_recovered_in_page_order():
    from ipwire.tasks.clean.siblings import _recover_siblings

    page = _sibling_page(_PANE)
    tree = lxml_html.document_fromstring(page)
    kept = _kept_paragraphs(tree)
    text, _ = _recover_siblings(tree, kept, [], default_rules(), False, min_words=0)
    paras = text.split("\n\n")
    assert paras[1] == "Week 1"
    assert paras[2].startswith("The pilgrims apply online")
    assert "Tuesday" in paras[3]


def test_sibling_in_a_share_container_is_not_recovered():
    from ipwire.tasks.clean.siblings import _recover_siblings

    pane = _PANE.replace("class='pane'", "class='social-share'")
    tree = lxml_html.document_fromstring(_sibling_page(pane))
    kept = _kept_paragraphs(tree)
    text, _ = _recover_siblings(tree, kept, [], default_rules(), False, min_words=0)
    assert "pilgrims apply online" not in text


def test_a_blocks_text_read_whole_is_its_walk_when_nothing_inside_breaks_it():
    from ipwire.tasks.clean.siblings import _block_text

    page = lxml_html.document_fromstring(
        "<html><body>"
        "<p id='a'>Talks <a href='/x'>resume</a> in <b>Lahore</b>  today.</p>"
        "<p id='b'>Talks resume<br>in Lahore<script>var x = 1;</script> today.</p>"
        "<li id='c'>Talks <div>resume</div>in <span>Lahore</span></li>"
        "<p id='d'>Talks <svg><text>chart</text></svg>resume.</p>"
        "</body></html>"
    )
    expect = {
        "a": "Talks resume in Lahore today.",
        "b": "Talks resume in Lahore today.",
        "c": "Talks resume in Lahore",
        "d": "Talks resume.",
    }
    for el in page.iter("p", "li"):
        walked = _block_text(el)
        assert walked == expect[el.get("id")]
        assert _block_text(el, el.text_content()) == walked


def test_a_blocks_chrome_container_is_told_once_for_all_its_blocks():
    from ipwire.tasks.clean.siblings import _masked

    page = lxml_html.document_fromstring(
        "<html><body><div id='main'><div class='share-bar'><p>Share</p><p>Tweet</p></div>"
        "<div class='pane'><p>Talks resume in Lahore.</p></div></div></body></html>"
    )
    main = page.get_element_by_id("main")
    memo = {main: False}
    share, tweet, talks = main.iter("p")
    assert _masked(share, main, memo) and _masked(tweet, main, memo)
    assert not _masked(talks, main, memo)
    assert memo[share.getparent()] is True and memo[talks.getparent()] is False


def test_heading_with_nothing_recovered_under_it_is_not_recovered():
    from ipwire.tasks.clean.siblings import _recover_siblings

    tree = lxml_html.document_fromstring(_sibling_page("<h3>Best Projector Categories</h3>"))
    kept = "\n\n".join(" ".join(p.text_content().split()) for p in tree.iter("p"))
    text, _ = _recover_siblings(tree, kept, [], default_rules(), False, min_words=0)
    assert "Best Projector Categories" not in text


def test_trailing_sibling_needs_prose_and_an_open_article():
    from ipwire.tasks.clean.siblings import _recover_siblings

    prose = (
        "<div class='more'><p>Travellers should carry a passport valid for six months and "
        "the printed confirmation, which the officers check at both gates.</p>"
        "<p>Children under thirteen travel with a parent, and each family is given a single "
        "token that covers every member listed on the application.</p></div>"
    )
    teaser = "<div class='more'><p>Read our guide to the corridor and its history.</p></div>"
    for tail, closed, expect in (
        (prose, False, True),
        (prose, True, False),
        (teaser, False, False),
    ):
        tree = lxml_html.document_fromstring(_sibling_page("", tail))
        kept = _kept_paragraphs(tree)
        text, _ = _recover_siblings(tree, kept, [], default_rules(), closed, min_words=0)
        assert ("Travellers should carry" in text) is expect
        assert "Read our guide" not in text


def test_photo_credit_pretest_skips_only_lines_the_full_search_would_not_match():
    from ipwire.tasks.clean.postfilter import _PHOTO_CREDIT, _is_photo_credit

    texts = [
        "Soldiers patrol the Line of Control. Photo: Reuters",
        "PICTURE CREDIT: AP",
        "Images by Getty Images",
        "Photograph: Dawn",
        "Crédit: AFP",
        "The credit line was extended by the IMF.",
        "Foreign ministers met in Astana on Tuesday.",
        "",
    ]
    assert [_is_photo_credit(t) for t in texts] == [bool(_PHOTO_CREDIT.search(t)) for t in texts]
    assert _is_photo_credit(texts[0]) and not _is_photo_credit(texts[6])


def test_body_is_found_among_the_root_children_or_anywhere_below():
    from ipwire.tasks.clean.render import _body

    page = lxml_html.document_fromstring("<html><head><title>t</title></head><p>x</p></html>")
    assert _body(page) is page.find(".//body") and _body(page).tag == "body"
    wrapper = lxml_html.fromstring("<div><section><body><p>y</p></body></section></div>")
    assert _body(wrapper) is wrapper.find(".//body")


def test_pages_parse_into_plain_html_elements_with_the_html_helpers():
    from ipwire.tasks.clean.render import _parse

    tree = _parse("<html><body><form><input name=q><p>Talks <b>resume</b></p></form></body></html>")
    assert {type(el) for el in tree.iter()} == {lxml_html.HtmlElement}
    assert tree.find(".//p").text_content() == "Talks resume"


def _doubted_everywhere(monkeypatch) -> None:
    """The line model doubts every block (as it does a paragraph in a language or shape it
    never saw)."""
    from dataclasses import replace

    import ipwire.tasks.clean.postfilter as eh

    real = eh.decide

    def decide(lines, rules, **kw):
        d = real(lines, rules, **kw)
        return replace(d, probs=[0.01] * len(lines))

    monkeypatch.setattr(eh, "decide", decide)


def test_a_long_block_the_model_doubts_is_kept_and_a_short_one_is_dropped(monkeypatch):
    from ipwire.tasks.clean.postfilter import _filter_blocks

    _doubted_everywhere(monkeypatch)
    rules = default_rules()
    assert rules.html_nav_max_words == 12
    raw = "\n".join(["Subscribe to our newsletter today", *_PROSE])
    text, stripped = _filter_blocks(raw, rules, None)
    assert all(p in text for p in _PROSE)
    assert [s.text for s in stripped if s.kind == "navigation"] == [
        "Subscribe to our newsletter today"
    ]


def test_closing_credit_and_sign_off_at_the_edges_are_kept():
    from ipwire.tasks.clean.postfilter import _filter_blocks

    raw = "\n".join([*_PROSE, "Additional reporting by Asif Shahzad; editing by Jane Doe", "Ends"])
    text, _ = _filter_blocks(raw, default_rules(), None)
    assert "Additional reporting by Asif Shahzad" in text


def test_declared_titles_are_entity_decoded_and_nfc():
    from ipwire.tasks.clean import page_metadata

    page = (
        "<html><head><meta property='og:title' content='India&amp;#8217;s talks with Pakistan "
        "&amp;#038; trade in Mu\u0308nchen'></head><body><p>x</p></body></html>"
    )
    meta = page_metadata(lxml_html.fromstring(page), None)
    assert meta["title"] == "India\u2019s talks with Pakistan & trade in M\u00fcnchen"


def test_a_login_modals_lone_h1_or_a_trail_is_not_the_page_title():
    from ipwire.tasks.clean import page_metadata

    headline = "Woman attacks female inspector with stone at police station"
    page = (
        f"<html><head><title>{headline} - Jamaica Observer</title>"
        f"<meta property='og:title' content='{headline}'></head>"
        "<body><div class='modal'><h1>Log In</h1></div><p>x</p></body></html>"
    )
    assert page_metadata(lxml_html.fromstring(page), None)["title"] == headline
    trail = page.replace("<h1>Log In</h1>", "<h1>Home / News / Crime / Kingston</h1>")
    assert page_metadata(lxml_html.fromstring(trail), None)["title"] == headline
    # a lone <h1> that is a headline still wins over the declared title
    real = page.replace("<h1>Log In</h1>", "<h1>Inspector attacked at Kingston station</h1>")
    assert page_metadata(lxml_html.fromstring(real), None)["title"] == (
        "Inspector attacked at Kingston station"
    )


def test_a_headlines_inline_css_and_a_dangling_separator_stay_out_of_the_title():
    from ipwire.tasks.clean import page_metadata

    page = (
        "<html><head><title>x</title></head><body><h1><style>.css-umyvef{font-size:16px;"
        "display:block;}</style>Impfen und Boostern ist noch überall möglich</h1>"
        "<p>x</p></body></html>"
    )
    meta = page_metadata(lxml_html.fromstring(page), None)
    assert meta["title"] == "Impfen und Boostern ist noch überall möglich"
    page = "<html><body><h1>Über André Loibl |</h1><p>x</p></body></html>"
    assert page_metadata(lxml_html.fromstring(page), None)["title"] == "Über André Loibl"
    page = "<html><body><h1>23.01.2022 - Wierer darf noch jubeln</h1><p>x</p></body></html>"
    assert page_metadata(lxml_html.fromstring(page), None)["title"] == "Wierer darf noch jubeln"
    # a closing guillemet is a quote, not a separator
    quoted = "« Les privatisations sont au profit d'intérêts privés »"
    page = f"<html><body><h1>{quoted}</h1><p>x</p></body></html>"
    assert page_metadata(lxml_html.fromstring(page), None)["title"] == quoted
    page = "<html><body><a rel='author'><script>var a=1;</script>Asif Shahzad</a></body></html>"
    assert page_metadata(lxml_html.fromstring(page), None)["author"] == "Asif Shahzad"


def test_article_text_is_nfc_normalised():
    body = " ".join(["Die Gespra\u0308che in Mu\u0308nchen gingen am Montag weiter."] * 12)
    page = f"<html><body><article><h1>Talks</h1><p>{body}</p><p>{body}</p></article></body></html>"
    text = extract_from_html(page).text
    assert "M\u00fcnchen" in text and "\u0308" not in text


def test_the_render_fallback_is_off_by_default():
    rules = default_rules()
    assert rules.html_fallback is False and rules.html_peel_edges is False


def test_a_logo_set_in_an_h1_is_never_the_pages_title():
    body = "".join(
        f"<p>Officials from India and Pakistan met at the Wagah border on Monday, the {n} "
        "meeting this year, to discuss the release of fishermen held in each other's jails.</p>"
        for n in ("first", "second", "third")
    )
    page = (
        "<html><head><title>Fishermen talks resume at Wagah – The Courier</title>"
        '<meta property="og:site_name" content="The Courier">'
        '<meta property="og:title" content="Fishermen talks resume at Wagah"></head><body>'
        '<header><h1 id="logo"><a href="/">The Courier</a></h1></header>'
        f"<article>{body}</article></body></html>"
    )
    assert extract_from_html(page).title == "Fishermen talks resume at Wagah"
    # a bullet parts the headline from the site's name as a bar or a dash does
    bulleted = page.replace(
        'content="Fishermen talks resume at Wagah"',
        'content="Fishermen talks resume at Wagah • The Courier"',
    )
    assert extract_from_html(bulleted).title == "Fishermen talks resume at Wagah"
    # a section name after the headline goes, as it does from a paste's title
    sectioned = page.replace(
        '<header><h1 id="logo"><a href="/">The Courier</a></h1></header>',
        "<h1>Fishermen talks resume at Wagah – Explainer</h1>",
    )
    assert extract_from_html(sectioned).title == "Fishermen talks resume at Wagah"
    # the headline line kept in the text, tail and all, is the title line: not body text
    inline = page.replace(
        '<header><h1 id="logo"><a href="/">The Courier</a></h1></header><article>',
        "<article><h1>Fishermen talks resume at Wagah – Explainer</h1>",
    )
    ex = extract_from_html(inline)
    assert ex.title == "Fishermen talks resume at Wagah"
    assert "Explainer" not in ex.text and ex.text.startswith("Officials from India")


def test_the_headline_opening_the_text_is_audited_as_the_title_whatever_the_model_says():
    """A headline the line model scores low (capitals, one word, a title-case phrase) left the
    text as "navigation"; it is the page's title, and the audit says so."""
    paras = "".join(
        f"<p>{s}</p>"
        for s in (
            "Nutrition habits shift every year, and the coming one brings a few changes that "
            "dietitians say are worth a closer look before you plan your meals.",
            "Plant-based proteins keep growing, with lentils, beans and tofu replacing meat in "
            "more households than ever before, according to recent surveys.",
            "Finally, people are cooking at home more often, which lets them control salt and "
            "sugar and spend less on takeaway meals through the week.",
        )
    )
    for head in ("TIPS FOR ONLINE SUCCESS", "Pressemitteilungen", "An Extraordinary Residence"):
        page = (
            f"<html><head><title>{head}</title></head><body><article><h1>{head}</h1>"
            f"{paras}</article></body></html>"
        )
        ex = extract_from_html(page)
        assert ex.title == head
        assert not ex.text.startswith(head)
        assert [(s.kind, s.text) for s in ex.stripped] == [("title", head)], head


def _teaser_rail_page(closing: str) -> str:
    paras = "".join(
        f"<p>{t}</p>"
        for t in [
            "Officials from both countries met in Lahore on Monday to review the flow data of "
            "the western rivers, the first such meeting in more than two years, according to a "
            "joint statement issued after the talks.",
            "The commissioners agreed to exchange flood warnings during the monsoon months and "
            "to schedule site visits to two hydropower projects before the end of the year.",
            closing,
        ]
    )
    teasers = "".join(
        f'<div class="item"><p>{t} <a href="/s/{i}">Full Article</a></p></div>'
        for i, t in enumerate(
            [
                "Flood warnings issued for three districts as rivers swell after heavy rain",
                "Cotton traders look to new markets after export rules change",
                "Border crossing reopens for pilgrims after week-long closure",
            ]
        )
    )
    german = "".join(
        f'<p>{t} <a href="/m/{i}">Weiterlesen →</a></p>'
        for i, t in enumerate(
            [
                "Die Kommission hat sich am Montag in Lahore getroffen und Daten ausgetauscht.",
                "Händler suchen nach neuen Märkten, nachdem sich die Ausfuhrregeln geändert haben.",
            ]
        )
    )
    return (
        "<html><head><title>Indus commissioners meet in Lahore</title></head><body><article>"
        f"<h1>Indus commissioners meet in Lahore</h1>{paras}"
        f'<div class="more">{teasers}{german}</div></article></body></html>'
    )


def test_teasers_closing_with_their_story_link_leave_an_html_text_as_related_links():
    closing = (
        "Analysts said the meeting showed that the treaty's machinery still worked, though "
        "one figure from a single round of talks does not tell the full story."
    )
    ex = extract_from_html(_teaser_rail_page(closing))
    assert ex.text.endswith(closing)
    assert "Full Article" not in ex.text and "Weiterlesen" not in ex.text
    links = [s.text for s in ex.stripped if s.kind == "related-links"]
    assert sum(t.endswith(("Full Article", "Weiterlesen →")) for t in links) == 5


def test_a_text_in_another_scripts_charset_read_as_latin_1_is_read_again():
    from ipwire.tasks.clean.decode import repair_mojibake

    chinese = (
        "话剧《约定无期限》河北各市巡演结束。一个约定，信守15年，感人至深；一段真情，延续15年。"
    )
    russian = "Переговоры Индии и Пакистана о водах Инда возобновятся в марте, сообщил министр."
    assert repair_mojibake(chinese.encode("gb18030").decode("latin-1")) == chinese
    assert repair_mojibake(russian.encode("cp1251").decode("cp1252")) == russian
    # through the paste extractor: the article is read in its own script
    ex = extract_from_text(
        ("\n\n".join([chinese * 3, russian * 2])).encode("gb18030").decode("latin-1")
    )
    assert chinese in ex.text


def test_latin_text_rich_in_accents_is_not_read_as_another_charset():
    from ipwire.tasks.clean.decode import repair_mojibake

    for text in (
        "Þórður Guðmundsson og Ævar Þór Benediktsson fóru í ferðalag með Ólafi á Íslandi í ár.",
        "Ça a été l'été où les élèves ont étudié à Genève, déjà épuisés après l'Été indien.",
        "Températures : 21° 23° 25° 19° 18° 22° 24° 26° 20° 17° 16° 15° ½ ¼ ¾ £ € ¥ © ® ± ×",
        "Hội nghị thượng đỉnh giữa Ấn Độ và Pakistan đã kết thúc mà không đạt được thỏa thuận.",
        "A negociação já começou: São Paulo e Brasília não chegaram à conclusão até então.",
    ):
        assert repair_mojibake(text) == text


def _ld_page(ld: object, head: str = "", body: str = "<p>x</p>") -> str:
    """A page declaring ``ld`` as JSON-LD."""
    return (
        f"<html><head>{head}<script type='application/ld+json'>{json.dumps(ld)}</script>"
        f"</head><body>{body}</body></html>"
    )


def _author_of(page: str) -> str | None:
    from ipwire.tasks.clean import page_metadata

    return page_metadata(lxml_html.fromstring(page), None)["author"]


def test_an_author_named_once_in_a_jsonld_graph_is_found_through_its_id():
    # Yoast's graph: the WebPage comes first and has no author; the BlogPosting's author is
    # a reference to a Person named elsewhere in the graph
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "https://ex.com/p#webpage", "name": "Talks resume"},
            {
                "@type": "BlogPosting",
                "headline": "Talks resume",
                "author": {"@id": "https://ex.com/#/person/1"},
            },
            {"@type": "Person", "@id": "https://ex.com/#/person/1", "name": "Kelia Losa Reinoso"},
        ],
    }
    page = _ld_page(graph)
    assert _author_of(page) == "Kelia Losa Reinoso"
    unresolved = page.replace('"name": "Kelia Losa Reinoso"', '"name": ""')
    assert _author_of(unresolved) is None


def test_a_reading_card_microdata_or_author_link_names_the_author():
    card = (
        "<html><head><meta name='twitter:label1' content='Written by'>"
        "<meta name='twitter:data1' content='Sara Brown'></head><body><p>x</p></body></html>"
    )
    assert _author_of(card) == "Sara Brown"
    micro = (
        "<html><body><span itemprop='author' itemscope><span itemprop='name'>Trevor Jackins"
        "</span></span><p>x</p></body></html>"
    )
    assert _author_of(micro) == "Trevor Jackins"
    link = "<html><body><a href='/authors/ana-ruiz'>Ana Ruiz</a><p>x</p></body></html>"
    assert _author_of(link) == "Ana Ruiz"
    # an avatar's or an archive's link is no name; a user name is taken only from rel=author
    assert _author_of("<html><body><a href='/author/x'>View all posts</a></body></html>") is None
    assert _author_of("<html><body><a href='/author/x'>gnaddrig</a></body></html>") is None
    assert _author_of("<html><body><a rel='author' href='/u'>gnaddrig</a></body></html>") == (
        "gnaddrig"
    )


def test_a_byline_element_names_the_author_without_its_label_date_or_role():
    def page(byline: str) -> str:
        return f"<html><body><div class='post-byline'>{byline}</div><p>x</p></body></html>"

    assert _author_of(page("By Stephen Jesudunsin | September 1, 2025")) == "Stephen Jesudunsin"
    assert _author_of(page("<span>By</span><a>Malcolm Harris</a>")) == "Malcolm Harris"
    assert _author_of(page("Von Tomas Spahn")) == "Tomas Spahn"
    assert _author_of(page("Von Miller")) == "Von Miller"
    assert _author_of(page("Craig McCarthy Last updated: 12 May 2025")) == "Craig McCarthy"
    # a bio, a date or a form label is not a name
    assert _author_of(page("Jane writes about food and travel for our magazine.")) is None
    assert _author_of(page("12 March 2025")) is None
    assert _author_of(page("Name*")) is None


def test_a_comment_authors_name_is_not_the_articles_author():
    page = (
        "<html><body><p>x</p><section id='comments'><div class='comment-author'>Oliver Daniels"
        "</div></section><form><label class='author'>Ravi Kumar</label></form></body></html>"
    )
    assert _author_of(page) is None


def test_nested_byline_wrappers_are_walked_once_not_once_per_wrapper(monkeypatch):
    """A page of byline-classed wrappers nested 200 deep: each ancestor is judged once for
    all the candidates under it, and a wrapper of more than a few elements is not read as a
    byline, so the search costs a walk of the page, not one per wrapper."""
    from ipwire.tasks.clean import declared, html_byline

    depth = 200
    page = (
        "<html><body><h1>Talks resume in Islamabad</h1>"
        + "<div class='author-box'>" * depth
        + "By Jane Doe"
        + "</div>" * depth
        + "<p>x</p></body></html>"
    )
    judged: Counter = Counter()
    own_mark = html_byline.Shown._own_mark

    def counting(self, node):
        judged[node] += 1
        return own_mark(self, node)

    walked = Counter()
    iterwalk = declared._iterwalk

    class CountingWalk:
        def __init__(self, el, events):
            self._walk = iterwalk(el, events=events)

        def __iter__(self):
            for event, node in self._walk:
                walked[event] += 1
                yield event, node

        def skip_subtree(self):
            self._walk.skip_subtree()

    monkeypatch.setattr(html_byline.Shown, "_own_mark", counting)
    monkeypatch.setattr(declared, "_iterwalk", CountingWalk)
    assert _author_of(page) == "Jane Doe"  # the innermost wrapper holds the byline alone
    assert judged and max(judged.values()) == 1
    # each wrapper read stops after SHORT_MAX_ELEMENTS elements: far below depth * depth
    assert walked["start"] <= 2 * depth * (declared.SHORT_MAX_ELEMENTS + 1)
    outer = lxml_html.fromstring("<div>" + "<b></b>" * (declared.SHORT_MAX_ELEMENTS + 1) + "</div>")
    assert declared.short_text(outer, 120) is None
    assert declared.short_text(
        lxml_html.fromstring("<div><b>By</b> <a>Jane Doe</a></div>"), 120
    ) == ("By Jane Doe")


def test_an_icon_drawn_in_a_byline_neither_hides_it_nor_counts_as_its_elements():
    icon = "<svg viewBox='0 0 9 9'><title>Author</title><g>" + "<path/>" * 45 + "</g></svg>"
    link = (
        f"<html><body><a rel='author' href='/author/jane'>{icon}Jane Doe</a><p>x</p></body></html>"
    )
    assert _author_of(link) == "Jane Doe"
    byline = f"<html><body><div class='byline'>{icon}<span>By Jane Doe</span></div></body></html>"
    assert _author_of(byline) == "Jane Doe"
    dated = f"<html><body><span class='date'>{icon}12 March 2024</span><p>x</p></body></html>"
    assert _published_of(dated) == "2024-03-12"


def test_a_byline_shown_on_the_page_beats_a_declared_organisation_or_site_name():
    ld = {"@type": "Article", "author": {"@type": "Organization", "name": "GlossGenius"}}
    byline = "<div class='author-name'>Shauna Mitchell</div>"
    page = _ld_page(ld, body=f"{byline}<p>x</p>")
    assert _author_of(page) == "Shauna Mitchell"
    # with no byline shown the organisation stays: it is what the page says
    assert _author_of(page.replace(byline, "")) == "GlossGenius"
    site = (
        "<html><head><meta property='og:site_name' content='Rapid7'>"
        "<meta name='author' content='Rapid7'></head><body>"
        "<a href='/author/spencer-mcintyre/'>Spencer McIntyre</a><p>x</p></body></html>"
    )
    assert _author_of(site) == "Spencer McIntyre"


def test_a_default_account_or_a_user_number_is_no_author():
    card = (
        "<html><head><meta name='twitter:label1' content='Written by'>"
        "<meta name='twitter:data1' content='admin'></head><body><p>x</p></body></html>"
    )
    assert _author_of(card) is None
    number = "<html><head><meta name='author' content='262588213843476'></head><body></body></html>"
    assert _author_of(number) is None


def _published_of(page: str) -> str | None:
    from ipwire.tasks.clean import page_metadata

    return page_metadata(lxml_html.fromstring(page), None)["published_at"]


def test_a_date_the_page_shows_is_its_date_when_it_declares_none():
    page = (
        "<html><body><h1>Talks resume</h1><ul><li class='c-meta__date'>December 24, 2024</li>"
        "</ul><p>x</p></body></html>"
    )
    assert _published_of(page) == "2024-12-24"
    # a declared date comes first
    declared = page.replace(
        "<html>", "<html><head><meta property='article:published_time' content='2024-12-20'>"
    )
    assert _published_of(declared) == "2024-12-20"
    # the innermost element: a wrapper runs its children's dates together
    wrapper = (
        "<html><body><div class='article-dateline'>Mental Health<span class='dateline'>"
        "DECEMBER 22, 2022</span><span class='dateline updated'>Updated: JANUARY 02, 2026"
        "</span></div></body></html>"
    )
    assert _published_of(wrapper) == "2022-12-22"


def test_teasers_dates_give_no_date_and_an_updated_date_only_stands_alone():
    teasers = "".join(
        f"<div class='article-item__date'>{d}</div>"
        for d in ("Mar 3, 2026", "Feb 26, 2026", "Feb 19, 2026")
    )
    assert _published_of(f"<html><body><h1>Archive</h1>{teasers}</body></html>") is None
    updated = "<div class='post-date'>Updated: December 09, 2025</div>"
    assert _published_of(f"<html><body>{updated}</body></html>") == "2025-12-09"
    both = updated + "<span class='date'>March 2, 2025</span>"
    assert _published_of(f"<html><body>{both}</body></html>") == "2025-03-02"
    # a comment's date is not the article's
    comment = "<div class='comments'><span class='comment-date'>May 1, 2025</span></div>"
    assert _published_of(f"<html><body><p>x</p>{comment}</body></html>") is None


def test_the_jsonld_date_is_read_from_the_article_node_after_a_webpage():
    graph = {
        "@graph": [
            {"@type": "WebPage", "@id": "https://ex.com/p#webpage"},
            {"@type": "Article", "datePublished": "2025-06-09T10:00:54+00:00"},
        ]
    }
    page = _ld_page(graph)
    assert _published_of(page) == "2025-06-09T10:00:54+00:00"


def test_odd_jsonld_authors_give_a_name_or_none_and_never_raise():
    def page(author: object) -> str:
        ld = {"@type": "Article", "author": author}
        return _ld_page(ld)

    assert _author_of(page({"@type": "Person", "name": ["Sergio Martínez"]})) == "Sergio Martínez"
    assert _author_of(page({"@type": "Person", "name": {"@value": "Ana Ruiz"}})) == "Ana Ruiz"
    assert _author_of(page({"@type": "Person", "name": {"x": 1}})) is None
    deep: object = "Jane Doe"
    for _ in range(400):
        deep = [deep]
    assert _author_of(page(deep)) is None


def test_a_webpages_author_gives_way_to_the_articles_and_a_bad_declaration_to_the_byline():
    graph = {
        "@graph": [
            {"@type": "WebPage", "author": {"@type": "Person", "name": "Site Team"}},
            {"@type": "BlogPosting", "author": {"@type": "Person", "name": "Ana Ruiz"}},
        ]
    }
    page = _ld_page(graph)
    assert _author_of(page) == "Ana Ruiz"
    byline = "<span class='byline'>By Jane Doe</span>"
    for declared in ("admin", "262588213843476"):
        head = f"<meta name='author' content='{declared}'>"
        assert _author_of(f"<html><head>{head}</head><body>{byline}</body></html>") == "Jane Doe"
    # an organisation in a list, or a news organisation, gives way to a person in meta tags
    ld = {"@type": "Article", "author": [{"@type": "NewsMediaOrganization", "name": "Acme"}]}
    org = _ld_page(ld, head="<meta name='author' content='Jane Doe'>")
    assert _author_of(org) == "Jane Doe"


def test_labels_urls_quotes_and_look_alike_classes_are_no_author():
    def body(inner: str) -> str:
        return f"<html><body>{inner}<p>x</p></body></html>"

    split = "<span class='author-label'>By</span> <span class='author-name'>Jane Doe</span>"
    assert _author_of(body(split)) == "Jane Doe"
    card = (
        "<html><head><meta name='twitter:label1' content='Written by'>"
        "<meta name='twitter:data1' content='https://x.com/jd'></head><body></body></html>"
    )
    assert _author_of(card) is None
    assert _author_of(body("<div class='unauthorized'>Please Log In</div>")) is None
    quote = "<blockquote><p>Be yourself.</p><span class='quote-author'>Oscar Wilde</span>"
    assert _author_of(body(quote + "</blockquote>")) is None
    comments = "<ul class='jcomments-latest'><li><a href='/author/go'>George Oates</a></li></ul>"
    assert _author_of(body(comments)) is None
    micro = "<div id='comments'><span itemprop='author'>Nelly Adah</span></div>"
    assert _author_of(body(micro)) is None
    # a page that is one big form (ASP.NET) still shows its byline
    form = "<form><h1>Talks resume</h1><span class='byline'>By Jane Doe</span></form>"
    assert _author_of(body(form)) == "Jane Doe"
    assert _author_of(body("<span class='byline__date'>Sat</span>")) is None


def test_a_byline_the_filter_strips_below_the_article_names_its_author():
    paras = "".join(
        f"<p>Paragraph {i}: the two delegations met in Islamabad on Tuesday to discuss the "
        "reopening of the corridor, officials said, and agreed to meet again next month to "
        "settle the questions of access that remain.</p>"
        for i in range(8)
    )
    page = (
        "<html><body><article><h1>Talks on Kartarpur corridor resume</h1>"
        f"{paras}<p>By Emily Way</p></article></body></html>"
    )
    ex = extract_from_html(page)
    assert ("byline", "By Emily Way") in [(s.kind, s.text) for s in ex.stripped]
    assert ex.author == "Emily Way"


def test_comments_in_a_byline_an_organisation_by_reference_and_updated_marks_are_read_right():
    def body(inner: str) -> str:
        return f"<html><body>{inner}<p>x</p></body></html>"

    # React puts "<!-- -->" between a label and the name or date it renders
    assert _author_of(body("<span class='byline'>By <!-- -->Jane Doe</span>")) == "Jane Doe"
    dated = body("<span class='post-date'>Published <!-- -->March 3, 2024</span>")
    assert _published_of(dated) == "2024-03-03"
    # an organisation named through an @id reference still gives way to the byline shown
    graph = {
        "@graph": [
            {"@type": "Article", "author": {"@id": "#org"}},
            {"@type": "Organization", "@id": "#org", "name": "Acme Media Group"},
        ]
    }
    page = _ld_page(graph, body="<span class='byline'>By Jane Doe</span>")
    assert _author_of(page) == "Jane Doe"
    # hAtom's "updated" element is the later date, whatever its text says
    hatom = "<abbr class='published'>March 1, 2024</abbr><abbr class='updated'>March 5, 2024</abbr>"
    assert _published_of(body(hatom)) == "2024-03-01"
    assert _published_of(body("<span id='post-published'>March 3, 2024</span>")) == "2024-03-03"
    blank = "<span itemprop='author' content='  '><span itemprop='name'>Ana Ruiz</span></span>"
    assert _author_of(body(blank)) == "Ana Ruiz"
