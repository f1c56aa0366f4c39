"""Text-paste extraction: seeds, small fixtures, rules loading, and a floor on real pages."""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from bench_scripts import load as load_bench_script

from ipwire.tasks.clean import extract_from_text, load_rules
from ipwire.tasks.clean.lines import join_wrapped_lines, split_lines
from ipwire.tasks.clean.passes import _drop_deck, _drop_stray_headings

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "extract"
PACK = REPO.parent / "shared" / "eval" / "extraction" / "wcxb-dev"
RULES = REPO / "ipwire" / "boilerplate.toml"
_EVAL_EXTRACTION = load_bench_script("eval_extraction")


def _seed(prefix: str) -> str:
    return next((REPO / "seeds").glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n") if p.strip()]


def test_seed_004_title_and_date_come_from_the_header():
    ex = extract_from_text(_seed("004"))
    assert ex.title == "India-Pak backchannel talks hit impasse"
    assert ex.published_at == "2022-08-08"


def test_seed_004_keeps_every_paragraph_through_tashkent():
    raw = _seed("004")
    ex = extract_from_text(raw)
    body = _paragraphs(raw)
    first = body.index(next(p for p in body if p.startswith("There has been a desire")))
    last = body.index(next(p for p in body if "Tashkent" in p))
    for para in body[first : last + 1]:
        assert para in ex.text, para


@pytest.mark.parametrize(
    "chrome",
    [
        "1 min read",
        "ALSO READ",
        "Previous Story",
        "Next Story",
        "Latest from",
        "Go toTop",
        "Don't Miss",
        "U.S. Raises Alarm",
        "Buttler Century",
        "China continues military drills",
        "Israel backs India",
    ],
)
def test_seed_004_chrome_and_teasers_are_stripped(chrome):
    ex = extract_from_text(_seed("004"))
    assert chrome not in ex.text
    assert any(chrome in s.text for s in ex.stripped)


def test_seed_004_stripped_blocks_carry_kinds():
    kinds = {s.kind for s in extract_from_text(_seed("004")).stripped}
    assert {"reading-time", "also-read", "dateline", "title"} <= kinds


def test_seed_000_keeps_all_its_text_subheadings_included():
    raw = _seed("000")
    ex = extract_from_text(raw)
    for line in _paragraphs(raw):
        assert line in ex.text or line == ex.title, line
    assert ex.title is None or ex.title == _paragraphs(raw)[0]


def test_dont_miss_inside_the_article_is_kept():
    ex = extract_from_text((FIXTURES / "dont_miss_in_body.txt").read_text(encoding="utf-8"))
    assert "Don't Miss" in ex.text
    assert "Travellers were told not to miss the last bus" in ex.text
    assert ex.title == "Kartarpur corridor reopens for pilgrims"
    assert ex.published_at == "2023-11-09"


def test_comment_thread_after_the_article_is_stripped():
    ex = extract_from_text((FIXTURES / "comments_after_article.txt").read_text(encoding="utf-8"))
    assert "Negotiators from India and Pakistan met in Vienna" in ex.text
    assert "mechanisms provided under the treaty" in ex.text
    for chrome in ("12 Comments", "farmers on both sides need", "Privacy Policy", "All rights"):
        assert chrome not in ex.text
    assert "comments" in {s.kind for s in ex.stripped}
    assert ex.author == "Anjali Rao"
    assert ex.title == "Indus Waters talks resume in Vienna"


def test_reading_time_line_is_stripped():
    paste = (
        "Headline about the talks\n\n3 min read\n\n" + "Officials said the talks would "
        "resume next week in Islamabad, and both sides agreed to keep the agenda open. " * 2
    )
    ex = extract_from_text(paste)
    assert "min read" not in ex.text
    assert ("reading-time", "3 min read") in {(s.kind, s.text) for s in ex.stripped}


def test_a_reading_time_after_the_posts_date_in_polish_is_stripped():
    rules = load_rules()
    for line in (
        "dzisiaj, 08:07 Ten tekst przeczytasz w 1 minutę",
        "Ten artykuł przeczytasz w 5 minut",
    ):
        assert rules.line_kind(line) == "reading-time", line
    assert rules.line_kind("Ten tekst przeczytasz w 5 minut, a potem wrócisz do pracy.") is None


def test_empty_or_chrome_only_paste_gives_empty_text():
    assert extract_from_text("").text == ""
    assert extract_from_text("Home\nNews\nLogin\nSubscribe\n").text == ""


# a section page's headlines, one to a line
SECTION_HEADLINES = (FIXTURES / "section_headlines.txt").read_text(encoding="utf-8").splitlines()


def test_a_paste_of_headlines_alone_has_no_article_and_audits_them():
    # a section page copied whole: 55 words of headlines, not one sentence
    ex = extract_from_text("Latest news\n\n" + "\n".join(SECTION_HEADLINES))
    assert ex.text == "" and ex.title is None
    audited = {s.text: s.kind for s in ex.stripped}
    assert all(audited.get(h) == "navigation" for h in SECTION_HEADLINES), audited


def test_headlines_over_teaser_sentences_are_not_a_list_of_headlines():
    teasers = "\n".join(
        f"{h}\n{h.split()[0]} officials said on Monday that the matter was settled."
        for h in SECTION_HEADLINES
    )
    assert "the matter was settled" in extract_from_text("Latest news\n\n" + teasers).text


def test_a_short_list_without_sentences_keeps_its_lines():
    # a notice whose body is the dates of a board's meetings: a list, and the article
    raw = (
        "Board of Trustees meetings 2014\n\n"
        "Tuesday, October 15, 2013 at 9:00 AM (at the Press Club, 12 Mall Road, Lahore, 7th Fl)\n"
        "Monday, January 27, 2014 at 9:00 AM (at the Press Club, 12 Mall Road, Lahore, 7th Fl)\n"
    )
    ex = extract_from_text(raw)
    assert "January 27, 2014 at 9:00 AM" in ex.text and "October 15, 2013" in ex.text


LEDE = (
    "NEW DELHI: The military operations chiefs of India and Pakistan agreed on Saturday to stop "
    "all firing along the Line of Control from five in the evening, the foreign secretary said."
)
FOLLOW = "The announcement came hours after talks on the hotline between the two officers."


def test_a_headline_over_its_deck_and_agency_is_the_title():
    raw = (
        "Army chiefs agree to halt firing on the LoC; talks set for Monday\n"
        "Hotline call ends three days of shelling\nSTATE NEWS DESK\n"
        f"{LEDE}\n{FOLLOW}\n"
    )
    ex = extract_from_text(raw)
    assert ex.title == "Army chiefs agree to halt firing on the LoC; talks set for Monday"
    assert "Army chiefs agree" not in ex.text and LEDE in ex.text


def test_a_headline_over_a_byline_and_a_paragraph_cut_off_is_the_title():
    cut = LEDE[:-1] + " and that the two sides would meet again at the Wagah border next week to"
    ex = extract_from_text(f"Ceasefire talks resume at Wagah\nStaff Reporter, from Lahore\n{cut}\n")
    assert ex.title == "Ceasefire talks resume at Wagah"


def test_a_trail_glued_to_the_headline_leaves_the_headline_as_title():
    headline = "A year after the truce: how life is changing along the LoC"
    raw = f"HomeNewsWorld{headline}\n\n{headline}\n\n{LEDE}\n\n{FOLLOW}\n"
    ex = extract_from_text(raw)
    assert ex.title == headline
    assert ("navigation", f"HomeNewsWorld{headline}") in {(s.kind, s.text) for s in ex.stripped}
    assert "HomeNews" not in ex.text


def test_bulleted_highlights_over_the_body_are_not_its_title():
    raw = (
        "- Seventeen soldiers killed as gunmen storm an army base near the border\n"
        "- Islamabad asks for evidence of any link\n"
        f"{LEDE}\n{FOLLOW}\n"
    )
    assert extract_from_text(raw).title is None


def test_a_prompt_over_a_section_label_and_a_headline_is_not_the_title():
    # the line longer than the prompt under it is the real headline, not its body
    raw = (
        "Find a Defence Job Today!\n\nWeapons of Mass Destruction (WMD)\n\n"
        "China and Pakistan ready a new cargo port\n\nby Staff Writer April 14, 2016\n\n"
        f"{LEDE}\n\n{FOLLOW}\n"
    )
    assert extract_from_text(raw).title != "Find a Defence Job Today!"


def test_output_is_deterministic():
    raw = _seed("004")
    assert extract_from_text(raw) == extract_from_text(raw)


def test_rules_file_with_a_bad_regex_names_the_key(tmp_path):
    bad = RULES.read_text(encoding="utf-8").replace("'^\\s*\\d+\\s*min(?:ute)?s?\\s*$'", "'(['", 1)
    path = tmp_path / "rules.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match=r"line_patterns\[0\]\.patterns\[2\]"):
        load_rules(path)


def test_rules_file_with_a_bad_long_line_regex_names_the_key(tmp_path):
    text = RULES.read_text(encoding="utf-8")
    start = text.index("[[long_line_patterns]]")
    good = "'\\bstore and/or access information on a device\\b'"
    assert good in text[start:]
    path = tmp_path / "rules.toml"
    path.write_text(text[:start] + text[start:].replace(good, "'(['", 1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"long_line_patterns\[0\]\.patterns\[3\]"):
        load_rules(path)


def test_a_consent_platforms_long_notice_is_consent_and_a_long_paragraph_is_not():
    rules = load_rules()
    notice = (
        "We and our 100 partners store and/or access information on a device, such as unique"
        " IDs in cookies to process personal data. You may accept or manage your choices by"
        " clicking below, including your right to object where legitimate interest is used,"
        " or at any time in the privacy policy page. These choices will be signalled to our"
        " partners and will not affect browsing data."
    )
    assert len(notice) > 300 and rules.line_kind(notice) == "consent"
    paragraph = (
        "The minister said on Monday that we and our partners in the region would keep the"
        " crossing at Wagah open for pilgrims and traders, and that the two governments had"
        " agreed to exchange lists of prisoners and fishermen held in each other's jails"
        " before the end of the month, as they have done twice a year since 2008."
    )
    assert len(paragraph) > 300 and rules.line_kind(paragraph) is None
    pasted = "\n\n".join(["Home", "Fishermen talks at Wagah", paragraph, notice])
    ex = extract_from_text(pasted, rules=rules)
    assert "store and/or access" not in ex.text
    assert ("consent", notice) in [(s.kind, s.text) for s in ex.stripped]


def test_rules_file_missing_a_weight_names_the_key(tmp_path):
    bad = re.sub(r"(?m)^stopword_ratio = .*\n", "", RULES.read_text(encoding="utf-8"), count=1)
    path = tmp_path / "rules.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match=r"model\.stage1\.stopword_ratio"):
        load_rules(path)


def test_missing_rules_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_rules(tmp_path / "nope.toml")


def _word_f1(pred: str, ref: str) -> float:
    p, r = re.findall(r"\w+", pred.lower()), re.findall(r"\w+", ref.lower())
    if not p or not r:
        return float(p == r)
    overlap = sum((Counter(p) & Counter(r)).values())
    return 0.0 if not overlap else 2 * overlap / (len(p) + len(r))


@pytest.mark.skipif(not PACK.exists(), reason="evaluation pack not available")
@pytest.mark.parametrize(
    ("page", "link", "later"),
    [
        # a link to one story, its title after the colon, above a list the article goes on with
        (
            "0146",
            "Read more: Taxes on inheritance & how to avoid them",
            "Economic security programs, such as the Earned Income Tax Credit",
        ),
        # a sentence that opens with a marker's words
        (
            "0449",
            "More on that in a follow-up post about V8's performance.",
            "SwiftSoup is a port of Java's Jsoup library.",
        ),
        # a sign-up box inside the article: more of the article's paragraphs follow it
        (
            "0069",
            "Hp123\nSubscribe\n\nWire Strippers",
            "In addition to a voltage tester, an electrician’s tool set should include",
        ),
        # a lead-in naming what the article lists next
        (
            "0375",
            "Recommended courses:",
            "Understanding UX research and how to analyze user needs.",
        ),
    ],
)
def test_a_marker_naming_one_story_a_sentence_a_lead_in_or_a_box_does_not_end_a_paste(
    page, link, later
):
    dump = (PACK / "dumps" / f"{page}.txt").read_text(encoding="utf-8")
    assert dump.index(link) < dump.index(later)
    gold = next(
        json.loads(x)
        for x in (PACK / "gold.jsonl").read_text(encoding="utf-8").split("\n")
        if x.strip() and json.loads(x)["id"] == page
    )
    assert later in gold["main_content"]
    assert later in extract_from_text(dump).text


@pytest.mark.skipif(not PACK.exists(), reason="evaluation pack not available")
def test_dev_sample_scores_above_floor():
    """First 40 dev pages: F1 0.947, leak 0.046 (all: 0.934 / 0.041); floors just below."""
    gold = [
        json.loads(x)
        for x in (PACK / "gold.jsonl").read_text(encoding="utf-8").split("\n")
        if x.strip()
    ]
    gold = gold[:40]
    f1s, leaks = [], []
    for g in gold:
        text = extract_from_text((PACK / "dumps" / f"{g['id']}.txt").read_text(encoding="utf-8"))
        f1s.append(_word_f1(text.text, g["main_content"]))
        if g.get("without"):
            low = text.text.lower()
            leaks.append(sum(s.lower() in low for s in g["without"]) / len(g["without"]))
    assert sum(f1s) / len(f1s) >= 0.94
    assert sum(leaks) / len(leaks) <= 0.055


# --- already-clean text: a paragraph, a headline and a paragraph, a clean article ----------

KARTARPUR = (
    "India and Pakistan agreed on Tuesday to reopen the Kartarpur corridor for Sikh pilgrims, "
    "officials of both countries said after a meeting at the Wagah border. The corridor, which "
    "links the Dera Baba Nanak shrine in Punjab with Gurdwara Darbar Sahib in Narowal, was "
    "closed in 2019. Pilgrims will need a passport and an electronic travel authorisation, the "
    "Pakistani foreign office said."
)
CLEAN_ARTICLE = [
    "Negotiators from India and Pakistan met in Vienna on Monday for the first round of talks "
    "on the Indus Waters Treaty in more than two years, according to officials in both capitals.",
    "The two delegations discussed the design of hydroelectric projects on the Kishanganga and "
    "Ratle rivers, which Pakistan says breach the treaty's limits on storage upstream.",
    "A neutral expert appointed by the World Bank is expected to visit both sites before the "
    "next round, which is planned for the spring, the Indian water ministry said in a statement.",
]


def test_single_paragraph_is_kept_whole():
    ex = extract_from_text(KARTARPUR)
    assert ex.text == KARTARPUR
    assert ex.stripped == []


def test_headline_and_one_paragraph_give_title_and_body():
    ex = extract_from_text("Kartarpur corridor reopens\n\n" + KARTARPUR)
    assert ex.title == "Kartarpur corridor reopens"
    assert ex.text == KARTARPUR


def test_a_time_stamp_under_the_headline_is_neither_the_headline_nor_the_body():
    # a double-spaced paste: a lower-case line under a headline used to continue it
    text = "Kartarpur corridor reopens\n\nat 12:35 am\n\n" + "\n\n".join(CLEAN_ARTICLE)
    ex = extract_from_text(text)
    assert ex.title == "Kartarpur corridor reopens"
    assert _paragraphs(ex.text) == CLEAN_ARTICLE
    assert ("dateline", "at 12:35 am") in [(s.kind, s.text) for s in ex.stripped]
    # a sentence that opens with a time is the article's
    said = "at 12:35 am the minister said the corridor would stay open through the winter."
    assert said in extract_from_text("\n\n".join([*CLEAN_ARTICLE, said])).text


def test_two_paragraphs_are_both_kept():
    second = KARTARPUR.replace("Tuesday", "Monday")
    ex = extract_from_text(KARTARPUR + "\n\n" + second)
    assert _paragraphs(ex.text) == [KARTARPUR, second]


def test_clean_three_paragraph_article_keeps_everything_and_strips_nothing():
    ex = extract_from_text("\n\n".join(CLEAN_ARTICLE))
    assert _paragraphs(ex.text) == CLEAN_ARTICLE
    assert ex.stripped == []


def test_clean_article_with_headline_dateline_and_byline_keeps_every_paragraph():
    paste = "\n\n".join(
        ["Indus Waters talks resume in Vienna", "March 4, 2024", "By Anjali Rao", *CLEAN_ARTICLE]
    )
    ex = extract_from_text(paste)
    assert _paragraphs(ex.text) == CLEAN_ARTICLE
    assert ex.title == "Indus Waters talks resume in Vienna"
    assert ex.published_at == "2024-03-04"
    assert ex.author == "Anjali Rao"


def test_json_record_text_with_single_newlines_is_kept_whole():
    record = json.loads(
        json.dumps({"id": "w1", "text": "\n".join([*CLEAN_ARTICLE, "(Reporting by Asif Shahzad)"])})
    )
    ex = extract_from_text(record["text"])
    assert _paragraphs(ex.text)[:3] == CLEAN_ARTICLE


def test_one_short_sentence_is_kept():
    note = "Talks resume in Islamabad on Monday, officials said."
    assert extract_from_text(note).text == note


def test_clean_text_still_loses_a_reading_time_line():
    ex = extract_from_text("\n\n".join(["2 min read", *CLEAN_ARTICLE]))
    assert "min read" not in ex.text
    assert _paragraphs(ex.text) == CLEAN_ARTICLE


def test_trees_file_fitted_on_other_features_is_refused(tmp_path):
    trees = json.loads((RULES.parent / "boilerplate_trees.json").read_text(encoding="utf-8"))
    trees["features"] = trees["features"][:-1]
    (tmp_path / "boilerplate_trees.json").write_text(json.dumps(trees), encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RULES.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ValueError, match="other features"):
        load_rules(tmp_path / "rules.toml")


# --- clean news texts of shapes the paste model never saw ------------------------------------

LABELS = REPO.parent / "shared" / "eval" / "labels" / "dev.jsonl"


def _kept_share(raw: str) -> float:
    """Share of the text's words kept in body or headline, as ``make eval`` counts it: a
    repeated paragraph counts once."""
    return _EVAL_EXTRACTION.kept_share(raw, extract_from_text(raw))


def test_a_paragraph_repeated_with_other_line_breaks_counts_once_in_the_kept_share():
    # one copy of the opening paragraph hard-wrapped, the other not: the text holds its words
    # once, as a verbatim repeated line does; a line shared by two different paragraphs
    # still counts once
    lines = _EVAL_EXTRACTION.distinct_lines(
        "Talks resume in Islamabad on Monday.\n\nThe two sides met.\n\n"
        "Talks resume in\nIslamabad on Monday.\n\nThe two sides met.\nThey agreed."
    )
    assert lines == ["talks resume in islamabad on monday.", "the two sides met.", "they agreed."]


def test_one_long_line_article_cut_off_mid_sentence_is_kept():
    raw = (FIXTURES / "long_single_line.txt").read_text(encoding="utf-8")
    assert "\n" not in raw.strip() and len(raw.split()) > 200
    assert _kept_share(raw) == 1.0


def test_hard_wrapped_paragraphs_are_joined_and_kept():
    raw = (FIXTURES / "hard_wrapped.txt").read_text(encoding="utf-8")
    ex = extract_from_text(raw)
    assert _kept_share(raw) >= 0.95
    # the wrapped sentence comes out as one paragraph line
    assert "resume the meeting of the Permanent Indus Commission, which has not met for more" in (
        ex.text
    )


def test_dateline_and_agency_first_line_does_not_lose_the_article():
    raw = (FIXTURES / "dateline_agency.txt").read_text(encoding="utf-8")
    ex = extract_from_text(raw)
    assert "lists of their nuclear installations" in ex.text
    assert "whose nationality had already been confirmed by the" in ex.text


def test_headline_kicker_and_byline_above_the_body_keep_every_paragraph():
    raw = (FIXTURES / "headline_kicker_byline.txt").read_text(encoding="utf-8")
    ex = extract_from_text(raw)
    for para in _paragraphs(raw)[3:]:
        assert para in ex.text, para
    assert _kept_share(raw) >= 0.9


def test_every_stripped_copy_of_the_headline_is_audited_as_the_title():
    # the headline under itself and again in a "Most read" rail: both copies are the
    # title's words, not a menu or a teaser the audit should call chrome
    head = "India, Pakistan exchange lists of prisoners"
    body = (
        "Officials from India and Pakistan met at the Wagah border on Monday to exchange lists "
        "of prisoners held in each other's jails, as they do twice every year.\n\n"
        "The foreign ministries of both countries confirmed the exchange in statements issued "
        "in New Delhi and Islamabad later in the day, naming the civilians on each list."
    )
    rail = "Floods in Punjab leave thousands homeless\nMarkets close higher on Friday"
    ex = extract_from_text(
        f"Home\nNews\nWorld\n{head}\n\n{head}\n\n{body}\n\nMost read\n{head}\n{rail}"
    )
    assert ex.title == head
    copies = [s.kind for s in ex.stripped if s.text == head]
    assert copies == ["title", "title", "title"]
    assert ("related-links", "Floods in Punjab leave thousands homeless") in {
        (s.kind, s.text) for s in ex.stripped
    }


def test_headline_copies_relabel_only_lines_equal_to_the_title():
    from ipwire.records import Stripped
    from ipwire.tasks.clean.metadata import headline_copies

    stripped = [
        Stripped("navigation", "Home"),
        Stripped("navigation", "  Talks  resume at WAGAH "),
        Stripped("related-links", "Talks resume at Wagah, officials say"),
    ]
    assert [s.kind for s in headline_copies(stripped, "Talks resume at Wagah")] == [
        "navigation", "title", "related-links",
    ]  # fmt: skip
    assert headline_copies(stripped, None) == stripped
    # a soft hyphen in the page's title or text is no difference; a duplicate, a copy of a
    # line the body keeps, stays one
    hinted = [Stripped("navigation", "Deutschland und Frankreich"), Stripped("duplicate", "x y")]
    assert [s.kind for s in headline_copies(hinted, "Deutsch\xadland und Frankreich", "x y")] == [
        "title", "duplicate",
    ]  # fmt: skip


def test_a_rail_copy_of_the_headline_as_printed_is_audited_as_the_title():
    # the title field is the cleaned headline ("&amp;" decoded, "| Dawn" dropped); a copy of
    # the line as printed is the headline too
    head = "India &amp; Pakistan exchange lists of prisoners | Dawn"
    body = (
        "Officials from India and Pakistan met at the Wagah border on Monday to exchange lists "
        "of prisoners held in each other's jails, as they do twice every year.\n\n"
        "The foreign ministries of both countries confirmed the exchange in statements issued "
        "in New Delhi and Islamabad later in the day, naming the civilians on each list."
    )
    ex = extract_from_text(f"{head}\n\n{body}\n\nMost read\n{head}\nFloods in Punjab")
    assert ex.title == "India & Pakistan exchange lists of prisoners"
    assert [s.kind for s in ex.stripped if s.text == head] == ["title", "title"]


def test_a_section_label_over_the_headline_is_no_title_and_leaves_the_body():
    body = (
        "Srinagar: Two Army soldiers and an intruder were killed on Thursday when a border "
        "action team attacked a patrol along the Line of Control in Poonch district.\n\n"
        "Army sources in Jammu said the operation was still under way as reports came in, "
        "and that the patrol had been reinforced from the nearest forward post."
    )
    headline = "Pakistan's BAT attacks Army patrol unit in Poonch; 2 soldiers killed"
    ex = extract_from_text(f"Nation, Current Affairs\n\n{headline}\n\n{body}")
    assert ex.title == headline
    assert "Nation, Current Affairs" not in ex.text and headline not in ex.text
    assert ex.text.startswith("Srinagar: Two Army soldiers")
    # a link to the print edition over the headline is chrome, not a kicker the text keeps
    for label in ("e-paper", "ePaper", "E-Edition"):
        ex = extract_from_text(f"{label}\n{headline}\n\n{body}")
        assert ex.title == headline, label
        assert any(s.kind == "navigation" and s.text == label for s in ex.stripped), label
        # it is chrome wherever it stands, not only over a headline
        assert load_rules().line_kind(label) == "navigation", label


def test_a_short_headline_over_its_deck_stays_the_title():
    # the headline's words come back in the text: it is no kicker, the line under it a deck
    deck = "How seven design problems shaped the iconic typeface from inception to open source"
    body = (
        "Google Sans is the typeface used across every product from Search to Wallet, and "
        "one of the most-served fonts on the internet.\n\n"
        "Making it flex took six years, two redesigns and a great many late nights for the "
        "small team that drew Google Sans Flex."
    )
    ex = extract_from_text(f"Making Google Sans Flex\n\n{deck}\n\n{body}")
    assert ex.title == "Making Google Sans Flex"


def test_menu_entries_ending_in_a_function_word_are_not_joined():
    raw = "Who We Are\nAbout Us\nSign in\nContact\n\n" + _seed("000")
    ex = extract_from_text(raw)
    assert "Who We Are About Us" not in ex.text
    assert "Who We Are" not in ex.text


@pytest.mark.skipif(not LABELS.exists(), reason="labels set not available")
def test_labelled_news_texts_keep_their_article():
    """Every labelled text is article text with at most a little chrome: the extractor must
    keep most of each. B-55 is two-thirds a "More From" link list, so it may fall under half.
    Floors measured on the 487 texts: 98.9% keep >= 80%, 96.3% keep >= 90%, mean share 0.984,
    one under half (B-55); none is emptied (C-177, one paragraph above a reply form and
    teasers, was until the paragraph net; C-39, hard-wrapped with a blank line after every
    line, kept 41% until such lines were joined). A paste's unmarked end stays: C-35's
    timeline, C-166's squads, C-53's scoreboard and N-A-56's closing section were stripped
    (95.5% kept >= 90% then). The title counts as kept words, so texts whose only
    headline-shaped line is a teaser or a caption (C-101, N-B-135, N-A-59) score lower since
    such a line is no longer taken for their title. A sentence that names a chrome word in
    passing ("on Twitter", "the Home Minister's website") and a text cut off under a new
    subheading keep their lines (C-64, B-81, C-116 lost them before). Mean floor 0.984 ->
    0.983: a caption or credit opening the body is stripped now ("A Pakistan Air Force (PAF)
    F-16D Fighting Falcon | File", "Follow us on Image Source : PTI ..."), and C-85 and C-120,
    whose whole text counted as article before, keep 0.94 (measured mean 0.9840). The
    >= 90% floor 0.963 -> 0.960 (one text) when a photo credit alone on its line became a
    caption: A-170 loses "Image Credit: Wikimedia Commons", and the second copy of its
    headline, which the body kept beside the title, now leaves the body, so its headline's
    words no longer count twice (0.90 -> 0.89; measured 468 of 487, 0.9610; mean 0.9834).
    The >= 90% floor 0.960 -> 0.963 (measured 469 of 487, 0.9630; mean 0.9838): a paragraph
    repeated with other line breaks counts once, as a verbatim repeated line did (B-53 repeats
    its opening paragraph hard-wrapped; the extractor keeps it once), and a clean text cut off
    under a new subheading keeps both (A-108's "Brink of war"). 0.963 -> 0.965 and mean
    0.983 -> 0.984 (measured 470 of 487, 0.9651; mean 0.9841): a paste's unmarked end may
    name a chrome word in passing, as article sentences may (N-A-59's closing photo
    captions, "... shared by China's Shen Shiwei on Twitter. - Reuters", 0.84 -> 1.0).
    Mean floor 0.984 -> 0.983 (measured 0.98397) for chrome that is now stripped: C-151's
    "- Most Viewed", B-23's "Discussion about this post" and B-139's four related-story stamps
    ("- Published30 October 2012"); no text crossed 90%. The >= 80% floor 0.989 -> 0.987
    (measured 481 of 487, 0.9877; mean 0.9834) when a short caption closing with a © credit
    became a caption: C-76 (113 words, 0.88 -> 0.67) loses "India's Prime Minister Narendra
    Modi and U.S. President Joe Biden answer questions during a news conference at the White
    House. © Reuters", a photo's caption above its byline. The >= 90% floor 0.965 -> 0.963
    and the mean floor 0.983 -> 0.982 (measured 469 of 487, 0.9630; mean 0.9828) when news
    pages' chrome lines were added: "ALSO READ" in capitals before a story's title without a
    colon (N-A-131, 0.88, loses its two "ALSO READ …" teasers, boilerplate ipwire exists to
    strip), a player's notice, an inbox prompt, a premium offer, a link as a photo credit
    and an image's alt-text stub (five texts lose one such line). The mean 0.9826 -> 0.9823
    (floor unchanged) when a byline or stamp opening the body leaves before the headline is
    looked for: A-120's and N-A-116's stamps under the headline, A-15's byline and the second
    copy of its caption (measured 469 of 487 >= 90%, 0.9630; >= 80% 0.9877). The >= 90%
    floor 0.963 -> 0.960 (measured 468 of 487, 0.9610; mean 0.9820) when a prompt not to miss
    a site's best ("Don't want to miss the best from …?") became a call to action and no
    longer a title: A-38's only headline-shaped line was that prompt, whose words had counted
    as kept while it was taken for the title (0.93 -> 0.90, just under). The >= 80% floor
    0.987 -> 0.989 (measured 482 of 487, 0.9897; mean 0.9823) when a paste cut off under a
    picture's heading and caption kept its last sentences: A-29, 0.70 -> 0.84."""
    rows = [json.loads(x) for x in LABELS.read_text(encoding="utf-8").splitlines() if x.strip()]
    shares = [_kept_share(r["text"]) for r in rows]
    assert sum(s >= 0.8 for s in shares) / len(shares) >= 0.989
    assert sum(s >= 0.9 for s in shares) / len(shares) >= 0.960
    assert sum(shares) / len(shares) >= 0.982
    assert sum(s < 0.5 for s in shares) <= 1
    assert min(shares) > 0.0


@pytest.mark.skipif(not LABELS.exists(), reason="labels set not available")
def test_labelled_news_texts_lose_no_sentence_of_their_article():
    """The kept share counts the texts' chrome too; their sentences are the article. No line
    of 15+ words closing like a sentence, in any of the 487 texts, leaves body and headline
    (measured 0 of 2,935; A-29 lost the two lines a paste cut short ends with, under a
    picture's caption, until the cut-off end reached back past it)."""
    rows = [json.loads(x) for x in LABELS.read_text(encoding="utf-8").splitlines() if x.strip()]
    lost = [
        (r["id"], line)
        for r in rows
        for line in _EVAL_EXTRACTION.lost_sentences(r["text"], extract_from_text(r["text"]))
    ]
    assert lost == []


@pytest.mark.skipif(not PACK.exists(), reason="evaluation pack not available")
@pytest.mark.parametrize(
    ("pack", "mean", "keep_90", "lost", "emptied"),
    [
        # measured 0.9777, 0.9309 (660 of 709), 292 of 23,816 lines, none emptied (0.9766,
        # 0.9267 and 340 before a long sentence the model doubts inside the span was kept)
        ("wcxb-dev", 0.977, 0.930, 292, 0),
        # measured 0.9651, 0.8966 (104 of 116), 3 of 1,253 lines; one 56-word notice of a
        # committee's meeting dates and a phone line is emptied (no line of it is prose)
        ("newspaper", 0.965, 0.896, 3, 1),
    ],
)
def test_gold_article_texts_pasted_alone_keep_their_words(pack, mean, keep_90, lost, emptied):
    """A pack's gold article text pasted alone is all article: the floors are what the paste
    extractor keeps of it (a list-heavy buyer's guide, an FAQ or a results table under the
    article lose their end where the line model doubts them)."""
    if not (PACK.parent / pack).exists():
        pytest.skip(f"{pack} not available")
    figures = _EVAL_EXTRACTION.gold_texts_pasted(pack)
    assert figures["mean"] >= mean
    assert figures["keep_90"] >= keep_90
    assert figures["sentences_lost"] <= lost
    assert figures["emptied"] <= emptied


def test_a_sentence_line_counts_as_lost_only_when_its_words_are_nowhere_kept():
    first = (
        "Talks resume in Islamabad on Monday after a gap of two years, officials from both "
        "sides said in a joint statement."
    )
    last = (
        "The ancestral home was sold by the president's grandfather in 1946 and later became "
        "a school for girls."
    )
    raw = f"Home\n\n{first}\n\n{last}\n\nRead more"
    ex = extract_from_text(raw)
    assert _EVAL_EXTRACTION.lost_sentences(raw, ex) == []
    # kept inside a longer paragraph, a line is kept; gone from body and headline, it is lost
    ex.text = f"Short note. {first} Another clause"
    assert _EVAL_EXTRACTION.lost_sentences(raw, ex) == [last.lower()]
    # a headline-length line or one without a closing stop is no sentence line
    short = "Home\n\nThe ancestral home was sold in 1946.\n\n" + last.rstrip(".")
    assert _EVAL_EXTRACTION.lost_sentences(short, ex) == []


def test_named_chrome_share_puts_back_every_kind_but_the_named_chrome():
    # 20 words; 4 stripped as a dateline and 6 as navigation: had only navigation been
    # stripped, 14 of 20 would be kept
    raw = " ".join(f"w{i}" for i in range(20))
    share = 10 / 20
    kinds = {"dateline": 4, "navigation": 6}
    assert _EVAL_EXTRACTION.named_chrome_share(raw, share, kinds) == pytest.approx(0.7)
    assert _EVAL_EXTRACTION.named_chrome_share(raw, share, {"caption": 30}) == 1.0
    assert _EVAL_EXTRACTION.named_chrome_share(raw, share, {"also-read": 10}) == share
    # a second copy of a kept paragraph, or the headline's line, is counted once already
    assert _EVAL_EXTRACTION.named_chrome_share(raw, share, {"duplicate": 6, "title": 4}) == share


def test_unpunctuated_article_among_page_chrome_is_kept_by_the_safety_net():
    menu = "\n".join(
        ["Home", "World", "Business", "Sport", "Opinion", "Video", "Podcasts", "Weather"] * 2
    )
    body = (FIXTURES / "long_single_line.txt").read_text(encoding="utf-8").strip()
    footer = "\n".join(["About Us", "Contact Us", "Privacy Policy", "Terms of Use", "Careers"])
    ex = extract_from_text(f"{menu}\n\n{body}\n\n{footer}")
    assert body in ex.text
    assert "Privacy Policy" not in ex.text


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _fixture_lines() -> list[str]:
    """Every line of every text fixture, as the extractor splits them."""
    from ipwire.tasks.clean.lines import split_lines

    return [
        ln.text
        for path in sorted(FIXTURES.glob("*.txt"))
        for ln in split_lines(_fixture(path.name))
    ]


def test_teaser_box_in_the_middle_of_the_article_drops_only_the_box():
    ex = extract_from_text(_fixture("mid_article_teaser_box.txt"))
    assert "Analysts said the decision to restart the consular channel" in ex.text
    assert "The next round is expected to take place in New Delhi" in ex.text
    for teaser in ("You May Also Like", "Cricket board confirms venue", "Flood warnings issued"):
        assert teaser not in ex.text
    assert "Pakistan releases 22 fishermen" not in ex.text
    assert any(s.text == "You May Also Like" for s in ex.stripped)


def test_headline_byline_and_date_are_read_around_the_headline():
    ex = extract_from_text(_fixture("mid_article_teaser_box.txt"))
    assert ex.title == "Envoys agree to reopen consular talks after two-year pause"
    assert ex.author == "Amina Qureshi"
    assert ex.published_at == "2026-03-09"


def test_written_by_on_its_own_line_names_the_author_on_the_next():
    ex = extract_from_text(_fixture("byline_written_by_below_headline.txt"))
    assert ex.title == "How the Indus Waters Treaty shapes farming on both sides of the border"
    assert ex.author == "Farah Naqvi"
    assert ex.published_at == "2024-01-31"
    assert "Farah Naqvi" not in ex.text


def test_shop_buttons_and_affiliate_disclosure_are_stripped_with_their_kinds():
    ex = extract_from_text(_fixture("shop_buttons_and_disclosure.txt"))
    assert "A cheaper inflatable model was a close second" in ex.text
    kinds = {s.text: s.kind for s in ex.stripped}
    assert kinds["See price at Amazon"] == "call-to-action"
    assert kinds["Shop Travel Gear"] == "call-to-action"
    assert kinds["As an Amazon Associate we earn from qualifying purchases."] == "disclosure"
    assert "qualifying purchases" not in ex.text


def test_a_sentence_about_shopping_is_not_a_shop_button():
    rules = load_rules()
    assert rules.line_kind("Shop Travel Gear") == "call-to-action"
    assert (
        rules.line_kind("Shop owners in Lahore said sales had fallen since the border closed.")
        is None
    )
    assert rules.line_kind("Traders buy cotton from Sindh every spring, officials said.") is None


def _rules_beside_shared_trees(
    folder: Path, text: str, trees: tuple[str, ...] = ("boilerplate_trees.json",)
) -> Path:
    """A rules file with the given text in `folder`, beside copies of the named tree files
    (the shared trees only, unless told)."""
    path = folder / "rules.toml"
    path.write_text(text, encoding="utf-8")
    for name in trees:
        (folder / name).write_text(
            (REPO / "ipwire" / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    return path


def test_rules_file_missing_a_title_weight_names_the_key(tmp_path):
    text = RULES.read_text(encoding="utf-8")
    bad = text.replace("[model.title]\nbias =", "[model.title]\nbiass =", 1)
    with pytest.raises(ValueError, match="model.title.bias"):
        load_rules(_rules_beside_shared_trees(tmp_path, bad))


def test_marker_phrase_opening_a_list_inside_the_article_does_not_cut_it():
    ex = extract_from_text(_fixture("marker_opens_a_list_in_the_article.txt"))
    assert "Lahore to Karachi by the overnight train" in ex.text
    assert "Whichever route you take, carry printed copies" in ex.text
    assert "Privacy Policy" not in ex.text


def test_deck_and_photo_caption_above_the_byline_are_not_article_text():
    ex = extract_from_text(_fixture("deck_and_caption_above_byline.txt"))
    assert "Pilgrims queue at the Wagah border crossing" not in ex.text
    assert "met for the first time in two years" not in ex.text
    assert ex.text.startswith("Officials from India and Pakistan met in Lahore on Monday")
    assert ex.author == "Sana Malik"


def test_teaser_title_printed_twice_in_a_row_is_stripped():
    ex = extract_from_text(_fixture("teaser_cards_printed_twice.txt"))
    assert "Best Trekking Poles of 2026" not in ex.text
    assert "Finally, pull every strap tight before you set off" in ex.text


def test_rules_file_naming_a_missing_paste_trees_file_is_a_clear_error(tmp_path):
    text = RULES.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="boilerplate_trees_paste.json"):
        load_rules(_rules_beside_shared_trees(tmp_path, text))


def test_short_text_is_scored_with_the_shared_trees_and_a_page_with_the_paste_trees():
    from ipwire.tasks.clean.features import score_lines
    from ipwire.tasks.clean.lines import split_lines

    rules = load_rules()
    assert rules.paste_trees is not None and rules.paste_trees_min_lines > 5
    short = split_lines(_fixture("headline_kicker_byline.txt"))
    assert len(short) < rules.paste_trees_min_lines
    assert score_lines(short, rules, paste=True) == score_lines(short, rules)
    page = split_lines(_seed("004"))
    assert len(page) >= rules.paste_trees_min_lines
    assert score_lines(page, rules, paste=True) != score_lines(page, rules)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("May 02, 2024 07:44 PM IST", "2024-05-02T19:44:00+05:30"),
        ("Mar 5, 2026 at 4:28 PM EST", "2026-03-05T16:28:00-05:00"),
        ("Updated: 20 May 2018 00:15 PKT", "2018-05-20T00:15:00+05:00"),
        ("December 16, 2025 11:15 AM", "2025-12-16"),
        ("October 17, 2023 6:01 PM ET", "2023-10-17"),
        ("August 8, 2022", "2022-08-08"),
    ],
)
def test_published_time_is_kept_only_with_an_unambiguous_zone(line, expected):
    from ipwire.tasks.clean.dates import parse_published

    assert parse_published(line) == expected


def test_paste_date_line_with_time_and_zone_gives_the_publishers_offset():
    raw = _fixture("mid_article_teaser_box.txt").replace(
        "Published March 9, 2026", "Published March 9, 2026 07:44 PM IST"
    )
    assert extract_from_text(raw).published_at == "2026-03-09T19:44:00+05:30"


def test_paste_trees_blend_outside_zero_to_one_is_a_clear_error(tmp_path):
    text = RULES.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^paste_trees_blend = .*\n", "", text)
    text = text.replace(
        "\npaste_trees_min_lines", "\npaste_trees_blend = 1.5\npaste_trees_min_lines"
    )
    trees = ("boilerplate_trees.json", "boilerplate_trees_paste.json")
    with pytest.raises(ValueError, match="paste_trees_blend"):
        load_rules(_rules_beside_shared_trees(tmp_path, text, trees))


def test_paste_score_blends_paste_and_shared_tree_logits():
    from dataclasses import replace

    from ipwire.tasks.clean.features import score_lines
    from ipwire.tasks.clean.lines import split_lines

    rules = load_rules()
    page = split_lines(_seed("004"))
    paste_only = replace(rules, paste_trees_blend=1.0)
    shared_only = replace(rules, paste_trees_blend=0.0)
    half = replace(rules, paste_trees_blend=0.5)

    def logit(p):
        return math.log(p / (1 - p))

    a = score_lines(page, paste_only, paste=True)
    b = score_lines(page, shared_only, paste=True)
    assert b == pytest.approx(score_lines(page, rules))
    mixed = score_lines(page, half, paste=True)
    assert mixed != a and mixed != b
    for pa, pb, pm in zip(a, b, mixed, strict=True):
        if all(1e-4 < p < 1 - 1e-4 for p in (pa, pb, pm)):
            assert logit(pm) == pytest.approx((logit(pa) + logit(pb)) / 2, abs=1e-4)


def test_line_patterns_give_the_same_kinds_with_the_literal_pretest_as_without():
    from ipwire.tasks.clean.patterns import _anchored, _required_literal, _required_literals

    rules = load_rules(RULES)
    # a top-level group of plain phrases: one of them is in every match
    assert _required_literals(r"^.{0,80}(?:tous droits réservés|alle rechte)\.?$") == (
        "tous droits réservés",
        "alle rechte",
    )
    assert _required_literals(r"^(?:next|prev)?\s*(?:story|post)\s*$") == ("story", "post")
    assert _required_literals(r"^(?:abcd|e.gh)$") is None  # "." is no letter
    assert _required_literals(r"^(?:abcd|efgh)|ijkl") is None  # alternation at the top level
    assert _anchored(re.compile(r"^\s*(?:menu|close)\s*$"))
    assert not _anchored(re.compile(r"^menu$|close"))
    assert not _anchored(re.compile(r"^menu", re.MULTILINE))
    assert _required_literal(r"\bfrom qualifying purchases\b") == "from qualifying purchases"
    assert _required_literal(r"\b(?:we|i) earn commissions?\b") == "earn commission"
    assert _required_literal(r"abc|defgh") is None  # an alternation at the top level
    assert _required_literal(r"a{1234}b") is None  # repeat counts are not text
    # a brace that is no repeat count is text to the engine, and to the scanner
    assert re.search(r"x{userSubscribed}", "{{x{userSubscribed}}}")
    assert _required_literal(r"x{userSubscribed}") == "usersubscribed"
    assert _required_literals(r"^a(?:{b|c})$") is None  # "{" is no plain character
    assert _anchored(re.compile(r"^(?:menu){2,3}\s*$"))
    assert not _anchored(re.compile(r"^menu{|close"))  # the "|" is at the top level
    texts = _fixture_lines()
    texts += [
        "As an Amazon Associate I earn from qualifying purchases.",
        "AS AN AMAZON ASSOCIATE, WE EARN FROM QUALIFYING PURCHASES",
        "He has an amazon associate in Delhi.",  # no word boundary before 'as'
        "We may earn a commıssion on purchases.",  # dotless i still matches case-insensitively
        "© 2025 Dawn. All Rights Reserved.",
        "© 2025 Le Monde. Tous droits réservés.",
        "Copyright Süddeutsche Zeitung GmbH. ALLE RECHTE VORBEHALTEN",
        "Nächster Beitrag",
    ]

    def every_pattern(text: str) -> str | None:
        if len(text) > 300:
            return None
        return next((kind for kind, p in rules.line_patterns if p.search(text)), None)

    assert [rules.line_kind(t) for t in texts] == [every_pattern(t) for t in texts]
    assert rules.line_kind(texts[-8]) == "disclosure"
    assert rules.line_kind(texts[-5]) == "disclosure"
    assert [rules.line_kind(t) for t in texts[-3:-1]] == ["footer", "footer"]


def test_verbose_line_pattern_is_searched_without_a_literal_pretest():
    from dataclasses import replace

    rules = load_rules(RULES)
    verbose = re.compile(r"(?x) ^ sign \s up now $", re.IGNORECASE)
    rules = replace(rules, line_patterns=(*rules.line_patterns, ("call-to-action", verbose)))
    assert verbose.search("sign upnow")  # white space in a verbose pattern is not text
    assert rules.line_kind("sign upnow") == "call-to-action"


def test_joined_pattern_pretest_matches_exactly_when_one_pattern_does():
    from ipwire.tasks.clean.patterns import _any_of

    pats = [re.compile(p, re.IGNORECASE) for p in (r"^\s*menu\s*$", r"^(?:next|prev) story$")]
    joined = _any_of(pats)
    for t in ["Menu", "  MENU ", "next story", "Next story please", "the menu", ""]:
        assert bool(joined.search(t)) == any(p.search(t) for p in pats)
    assert _any_of([re.compile(r"^(a)\1")]) is None  # group numbers would shift
    assert _any_of([re.compile("^a"), re.compile("^b", re.IGNORECASE)]) is None
    assert _any_of([re.compile("^(?P<x>a)"), re.compile("^(?P<x>b)")]) is None
    assert _any_of([]) is None
    rules = load_rules(RULES)
    texts = _fixture_lines() + [
        "3 Comments",
        "Leave a reply below",
        "You may also like these stories",
    ]

    def every_marker(text: str):
        if len(text) > 200:
            return None
        return next(
            (m for m in rules.section_markers if any(p.search(text) for p in m.patterns)), None
        )

    for t in texts:
        found = every_marker(t)
        if found is not None:
            assert rules.marker_for(t) is found, t
    assert rules.marker_for("3 Comments").kind == "comments"


def test_first_characters_of_an_anchored_pattern_follow_the_engines_case_folding():
    from ipwire.tasks.clean.patterns import first_chars

    def opens(source: str, flags: int = re.IGNORECASE) -> str | None:
        found = first_chars(re.compile(source, flags))
        return None if found is None else "".join(sorted(found))

    assert opens(r"^\s*(?:written |posted )?by\b") == "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f BPWbpw"
    assert opens(r"^\d+ min") == "0123456789"
    assert opens(r"^(?-i:K)elvin") == "K"  # case-sensitive where the pattern says so
    assert opens(r"^ſ") == "Ss"  # the long s folds to an s, as the engine folds it
    assert opens(r"^\u212a") == "Kk"  # the Kelvin sign is a K
    assert opens(r"^(?:a|b)c|^d") == "ABDabd"
    assert opens(r"^(?=x)[a-c]") == "ABCabc"  # a lookahead is passed over: wider, never narrower
    assert opens(r"^x|y") is None  # "y" may match anywhere in the line
    assert opens(r"^.{0,40}ICP") is None  # any character may open it
    assert opens(r"^\s*$") is None  # it matches an empty line
    assert opens(r"^a", re.MULTILINE) is None  # "^" after any new line


def test_line_kinds_are_the_same_whichever_character_opens_the_line():
    from ipwire.tasks.clean.patterns import first_chars

    rules = load_rules(RULES)
    bodies = [ln for ln in _fixture_lines() if ln] + [
        "By Matt Miller on Dec 16, 2025 at 11:00 AM",
        "Written by Dr Marna van der Merwe",
        "Kelvin",
        "\u212aelvin scale",
        "ſkip to content",
        "5 min read",
        "Lesezeit: 4 Min.",
        "Share this article",
        "记者 史卫燕",
        # patterns any character may open: tried whatever the line opens with
        "Site ICP备05012345号-1",
        "X记者 史卫燕 王华",
    ]
    # each line as it is, and behind every opening character the tables key
    texts = bodies + [ch + body for body in bodies[:40] for ch in map(chr, range(128))]

    def every_pattern(text: str) -> str | None:
        if len(text) > 300:
            return None
        return next((kind for kind, p in rules.line_patterns if p.search(text)), None)

    assert [rules.line_kind(t) for t in texts] == [every_pattern(t) for t in texts]
    # every line a pattern matches opens with one of the characters read for that pattern
    for _, pattern in rules.line_patterns:
        opens = first_chars(pattern)
        for body in bodies:
            if opens is not None and pattern.search(body):
                assert body[0] in opens or not body[0].isascii(), (pattern.pattern, body)
    assert rules.line_kind("Share this article") == "share-subscribe"
    assert rules.line_kind("5 min read") == "reading-time"
    assert rules.line_kind("Site ICP备05012345号-1") == "footer"
    assert rules.line_kind("X记者 史卫燕 王华") == "byline"


def test_chrome_phrases_prefix_tree_finds_exactly_what_the_plain_alternation_finds():
    from ipwire.tasks.clean.patterns import _trie_pattern

    phrases = ["share", "share this", "sh", "log in", "login", "a.b (c)", "cookie"]
    tree = re.compile(_trie_pattern(phrases))
    plain = re.compile("|".join(re.escape(p) for p in phrases))
    samples = ["please share", "s h", "log-in", "a.b (c) here", "axb (c)", "cookies!", "x", ""]
    assert [bool(tree.search(t)) for t in samples] == [bool(plain.search(t)) for t in samples]
    assert _trie_pattern([]) == ""


def test_a_chrome_phrase_is_found_wherever_it_stands_in_a_line_and_nothing_else_is():
    rules = load_rules()
    phrases = [p for p in rules.chrome_phrases if p]
    lines = [
        "please subscribe to our newsletter",
        "the home minister spoke",  # "home" inside a title is still the phrase
        "happy talks",  # "app" inside a word
        "log  in",  # two spaces: not "log in"
        "islamabad and new delhi resumed talks",
        "首页 新闻",
        "© 2024 dawn",
        "",
        "x" * 500 + " read more",
    ]
    for low in lines:
        assert rules.has_chrome_phrase(low) == any(p in low for p in phrases), low
    assert [rules.has_chrome_phrase(low) for low in lines[:5]] == [True, True, True, False, False]


def test_rules_without_chrome_phrases_find_none(tmp_path: Path):
    text = RULES.read_text(encoding="utf-8")
    start = text.index("chrome_phrases = [")
    end = text.index("]", start) + 1
    trees = ("boilerplate_trees.json", "boilerplate_trees_paste.json")
    path = _rules_beside_shared_trees(
        tmp_path, text[:start] + "chrome_phrases = []" + text[end:], trees
    )
    rules = load_rules(path)
    assert rules.chrome_phrases == ()
    assert not rules.has_chrome_phrase("subscribe to our newsletter")


def test_url_and_date_pretests_skip_only_lines_the_full_searches_would_not_match():
    from ipwire.tasks.clean.dates import _DATE_PATTERNS, parse_date
    from ipwire.tasks.clean.lines import _URLISH, _is_urlish

    texts = [
        "Read it at HTTPS://DAWN.COM/news",
        "wWw.Example.org",
        "mail desk@dawn.pk.",
        "Visit Example.COM today",
        "example.community is not a .com",
        "no links here at all",
        "",
        "Published 12 March 2024",
        "March 12, 1999 at 10:00",
        "2020-01-31T08:15:00+05:30",
        "Updated on the 12th of March",
        "Page 12 of 18",
    ]
    assert [_is_urlish(t) for t in texts] == [bool(_URLISH.search(t)) for t in texts]
    for t in texts:
        if "19" not in t and "20" not in t:
            assert parse_date(t) is None
            assert not any(p.search(t) for p in _DATE_PATTERNS)
    assert parse_date("March 12, 1999 at 10:00") == "1999-03-12"


def test_tree_features_neighbours_and_counts_read_the_right_lines():
    import numpy as np

    from ipwire.tasks.clean.features import (
        line_features,
        stage2_features,
        tree_features,
        tree_matrix,
    )
    from ipwire.tasks.clean.lines import split_lines
    from ipwire.tasks.clean.model import FEATURES1, FEATURES2, tree_feature_names

    rules = load_rules(RULES)
    page = split_lines(_fixture("mid_article_teaser_box.txt"))
    f1 = line_features(page, rules)
    logits = (np.asarray(f1) @ np.array([rules.weights1[n] for n in FEATURES1])).tolist()
    f2 = stage2_features(page, logits, rules.span_threshold)
    logits2 = (np.asarray(f2) @ np.array([rules.weights2[n] for n in FEATURES2])).tolist()
    rows = tree_features(page, rules, f1, f2, logits2)
    x = tree_matrix(page, rules, np.asarray(f1), np.asarray(f2), logits2)
    assert rows == x.tolist() and len(rows) == len(page)
    col = {name: i for i, name in enumerate(tree_feature_names())}
    for i in range(len(page)):
        assert rows[i][: len(FEATURES1) - 1] == f1[i][1:]
        assert rows[i][col["stage2_logit"]] == logits2[i]
        prev = f1[i - 1] if i else None
        nxt = f1[i + 1] if i + 1 < len(page) else None
        assert rows[i][col["prev_log_words"]] == (prev[1] if prev else 0.0)
        assert rows[i][col["next_sentence_end"]] == (nxt[5] if nxt else 0.0)
        before = sum(ln.words for ln in page[:i]) / sum(ln.words for ln in page)
        assert rows[i][col["words_before_share"]] == before
    assert tree_features([], rules, [], [], []) == []


def _teaser_box_stages(rules):
    """The teaser-box fixture's lines, stage-1 and stage-2 matrices and stage-2 logits."""
    import numpy as np

    from ipwire.tasks.clean.features import line_matrix, stage2_matrix
    from ipwire.tasks.clean.lines import split_lines
    from ipwire.tasks.clean.model import FEATURES1, FEATURES2

    page = split_lines(_fixture("mid_article_teaser_box.txt"))
    f1 = line_matrix(page, rules)
    logits = (f1 @ np.array([rules.weights1[n] for n in FEATURES1])).tolist()
    f2 = stage2_matrix(page, logits, rules.span_threshold)
    logits2 = (f2 @ np.array([rules.weights2[n] for n in FEATURES2])).tolist()
    return page, f1, f2, logits2


def test_columns_the_trees_never_test_are_skipped_without_changing_a_score():
    from ipwire.tasks.clean.features import tree_matrix

    rules = load_rules(RULES)
    page, f1, f2, logits2 = _teaser_box_stages(rules)
    full = tree_matrix(page, rules, f1, f2, logits2)
    for model in (rules.trees, rules.paste_trees):
        assert model.read < set(range(full.shape[1]))  # some columns are never tested
        lean = tree_matrix(page, rules, f1, f2, logits2, model.read)
        assert model.logits(lean) == model.logits(full)
        assert (lean[:, sorted(model.read)] == full[:, sorted(model.read)]).all()


def test_boosted_trees_score_each_row_as_a_walk_down_every_tree():
    from ipwire.tasks.clean.features import tree_matrix

    rules = load_rules(RULES)
    page, f1, f2, logits2 = _teaser_box_stages(rules)
    rows = tree_matrix(page, rules, f1, f2, logits2)
    for model in (rules.trees, rules.paste_trees):
        walked = []
        for row in rows:
            total = model.base
            for t in range(model.feature_idx.shape[0]):
                node = 0
                for _ in range(model.depth):
                    went = row[model.feature_idx[t, node]] > model.thresholds[t, node]
                    node = 2 * node + 1 + int(went)
                total += model.leaves[t, node - (2**model.depth - 1)]
            walked.append(total)
        scored = model.logits(rows)
        assert len(scored) == len(page)
        assert scored == pytest.approx(walked, abs=1e-9)
        assert len(set(scored)) > 1


def test_author_bio_shapes_are_recognised_and_article_sentences_are_not():
    from ipwire.tasks.clean.features import _is_bio

    assert _is_bio("Asad Hashim is a senior correspondent for Al Jazeera.")
    assert _is_bio("She was an award-winning foreign affairs editor at Dawn.")
    assert _is_bio("You can follow her on X for updates from Islamabad.")
    assert not _is_bio("India said talks with Pakistan would resume next week.")
    assert not _is_bio("the minister is a member of the cabinet committee")


def test_word_bound_for_section_markers_never_skips_a_short_marker_line():
    from ipwire.tasks.clean.patterns import _more_words_than, _norm_marker

    for text in [
        "Don't Miss",
        "— | Related Stories | —",
        "Latest from Dawn : : : ",
        "a-b-c-d-e-f-g",
        "The talks were held in a cordial atmosphere and will resume next month.",
        "’ ’ ’ ’ ’ ’ ’ ’",
    ]:
        if _more_words_than(text, 6):
            assert len(_norm_marker(text).split()) > 6, text
    assert _more_words_than("one two three four five six seven", 6)
    assert not _more_words_than("one | two | three | four | five | six", 6)


def test_a_wire_credit_or_advertisement_label_above_the_story_is_never_its_headline():
    text = (
        "ANI\n"
        "13 Jun 2019, 14:25 GMT+10\n"
        "Bishkek [Kyrgyzstan], Jun 13 (ANI): Prime Minister Narendra Modi arrived here on "
        "Thursday afternoon to attend the two-day Shanghai Cooperation Organisation summit.\n"
        "The Prime Minister's special aircraft took a longer route to reach Bishkek as it "
        "skipped Pakistan airspace, flying over Oman and Iran instead.\n"
        "Advertisement\n"
        "Modi is scheduled to hold bilateral meetings with Chinese President Xi Jinping and "
        "Russian President Vladimir Putin on the sidelines of the summit.\n"
    )
    title = extract_from_text(text).title
    assert title not in ("ANI", "Advertisement", "13 Jun 2019, 14:25 GMT+10")


def test_one_paragraph_news_text_above_a_reply_form_and_teasers_is_kept():
    article = (
        "The federal cabinet of nineteen ministers took the oath at President House on "
        "Monday, where the President administered it to the newly appointed ministers led "
        "by the Prime Minister, and the list of lawmakers recommended earlier included "
        "Khawaja Asif, Ahsan Iqbal, Rana Tanvir and Azam Nazeer Tarar."
    )
    teasers = [
        "Afghan foreign minister expected to visit Pakistan",
        "It became public on Monday that the interim foreign minister would…",
        "China, Russia cement ties amidst western pressure",
        "Moscow: On Dec 15, the two presidents agreed that…",
        "Information minister declares the prime minister has authority to…",
    ]
    raw = "\n\n".join(
        [
            article,
            "Leave a Reply",
            "Your email address will not be published. Required fields are marked *",
            "You May Also Like",
            *teasers,
        ]
    )
    ex = extract_from_text(raw)
    assert article in ex.text
    assert not any(t in ex.text for t in teasers)


def test_a_short_post_of_whole_sentences_between_menus_is_kept_with_the_headline_above():
    post = (
        "Kapitel 121 ist nun auch online. Wie immer können die Bilder nur von eingeloggten "
        "Usern betrachtet werden. Am Freitag folgt Kapitel 122."
    )
    raw = "\n".join(
        [
            "Home",
            "News-Archiv",
            "Site Update - Leseprobe Band 14 / Kapitel 121",
            "März 2004, 19:49 | Genesis",
            post,
            "Links:",
            "Band 14 / Kapitel 121",
            "Kommentare schreiben",
            "Datenschutz & Cookies: Diese Website verwendet Cookies. Wenn du die Website "
            "weiterhin nutzt, stimmst du der Verwendung von Cookies zu.",
            "Impressum",
        ]
    )
    ex = extract_from_text(raw)
    assert ex.text == post
    assert ex.title == "Site Update - Leseprobe Band 14 / Kapitel 121"
    # one sentence, however long, or a consent notice is no post
    from ipwire.tasks.clean.decisions import _several_sentences
    from ipwire.tasks.clean.lines import split_lines

    rules = load_rules()
    for line in (
        "Weitere Informationen, beispielsweise zur Kontrolle von Cookies, findest du hier.",
        "Dr. Smith met officials of the U.S. Geological Survey near the lake in northern Sindh.",
        raw.splitlines()[-2],
    ):
        assert not _several_sentences(split_lines(line)[0], rules), line
    assert _several_sentences(split_lines(post)[0], rules)


def test_captions_breadcrumbs_and_share_prompts_are_never_the_title():
    from ipwire.tasks.clean.lines import not_a_title

    for line in (
        "A Pakistan Air Force (PAF) F-16D Fighting Falcon | File",
        "Follow us on Image Source : FILE PHOTO Indian Army personnel",
        "Home page > Public directory > Ministry of External Affairs",
        "Share this story on WhatsApp",
        "Creative Commons > What we do",  # one step of a trail
        "News › Politics",
        'CZYTAJ WIĘCEJ W INTERNETOWYM WYDANIU "DZIENNIKA GAZETY PRAWNEJ">>>',  # a link
        "Read the full report →",
        "Actus et médias >",  # a trail's step with its separator left at the end
        "News ›",
    ):
        assert not_a_title(line), line
    for line in (
        "India, Pakistan exchange lists of nuclear installations",
        "India | Pakistan talks resume in Dubai",
        "PM at the summit | PTI",
        "Why 5G > 4G for gamers",  # a comparison
        "India > Pakistan: the numbers",
        "»Abzocke wird als Klimaschutz verkauft«",  # German quotation marks
    ):
        assert not not_a_title(line), line


def test_captions_marked_file_or_credited_in_brackets_are_never_the_title():
    from ipwire.tasks.clean.lines import not_a_title

    for line in (
        "The SCO meet will be PM Modi's first international summit after re-election. (File)",
        "Footballers training ahead of a match against Dominica. (FILE)",
        "A security officer walking along the border at Suchetgarh in 2018. File",
        "Hafiz Saeed (file photo)",
        "India v. Pakistan (Pic: Twitter)",
        "Chief Education Officer Dr Ramona Archer-Bradshaw. (Picture by Jameel Springer)",
        "Photographs by Robert Nethery",
        "picture credits- yahoo news india",
    ):
        assert not_a_title(line), line
    for line in (
        "Echoes of the Past: The Hotel Syracuse Historic Ghostwalk (photos)",
        "India and Pakistan sign accord (Photo Gallery)",
        "Storm batters coast (Photos/Video)",
        "Police release surveillance photos in bank robbery",
        "How to File Taxes. File Early",
        "Best File Managers for Linux",
        "Picture-perfect: the new Leica reviewed",
    ):
        assert not not_a_title(line), line


def test_a_caption_closing_with_its_credit_is_never_the_title_in_any_language():
    from ipwire.tasks.clean.lines import not_a_title

    for line in (
        "Pakistans Außenminister in Berlin. (Foto: dpa)",
        "Auch der Botschafter gehört zu den Gästen. Bild: dpa",
        "Der Minister verlässt den Saal in Islamabad. Foto: Markus Scholz/dpa/Archivbild",
        "Le ministre à Islamabad. (Photo: AFP)",
        "El canciller llega a Nueva Delhi. (Foto: Andina)",
        "O ministro chega a Islamabad. (Imagem: Reuters)",
    ):
        assert not_a_title(line), line
    for line in (
        "Neuer Blick auf das „Blue Marble“-Foto: ICON simuliert das Klimasystem",
        "Foto-Ausstellung in Lahore eröffnet",
        "Bild der Woche: Die Wagah-Grenze bei Nacht",
    ):
        assert not not_a_title(line), line
    paste = "\n\n".join(
        [
            "Startseite",
            "Politik",
            "Indien und Pakistan verhandeln wieder über das Wasser des Indus",
            "Die Delegationen vor dem Treffen in Lahore. (Foto: dpa)",
            "Die Kommissare beider Länder haben sich am Montag in Lahore getroffen, um über "
            "die Verteilung des Wassers zu sprechen, das seit dem Vertrag von 1960 geteilt wird.",
            "Beide Seiten sagten nach dem Treffen, dass sie die Gespräche im Herbst in Neu-Delhi "
            "fortsetzen wollen, und tauschten Daten über die Pegel der Flüsse aus.",
        ]
    )
    title = extract_from_text(paste).title
    assert title == "Indien und Pakistan verhandeln wieder über das Wasser des Indus"


def test_a_date_with_little_else_is_never_the_title_in_any_language():
    from ipwire.tasks.clean.lines import _is_dateline

    for line in ("6 de mayo de 2022 05:30", "01.11.2023 11:35", "02.02.2022 A-Frauen"):
        assert _is_dateline(line), line
    for line in (
        "Dec 18 2025 Preparing a transition in Debusine",  # a dated headline
        "India and Pakistan sign accord on 12 March 2024",
        "2024 in review: talks, trade and the border",
    ):
        assert not _is_dateline(line), line
    text = "\n".join(
        [
            "Inicio",
            "Noticias",
            "Deportes",
            "6 de mayo de 2022 05:30",
            "Darán bendición a vehículos este sábado",
            "La parroquia invita a los conductores a llevar sus vehículos el sábado por la "
            "mañana, cuando el párroco dará la bendición a todos los que lleguen a la plaza.",
            "La actividad se repite cada año y reúne a taxistas, transportistas y familias "
            "de todo el distrito, según informaron los organizadores de la celebración.",
        ]
    )
    assert extract_from_text(text).title == "Darán bendición a vehículos este sábado"


def test_skip_links_run_together_on_one_line_are_navigation_in_english_and_german():
    rules = load_rules(RULES)
    for line in (
        "Skip to main content Skip to footer",
        "Skip to contentSkip to site index",
        "Jump to main navigationJump to main content",
        "Zur Hauptnavigation springen Zur Suche springen Zum Inhalt springen",
    ):
        assert rules.line_kind(line) == "navigation", line
    for line in (
        "Skip to the end of the talks, officials said, and skip to the next round.",
        "Jump to conclusions at your peril",
        "Wir springen zur Sache",
    ):
        assert rules.line_kind(line) is None, line
    # runs of spaces between the pieces take no backtracking: each piece is read one way
    slow = ("skip to a" + " " * 20) * 9 + "!"
    started = time.perf_counter()
    assert rules.line_kind(slow) is None
    assert time.perf_counter() - started < 0.5


def test_a_date_before_a_headline_is_dropped_and_a_bracketed_date_opens_a_ticker_item():
    from ipwire.tasks.clean.lines import not_a_title
    from ipwire.tasks.clean.stamps import headline_without_stamp

    assert headline_without_stamp("23.01.2022 - Wierer darf beim Abschluss noch jubeln") == (
        "Wierer darf beim Abschluss noch jubeln"
    )
    assert headline_without_stamp("6 de mayo de 2022 05:30 Darán bendición a vehículos") == (
        "Darán bendición a vehículos"
    )
    assert headline_without_stamp("25.10.2022 - Reiner Nagel") is None  # too little left
    assert headline_without_stamp("India and Pakistan meet on 12.03.2024") is None
    assert not_a_title("[ 26. Februar 2020 ] Am Windows Server einen Datenträger bereitstellen")
    assert not not_a_title("[Update] India and Pakistan resume talks in 2024")


def test_a_texts_only_kept_line_stays_its_body_and_the_headline_above_is_the_title():
    lede = "Weißt du noch, wie Schleifen gehen? Hier ein Blick in unsere Unterlagen!"
    raw = "\n".join(
        [
            *("Start", "Idee", "Unterricht", "Themen Themen Kurse Kurse Werkzeuge Werkzeuge"),
            *("Angebot", "Für Lehrer Für Lehrer Für Eltern Für Eltern", "Über uns"),
            *("Blog Blog Status Status Team Team", "Mach mit!", ""),
            *("Schleifen und ihr Zuhause", "", "03.04.2020 - Jana Berger", "", lede, ""),
            "Schleifen sind kein Problem für dich? Dann versuch doch mal, unser Rätsel zu lösen!",
            *("", "Copyright © Kinder Code", "", "Impressum", "Datenschutz"),
        ]
    )
    ex = extract_from_text(raw)
    assert lede in ex.text  # the one line the model kept is not taken as the title
    assert ex.title == "Schleifen und ihr Zuhause"
    # a page title given as the hint keeps its line as the title, and the body keeps it too
    hinted = extract_from_text(raw, title_hint=lede)
    assert hinted.title == lede and lede in hinted.text


def test_a_picture_credit_under_a_headline_is_not_joined_to_it():
    text = "\n".join(
        [
            "Pakistan's economic body allows import of cotton, yarn from India: Report",
            "picture credits- yahoo news india",
            "In a major development, Pakistan's top economic council has allowed the import "
            "of cotton and yarn from India, officials said on Wednesday.",
            "The decision reverses a ban imposed in 2019, when trade between the two "
            "neighbours was suspended after the change in Kashmir's status.",
        ]
    )
    ex = extract_from_text(text)
    assert ex.title == "Pakistan's economic body allows import of cotton, yarn from India: Report"
    assert "picture credits" not in (ex.title or "")


def test_trails_credited_captions_and_link_rows_are_never_the_title():
    from ipwire.tasks.clean.lines import not_a_title

    for line in (
        "Home / Essays / 2017 / January / Aggression Fotografie",
        "HOME / Home Renovations / Home Renovation Loan",
        "> Les blogs du « Diplo » > Planète Asie",
        "Startseite » Politik",
        "Hat das Potential zum Olympia-Superstar: Mikaela Shiffrin. © AFP / JEFF PACHOUD",
        "Alexander Zverev steht im Viertelfinale des ATP-Turniers Bild: AFP/SID/PASCAL GUYOT",
        "(Foto: DBT/Stella von Saldern (bearbeitet durch spdfraktion.de))",
        "On January 12, 2025January 22, 2025 By Gabby Boucher In Budget Travel",
        "Posted on March 3, 2024 by the editors",
        "Enter your email to unlock an extra $25 off an SAT or ACT prep course",
        "Facebook 0 Twitter Email RSS feed - Subscribe To Our Newsletter",
        "políticas de privacidad política integrada de gestión derechos arco política de cookies",
        "Text & Fotos: Ivan Valetny 0 337",
        "Michael Sokoll, Brigitte Baur und Nicole Schneeberger (von links) sprachen über die Lage",
        "Geflecht der Cider Connection. Zum Vergrößern auf das Bild klicken. (Stand Juni 2016)",
        "Februar 2020 Alexander Roll 1 Kommentar Inklusion , Kapitalismus",
        "All photos are published under Creative Commons License 3.0 Germany (CC BY-NC-ND 3.0 DE)",
        "Diese Arbeit ist unter der CC BY SA 3.0 Lizenz lizenziert.",
        "Startseite Panorama Mitarbeiter fordern Bundeswehr-Aufträge für deutsche Unternehmen",
        "Accueil à la une Parité hommes-femmes en Tunisie : Au-dessous de la moyenne mondiale",
    ):
        assert not_a_title(line), line
    for line in (
        "Facebook and Twitter ban the account of a militant group",
        "Facebook's privacy policy on cookies under fire",
        "Home Minister visits Srinagar / Jammu after the attack",
        "Home Assistant: Track Who's in Each Room",
        "AC/DC and Metallica tour India",
        "Neuer Blick auf das „Blue Marble“-Foto: ICON simuliert das gekoppelte Klimasystem",
        "On March 3, India and Pakistan exchanged prisoners",
        "Creative Commons launches a search engine for free images",
        "Kashmir: 3 comments that angered New Delhi",
        "Startseite neu gestaltet: so findet man sich zurecht.",
        "Text and photos tell the story of the border town",
    ):
        assert not not_a_title(line), line


def test_a_menu_row_above_the_headline_is_never_the_title():
    from ipwire.tasks.clean import extract_from_text
    from ipwire.tasks.clean.lines import is_menu_row

    text = (
        "About Us | Our Team| Our Columnists | For our Contributors\n\n"
        "Saudi vows to try to ease tensions between the neighbours\n\n"
        "Published at February 19, 2019\n\n"
        "Islamabad, Feb 18:\n\n"
        "Saudi Arabia on Monday vowed to try to ease tensions between India and Pakistan in"
        " the wake of the bombing, as its crown prince prepared to fly to New Delhi.\n"
        "Its minister of state met the Pakistani foreign minister on Monday, officials said,"
        " and both sides spoke of a path to resolve the differences peacefully.\n"
    )
    ex = extract_from_text(text)
    assert ex.title == "Saudi vows to try to ease tensions between the neighbours"
    assert "About Us" not in ex.text
    assert ("navigation", "About Us | Our Team| Our Columnists | For our Contributors") in [
        (s.kind, s.text) for s in ex.stripped
    ]
    for row in (
        "Druckansicht | Artikel versenden | Tippfehler melden",
        "Home · News · World",
        "About Us | Our Team| Our Columnists | For our Contributors",
    ):
        assert is_menu_row(row), row
    for line in (
        "India and Pakistan agree to resume talks | World | Dawn",
        "Live | India vs Pakistan, Asia Cup final: India win by five wickets",
        "Kashmir: 3 killed | 10 points",
    ):
        assert not is_menu_row(line), line


_LOC_BODY = (
    "The Line of Control is the military control line between the Indian and Pakistani"
    " controlled parts of the former princely state of Jammu and Kashmir, officials said.\n\n"
    "It was drawn after the 1971 war and has since been the de facto border between the two"
    " countries, though neither recognises it as an international boundary.\n"
)


def test_a_trail_run_together_with_its_headline_is_never_the_title():
    from ipwire.tasks.clean import extract_from_text
    from ipwire.tasks.clean.metadata import _echoes_page_lines

    text = (
        "Glossary\nKashmir Explained\nContact Us\n\n"
        "Home Glossary Kashmir What is the Line of Control?\n"
        "By Raju Kumar Last Updated: December 6, 2024\n\n"
        "Table of Contents\n\nWhat is the Line of Control?\n\n" + _LOC_BODY
    )
    assert extract_from_text(text).title == "What is the Line of Control?"
    lines = [
        "Archiv",
        "Start Archiv Talks resume in Dubai",
        "News",
        "Talks resume in Dubai",
        "Home Minister visits Srinagar",  # a headline opening with "Home"
        "Start of talks delayed",  # a headline whose last words are another line
        "talks delayed",
    ]
    norms = [line.lower() for line in lines]
    assert _echoes_page_lines(norms, 1, lines[1])
    assert not _echoes_page_lines(norms, 4, lines[4])
    assert not _echoes_page_lines(norms, 5, lines[5])


def test_a_menu_whose_items_stand_one_to_a_line_below_is_never_the_title():
    from ipwire.tasks.clean import extract_from_text
    from ipwire.tasks.clean.metadata import _echoes_page_lines

    text = (
        "Sign in\nPrivacy Accessibility HTML Images Responsive Design Forms\n\n"
        "Resources\nMore\nPrivacy\nAccessibility\nHTML\nImages\nResponsive Design\nForms\n\n"
        "AI and the web\n\n" + _LOC_BODY
    )
    assert extract_from_text(text).title == "AI and the web"
    # two items are a headline's words, not a menu; items of many words are not menu items
    for norms, menu in (
        (["india pakistan", "india", "pakistan", "talks in dubai resume", "talks"], False),
        (["a b c d e f g h i j", "a b c d e", "f g h i j"], False),
        (["world politics sport", "", "world", "politics", "sport"], True),
        (["", "world", "politics", "sport"], False),
    ):
        assert _echoes_page_lines(norms, 0, norms[0]) is menu, norms


def test_a_headline_above_its_writers_or_agencys_name_is_the_title():
    from ipwire.tasks.clean import extract_from_text

    body = (
        "The Border Security Force today told the Rangers to stop the firing on the border"
        " posts, officials said after the meeting at the zero line on Thursday.\n\n"
        "Both sides agreed to meet again next month to review the situation, and the"
        " commanders exchanged sweets before they left.\n"
    )
    for note in ("Excelsior Correspondent", "ANI", "- By Raju Kumar"):
        ex = extract_from_text(f"Sector commanders meet at Suchetgarh\n\n{note}\n\n{body}")
        assert ex.title == "Sector commanders meet at Suchetgarh", note
        assert not ex.text.startswith("Sector commanders"), note
    # a byline is no headline, with or without a list dash before it
    ex = extract_from_text(f"- By Raju Kumar\n- Thu, 02 Oct 2025 03:55 PM (IST)\n\n{body}")
    assert ex.title is None
    # a banner over a section name: what follows is another headline, not the body
    ex = extract_from_text(
        "2025 FELLOWSHIPS AT THE INSTITUTE\nWATER, FOOD and ENERGY\n\n"
        "Pakistan Writes Four Letters to India Urging Review of Treaty Suspension\n\n" + body
    )
    assert ex.title != "2025 FELLOWSHIPS AT THE INSTITUTE"


def test_a_headline_under_the_pages_date_line_is_the_title():
    from ipwire.tasks.clean import extract_from_text

    body = (
        "India and Pakistan on Sunday exchanged lists of their nuclear installations and"
        " facilities under an agreement that bars attacks on them, the ministry said.\n\n"
        "The lists have been exchanged on the first day of every year since January 1992,"
        " officials of both foreign ministries said.\n"
    )
    headline = "India, Pakistan exchange lists of nuclear installations, prisoners & fishermen"
    for stamp in ("01 Jan 2023", "Tuesday, Sep 24, 2019 | Last Update : 08:21 PM IST"):
        ex = extract_from_text(f"{stamp}\n\n{headline}\n\n{body}")
        assert ex.title == headline, stamp
        assert ex.text.startswith("India and Pakistan on Sunday"), stamp
    # a date line over a line of prose: the prose is the body, not a title
    ex = extract_from_text(f"01 Jan 2023\n\n{body}")
    assert ex.title is None


def test_a_long_headline_over_a_shorter_lead_sentence_is_the_title():
    from ipwire.tasks.clean import extract_from_text

    headline = (
        "India suspends trade across Line of Control in J&K, cites misuse of route by"
        " Pakistan-based elements"
    )
    lead = "The ministry said the irregularities were occurring on a very large scale."
    more = (
        "The Ministry of Home Affairs on Thursday issued an order to suspend trade across the"
        " Line of Control in Jammu and Kashmir with effect from Friday, officials said.\n"
    )
    ex = extract_from_text(f"{headline}\n\n{lead}\n\n{more}")
    assert ex.title == headline
    assert ex.text.startswith(lead)


def test_a_headline_printed_twice_above_its_body_is_the_title_once():
    from ipwire.tasks.clean import extract_from_text

    head = "Pakistan plans to approach World Bank over Kishanganga project: report"
    ex = extract_from_text(
        f"{head}\n\n{head}\n\n"
        "A neutral expert appointed by the World Bank is the top priority for Pakistan after"
        " it received a discouraging response from India, a newspaper reported on Sunday.\n\n"
        "The treaty of 1960 provides for a neutral expert as a last option to resolve such"
        " disputes, the foreign office spokesman said at his weekly briefing.\n"
    )
    assert ex.title == head
    assert head not in ex.text
    assert [s.kind for s in ex.stripped if s.text == head] == ["title", "title"]


def test_data_rows_and_button_rows_are_never_the_title():
    from ipwire.tasks.clean.rows import data_row

    for line in (
        "Family: Rubiaceae | Place of Origin: Ethiopia",
        "Countries Visited: 63 U.S. States Visited: 9",
        "Battery Size 800Wh 551Wh 608Wh 720Wh 374Wh 275Wh",
        "Cosori Electric Gooseneck Kettle at Amazon $58",
        "Sign In Get Started",
        "Compare: Compare: Compare: Compare: Compare:",
        "Quick PicksWhat’s NewBest Backpacking HammocksProduct Comparison Table",
        "raised kitchen garden raised vegetable garden garden elements garden inspiration",
        "« In Defense of Curiosity",
        "← Das F-Wort",
        "Older posts ›",
        "Next story: Talks resume in Islamabad →",
    ):
        assert data_row(line), line
    for line in (
        "India, Pakistan trade fire: 3 killed in Kashmir",
        "Review: The Batman: a dark knight",
        "2024 vs 2025: 3 charts",
        "Tesla stock hits $1,000 at Nasdaq",
        "T20 World Cup 2024: India vs Pakistan: 5 key battles",
        "Sensex falls 500 points, Nifty at 22,000",
        "Sign up for our newsletter",
        "YouTube and PayPal settle with the regulator",
        "Oil settles at US$80 a barrel",
        "Eggs at Walmart now cost $5 a dozen",
        "DeSantis, McCarthy and McConnell clash over the budget",
        "Apple unveils iPhone 16, iPad mini and MacBook Air",
        "Exclusive: Ukraine war: 3 killed in Kharkiv",
        "Liveticker: Nahost-Krieg: 5 Tote in Gaza",
        "Instagram down: users can't log in or sign up",
        "india beats pakistan by five wickets in dubai",
        "pakistan india talks resume amid border tension",
        "Pakistan Alleges India Sent Drones Overnight; Tensions Escalate Amid Cross-Border Strikes",
        "« Il y a, d’abord, le poids de la géographie ». Sur les migrations avec François Héran",
        "Startseite » Politik",
    ):
        assert not data_row(line), line


def test_a_data_row_is_no_headline_candidate_where_its_shape_would_pass():
    from ipwire.tasks.clean.lines import _title_candidate, split_lines
    from ipwire.tasks.clean.rules import default_rules

    rules = default_rules()
    for row in (
        "Countries Visited: 63 U.S. States Visited: 9",
        "Cosori Electric Gooseneck Kettle at Amazon $58",
        "Sign In Get Started",
        "Jan's Blog",
    ):
        assert not _title_candidate(split_lines(row)[0], rules), row
    for text in (
        "India and Pakistan agree to reopen the Kartarpur corridor",
        "How to start a blog",
        "Ukraine War Live Blog",
    ):
        assert _title_candidate(split_lines(text)[0], rules), text


def test_a_paste_headed_only_by_a_trail_or_a_share_row_is_not_titled_by_it():
    for head in (
        "Home / News / South Asia / Diplomacy",
        "Facebook 0 Twitter Email RSS feed - Subscribe To Our Newsletter",
    ):
        ex = extract_from_text("\n\n".join([head, _BODY, _BODY.replace("Monday", "Tuesday")]))
        assert ex.title != head
        assert "Officials from both countries met on Monday" in ex.text


def test_a_credit_or_a_share_row_opening_the_body_is_stripped():
    title = "India and Pakistan agree to reopen the Kartarpur corridor"
    for opener, kind in (
        ("Image: Courtesy of the Ministry of External Affairs", "caption"),
        ("(Foto: DBT/Stella von Saldern (bearbeitet durch spdfraktion.de))", "caption"),
        ("facebook twitter flipboard whatsapp", "share-subscribe"),
    ):
        raw = "\n\n".join([title, opener, _BODY, _BODY.replace("Monday", "Tuesday")])
        ex = extract_from_text(raw)
        assert opener not in ex.text, opener
        assert ex.text.startswith("Officials from both countries met on Monday")
        assert (kind, opener) in [(s.kind, s.text) for s in ex.stripped]


def test_a_sentence_caption_opening_the_body_stays():
    # a long caption reads as the article's words to the labelled-text measure and to readers
    caption = (
        "A tourist on the banks of Dal Lake waits for transport to leave for Srinagar airport, "
        "following a terrorist attack in Pahalgam, Jammu and Kashmir | Photo: Reuters"
    )
    raw = "\n\n".join(["India suspends the Indus pact", caption, _BODY, _BODY])
    assert caption in extract_from_text(raw).text


def test_a_clock_time_beside_a_year_is_a_dateline_in_any_language():
    from ipwire.tasks.clean.lines import _is_dateline

    for line in ("Januar 2020, 9:21 Uhr 571 Kommentare", "Energie 12.12.2022, 08:30 Uhr"):
        assert _is_dateline(line), line
    assert not _is_dateline("Zugverkehr : Im ICE von Frankfurt nach Barcelona")
    assert not _is_dateline("The 2020 match that ended at 9:21 minutes")


def test_pasted_title_entities_are_decoded_and_text_is_nfc():
    raw = (
        "India &#8211; Pakistan trade talks resume in Mu\u0308nchen\n\n"
        + " ".join(["The two delegations met in Mu\u0308nchen on Monday to discuss trade."] * 6)
        + "\n\n"
        + " ".join(["Officials said the talks would continue through the week in the city."] * 6)
    )
    ex = extract_from_text(raw)
    assert "\u0308" not in ex.text and "M\u00fcnchen" in ex.text
    assert ex.title is None or "&#" not in ex.title


def test_a_text_cut_off_mid_sentence_keeps_its_last_paragraph():
    menu = "\n".join(["Home", "Nation", "World", "Sport", "Opinion", "Videos"])
    paras = [
        "The two border forces spoke on the hotline on Sunday after a week of firing along "
        "the frontier, officials said, and agreed to meet again next month.",
        "Schools along the border, which were closed last Friday, would reopen on Monday, "
        "the district administration said in a statement issued late in the evening.",
        "Villagers who had moved to relief camps said they would return home only once the "
        "guns had been silent for several days and the roads were declared safe",
    ]
    ex = extract_from_text(menu + "\n\n" + "\n\n".join(paras))
    assert paras[-1] in ex.text
    assert "Opinion" not in ex.text


_BODY = " ".join(
    ["Officials from both countries met on Monday to discuss the reopening of the crossing."] * 5
)


def test_credit_reviewer_and_policy_lines_are_never_the_paste_title():
    from ipwire.tasks.clean.lines import not_a_title

    for line in (
        "Credit: Natalie Kafader",
        "Reviewed by: Brian Stormont, CFP",
        "Fact checked by Yarilet Perez",
        "Learn about our editorial policies",
        "Press enter or click to view image in full size",
        "Subscribe to our newsletter to not miss articles like this one",
        "[ December 8, 2025 ] Top 10 Best Hotels for Viewing the Northern Lights",
        "Table of Contents",
        "This MacBook Pro is over $1,300 off just in time for the holidays Credit: Apple",
        "The Mach-E Rally earns the magazine's top pick for EVs. Image by John Goreham",
    ):
        assert not_a_title(line), line
    # headlines that only use the words: title case, or the word in lower case
    for line in ("Bad Credit: What To Do", "How to fix bad credit: a guide", "Photographs by Sea"):
        assert not not_a_title(line), line


def test_the_deck_below_the_headline_is_not_the_paste_title():
    raw = "\n\n".join(
        [
            "Home",
            "World",
            "Asia",
            "India and Pakistan reopen the Kartarpur corridor to pilgrims",
            "The crossing had been shut since May, when fighting broke out along the border",
            "By Asad Hashim",
            "Updated 3 March 2025",
            " ".join(
                ["India and Pakistan reopened the Kartarpur corridor to Sikh pilgrims today."] * 5
            ),
        ]
    )
    ex = extract_from_text(raw)
    assert ex.title == "India and Pakistan reopen the Kartarpur corridor to pilgrims"


def test_the_headline_above_a_kept_notice_is_still_the_paste_title():
    notice = (
        "We noticed that you are using an older browser that is not supported any longer, "
        "so some parts of this site may not work as they should for you."
    )
    raw = "\n\n".join(
        [
            "Menu",
            "Search",
            notice,
            "Dismiss",
            "Home",
            "Pakistan",
            "Pakistan and India exchange lists of prisoners held in their jails",
            "By Staff Reporter",
            "1 January 2025",
            _BODY,
        ]
    )
    ex = extract_from_text(raw)
    assert ex.title == "Pakistan and India exchange lists of prisoners held in their jails"


def test_a_dateline_or_comment_notice_is_never_the_paste_title():
    from ipwire.tasks.clean.lines import _is_dateline, not_a_title

    for line in (
        "Amritsar, June 3",
        "May 29, 2023 07:07 pm | Updated May 30, 2023 02:40 am IST - Ahmedabad",
        "12 February,2024 03:09 PM IST | Islamabad | mid-day online correspondent",
    ):
        assert _is_dateline(line), line
    for line in (
        "Your email address will not be published. Required fields are marked *",
        "Supporters protest in Karachi on February 11, 2024. Pic/AFP",
        "Don't MissView All",
    ):
        assert not_a_title(line), line
    for line in ("Talks resume in Islamabad at 10:30 GMT", "Pakistan, India agree to talks"):
        assert not _is_dateline(line), line
    raw = "Amritsar, June 3\n\n" + _BODY + "\n\n" + _BODY.replace("Monday", "Tuesday")
    assert extract_from_text(raw).title is None


def test_a_text_cut_off_mid_sentence_keeps_its_last_words():
    paras = [
        "Pakistan needs to continue taking credible action against terrorism: India",
        "NEW DELHI: The world should remain clear that Pakistan must continue to take credible, "
        "verifiable and irreversible action against terrorism, India said on Friday.",
        "It is in global interest that the world remains clear on this, the spokesperson of the "
        "external affairs ministry told reporters in the capital.",
        "Pakistan has been taken off the grey list in the wake of high level political "
        "commitment in dealing with terror financing, the watchdog said in a statement.",
        "The decision was taken by the FATF in its plenary held in",
    ]
    ex = extract_from_text("\n\n".join(paras))
    assert ex.text.endswith("The decision was taken by the FATF in its plenary held in")


def test_a_short_sentence_between_kept_paragraphs_stays():
    from ipwire.tasks.clean.lines import split_lines
    from ipwire.tasks.clean.passes import _keep_sandwiched_sentences

    rules = load_rules()
    lines = split_lines(
        "\n\n".join(
            [
                _BODY,
                "Both officers have also been promoted to four-star generals.",
                _BODY,
                "Share this story",
            ]
        )
    )
    keep = [True, False, True, False]
    _keep_sandwiched_sentences(lines, keep, [0.9, 0.45, 0.9, 0.45], rules)
    assert keep == [True, True, True, False]
    keep = [True, False, True, False]
    _keep_sandwiched_sentences(lines, keep, [0.9, 0.1, 0.9, 0.45], rules)
    assert keep[1] is False


def test_a_teaser_after_a_more_from_marker_is_never_the_paste_title():
    raw = "\n\n".join(
        [
            "Pak adjourns 26/11 trial again",
            "Rawalpindi, Oct 3: For the second time this week, Pakistan adjourned the 26/11 "
            "trial, officials said, as the judge did not take up the case against the accused.",
            _BODY,
            "More From",
            "Gold Rate Today 9 March 2026: Benchmark Rates and City Prices -",
            "IPL 2026 Schedule Announcement: League Starts March 28, Final in Bengaluru -",
        ]
    )
    assert extract_from_text(raw).title == "Pak adjourns 26/11 trial again"
    from ipwire.tasks.clean.decisions import decide
    from ipwire.tasks.clean.lines import split_lines
    from ipwire.tasks.clean.text import _teasers_start

    rules = load_rules()
    lines = split_lines(raw)
    decision = decide(lines, rules, paste=True)
    start = _teasers_start(lines, decision, rules)
    assert start is not None and lines[start].text == "More From"


def test_line_tokens_carried_from_splitting_match_a_fresh_search_of_the_line():
    """The line features reuse the tokens found while splitting; after wrapped lines are
    joined, and for the lowered forms, they must be exactly what a new search would give."""
    from ipwire.tasks.clean.lines import join_wrapped_lines, low_tokens, split_lines
    from ipwire.tasks.clean.words import words_of

    rules = load_rules()
    text = (
        "The talks in Islamabad went on for a second day, and officials from both\n"
        "sides said the İstanbul round would follow — Straße, naïve, ﬁle.\n\n"
        "“Quoted” words: ΟΔΟΣ'Α and ΟΔΟΣ, ǅungla.\n\nALSO READ\nPrevious Story\n\n"
        "विदेश मंत्रियों की बातचीत İzmir 外长会谈 ΟΔΟΣ"
    )
    lines = join_wrapped_lines(split_lines(text), rules)
    assert "Islamabad" in lines[0].text and "İstanbul" in lines[0].text  # the wrap was joined
    for ln in lines:
        assert ln.toks == words_of(ln.text)
        assert low_tokens(ln) == words_of(ln.text.lower())


def test_lowering_keeps_word_characters_word_characters_except_the_two_known_letters():
    """low_tokens lowers tokens one by one; that holds only while no character but "İ"
    lowers to two and lowering never turns a word character into another kind."""
    import sys

    word = re.compile(r"\w")
    multi = [chr(cp) for cp in range(sys.maxunicode + 1) if len(chr(cp).lower()) != 1]
    assert multi == ["İ"]
    changed = [
        chr(cp)
        for cp in range(sys.maxunicode + 1)
        if bool(word.match(chr(cp))) != bool(word.match(chr(cp).lower()))
    ]
    assert changed == []


_ENDING_BODY = (
    "Security forces killed a militant commander in an encounter in Bijapur district on "
    "Sunday, the police said, after a tip-off about senior cadres in the national park.\n\n"
    "The inspector general said a joint team was sent to the area for a search operation and "
    "that firing broke out in the morning; a rifle and explosives were recovered afterwards.\n\n"
    "The government has set a deadline of March next year for ending the insurgency, and the "
    "forces have stepped up their operations across the southern districts of the state.\n\n"
)
_ENDING_TIMELINE = [
    "Major successes against the insurgency this year",
    "June 7: Bodies of five militants recovered",
    "June 5: Central committee member killed",
    "May 21: 28 militants including a commander killed",
    "May 15; 31 militants killed on the hill",
]


def test_a_paste_that_ends_in_its_own_timeline_keeps_it():
    ex = extract_from_text(_ENDING_BODY + "\n\n".join(_ENDING_TIMELINE))
    for line in _ENDING_TIMELINE:
        assert line in ex.text


def test_a_page_paste_with_menus_above_leaves_an_unmarked_tail_to_the_model():
    menus = "\n".join(["Home", "World", "India", "Sport", "Opinion", "Video", "Podcasts"])
    ex = extract_from_text(menus + "\n\n" + _ENDING_BODY + "\n\n".join(_ENDING_TIMELINE))
    assert "May 15; 31 militants killed on the hill" not in ex.text


def test_a_tail_holding_a_button_label_stays_chrome():
    ex = extract_from_text(_ENDING_BODY + "\n\n".join(_ENDING_TIMELINE + ["Give Feedback"]))
    assert "Give Feedback" not in ex.text
    assert "May 15; 31 militants killed on the hill" not in ex.text


def test_cookie_banner_above_the_headline_is_stripped_as_consent_and_not_the_title():
    ex = extract_from_text(_fixture("cookie_banner_above_headline.txt"))
    assert ex.title == "Traders count the cost as the Wagah crossing stays shut"
    kinds = {s.text: s.kind for s in ex.stripped}
    assert kinds["We Care About Your Privacy"] == "consent"
    assert kinds["Accept all cookies"] == "consent"
    assert "partners store and/or access" not in ex.text
    # an article sentence reporting someone else's cookies stays
    assert "uses cookies to follow shoppers" in ex.text


def test_consent_notices_are_recognised_in_several_languages():
    rules = load_rules()
    for notice in (
        "LinkedIn and 3rd parties use essential and non-essential cookies to provide our Services",
        "Diese Webseite verwendet Cookies.",
        "Nous utilisons des cookies pour améliorer votre expérience.",
        "Este sitio web utiliza cookies propias y de terceros.",
        "Informujemy, że korzystamy z cookies.",
    ):
        assert rules.line_kind(notice) == "consent", notice
    assert rules.line_kind("Google uses cookies to track users, the regulator said.") is None
    assert rules.line_kind("Sandwiches, cookies and bagels must be packaged.") is None


def test_paste_of_a_page_saved_through_windows_1252_reads_as_written():
    # the quotes are chosen so that cp1252 can show each byte: the third byte of a closing
    # double quote (0x9D) is undefined there, and a strict decode would fail on it
    body = (
        "Pakistan\u2019s foreign office said on Tuesday that it wasn\u2019t told of the "
        "visit in advance, and that the talks \u201cmust go on\u201c \u2014 despite the delay. "
    ) * 3
    paste = f"Pakistan\u2019s envoy recalled\n\n{body}\n\n{body.upper()}"
    ex = extract_from_text(paste.encode("utf-8").decode("cp1252"))
    assert "\u00e2" not in ex.text
    assert "wasn\u2019t told" in ex.text
    assert ex.title == "Pakistan\u2019s envoy recalled"


def test_share_prompts_back_links_ratings_and_comment_heads_are_chrome_in_several_languages():
    rules = load_rules()
    for line, kind in (
        ("Diese Geschichte teilen", "share-subscribe"),
        ("Teilen Sie dies mit:", "share-subscribe"),
        ("Udostępnij", "share-subscribe"),
        ("Zurück zur Übersicht", "navigation"),
        ("Mehr erfahren", "navigation"),
        ("En savoir plus »", "navigation"),
        ("Valora esta noticia", "call-to-action"),
        ("Wie bewerten Sie diesen Artikel? *", "call-to-action"),
        ("Czytaj też: Wyścig zbrojeń ruszył z kopyta", "also-read"),
        ("Le puede interesar: JEP abrirá tres nuevos macrocasos", "also-read"),
        ("VEA TAMBIÉN: Entre heces y guaricha", "also-read"),
        ("Photo by Mario Tama/Getty Images", "caption"),
        ("(Foto: Tony Silva/Ascom-PC)", "caption"),
        ("Imagen: Télam", "caption"),
        (". Imagen: Télam", "caption"),  # the credit run onto its caption's last stop
        ("Puerto de Montevideo. Foto: Archivo El País.", "caption"),
        ("Auch Herbert Grönemeyer gehört zu den Unterstützern. Bild: dpa", "caption"),
        ("Coney Island, New York. Photo: Getty", "caption"),
        ("Escucha esta nota aquí", "call-to-action"),
        ("Instant access to the full article PDF.", "paywall"),
        ("Jump to Recipe", "navigation"),
        ("JUMP TO THE LIST ⤵", "navigation"),
        ("Zum Rezept springen", "navigation"),
        ("Copy", "navigation"),
        ("Request a Quote", "call-to-action"),
        ("Contact Sales", "call-to-action"),
        ("Sign-Up For Free", "call-to-action"),
        ("This story is funded by readers like you", "call-to-action"),
        ("How Was This Issue?", "call-to-action"),
        (
            "Did you make one of my recipes? Please take a moment to leave a star rating.",
            "call-to-action",
        ),
        ("Image Source: Mises Institute", "caption"),
        ("Feature image by Girlfriend Collective, all other images via brands.", "caption"),
        ("- 11 min read", "reading-time"),
        ("4 minute read time", "reading-time"),
        ("This article is exclusive to STAT+ subscribers", "paywall"),
        ("🚀 Sign up for The Replay newsletter", "call-to-action"),
        ("Join our mailing list! Get a newsletter when an episode is published", "call-to-action"),
        ("Join Our Genius Newsletter", "call-to-action"),
        (
            "Want more from NBC Select? Sign up for our newsletter, and shop smarter.",
            "call-to-action",
        ),
        ("Advertisement: New AI Book!", "advertisement"),
        ("Bildquelle: dpa", "caption"),
        # a news page's player notice, inbox prompt, premium offer and image stubs
        ("Media playback is unsupported on your device", "navigation"),
        ("Get Rediff News in your Inbox:", "share-subscribe"),
        ("Get Sérgio Schüler’s stories in your inbox", "share-subscribe"),
        ("Unlock Exclusive Insights with The Tribune Premium", "paywall"),
        ("PC :https://www.dailyexcelsior.com/wp-content/uploads/2021/03/flag.png", "caption"),
        ("Image: https://konecta.com/", "caption"),
        ("article-image", "caption"),
        ("Representational image", "caption"),
        ("File Photo: PTI", "caption"),
        ("spot_img", "markup"),
        ("ALSO READ Teenage Pakistani Girl Invents a New Word of English Language", "also-read"),
        ("Do you want to be informed of our actions? Sign up here", "share-subscribe"),
        (
            "Get The Daily Edition by email and never miss our top stories Free Sign Up",
            "share-subscribe",
        ),
        (
            "We recommend the best products through an independent review process, and "
            "advertisers do not influence our picks.",
            "disclosure",
        ),
        (
            "This post contains references to products from one or more of our advertisers. "
            "We may receive compensation when you click on links to those products.",
            "disclosure",
        ),
        (
            "Wir respektieren deine Privatsphäre und stellen deshalb ohne dein Einverständnis "
            "keine Verbindung zu Twitter her.",
            "consent",
        ),
        ("Lea: Consejo Permanente de OEA aborda la confiscación", "also-read"),
    ):
        assert rules.line_kind(line) == kind, line
    for heading, kind in (
        ("11 Kommentare", "comments"),
        ("3 commentaires", "comments"),
        ("Keine Kommentare zu “Malaga, die quirlige Metropole”", "comments"),
        ("Hinterlasse jetzt einen Kommentar", "comments"),
        ("Otras noticias", "related-links"),
        ("More Videos", "related-links"),
        ("Weitere Videos", "related-links"),
        ("Zobacz również", "related-links"),
        ("MIRA TAMBIÉN", "related-links"),
        ("Lea también", "related-links"),
        ("Voir aussi", "related-links"),
        ("Siehe auch:", "related-links"),
        ("Sie könnten auch an folgenden Artikeln interessiert sein", "related-links"),
        ("E-Mail (wird benötigt und nicht veröffentlicht)", "comments"),
        ("Mail (will not be published) (required)", "comments"),
    ):
        assert rules.marker_kind(heading) == kind, heading
    # sentences that use the same words stay article text
    for sentence in (
        "Sin comentarios, dijo la policía.",
        "The BBC said media playback on older phones would end in March.",
        "Officials said the news reached their inbox only on Tuesday, after the talks.",
        "The deal would unlock exclusive fishing rights for both countries, the minister said.",
        "A representational image of the dam was shown to the tribunal.",
        "Also read the report by the committee before you vote, the speaker said.",
        "Keine Kommentare zu den Vorwürfen gab es von der Polizei.",
        "Die Seite teilen sich zwei Familien seit 1990.",
        "Zurück zur Übersicht der Verhandlungen kehrten beide Seiten erst im Mai.",
        "Mira lo que pasó en la frontera cuando llegó el presidente.",
        "Weitere Informationen gab die Polizei am Abend nicht bekannt.",
        "Photographs by the agency were released on Monday, police said.",
        # a credit word inside a paragraph, or a paragraph too long to be a caption
        "He showed reporters the photo: a crowd at the border on Monday.",
        "Officials said on Monday that the talks in Lahore had gone well and that both "
        "sides would meet again in New Delhi next month, once the commissioners had "
        "reported to their governments. Photo: the two delegations in Lahore",
        "Escucha a los expertos antes de decidir, dijo el ministro.",
        "The ministry asked farmers to sign up.",
        "Copy the code from the ministry website, the officials said.",
        "Request for a quote was sent to the ministry on Monday.",
        "The project was funded by readers in Lahore.",
        "Jump to conclusions, the judge warned the jury.",
        "Join the newsletter team, the editor said, if you want to help.",
        "Subscribe to the view that India and Pakistan will talk.",
        "Advertisement: the ministry bought space in six papers to explain the treaty.",
        "Get access to the border crossing was the first demand of the traders.",
        "Advertisers do not influence what the state broadcaster airs, the minister said.",
    ):
        assert rules.line_kind(sentence) is None, sentence
        assert rules.marker_kind(sentence) is None, sentence


def test_a_german_comment_thread_after_the_article_is_cut_at_its_count():
    para = (
        "Die Gespräche zwischen den beiden Regierungen wurden am Dienstag in Islamabad "
        "fortgesetzt, nachdem sie im Frühjahr wegen der Spannungen an der Grenze ausgesetzt "
        "worden waren, sagte ein Sprecher des Außenministeriums."
    )
    paste = "\n\n".join(
        [
            "Gespräche in Islamabad fortgesetzt",
            para,
            para.replace("Dienstag", "Mittwoch"),
            para.replace("Dienstag", "Donnerstag"),
            "Diese Geschichte teilen",
            "3 Kommentare",
            "Anna",
            "14.09.2022 um 21:11",
            "Danke für den Bericht, das ist eine gute Nachricht für beide Länder.",
            "Jonas",
            "15.09.2022 um 08:02",
            "Ich bin skeptisch, ob das lange hält, aber es ist ein Anfang.",
        ]
    )
    ex = extract_from_text(paste)
    assert "Donnerstag" in ex.text
    assert "skeptisch" not in ex.text and "Danke für den Bericht" not in ex.text
    kinds = {s.text: s.kind for s in ex.stripped}
    assert kinds["3 Kommentare"] == "comments"
    assert kinds["Diese Geschichte teilen"] == "share-subscribe"


def test_a_social_post_the_article_quotes_is_never_its_title():
    """A quoted post stands above its "— Name (@handle) June 1, 2017" attribution; short and
    exclaimed, it looked like a headline to the ranker."""
    menu = ["Home", "Imprint", "Contact", "Authors", "« Five thoughts on the cup exit"]
    head = ["The tall man and the old lady", "By Daniel | Published: 23 July 2017"]
    lede = (
        "This summer the club's manager was quick off the mark. The league had barely crowned "
        "its champion when he presented his first new signing, and it was not to stay the "
        "only one: no club in the league had its squad together as fast as the one he runs."
    )
    post = ["Presenting our second new signing! Welcome to the club! #hahohe"]
    post.append("— Hertha BSC (@HerthaBSC) June 1, 2017")
    body = [
        "He is anything but an early starter, though. His playing career began slowly too, "
        "with two seasons in the second division before his first goals for the club, and it "
        "took years before the fans in the stadium chanted his name.",
        "His career as a manager also began in the second division. In his first year he had "
        "to rebuild the squad with little money, and many of the players he signed then are "
        "still remembered as bargains that kept the club afloat.",
    ]
    ex = extract_from_text("\n\n".join([*menu, *head, lede, *post, *body, "Leave a comment"]))
    assert ex.title == "The tall man and the old lady"
    assert post[0] in ex.text and post[1] in ex.text


def test_an_embedded_posts_attribution_under_the_lede_does_not_make_the_lede_a_deck():
    """ "— Hertha BSC (@HerthaBSC) June 1, 2017" under a quoted post holds a date, but it is
    the post's, not the article's byline or dateline: the lede above it stays."""
    rules = load_rules()
    lede = (
        "This summer the club's manager was quick off the mark: the league had barely crowned "
        "its champion when he presented his first new signing, and more were to follow."
    )
    body = (
        "He is anything but an early starter, though. His playing career began slowly too, "
        "with two seasons in the second division before his first goals for the club."
    )
    post = "Presenting our second new signing! Welcome to the club!"
    rows = [lede, post, "— Hertha BSC (@HerthaBSC) June 1, 2017", body, body + " Again."]
    lines = join_wrapped_lines(split_lines("\n\n".join(rows)), rules)
    keep = [True, False, False, True, True]
    _drop_deck(lines, keep, rules)
    assert keep == [True, False, False, True, True]


def test_a_byline_after_the_article_does_not_make_the_article_a_deck():
    """An author box ("By Paul Ausick") under the article, above kept teaser lines, is not
    the byline that ends a deck: the article above it stays."""
    rules = load_rules()
    para = (
        "Pakistan and India agreed on Monday to reopen the Kartarpur corridor for pilgrims "
        "from next week, officials on both sides of the border said after a meeting."
    )
    rows = [para, para.replace("Monday", "Tuesday"), "By Asha Menon", "Rupee ends flat"]
    lines = join_wrapped_lines(split_lines("\n\n".join(rows)), rules)
    keep = [True, True, False, True]
    _drop_deck(lines, keep, rules)
    assert keep == [True, True, False, True]
    # a real deck (a short standfirst over the byline, the body below it) is still dropped
    rows = ["Talks resume after a long pause", "By Asha Menon", para, para]
    lines = join_wrapped_lines(split_lines("\n\n".join(rows)), rules)
    keep = [True, False, True, True]
    _drop_deck(lines, keep, rules)
    assert keep == [False, False, True, True]


NEWSPAPER = REPO.parent / "shared" / "eval" / "extraction" / "newspaper"


@pytest.mark.skipif(not NEWSPAPER.exists(), reason="newspaper pack not available")
def test_a_teaser_marker_after_the_article_cuts_though_a_long_list_of_rows_follows():
    """A blog post on a news site, then "You Might Also Like", teasers and an archive of 70
    date rows that the model half-keeps: the marker stands after all of the article's prose,
    so it closes the article (it was read as early in the piece, the rows counting as text)."""
    ex = extract_from_text((NEWSPAPER / "dumps" / "usnews_com1.txt").read_text(encoding="utf-8"))
    assert "The Presidential Tracker was created for U.S. News" in ex.text
    assert "Recent Posts Archives" not in ex.text
    assert "Mon Dec 01 00:00:00 EST 2014" not in ex.text


@pytest.mark.parametrize(
    "head",
    [
        "On December 2{n}, 2024, at 10:07 PM, {who} wrote:",
        "{who} • {n} weeks ago",
        # a blog's comment head: the name, then the date and time it was posted
        "{who} July 2{n}, 2015 at 7:01 pm",
        "{who} 2{n}. Dezember 2012 um 11:07",
    ],
)
def test_a_thread_of_dated_comment_heads_closes_the_article(head: str):
    para = (
        "Pakistan and India agreed on {day} to reopen the Kartarpur corridor for pilgrims from "
        "next week, officials on both sides of the border said after a meeting that lasted more "
        "than four hours at the Wagah crossing near Lahore, and both sides called it a start."
    )
    reply = (
        "I have crossed at Wagah twice and the queues were never the problem, the paperwork "
        "was, and nothing in this agreement changes the paperwork for families like mine."
    )
    menu = ["Menu", "Home", "Politics", "Markets", "Sports", "Opinion", "Videos", "Subscribe"]
    rows = [*menu, "Kartarpur corridor to reopen next week"]
    rows += [para.format(day=d) for d in ("Monday", "Tuesday", "Wednesday", "Thursday")]
    for n, who in enumerate(("argusdc", "SuntanIronMan", "papsrus", "EnigmaDude")):
        rows += [head.format(n=n + 2, who=who), reply + f" ({who})"]
    rows += ["About Us", "Privacy Policy", "Contact Us", "Careers", "Advertise", "Site Map"]
    ex = extract_from_text("\n\n".join(rows))
    assert "agreed on Thursday" in ex.text
    assert "queues were never the problem" not in ex.text
    assert any(s.kind == "comments" and "argusdc" in s.text for s in ex.stripped)


@pytest.mark.skipif(not NEWSPAPER.exists(), reason="newspaper pack not available")
def test_a_teaser_rail_far_below_the_only_paragraph_is_not_kept_with_it():
    """A video page: one paragraph of article, cut off without its full stop, and far below
    it a rail of clipped teaser titles the model half-keeps. The prose net brings the
    paragraph back; the rail, a hundred lines further down, does not come with it."""
    ex = extract_from_text((NEWSPAPER / "dumps" / "usnews_com2.txt").read_text(encoding="utf-8"))
    assert "sure to be enjoyed by cigar aficionados" in ex.text
    assert "Shanghai shocked after New Year sta..." not in ex.text
    assert "sta..." not in ex.text and "Walm..." not in ex.text


def test_a_teaser_heading_that_closed_nothing_leaves_the_paste_but_a_subheading_stays():
    rules = load_rules()
    para = (
        "Pakistan and India agreed on Monday to reopen the Kartarpur corridor for pilgrims "
        "from next week, officials on both sides of the border said after a meeting."
    )
    rows = [para, "Das könnte Dich auch interessieren:", "Wenn Frauen tanzen…", para, "Related"]
    rows += [para.replace("Monday", "Tuesday")]
    lines = join_wrapped_lines(split_lines("\n\n".join(rows)), rules)
    keep = [True] * len(lines)
    prose = [ln.text.startswith("Pakistan") for ln in lines]
    _drop_stray_headings(lines, keep, prose, rules)
    # the heading over a teaser goes; "Related" over a paragraph reads as its subheading
    assert keep == [True, False, True, True, True, True]


# A page pasted whole whose article the line model believes nowhere: short German lines
# with few function words, under a menu, above a teaser rail and a consent box.
_UNSURE_ARTICLE = [
    "Zollabkommen zwischen Indien und Pakistan",
    "Autor: Die Redaktion",
    "Veröffentlicht am 06.12.2022",
    "Indien und Pakistan wollen nach eigenen Angaben den Handel über die Grenze bei Wagah "
    "wieder öffnen. Damit sollen Lastwagen mit Obst und Zement ab Januar wieder fahren.",
    "Weitere Gespräche im Frühjahr",
    "Beide Regierungen wollen im März in Islamabad über Zölle und Visa für Händler sprechen.",
]


def _unsure_paste() -> str:
    menu = ["Startseite", "Nachrichten", "Stellenportal", "Partner", "Kontakt", "Suche"]
    rail = []
    for i in range(15):
        rail += [
            f"Firma {i}",
            "Batterieproduktion",
            f"Neues Werk Nummer {i} in Planung",
            f"https://example.org/wp-content/uploads/2022/11/bild{i}.jpg 750 1500 Redaktion",
        ]
    about = [
        "Über das Portal",
        "Das Portal berichtet seit dem Jahr 2015 über Batterien, Zellen und die Werke, in "
        "denen sie gebaut werden, in Europa und in Asien.",
        "Die Redaktion sitzt in Berlin und arbeitet mit Partnern aus der Forschung zusammen.",
    ]
    parts = menu + _UNSURE_ARTICLE + ["Artikel teilen"] + rail + ["Impressum"] + about
    return "\n\n".join(parts)


def test_a_paste_whose_article_the_model_believes_nowhere_keeps_its_sentences():
    from dataclasses import replace

    from ipwire.tasks.clean.decisions import decide

    rules = load_rules()
    text = _unsure_paste()
    decision = decide(join_wrapped_lines(split_lines(text), rules), rules, paste=True)
    assert max(decision.probs) < rules.unsure_below and decision.unsure
    ex = extract_from_text(text, rules=rules)
    assert ex.title == _UNSURE_ARTICLE[0]
    assert ex.text.startswith(_UNSURE_ARTICLE[3])
    assert "Firma 3" not in ex.text and "Impressum" not in ex.text
    # with the setting off, the span of lines nobody believes is the portal's self-portrait
    off = extract_from_text(text, rules=replace(rules, unsure_below=0.0))
    assert _UNSURE_ARTICLE[3] not in off.text and "Das Portal berichtet" in off.text


def test_the_unsure_settings_are_shares(tmp_path: Path):
    for key, value in (("unsure_below", "1.5"), ("unsure_keep", "-0.1")):
        text = re.sub(
            rf"(?m)^{key} = .*$", f"{key} = {value}", RULES.read_text(encoding="utf-8"), count=1
        )
        with pytest.raises(ValueError, match=key):
            load_rules(_rules_beside_shared_trees(tmp_path, text))


def test_a_paragraph_closing_with_a_signature_or_a_bracketed_tag_is_running_prose():
    # a review round-up or a letters page closes each paragraph with its writer's name, so
    # no paragraph ends in a full stop; read as no prose, a newspaper's round-up of book
    # reviews lost every review
    from ipwire.tasks.clean.lines import _SENT_END, _is_prose, split_lines

    rules = load_rules()
    review = (
        "Each page adds one more puddle to a small town's afternoon. The gentle rhythm of the "
        "words makes this a book that children will ask for again at bedtime. -- Whitfield"
    )
    letter = (
        "Your correspondent is right that the old agreement has survived three wars. That is "
        "a reason to mend it with care, not to tear it up in anger. — R. K. Menon, Amritsar"
    )
    transcript = (
        "A pretty wreath is just the trick to take your decorations from basic to bold. Tape "
        "the very end of the ribbon before you slide the window closed. [MUSIC]"
    )
    for text in (review, letter, transcript):
        assert _is_prose(split_lines(text)[0], rules), text
    assert _SENT_END.search("It dazzles. -- Sandstrom")
    assert _SENT_END.search("Что нового? — Обзор прессы")
    # a dash and lower-case words after a sentence are no signature, nor are five words
    assert not _SENT_END.search("Что нового? — обзор французской прессы")
    assert not _SENT_END.search("Kraus et al. – womöglich ein politisch Rechter")
    assert not _SENT_END.search("It rained. — Said The Minister Of State")
    # so does a transcript's or a wire story's bracketed tag, but no date, link or credit
    assert _SENT_END.search("Use it every Christmas. [MUSIC]")
    assert _SENT_END.search("The talks resume on Monday. (Reuters)")
    for tail in ("(25.07.2019)", "(→mehr über Daniel)", "(mlharing / iStock.com)", "(AP Photo)"):
        assert not _SENT_END.search(f"It was a long winter. {tail}"), tail


def test_a_sentence_closing_a_low_opening_quote_or_a_guillemet_ends_as_a_sentence():
    from ipwire.tasks.clean.lines import _SENT_END

    # German and Czech quotes open low and close with the marks English opens with
    assert _SENT_END.search("Er sagte: „Wir gehen morgen nach Hause.“")
    assert _SENT_END.search("Sie fragte ‚warum nicht?‘")
    assert _SENT_END.search("Er sagte »Wir gehen.«")
    assert _SENT_END.search("Il a dit « On y va.»")
    # an English line that ends on an opening quote is a typo, not a closed quote
    assert not _SENT_END.search("“Elliptic has been our trusted partner since 2015.“")
    assert not _SENT_END.search("Er sagte: „Wir gehen“ und")


def test_sentence_clause_and_heading_ends_differ_only_in_their_closing_marks():
    from ipwire.tasks.clean.lines import QuoteAwareEnd

    clause, sentence = QuoteAwareEnd(".!?…:;"), QuoteAwareEnd(".!?…")
    # a colon closes a clause ("Also read:") but not a sentence
    assert clause.search("Also read:") and not sentence.search("Also read:")
    # both read a closing low-opening quote, in their own marks only
    assert sentence.search("Er sagte: „Wir gehen.“")
    assert clause.search("Sie nannte es „so:“") and not sentence.search("Sie nannte es „so:“")
    # closers are a parameter: without square brackets, a "]" after the mark closes nothing
    bare = QuoteAwareEnd(".", closers=r"\"')")
    assert bare.search('He left.")') and not bare.search("He left.]")


TRAFEVAL = REPO.parent / "shared" / "eval" / "extraction" / "trafeval"


@pytest.mark.skipif(not TRAFEVAL.exists(), reason="trafeval pack not available")
def test_a_german_paragraph_closing_a_quote_between_kept_paragraphs_is_kept():
    """utopia.de: the article's second paragraph (74 words) ends with „…“; read as no
    sentence, it was no prose, and the line model's doubt (0.27) dropped it from between the
    first and third paragraphs."""
    ex = extract_from_text(
        (TRAFEVAL / "dumps" / "utopia_de-Werbung.txt").read_text(encoding="utf-8")
    )
    assert "Kim Kardashian hat 2019 die inklusive Shapewear-Marke" in ex.text
    assert "Auf Instagram zeigt Milliardärin Kim Kardashian" in ex.text
    assert "Beliebte Bestenlisten" not in ex.text


def test_a_date_in_another_languages_month_names_is_never_the_title():
    from ipwire.tasks.clean.dates import is_any_date_line
    from ipwire.tasks.clean.published import parse_stamp

    for line, day in (
        ("Dienstag, 28. April 2020", "2020-04-28"),
        ("28 de abril de 2020", "2020-04-28"),
        ("mardi 28 avril 2020", "2020-04-28"),
        ("Publicado el 3 de abril de 2021", "2021-04-03"),
    ):
        assert is_any_date_line(line, len(line.split())), line
        assert parse_stamp(line) == day, line
    assert is_any_date_line("Mittwoch, 6. Mai 2020", 4)
    # a day and a year with no month between them is no date
    assert not is_any_date_line("Die 3 besten Filme aus 2020", 6)
    paste = "\n".join(
        [
            "Startseite",
            "Archiv",
            "Kontakt",
            "Dienstag, 28. April 2020",
            "Tach auch, liebe Nachbarn",
            "Die Postkarte kam am Montag an, und sie war eine Aneinanderreihung von kleinen "
            "Frechheiten über das Wetter, das Essen und die Nachbarn, die zu Hause blieben.",
            "Wir haben sie an den Kühlschrank gehängt, denn so eine Karte bekommt man nicht "
            "alle Tage, und der Absender hat sich mit jedem Satz sichtlich Mühe gegeben.",
            "Eingestellt von der Michel um 21:11",
            "Impressum",
        ]
    )
    assert extract_from_text(paste).title == "Tach auch, liebe Nachbarn"


def test_digit_and_symbol_shares_of_ascii_lines_are_the_regex_counts():
    from ipwire.tasks.clean.features import line_matrix
    from ipwire.tasks.clean.lines import _SYMBOL
    from ipwire.tasks.clean.model import FEATURES1
    from ipwire.tasks.clean.words import _DIGIT

    texts = [
        "Talks resume on 12 May 2025 at 10:30 (PKT) - #diplomacy @ $5 & 100% `ok` ! ?",
        "ISLAMABAD: [Update] <b>Rs 1,234,567,890</b> ~ {x} | a/b + c = d; e_f 'q' \"r\" ^*",
        "Prices rose ٣ per cent in Lahore’s bazaars, say traders ١٢",
        "भारत और पाकिस्तान ने 2025 में बातचीत की।",
        'It\'s a "quoted", dotted. hyphen-ated line with no symbol at all',
    ]
    rules = load_rules(RULES)
    x = line_matrix(split_lines("\n\n".join(texts)), rules)
    digits, symbols = FEATURES1.index("digit_share"), FEATURES1.index("symbol_share")
    for row, ln in zip(x, split_lines("\n\n".join(texts)), strict=True):
        chars = max(len(ln.text), 1)
        assert row[digits] == len(_DIGIT.findall(ln.text)) / chars
        assert row[symbols] == len(_SYMBOL.findall(ln.text)) / chars


_INDUS_DE = "Indien und Pakistan verhandeln wieder über das Wasser des Indus"
_INDUS_BODY_DE = (
    "Die Kommissare beider Länder haben sich am Montag in Lahore getroffen, um über die "
    "Verteilung des Wassers zu sprechen, das seit dem Vertrag von 1960 geteilt wird.\n\n"
    "Beide Seiten sagten nach dem Treffen, dass sie die Gespräche im Herbst in Neu-Delhi "
    "fortsetzen wollen, und tauschten Daten über die Pegel der Flüsse aus.\n"
)


def test_bylines_tag_rows_and_agency_captions_in_any_language_are_never_the_title():
    from ipwire.tasks.clean.lines import not_a_title

    chrome = {
        "Ein Artikel von Miriam Ruhenstroth, veröffentlicht am 23.01.2020": "byline",
        "Veröffentlicht am 15/07/2014 von Guido Beyss": "byline",
        "Erscheinungsdatum: 14.08.2017": "dateline",
        "Von Benjamin Fischer und Marcus Theurer": "byline",
        "Kategorie: Südasien, Politik": "navigation",
        "Getaggt mit Indien, Pakistan": "navigation",
        "HVW-Verband , Presse , Allgemein": "navigation",
        "Ab-initio - Ausbildung - Bremen Airport - CAE - CAE GmbH": "navigation",
        "Die Delegationen vor dem Treffen in Lahore. EFE": "caption",
        "Die Delegationen vor dem Treffen in Lahore (Symbolbild)": "caption",
    }
    more = [
        "von AUTO ZEITUNG 02.11.2021",
        "Safety Alert Electrical.pdf (619.83 KB)",
        "CSD-Parade.jpg",
    ]
    for line in [*chrome, *more]:
        assert not_a_title(line), line
    for line in (
        "Protokoll der Vorstandssitzung vom 10. Oktober 2019",  # a dated headline
        "Pakistan to repay the Saudi loan by 30 June 2024",  # a deadline, no byline
        "Von Frankfurt nach Barcelona im Nachtzug",
        "Par For The Course: Golf Returns To Lahore",
        "Metasploit Wrap-Up 12/19/2025",
        "India, Pakistan agree to talks - World - Dawn",
    ):
        assert not not_a_title(line), line
    for line, kind in chrome.items():
        # above the headline or under it, the line is audited and the headline is the title
        for paste in (
            f"Startseite\n\nPolitik\n\n{line}\n\n{_INDUS_DE}\n\n{_INDUS_BODY_DE}",
            f"Startseite\n\nPolitik\n\n{_INDUS_DE}\n\n{line}\n\n{_INDUS_BODY_DE}",
        ):
            ex = extract_from_text(paste)
            assert ex.title == _INDUS_DE, line
            assert line not in ex.text, line
            assert [s.kind for s in ex.stripped if s.text == line] == [kind], line


def test_a_headline_over_its_dated_byline_and_a_captioned_picture_is_the_title():
    head = "Backdoor channels active to revive India-Pak ties"
    byline = "Story by  IANS | Posted by  Aasha Khosa | Date 31-05-2022"
    caption = "India-Pakistan (representational Image)"
    body = (
        "With a coalition government set in place, Islamabad and New Delhi have been working "
        "towards activating backdoor channels for talks to revive the stalled relationship.\n\n"
        "The development is being seen as a major step towards normalcy through bilateral "
        "engagements, talks, and addressing each other's concerns.\n"
    )
    ex = extract_from_text(f"{head}\n\n{byline}\n{caption}\n{caption}\n\n \n\nIslamabad\n\n{body}")
    assert ex.title == head
    # the byline and both copies of the caption leave the body
    assert "Aasha Khosa" not in ex.text and "representational" not in ex.text
    kinds = [(s.kind, s.text) for s in ex.stripped]
    assert ("byline", "Story by IANS | Posted by Aasha Khosa | Date 31-05-2022") in kinds
    assert kinds.count(("caption", caption)) == 2


def test_a_comment_forms_head_in_german_or_french_closes_the_article():
    body = _INDUS_BODY_DE
    for head in ("Schreibe eine Antwort", "Hinterlasse eine Antwort", "Laisser une réponse"):
        tail = "Deine E-Mail-Adresse wird nicht veröffentlicht.\n\nName\n\nWebsite\n\nKommentar"
        ex = extract_from_text(f"{_INDUS_DE}\n\n{body}\n{head}\n\n{tail}")
        assert ex.title == _INDUS_DE, head
        assert head not in ex.text and "Website" not in ex.text, head
        assert [s.kind for s in ex.stripped if s.text == head] == ["comments"], head


def test_a_section_label_before_a_bar_leaves_the_title():
    from ipwire.tasks.clean.html_meta import bare_title

    head = "Backchannel diplomacy played its part in India, Pakistan decision to cease fire"
    for label in ("Analysis", "Local News", "Dawn"):
        assert bare_title(f"{label} | {head}") == head, label
    for title in (
        "OutdoorNews | Eintrag",  # no headline after the bar: the whole line stays
        "Bauingenieurbüro | Beratende Ingenieure VBI",
        "Analysis: India and Pakistan agree to resume talks",  # a colon may be the headline's
        "Inter Services Public Relations | Press release on the border",  # a four-word name
    ):
        assert bare_title(title) == title, title
    body = (
        "The two sides last connected at the highest level during the Christmas day of 2015, "
        "officials said, and the channel was reopened quietly last year.\n\n"
        "Both armies agreed to observe all agreements along the Line of Control from midnight, "
        "in a joint statement that surprised many in both capitals.\n"
    )
    assert extract_from_text(f"Analysis | {head}\n\n{body}").title == head


def test_a_push_notification_prompt_is_a_call_to_action_and_never_the_title():
    from ipwire.tasks.clean import default_rules

    rules = default_rules()
    prompts = "Allow Notification|Turn on notifications|For New-delhi Updates|For Latest Updates"
    prompts += "|Benachrichtigungen aktivieren|Activer les notifications"
    assert {rules.line_kind(p) for p in prompts.split("|")} == {"call-to-action"}
    assert rules.line_kind("For Pakistan, India talks updates are slow to come") is None
    head = "Vajpayee no more: Musharraf recalls the Agra summit"
    body = (
        "New Delhi, Aug 16: Former Pakistan president Pervez Musharraf expressed his "
        "condolence over the demise of former Indian Prime Minister Atal Bihari Vajpayee.\n\n"
        "He termed the famed Agra summit realistic, and said the two leaders had come close "
        "to an agreement on the issues that divide the two countries.\n"
    )
    ex = extract_from_text(
        f"• search\nFor New-delhi Updates\nAllow Notification\n\n{head}\n\n{body}"
    )
    assert ex.title == head
    kinds = {s.text: s.kind for s in ex.stripped}
    assert kinds["For New-delhi Updates"] == kinds["Allow Notification"] == "call-to-action"


def test_a_pastes_byline_far_below_its_headline_still_names_the_author():
    sentences = [
        "The two delegations met in Islamabad on Tuesday to discuss the reopening of the "
        "Kartarpur corridor, officials said, and agreed to meet again next month.",
        "Pilgrims from both countries have waited for the corridor to reopen since it closed "
        "last year, and local traders say the delay has cost them dearly.",
        "A joint statement is expected later this week after the technical teams report back "
        "to their governments on the arrangements for visitors.",
        "Officials on both sides described the atmosphere of the talks as constructive, though "
        "neither side gave details of the proposals that were exchanged.",
        "The corridor links the Dera Baba Nanak shrine in India with the Gurdwara Darbar Sahib "
        "in Kartarpur, a few kilometres inside Pakistan.",
        "Sikh groups in Punjab welcomed the news and urged both governments to waive the fee "
        "that pilgrims have been asked to pay for each visit.",
        "The service fee of twenty dollars a pilgrim has been a point of contention since the "
        "corridor first opened in November 2019, officials said.",
        "Both delegations will report to their foreign ministries before the next round, which "
        "is expected to be held on the Indian side of the border.",
    ]
    head = ["Home", "News", "World", "Talks on Kartarpur corridor resume in Islamabad"]
    for byline, name in (("By Emily Way", "Emily Way"), ("by Ayaz Gul April 14, 2016", "Ayaz Gul")):
        paste = "\n\n".join([*head, *sentences, byline, "Share this article"])
        ex = extract_from_text(paste)
        assert ("byline", byline) in [(s.kind, s.text) for s in ex.stripped]
        assert ex.author == name
