"""Article text at the edges: wrapped pastes, repeated paragraphs, datelines, other languages,
and a publication day read from the weekday a report names."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipwire.tasks.clean import extract_from_html, extract_from_text
from ipwire.tasks.clean.lines import _is_short_sentence, split_lines
from ipwire.tasks.clean.postfilter import _filter_blocks_cut
from ipwire.tasks.clean.published import find_published
from ipwire.tasks.clean.rules import default_rules

FIXTURES = Path(__file__).parent / "fixtures" / "extract"

WRAPPED = """LAHORE, March 3 (APP): Officials from the two neighbouring countries met at the

border crossing on Monday to discuss the release of fishermen held in each other's

jails for crossing the maritime boundary without the papers they needed.

The meeting, the third this year, lasted four hours and ended with a joint

statement that both sides would exchange updated lists of prisoners by the end

of the month, a step that officials described as a sign of goodwill between

the two governments after months of strained relations.

Families of the fishermen had gathered near the crossing since early morning,

hoping for news of relatives who have been held for more than two years in

some cases, and several of them said they would return the following week.
"""


def test_a_double_spaced_hard_wrapped_paste_keeps_every_sentence():
    ex = extract_from_text(WRAPPED)
    for phrase in (
        "discuss the release of fishermen",
        "lasted four hours",
        "sign of goodwill",
        "would return the following week",
    ):
        assert phrase in ex.text


def test_a_short_label_over_a_lower_case_headline_in_a_double_spaced_paste_stays_apart():
    from ipwire.tasks.clean.lines import join_wrapped_lines, split_lines

    spaced = "\n\n".join(
        [
            "Home",
            "Sponsor me Github",
            "rustc_codegen_gcc: Progress Report #39",
            "17 Dec 2025",
            "the codegen now builds the standard library",
            "and a wrapped line of the paragraph goes on here",
        ]
    )
    joined = [ln.text for ln in join_wrapped_lines(split_lines(spaced), default_rules())]
    assert "Sponsor me Github" in joined
    assert "rustc_codegen_gcc: Progress Report #39" in joined
    # a wrapped line long enough to be one still goes on across the blank line
    wrapped = "the codegen now builds the standard library and a wrapped line of the paragraph"
    assert f"{wrapped} goes on here" in joined


def test_a_wire_dateline_is_never_the_title():
    ex = extract_from_text(WRAPPED)
    assert ex.title is None or not ex.title.startswith("LAHORE, March 3 (APP)")


LEDE = (
    "Pakistan Prime Minister Shehbaz Sharif on Thursday chose Lt Gen Asim Munir as the new "
    "Army chief to replace the incumbent General, who retires at the end of the month."
)
HIGHLIGHTED = f"""Pakistan picks a new army chief
Highlights
{LEDE}
Share this story
{LEDE}
The incumbent is scheduled to retire on November 29 after a three-year extension, and he has \
ruled out seeking another extension, according to officials who spoke on Thursday evening.
Another general was picked as the Chairman of the Joint Chiefs of Staff Committee, a post \
that is largely ceremonial but carries weight in the country's military hierarchy.
"""


def test_a_paragraph_repeated_after_a_dropped_summary_stays_in_the_body():
    ex = extract_from_text(HIGHLIGHTED)
    assert ex.text.count("chose Lt Gen Asim Munir") == 1
    assert "three-year extension" in ex.text
    # the copy left out is recorded as what it is, not as a teaser or navigation
    copies = [s for s in ex.stripped if "chose Lt Gen Asim Munir" in s.text]
    assert [s.kind for s in copies] == ["duplicate"]


def _published(text: str) -> str | None:
    return find_published(split_lines(text))


def test_a_full_date_on_the_weekday_the_report_names_is_its_day():
    text = (
        "Players exchange high-fives ahead of their match in Johor Bahru on October 14, 2025.\n"
        "Traditional rivals exchanged high-fives ahead of their match here on Tuesday, after the "
        "national anthems of the two countries were played before a full stadium."
    )
    assert _published(text) == "2025-10-14"  # 14 October 2025 was a Tuesday


def test_a_date_on_another_weekday_or_a_deadline_or_an_old_year_gives_no_date():
    wrong_day = (
        "Players of both teams met their supporters in Johor Bahru on October 15, 2025, a day "
        "after the match, and the coaches spoke to reporters about the tournament ahead.\n"
        "The teams played their match here on Tuesday before a full stadium of supporters."
    )
    deadline = (
        "The court on Monday ordered elections by September 30, 2024, and said the state's "
        "status must be restored at the earliest, in a ruling read out in a full courtroom."
    )
    history = (
        "The two sides on Saturday exchanged lists of nuclear installations under an agreement "
        "signed on December 31, 1988, which they first carried out on January 1, 1992."
    )
    assert _published(wrong_day) is None
    assert _published(deadline) is None
    assert _published(history) is None  # 31 December 1988 was a Saturday, but not this report's


CHINESE = (
    "新华社北京电 记者今天从有关部门获悉，今年以来全国铁路完成旅客发送量同比增长明显，"
    "其中节假日出行需求旺盛，多条线路加开列车以满足旅客需要。\n"
    "萧海川\n"
    "有关负责人表示，铁路部门将继续优化运输组织，提升服务质量，确保旅客出行安全顺畅，"
    "并加强对重点车站的客流监测和应急保障工作。\n"
    "记者了解到，今年铁路部门还推出了多项便民服务措施，包括在线选座、候补购票和电子客票等，"
    "进一步方便了旅客出行。\n"
)


def test_a_page_in_a_script_the_line_model_cannot_read_keeps_what_trafilatura_kept(monkeypatch):
    from ipwire.tasks.clean import postfilter

    body, stripped, _ = _filter_blocks_cut(CHINESE, default_rules(), None)
    assert "便民服务措施" in body and "新华社北京电" in body and stripped == []
    # the line model reads Chinese words and sentences too (a character a word, "。" a full
    # stop), so even on its own word it keeps these paragraphs as the article
    monkeypatch.setattr(postfilter, "KNOWN_WORDS_MIN_SHARE", 0.0)
    body, stripped, _ = _filter_blocks_cut(CHINESE, default_rules(), None)
    assert "新华社北京电" in body and "便民服务措施" in body and stripped == []


def test_the_one_h1_of_a_page_is_its_title_over_a_reworded_declared_title():
    from ipwire.tasks.clean.html import extract_from_html

    paragraph = (
        "<p>India and Pakistan exchanged lists of prisoners held in each other's jails on "
        "Monday, under an agreement that requires both sides to share them twice a year.</p>"
    )
    page = (
        "<html><head><title>Prisoner lists swapped | Example News</title>"
        '<meta property="og:title" content="India, Pakistan swap prisoner lists &amp;#8230; again">'
        "</head><body><h1>India and Pakistan exchange lists of prisoners</h1>"
        f"<article>{paragraph * 4}</article></body></html>"
    )
    assert extract_from_html(page).title == "India and Pakistan exchange lists of prisoners"
    no_h1 = page.replace("<h1>India and Pakistan exchange lists of prisoners</h1>", "")
    # an entity escaped twice over in a declaration reads as its character
    assert extract_from_html(no_h1).title == "India, Pakistan swap prisoner lists … again"


def test_a_malformed_canonical_link_never_costs_the_page():
    from ipwire.tasks.clean.html import extract_from_html

    paragraph = (
        "<p>India and Pakistan held talks on the water treaty in Delhi on Monday, officials "
        "said after the meeting ended late in the evening.</p>"
    )
    page = (
        '<html><head><link rel="canonical" href="http://example.com:99999/a"></head>'
        f"<body><article>{paragraph * 4}</article></body></html>"
    )
    ex = extract_from_html(page, url="https://example.com/a")
    assert "water treaty" in ex.text
    assert ex.canonical_url is None


def test_a_control_character_in_a_paragraph_never_costs_the_page():
    # lxml keeps a stray BEL in the tree, and trafilatura then returned nothing for the page
    from ipwire.tasks.clean.html import extract_from_html

    page = (FIXTURES / "article.html").read_text(encoding="utf-8")
    clean = extract_from_html(page)
    bell = page.replace("as the Kartarpur corridor", "as the\x07 Kartarpur corridor\x0b")
    ex = extract_from_html(bell)
    assert "Pilgrims from India crossed into Pakistan" in ex.text
    assert ex.text == clean.text
    # the noncharacters U+FFFE and U+FFFF go too, and the letters around them stay whole
    odd = page.replace("Pilgrims from", "Pilgrims\ufffe from\uffff").replace("India", "Índia")
    accented = extract_from_html(page.replace("India", "Índia")).text
    assert "Pilgrims from Índia crossed" in accented
    assert extract_from_html(odd).text == accented


PASSING = (FIXTURES / "creek_cut_off_after_home_minister.txt").read_text(encoding="utf-8")


def test_a_sentence_naming_a_chrome_word_in_passing_stays_in_the_article():
    # "Home" is a chrome phrase; here it is part of a minister's title, not a menu item
    ex = extract_from_text(PASSING)
    assert ex.text.rstrip().endswith(
        "According to the Home Minister's website, the two sides have held talks"
    )
    rules = default_rules()
    (said,) = split_lines("The information minister made the announcement on Twitter.")
    assert _is_short_sentence(said, rules)
    for chrome in (
        "Follow us on Twitter for the latest news.",
        "Your email address will not be published.",
    ):
        assert not _is_short_sentence(split_lines(chrome)[0], rules)


def test_a_chrome_phrase_counts_only_as_a_whole_word():
    rules = default_rules()
    assert rules.chrome_word_starts("the home minister's website") == [4]
    assert rules.chrome_word_starts("the homeland approved the shared plan") == []


CUT_UNDER_SUBHEADING = (FIXTURES / "cut_off_under_subheading.txt").read_text(encoding="utf-8")


def test_a_text_cut_off_under_a_new_subheading_keeps_the_subheading_and_the_cut_line():
    ex = extract_from_text(CUT_UNDER_SUBHEADING)
    assert "weapons and ammunition had been recovered" in ex.text
    assert ex.text.rstrip().endswith("However, in recent months, security forces have")
    assert "Valley Reported 242 Terror Incidents In 2022" in ex.text


def test_a_clean_text_cut_off_under_a_new_subheading_keeps_the_subheading_and_the_cut_line(
    monkeypatch,
):
    # a clean news text (no page chrome around it) truncated to its opening: its last line is
    # a paragraph cut short under a new subheading, which the line model, trained on whole
    # pages whose last lines are footers, doubts; the page's end never came with the text
    texts = [
        *ARTICLE_PARAGRAPHS,
        "Brink of war",
        "Pakistan and India have fought two of their three wars over the mountainous te",
    ]
    decision = _decide_with_scores(monkeypatch, texts, [0.9, 0.9, 0.7, 0.09, 0.03])
    assert decision.clean
    assert decision.keep == [True] * 5
    # a whole text that ends in its sentence keeps no doubted short line after it
    texts[-1] = "Read more"
    assert _decide_with_scores(monkeypatch, texts, [0.9, 0.9, 0.7, 0.09, 0.03]).keep[3:] == [
        False,
        False,
    ]


def test_a_page_paste_cut_off_under_a_pictures_heading_and_caption_keeps_its_last_sentences(
    monkeypatch,
):
    # a page's paste (menus above the article) cut short: an inline picture's heading and
    # caption, then the paragraph the text stops in; the model, trained on pages whose last
    # lines are teasers, doubts all four
    menus = ["Front Page", "Middle East", "South Asia", "UK Politics"]
    tail = [
        "President Musharraf's old home",
        "President Musharraf's ancestral home is in Delhi",
        "The trip was particularly poignant for the Pakistani president who paid a visit to "
        "his ancestral home in Daryaganj.",
        "The ancestral home was sold by the president's grandfather in 1946 and",
    ]
    texts = [*menus, *ARTICLE_PARAGRAPHS, *tail]
    scores = [0.03] * 4 + [0.9, 0.9, 0.9] + [0.08, 0.08, 0.06, 0.01]
    assert _decide_with_scores(monkeypatch, texts, scores).keep == [False] * 4 + [True] * 7
    # a teaser rail under the body, its last summary clipped: no paragraph of the article
    rail = [
        "Hoax bomb call near Golden Temple",
        "Though no bomb was found, the police have taken four persons...",
        "Fishermen handed over at Attari",
        "All the fishermen cross over to India around 1 am through the",
    ]
    texts = [*menus, *ARTICLE_PARAGRAPHS, *rail]
    assert _decide_with_scores(monkeypatch, texts, scores).keep[7:] == [False] * 4
    texts = [*menus, *ARTICLE_PARAGRAPHS, rail[0], rail[1], rail[3]]
    assert _decide_with_scores(monkeypatch, texts, scores[:-1]).keep[7:] == [False] * 3
    # nor is a cut-off line three short lines below the body
    heads = ["Gallery", "Musharraf's old home", "His ancestral home is in Delhi", tail[-1]]
    texts = [*menus, *ARTICLE_PARAGRAPHS, *heads]
    assert _decide_with_scores(monkeypatch, texts, scores).keep[7:] == [False] * 4


def test_a_long_sentence_the_model_doubts_inside_the_article_span_is_kept(monkeypatch):
    # a buyer's guide: product lines and a long sentence between them that the model, taught
    # on page pastes, only half believes; the article goes on below it
    long = (
        "A thick, durable mat offers a safe and comfortable surface for everything from yoga "
        "to core work, and it rolls up small enough to store under a bed."
    )
    menus = ["Home", "Fitness", "Nutrition", "Gear", "Deals", "Newsletter"]
    footer = ["About Us", "Contact", "Privacy Policy", "Terms of Use", "Careers"]
    texts = [
        *menus,
        *ARTICLE_PARAGRAPHS[:2],
        "Exercise Mat",
        "Price: $30",
        long,
        ARTICLE_PARAGRAPHS[2],
        *footer,
    ]
    scores = [0.02] * 6 + [0.9, 0.9, 0.4, 0.4, 0.25, 0.9] + [0.02] * 5
    decision = _decide_with_scores(monkeypatch, texts, scores)
    assert not decision.clean
    assert decision.keep[10]
    # one the model is sure of, one naming chrome and a clipped teaser's summary stay out
    for line, score in (
        (long, 0.1),
        (
            "Sign up for our newsletter to get the best fitness deals and new product reviews "
            "delivered to your inbox every single Monday morning.",
            0.25,
        ),
        (long[:-1] + " ...", 0.25),
    ):
        texts[10], scores[10] = line, score
        assert not _decide_with_scores(monkeypatch, texts, scores).keep[10], line


def test_chrome_in_german_is_named_like_chrome_in_english():
    # the English markers' equivalents in the main European languages close the article
    ex = extract_from_text((FIXTURES / "german_paste_with_chrome.txt").read_text(encoding="utf-8"))
    assert "ohne Ergebnis abgebrochen" in ex.text
    kept = set(ex.text.splitlines())
    for chrome in ("Neue Fahrpläne ab Dezember", "Das ist doch jedes Jahr dasselbe.", "Teilen"):
        assert chrome not in kept
    audit = {(s.kind, s.text) for s in ex.stripped}
    assert {
        ("related-links", "Lesen Sie auch"),
        ("comments", "Kommentare"),
        ("footer", "Impressum"),
    } <= audit


def test_a_paste_title_loses_the_site_or_section_name_after_its_separator():
    from ipwire.tasks.clean.html_meta import drop_site_suffix

    body = (FIXTURES / "cut_off_under_subheading.txt").read_text(encoding="utf-8")
    pasted = body.replace(
        "Security forces foil infiltration bid in the north, four militants killed",
        "Security forces foil infiltration bid in the north, four militants killed | Opinion",
    )
    ex = extract_from_text(pasted)
    assert ex.title == "Security forces foil infiltration bid in the north, four militants killed"
    # a tail longer than a name, or too little before the separator, is the headline's own
    long_tail = "Pakistan vs India - live score and updates from Dubai"
    assert drop_site_suffix(long_tail) == long_tail
    assert drop_site_suffix("Talks - Day 2") == "Talks - Day 2"
    assert drop_site_suffix("Kashmir: the long view — Part 1") == "Kashmir: the long view"
    # a symbol is no word: "Politics, Defence & Security" is a three-word name; a hyphenated
    # word is one
    assert drop_site_suffix("Ceasefire holds along the LoC | Politics, Defence & Security") == (
        "Ceasefire holds along the LoC"
    )
    compound = "Talks resume in Islamabad – Newcomer mit Renn-Ambitionen"
    assert drop_site_suffix(compound) == "Talks resume in Islamabad"
    assert drop_site_suffix("Talks resume in Islamabad | A Step-by-Step Guide Today") == (
        "Talks resume in Islamabad | A Step-by-Step Guide Today"
    )


def test_a_paste_title_loses_a_leading_label_naming_the_kind_of_text():
    from ipwire.tasks.clean.html_meta import drop_label_prefix

    body = (FIXTURES / "cut_off_under_subheading.txt").read_text(encoding="utf-8")
    headline = "Security forces foil infiltration bid in the north, four militants killed"
    ex = extract_from_text(body.replace(headline, "Blog: " + headline))
    assert ex.title == headline
    assert drop_label_prefix("PROJECT: Weekend Coding Agent") == "Weekend Coding Agent"
    # a headline that is a label and one word, or whose opening word is no such label, stays
    assert drop_label_prefix("Title: Kashmir") == "Title: Kashmir"
    assert drop_label_prefix("Kashmir: the long view") == "Kashmir: the long view"


ARTICLE_PARAGRAPHS = [
    "Officials from India and Pakistan met at the Wagah border on Monday to discuss the release "
    "of fishermen held in each other's jails for crossing the maritime boundary.",
    "The meeting, the third this year, lasted four hours and ended with a joint statement that "
    "both sides would exchange updated lists of prisoners by the end of the month.",
    "Families of the fishermen had gathered near the crossing since early morning, hoping for "
    "news of relatives who have been held for more than two years in some cases.",
]

# rows of a results table: too few function words for the line model's score to count
RESULT_ROWS = [f"{i}. Läuferin {chr(64 + i)} (GER) +{i}.{i:02d},5 ({i % 5})" for i in range(1, 16)]


def test_an_ad_slot_label_alone_on_its_line_is_stripped_in_the_main_european_languages():
    labels = ["Advertisement", "ANZEIGE", "Publicidad", "Reklama"]
    labels.append("Advertisement - Scroll to continue")
    blocks = [ARTICLE_PARAGRAPHS[0], *labels[:3], ARTICLE_PARAGRAPHS[1], *labels[3:]]
    blocks += [ARTICLE_PARAGRAPHS[2], "Advertising budgets in both countries rose last year."]
    body, stripped, _ = _filter_blocks_cut("\n".join(blocks), default_rules(), None)
    assert {(s.kind, s.text) for s in stripped} >= {("advertisement", label) for label in labels}
    kept = body.splitlines()
    assert not set(labels) & set(kept)
    assert "Advertising budgets in both countries rose last year." in kept  # a sentence stays
    paste = "\n\n".join([ARTICLE_PARAGRAPHS[0], "Advertisement", *ARTICLE_PARAGRAPHS[1:]])
    ex = extract_from_text(paste)
    assert "Advertisement" not in ex.text.splitlines()
    assert ("advertisement", "Advertisement") in {(s.kind, s.text) for s in ex.stripped}


def test_a_section_heading_left_at_the_end_of_the_html_text_heads_nothing_and_goes():
    # a results table: too few function words for the line model's score to count, so only
    # a rule can tell that the last line heads a teaser rail trafilatura left out
    rules = default_rules()
    rows = RESULT_ROWS
    heading = "Das könnte Sie auch interessieren"
    raw = "\n".join(["Die Ergebnisse des Sprints in Antholz:", *rows, heading])
    body, stripped, _ = _filter_blocks_cut(raw, rules, None)
    assert body.splitlines()[-1] == rows[-1]
    assert ("related-links", heading) in {(s.kind, s.text) for s in stripped}
    # a closing sentence that opens with a marker's words is the article's own
    closing = "Related results follow on Sunday."
    assert rules.marker_kind(closing) == "related-links"
    body, _, _ = _filter_blocks_cut("\n".join(["Die Ergebnisse:", *rows, closing]), rules, None)
    assert body.splitlines()[-1] == closing


def test_further_reading_in_french_closes_the_article_like_its_english_marker():
    ex = extract_from_text(
        (FIXTURES / "french_paste_further_reading.txt").read_text(encoding="utf-8")
    )
    assert "sans accord final à ce stade" in ex.text
    assert "Cricket" not in ex.text and "Pour aller plus loin" not in ex.text
    assert ("related-links", "Pour aller plus loin") in {(s.kind, s.text) for s in ex.stripped}


def test_pagers_label_rows_platform_credits_and_source_prompts_are_chrome_wherever_they_stand():
    rules = default_rules()
    chrome = {
        "Page 1 of 8": "navigation",
        "Seite 2 von 5": "navigation",
        "Labels: India, Pakistan, Indus": "navigation",
        "Powered by WordPress": "navigation",
        "Add Dawn as a preferred source on Google to see more of our coverage.": "share-subscribe",
        "Purchases made through our links may earn us a commission.": "disclosure",
        "We may be compensated when you click on a link.": "disclosure",
    }
    for line, kind in chrome.items():
        assert rules.line_kind(line) == kind, line
    assert rules.marker_kind("Be the first to comment") == "comments"
    for sentence in (
        "Powered by solar panels, the border post now has electricity all day.",
        "Labels matter: exporters on both sides want the basmati name.",
        "Page after page of the dossier names the same handlers.",
    ):
        assert rules.line_kind(sentence) is None, sentence
    paste = "\n\n".join([ARTICLE_PARAGRAPHS[0], *chrome, *ARTICLE_PARAGRAPHS[1:]])
    ex = extract_from_text(paste)
    assert not set(chrome) & set(ex.text.splitlines())
    assert {(kind, line) for line, kind in chrome.items()} <= {
        (s.kind, s.text) for s in ex.stripped
    }


def test_a_line_that_is_only_a_section_heading_goes_even_where_its_section_is_gone():
    # trafilatura kept the heading of a teaser box but not the box; rows of results give the
    # line model too few function words to judge, so the heading's phrase alone names it
    rules = default_rules()
    rows = RESULT_ROWS
    prose = [
        "Die Staffel der Frauen startet am Sonntag um zehn Uhr, und die Trainerin hat das Team "
        "nach dem Sprint noch einmal umgestellt.",
        "Im Verfolgungsrennen am Samstag waren die deutschen Läuferinnen mit dem Schießen nicht "
        "zufrieden, aber sie sind in der Loipe schneller geworden.",
    ]
    raw = "\n".join(["Die Ergebnisse:", *rows, "Lesen Sie auch", *prose])
    body, stripped, _ = _filter_blocks_cut(raw, rules, None)
    kept = body.splitlines()
    assert "Lesen Sie auch" not in kept and prose[0] in kept
    assert ("related-links", "Lesen Sie auch") in {(s.kind, s.text) for s in stripped}
    assert rules.heading_kind("Related talks") is None  # a line that only opens with one


def test_unrendered_template_tags_and_a_misspelt_ad_label_are_chrome():
    chrome = {
        "Advertisment": "advertisement",
        "[ad_1]": "markup",
        "{{^userSubscribed}} {{/userSubscribed}}": "markup",
    }
    paste = "\n\n".join([ARTICLE_PARAGRAPHS[0], *chrome, *ARTICLE_PARAGRAPHS[1:]])
    ex = extract_from_text(paste)
    assert not set(chrome) & set(ex.text.splitlines())
    assert {(kind, line) for line, kind in chrome.items()} <= {
        (s.kind, s.text) for s in ex.stripped
    }
    assert (
        default_rules().line_kind("The page printed {{name}} where the minister's was due.") is None
    )


def test_a_comment_sections_heading_or_login_prompt_is_a_comments_marker():
    rules = default_rules()
    for heading in (
        "Vos réactions (11)",
        "Einloggen zum Kommentieren",
        "Log in to comment",
    ):
        assert rules.marker_kind(heading) == "comments", heading
    # a feedback widget's "Ihre Meinung ist uns wichtig" and a lone button are left alone:
    # as markers they moved a cut below a dated teaser rail
    for line in ("Ihre Meinung ist uns wichtig", "Kommentieren"):
        assert rules.marker_kind(line) != "comments", line


def test_a_headline_that_opens_like_a_comment_heading_or_names_images_stays_a_headline():
    from ipwire.tasks.clean.lines import not_a_title

    rules = default_rules()
    # a comment thread's heading quotes the post it answers; a headline does not
    for heading in ("3 thoughts on “Thoughts on Zig”", "Thoughts on “Zig”", "Comments on 'Budget'"):
        assert rules.marker_kind(heading) == "comments", heading
    for headline in ("Thoughts on Zig", "Thoughts on the talks in Islamabad"):
        assert rules.marker_kind(headline) is None, headline
    # a credit label stands first, after punctuation or after a lower-case caption word;
    # a title-case headline capitalises the word before it too
    for caption in (
        "Photo: Reuters",
        "The border at dawn. Photo: AFP",
        "troops at the border Image: AFP",
    ):
        assert not_a_title(caption), caption
    assert not not_a_title("Docker Hardened Images: Security Independently Validated by SRLabs")
    paste = "\n\n".join(["Home", "Blog", "Thoughts on Zig", *ARTICLE_PARAGRAPHS])
    ex = extract_from_text(paste)
    assert ex.title == "Thoughts on Zig"
    assert ex.text == "\n\n".join(ARTICLE_PARAGRAPHS)


def test_an_aggregators_source_mark_and_comment_count_leave_the_title():
    from ipwire.tasks.clean.html_meta import drop_source_mark

    marked = "Pakistan and India reopen the Kartarpur corridor (dawn.com) 87"
    assert drop_source_mark(marked) == "Pakistan and India reopen the Kartarpur corridor"
    # without a count a site-like name is the headline's own ("… (Next.js)")
    for kept in (
        "Server-Side Rendering Explained for Beginners (Next.js)",
        "A parser (github.com)",
    ):
        assert drop_source_mark(kept) == kept
    # too few words before it, or brackets that name no site, stay the headline's own
    for kept in (
        "Dawn (dawn.com)",
        "Talks resume in Islamabad (updated)",
        "Budget 2025 (Part 2) 3",
    ):
        assert drop_source_mark(kept) == kept
    from ipwire.tasks.clean import extract_from_html

    body = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    page = f"<html><head><title>{marked}</title></head><body><h1>{marked}</h1>{body}</body></html>"
    assert extract_from_html(page).title == "Pakistan and India reopen the Kartarpur corridor"


def test_a_headline_beside_its_fuller_form_gives_way_to_it_but_not_to_a_byline():
    from ipwire.tasks.clean.text import _fuller_headline

    rules = default_rules()
    lines = split_lines(
        "\n".join(
            [
                "Knowledge center",
                "What is an online course?",
                "What is an Online Course? Definition Explained",
                "Talks resume in Islamabad",
                "Talks resume in Islamabad by Staff Reporter",
            ]
        )
    )
    keep = [False] * len(lines)
    assert _fuller_headline(lines, keep, 1, rules, None) == 2
    assert _fuller_headline(lines, keep, 3, rules, None) == 3
    # a kept line of the body, or one past where the ranker looked, is never taken
    assert _fuller_headline(lines, [False, False, True, False, False], 1, rules, None) == 1
    assert _fuller_headline(lines, keep, 1, rules, 2) == 1


def test_a_lead_that_opens_with_the_headlines_words_stays_in_the_body():
    lead = (
        "Apple releases iOS 18 to every supported iPhone this week and the company says it is "
        "the biggest privacy update it has shipped in years"
    )
    paste = "\n\n".join(
        ["Home", "News", "Apple releases iOS 18", "By Jane Doe", lead, *ARTICLE_PARAGRAPHS]
    )
    ex = extract_from_text(paste)
    assert ex.title == "Apple releases iOS 18"
    assert lead in ex.text


PAYWALL_PROMPTS = [
    "To continue reading, please log in or subscribe.",
    "Already a subscriber? Log in",
    "Kostenlos registrieren und weiterlesen",
    "Schon registriert? Hier einloggen",
    "Pour lire la suite, abonnez-vous",
    "¿Ya eres suscriptor?",
    "Sei già abbonato?",
    "Já é assinante?",
]


def _filter_after_a_sentence(sentence: str, chrome: list[str]) -> tuple[list[str], set]:
    """The HTML post-filter over an article holding ``sentence``, ``chrome`` lines after it:
    the kept lines and the (kind, text) pairs it stripped."""
    blocks = [ARTICLE_PARAGRAPHS[0], sentence, ARTICLE_PARAGRAPHS[1], *chrome]
    body, stripped, _ = _filter_blocks_cut("\n".join(blocks), default_rules(), None)
    return body.splitlines(), {(s.kind, s.text) for s in stripped}


def test_a_paywall_prompt_is_stripped_as_paywall_and_a_sentence_about_subscribers_stays():
    reported = "He said he was already a subscriber to the paper before the ban."
    kept, stripped = _filter_after_a_sentence(reported, PAYWALL_PROMPTS)
    assert stripped >= {("paywall", p) for p in PAYWALL_PROMPTS}
    assert reported in kept
    paste = "\n\n".join([*ARTICLE_PARAGRAPHS, PAYWALL_PROMPTS[0], PAYWALL_PROMPTS[1]])
    ex = extract_from_text(paste)
    assert ex.text.splitlines()[-1] == ARTICLE_PARAGRAPHS[-1]
    assert ("paywall", PAYWALL_PROMPTS[0]) in {(s.kind, s.text) for s in ex.stripped}


NEWSLETTER_PROMPTS = [
    "Enter your email address to follow this blog and receive notifications of new posts.",
    "Jetzt zum kostenlosen Newsletter anmelden »",
    "Gib deine E-Mail-Adresse ein, um diesem Blog zu folgen.",
    "Inscrivez-vous à notre newsletter",
    "Suscríbete a nuestro boletín",
    "Meld je aan voor onze nieuwsbrief",
]


def test_a_newsletter_sign_up_prompt_is_stripped_in_the_main_european_languages():
    reported = "The ministry's newsletter went out on Monday with the new visa rules."
    kept, stripped = _filter_after_a_sentence(reported, NEWSLETTER_PROMPTS)
    assert stripped >= {("share-subscribe", p) for p in NEWSLETTER_PROMPTS}
    assert reported in kept


def test_a_wordpress_comment_head_in_german_or_french_closes_the_article():
    rules = default_rules()
    heads = [
        "11 Antworten zu “Sunday Thoughts: Ein wenig lost”",
        "5 Gedanken zu „Endlich wird es spannend“",
        "3 réflexions sur « Le titre du billet »",
        "No Response so far »",
    ]
    assert [rules.marker_kind(h) for h in heads] == ["comments"] * len(heads)
    # a listicle's heading or a Q&A heading is no comment head
    assert rules.marker_kind("5 Gedanken zu Weihnachten") is None
    assert rules.marker_kind("Fragen und Antworten zur Umweltprämie") is None
    reply = "Danke für den schönen Beitrag, ich habe das genauso erlebt und freue mich auf mehr."
    thread = [heads[0], "Anna", "14.09.2022 um 21:11", reply, "Jonas", "15.09.2022 um 08:02"]
    thread.append("Ich bin skeptisch, ob das lange hält, aber es ist ein Anfang.")
    page = ["Fishermen talks at Wagah", *ARTICLE_PARAGRAPHS, "Diese Geschichte teilen"]
    paste = "\n\n".join([*page, *thread])
    ex = extract_from_text(paste)
    assert ex.text.splitlines()[-1] == ARTICLE_PARAGRAPHS[-1]
    assert ("comments", heads[0]) in {(s.kind, s.text) for s in ex.stripped}


def test_an_embedded_posts_attribution_stays_with_the_quote_the_article_kept():
    post = "Power outage at the airport, great day for it :/"
    credit = "— Leigh Holmwood (@LeighHolmwood) December 22, 2014"
    blocks = [*ARTICLE_PARAGRAPHS, post, credit]
    body, stripped, _ = _filter_blocks_cut("\n".join(blocks), default_rules(), None)
    assert body.split("\n\n")[-2:] == [post, credit] and not stripped
    ex = extract_from_text("\n\n".join(["Airport outage", *blocks, "Diese Geschichte teilen"]))
    assert ex.text.split("\n\n")[-2:] == [post, credit]


CLOSING_NOTES = [
    "Additional reporting by Asif Shahzad in Islamabad; Editing by Raju Gopalakrishnan",
    "(With inputs from PTI)",
    "This article originally appeared on Dawn.",
    "Correspondent Joanne Anderson may be reached at joandy@example.com.",
    "Mit Material von dpa",
]


@pytest.mark.parametrize("note", CLOSING_NOTES)
def test_a_closing_credit_or_publishers_note_ends_the_article_it_closes(note: str):
    kept, stripped = _filter_after_a_sentence(ARTICLE_PARAGRAPHS[2], [note])
    assert kept[-1] == note and not stripped
    page = ["Fishermen talks at Wagah", *ARTICLE_PARAGRAPHS, note, "Share this article"]
    ex = extract_from_text("\n\n".join(page))
    assert ex.text.split("\n\n")[-1] == note


def test_a_date_stamp_after_the_article_is_no_closing_note():
    from ipwire.tasks.clean.lines import is_closing_note

    assert not is_closing_note("First Published on Aug 11, 2019 06:50 pm")
    assert is_closing_note("Originally published in March 2022. Last updated on May 1, 2024.")


SUPPORT_AND_FORM_LINES = {
    "If you enjoyed reading this post – would you consider supporting our work?": "call-to-action",
    "Unterstützen Sie unabhängigen Journalismus!": "call-to-action",
    "This site is protected by reCAPTCHA and the Google Privacy Policy and Terms of Service "
    "apply.": "call-to-action",
    "Ja, ich möchte den personalisierten Newsletter erhalten.": "call-to-action",
    "You have read 3 of 5 free articles this month.": "paywall",
    "Vous avez lu 1 des 4 articles gratuits ce mois-ci.": "paywall",
    "This entry was posted in News and tagged India, Pakistan.": "navigation",
    "Dieser Eintrag wurde veröffentlicht in Politik und verschlagwortet mit Indien.": "navigation",
    "Titelbild: Geyres Christophe/ABACA/picture-alliance": "caption",
    "Eingestellt von der Michel um 21:11": "byline",
    "Posted by K A at 12:11 PM": "byline",
    "Über Luis Holuch 257 Artikel": "byline",
    "Listen to This Article": "call-to-action",
    "Escuchar artículo": "call-to-action",
    "Artikel anhören": "call-to-action",
    # bylines: capitalised names, name particles, a desk, an update stamp, a forum handle
    "By Amanda Smith": "byline",
    "BY AYESHA KHAN": "byline",
    "by Kelly Phillips Badal": "byline",
    "By Éric Dupont, Le Monde": "byline",
    "By Asad Hashim and Sanjay Kumar in New Delhi": "byline",
    "Written by Dr Marna van der Merwe , Dr Dieter Veldsman , Erik van Vulpen": "byline",
    "By India Today Web Desk | Updated: Dec 3, 2025 10:21 IST": "byline",
    "By John Smith, updated on Dec. 3, 2025.": "byline",
    "by rilister ( 316428 )": "byline",
    "By a Staff Reporter": "byline",
    "By the Associated Press": "byline",
    # a sign-up form's agreement
    "By submitting your email you agree to Redfin’s Terms of Use and Privacy Policy": "consent",
    "By signing up, you agree to our Privacy Policy": "consent",
    "By clicking Sign Me Up, you confirm you are 16+ and agree to our Terms of Use and "
    "Privacy Policy.": "consent",
    # a tag label alone or over its tags, a recipe's print button, a single-page link
    "Tags:": "navigation",
    "Tags: India, Pakistan, Kashmir": "navigation",
    "Schlagwörter: Klima, Energie": "navigation",
    "Etiquetas:": "navigation",
    "Print Recipe": "share-subscribe",
    "Rezept drucken": "share-subscribe",
    "Auf einer Seite lesen": "navigation",
    # a broken page's PHP warning, a calendar's weekday row, an old-browser notice
    "Strict Standards: Only variables should be passed by reference in "
    "/www/htdocs/wp-includes/wp-db.php on line 785": "markup",
    "Mo  Tu  We  Th  Fr  Sa  Su": "navigation",
    "M   D   M   D   F   S   S": "navigation",
    "Dein Browser ist leider veraltet.": "call-to-action",
    "Your browser is out of date. Update it to see this page.": "call-to-action",
    # prompts to share, recommend, not miss anything or write in
    "Artikel gefallen? Vergiss nicht zu teilen!": "call-to-action",
    "Empfiehl dies deinen Freunden.": "call-to-action",
    "Du willst nichts mehr verpassen?": "call-to-action",
    "Never miss the latest news by signing up to our newsletter": "call-to-action",
    "We want to hear what you think about this article.": "call-to-action",
    "Submit your letter to the editor via this form": "call-to-action",
    # a cookie-consent dialog's parts
    "Hier klicken, um Google Maps zu aktivieren/deaktivieren.": "consent",
    "Click to enable/disable Google Analytics tracking.": "consent",
    "Diese Cookies sind unbedingt erforderlich, um Ihnen die Dienste zur Verfügung zu stellen.": (
        "consent"
    ),
    "These cookies are strictly necessary to provide you with services available through our "
    "website.": "consent",
    "Notwendige Website Cookies": "consent",
    "Strictly Necessary Cookies": "consent",
    "Cookie- und Datenschutzeinstellungen": "consent",
    "Klicken Sie auf die verschiedenen Kategorienüberschriften, um mehr zu erfahren.": "consent",
    "Please accept YouTube cookies to play this video.": "consent",
    "Boing Boing uses cookies and analytics trackers, and is supported by advertising.": (
        "consent"
    ),
    "Wir respektieren es voll und ganz, wenn Sie Cookies ablehnen möchten.": "consent",
    # a prompt to get the site's app or join its channel, an image viewer's buttons
    "For the latest stories and breaking news updates download the Nationnews apps for iOS and "
    "Android.": "call-to-action",
    "Stay up-to-date on the latest news and scores. Download our mobile app here": (
        "call-to-action"
    ),
    "¿Ya sabías que en Guatemala.com tenemos canal de Telegram? Únete desde tu celular": (
        "call-to-action"
    ),
    "¡Mira lo que tiene nuestro canal de YouTube!": "call-to-action",
    "Bild anzeigen Bild schließen": "navigation",
    # an affiliate disclosure however long, a comment form's consent, a follow-us prompt
    "Note: Some posts may contain affiliate links. Read more in our Privacy Policy.": (
        "disclosure"
    ),
    "We may be compensated when you click on a link, when an application is approved, or when "
    "an account is opened from one or more of our advertising partners. Terms apply to the "
    "offers below. See our Advertising Policy for more about our partners, how we make money, "
    "and our rating methodology.": "disclosure",
    "By posting a comment, you consent to have your personally identifiable information "
    "collected and used in accordance with our privacy policy.": "consent",
    "Catch up on our in-depth coverage of tech and tools, and follow us on Facebook, "
    "Instagram, Twitter and TikTok to stay up to date.": "share-subscribe",
    # an embed held back for consent, buttons, a copyright line and a link in Polish
    "Empfohlener redaktioneller Inhalt": "consent",
    "Externer Inhalt": "consent",
    "An dieser Stelle finden Sie einen externen Inhalt von Twitter, der den Artikel ergänzt.": (
        "consent"
    ),
    "Flattr this:": "share-subscribe",
    "Jetzt registrieren": "share-subscribe",
    "Materiał chroniony prawem autorskim.": "footer",
    "Dowiedz się więcej": "navigation",
    # a blog archive's entries, folded and unfolded
    "► June (24)": "navigation",
    "▼ 2011 (580)": "navigation",
    "► Dezember (12)": "navigation",
    # a share row's buttons as a list renders them, and a story's e-mail button
    "- Tweet this": "share-subscribe",
    "- Digg this": "share-subscribe",
    "- Email": "share-subscribe",
    "• Print": "share-subscribe",
    "- Reprints": "share-subscribe",
    "Email this Story": "share-subscribe",
}


@pytest.mark.parametrize(("line", "kind"), SUPPORT_AND_FORM_LINES.items())
def test_support_pleas_form_fine_print_paywalls_bylines_and_filing_lines_are_chrome(line, kind):
    assert default_rules().line_kind(line) == kind


@pytest.mark.parametrize(
    "sentence",
    [
        "Donors who support independent journalism met in Delhi on Monday.",
        "The group said it would support our journalism school in Lahore.",
        "This post was posted in haste, the minister later admitted.",
        "Dieser Beitrag wurde veröffentlicht in der Zeitschrift Merkur.",
        "About 300 articles were published on the talks in 2024.",
        "Listen to the story of how the treaty was signed in Karachi.",
        # sentences that open with "By", which a byline does too
        "By then, India and Pakistan had agreed to talk.",
        "By the time the talks resumed, the border was calm.",
        "By Monday, the two sides had agreed to a ceasefire.",
        "By tracing the rings there's less chance of confusion.",
        "By the numbers:",
        "By signing up for the scheme, farmers agree to sell wheat at fixed prices.",
        # "Tag" is German for "day"; tags in a sentence are no tag row
        "Tag 3: Wir fahren nach Lahore",
        "Tags are how the archive sorts its stories.",
        "Warning: floods are expected in Sindh on Monday",
        "A B C D E F G H",
        "We want to hear what you think, the minister told farmers in Sindh on Monday.",
        "Never miss a chance to see the Indus in spring, locals say.",
        # options to enable or disable, and cookies in the news
        "Kill switch on all platforms with options (enable/disable on certain networks).",
        "Google uses cookies to track users across sites, the regulator said.",
        "Chrome will block third-party cookies next year.",
        "These cookies were baked by pilgrims at the Kartarpur corridor.",
        "TikTok remained one of the most downloaded apps in 2023, with 272 million installs.",
        "Farmers in Sindh download the weather app before they sow, officials said.",
        "The ministry asked traders to follow the rules on the border, officials said.",
        "By posting troops on the border, Pakistan signalled that it would not back down.",
        "Externer Inhalt der Kampagne wurde von der Behörde geprüft, sagte der Sprecher.",
        "Jetzt registrieren sich mehr Wähler als je zuvor, sagte die Wahlleiterin.",
        # a count in brackets with no archive arrow before it
        "Asus ROG Zephyrus G14 (2023)",
        "Árbitro central: Henry Bejarano (7)",
        # list items that name a share button's word
        "- Email the commission before Friday",
        "- Print copies of the treaty annexes",
    ],
)
def test_a_sentence_about_journalism_publishing_or_signing_up_is_no_chrome_line(sentence: str):
    assert default_rules().line_kind(sentence) is None


def test_a_short_paragraph_that_opens_with_by_stays_in_the_article():
    closing = "By Monday, the two sides had agreed to a ceasefire."
    paste = "\n\n".join(["Home", "World", *ARTICLE_PARAGRAPHS, closing, "Share this article"])
    assert extract_from_text(paste).text.split("\n\n")[-1] == closing
    html = (
        "<html><head><title>Talks at Wagah</title></head><body><nav><a href='/'>Home</a></nav>"
        "<article><h1>Talks at Wagah</h1>"
        + "".join(f"<p>{p}</p>" for p in [*ARTICLE_PARAGRAPHS, closing])
        + "</article><footer>About us</footer></body></html>"
    )
    assert extract_from_html(html).text.split("\n\n")[-1] == closing


def test_a_clean_text_that_opens_with_a_by_sentence_keeps_it():
    opening = "By Monday, both sides had agreed."
    text = "\n\n".join([opening, *ARTICLE_PARAGRAPHS])
    assert extract_from_text(text).text.split("\n\n")[0] == opening


def test_a_wrapped_line_that_opens_with_by_is_joined_to_its_paragraph():
    wrapped = (
        "Officials from both foreign ministries said the talks would resume next month to settle\n"
        "the trade questions, and that the visa rules would be eased for pilgrims and traders\n"
        "by the two governments."
    )
    first = extract_from_text("\n\n".join([wrapped, *ARTICLE_PARAGRAPHS])).text.split("\n\n")[0]
    assert first == " ".join(wrapped.split("\n"))


def _decide_with_scores(monkeypatch, texts: list[str], scores: list[float]):
    """The paste decision over ``texts`` with the line model's scores fixed: the rules
    around the model are what is under test."""
    from ipwire.tasks.clean import decisions

    lines = split_lines("\n\n".join(texts))
    assert len(lines) == len(scores)
    monkeypatch.setattr(decisions, "score_lines", lambda *_a, **_k: list(scores))
    return decisions.decide(lines, default_rules(), paste=True)


def test_a_share_row_under_the_byline_does_not_close_the_article(monkeypatch):
    lede, body = ARTICLE_PARAGRAPHS[0] + " " + ARTICLE_PARAGRAPHS[1], ARTICLE_PARAGRAPHS[2]
    row = ["Share this article", "Copy link", "Print"]
    tail = ["Imprint", "Contact"]
    for head in (["By Jane Doe"], ["Veröffentlicht am 26. Oktober 2023"]):
        texts = ["Home", lede, *head, *row, body, *tail]
        scores = [0.02, 0.95] + [0.5] * len(head) + [0.1] * len(row) + [0.6, 0.02, 0.02]
        keep = _decide_with_scores(monkeypatch, texts, scores).keep
        assert keep[texts.index(body)], head
    # the same row after a caption, with no byline above it, closes the article
    texts = ["Home", lede, "Photo: Jane Doe", *row, body, *tail]
    scores = [0.02, 0.95, 0.3] + [0.1] * len(row) + [0.6, 0.02, 0.02]
    decision = _decide_with_scores(monkeypatch, texts, scores)
    assert decision.cut_at == texts.index("Share this article")
    assert not decision.keep[texts.index(body)]
    # under a byline at the article's foot, with teasers and no prose below, it closes it
    teasers = ["Talks resume at Wagah", "Fishermen return home", "Border trade reopens"]
    texts = ["Home", lede, body, "Written by Jane Doe", *row, *teasers, *tail]
    scores = [0.02, 0.95, 0.95, 0.5] + [0.1] * len(row) + [0.6] * len(teasers) + [0.02, 0.02]
    decision = _decide_with_scores(monkeypatch, texts, scores)
    assert decision.cut_at == texts.index("Share this article")
    assert not any(decision.keep[texts.index(t)] for t in teasers)


def test_a_sentence_the_model_half_trusts_right_above_the_article_is_its_lede(monkeypatch):
    lede = "Talks between the two foreign ministries resumed at Wagah on Monday."
    body = ARTICLE_PARAGRAPHS
    for between in ([], ["Fishermen at the Wagah crossing"]):  # a caption between
        texts = ["Home", "World", lede, *between, *body, "Imprint", "Contact"]
        scores = [0.02, 0.02, 0.45] + [0.3] * len(between) + [0.9] * len(body) + [0.02, 0.02]
        keep = _decide_with_scores(monkeypatch, texts, scores).keep
        assert keep[texts.index(lede)], between
    # two lines between, a score the model doubts, or a chrome line on the way: no lede
    cases = [
        (["Fishermen", "at the Wagah crossing"], 0.45),
        ([], 0.3),
        (["Share this article"], 0.45),
    ]
    for between, score in cases:
        texts = ["Home", "World", lede, *between, *body, "Imprint", "Contact"]
        scores = [0.02, 0.02, score] + [0.3] * len(between) + [0.9] * len(body) + [0.02, 0.02]
        keep = _decide_with_scores(monkeypatch, texts, scores).keep
        assert not keep[texts.index(lede)], (between, score)


def test_a_first_sentence_with_a_full_stop_stays_in_the_body_even_as_the_title():
    for first, in_body in [
        ("The fishermen waited at the border for hours.", True),
        ("Fishermen wait at the Wagah border", False),  # a headline leaves the body
    ]:
        paste = "\n\n".join(["Home", "World", "Blog", first, *ARTICLE_PARAGRAPHS, "Imprint"])
        ex = extract_from_text(paste)
        assert ex.title == first
        assert ex.text.startswith(first) is in_body


MENU = ["Home", "World", "India", "Pakistan", "Opinion", "Sport", "Video", "Search"]


def test_a_doubted_paragraph_between_kept_lines_close_by_stays(monkeypatch):
    a, b, c = ARTICLE_PARAGRAPHS
    # under 20 words: a longer sentence inside the span stays at any distance (the test on
    # long sentences the model doubts)
    quote = (
        "“We have made real progress on the lists of prisoners and their families,” one "
        "official told reporters."
    )
    for gap, kept in ((["Photo", "Gallery"], True), (["Photo", "Gallery", "Video", "More"], False)):
        texts = [*MENU, a, b, *gap, quote, c, *MENU]
        scores = [0.02] * len(MENU) + [0.9, 0.9] + [0.1] * len(gap) + [0.4, 0.9]
        scores += [0.02] * len(MENU)
        keep = _decide_with_scores(monkeypatch, texts, scores).keep
        assert keep[texts.index(quote)] is kept, gap


def test_a_place_and_day_above_the_body_is_named_a_dateline_in_the_audit():
    paste = "\n\n".join(
        [
            "Home",
            "Punjab",
            "Haryana",
            "Himachal",
            "Amritsar, June 3",
            "Pakistan released 200 Indian fishermen on Friday, who were handed over to the "
            "border guards at the Attari-Wagah joint check post, an official said here.",
            "The fishermen crossed over to India around 1 am using travel certificates issued "
            "by the Indian mission in Islamabad, the official said.",
            "Most Read In 24 Hours",
            "Midnight hoax call near Golden Temple puts police on alert",
            "Four from Jind die in road accident on Panipat road",
            "Railway minister visits accident site",
        ]
    )
    ex = extract_from_text(paste)
    assert ex.text.startswith("Pakistan released 200 Indian fishermen")
    assert {b.text: b.kind for b in ex.stripped}["Amritsar, June 3"] == "dateline"


@pytest.mark.parametrize(
    ("line", "dateline"),
    [
        ("Amritsar, June 3", True),
        ("New Delhi | 3 December 2025", True),
        (
            "Email the author | Follow on Twitter on December 29, 2014 at 3:21 PM, updated "
            "December 29, 2014 at 4:11 PM",
            True,
        ),
        # a paragraph that names a day and a clock time is the article's, however it ends
        (
            "Unter dem Titel Politik im Netz veranstaltet die Stiftung am Samstag, 31. Januar "
            "2015, zwischen 10:00 und 17:00 Uhr eine Tagung in Stuttgart, zu der alle "
            "Interessierten eingeladen sind",
            False,
        ),
        ("The talks resumed on December 29, 2014 at 3:21 PM in Islamabad.", False),
    ],
)
def test_only_a_short_dated_line_that_is_no_sentence_is_a_head_dateline(line, dateline):
    from ipwire.tasks.clean.lines import split_lines
    from ipwire.tasks.clean.passes import _is_head_dateline

    assert _is_head_dateline(split_lines(line)[0]) is dateline


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Share this article", "share-subscribe"),
        ("TwitterFacebookWhatsApp", "share-subscribe"),
        ("Join 84,900 other subscribers", "share-subscribe"),
        ("Kim Kardashian shares more snaps from her birthday party", "related-links"),
        (
            "J-10C fighter jet is seen in action in a picture shared by China's Shen Shiwei "
            "on Twitter. – Reuters",
            "related-links",
        ),
    ],
)
def test_a_stripped_line_is_named_a_share_prompt_only_for_its_share_words(line: str, kind: str):
    from ipwire.tasks.clean.decisions import _kind_for

    (parsed,) = split_lines(line)
    assert _kind_for(parsed, default_rules(), after_article=True) == kind


def test_a_tail_caption_naming_a_chrome_word_in_passing_stays_with_the_article(monkeypatch):
    # photo captions after the article, one of them saying where the picture was shared, are
    # the article's, though the line model doubts the end of a paste; a call to follow the
    # site is chrome, and the tail it stands in is left to the model
    timeline = [f"June {d}: talks at the border crossing, day {d}" for d in range(2, 8)]
    tail = [
        "A J-10C fighter jet is seen in action in a picture shared on Twitter. - Reuters",
        "The prime minister with other guests at the induction ceremony. - Photo: PMO",
    ]
    scores = [0.9] * 3 + [0.6] * 6 + [0.05, 0.05]
    decision = _decide_with_scores(monkeypatch, [*ARTICLE_PARAGRAPHS, *timeline, *tail], scores)
    assert not decision.clean
    assert decision.keep[-2:] == [True, True]
    tail[0] = "Follow us on Twitter"
    decision = _decide_with_scores(monkeypatch, [*ARTICLE_PARAGRAPHS, *timeline, *tail], scores)
    assert decision.keep[-2:] == [False, False]


def test_most_viewed_rails_and_discussion_heads_close_a_clean_text():
    rules = default_rules()
    for heading in ("Empfehlungen aus der Redaktion", "Top Themen der Redaktion", "Editor's picks"):
        assert rules.marker_kind(heading) == "related-links", heading
    assert rules.marker_kind("- Most Viewed") == "related-links"
    assert rules.marker_kind("Most Shared") == "related-links"
    assert rules.marker_kind("Discussion about this post") == "comments"
    # a sentence that opens with the words is the article's
    assert rules.marker_kind("Most viewed the talks as a step forward, officials said.") is None
    for tail in (["- Most Viewed", "- Most Popular"], ["Discussion about this post"]):
        ex = extract_from_text("\n\n".join([*ARTICLE_PARAGRAPHS, *tail]))
        assert ex.text.splitlines()[-1] == ARTICLE_PARAGRAPHS[-1], tail
        assert {s.text for s in ex.stripped} >= set(tail)


def test_published_stamps_after_a_clean_texts_last_paragraph_are_dropped():
    # the stamps of a related-stories list pasted under a news text, without their
    # headlines; a paragraph that names a date stays
    stamps = ["- Published30 October 2012", "- Published16 July 2012"]
    ex = extract_from_text("\n\n".join([*ARTICLE_PARAGRAPHS, *stamps]))
    assert ex.text.splitlines()[-1] == ARTICLE_PARAGRAPHS[-1]
    assert {s.text for s in ex.stripped} >= set(stamps)
    assert extract_from_text("\n\n".join(stamps[:1] + ARTICLE_PARAGRAPHS)).text.startswith(
        ARTICLE_PARAGRAPHS[0]
    )


def test_a_records_title_and_author_read_as_readers_see_them_entities_decoded():
    import json

    from ipwire.tasks.clean import clean_document
    from ipwire.tasks.sources import make_raw

    text = (
        "India and Pakistan agreed on Monday to resume talks on the Indus Waters Treaty after "
        "a gap of two years, officials in both capitals said, and the commissioners will meet "
        "in Lahore next month to exchange flood data."
    )
    record = {
        "url": "https://example.com/indus",
        "title": "India &amp; Pakistan &#8211; talks &amp;#8230; resume",
        "author": "Staff &amp;amp; agencies",
        "text": text,
    }
    raw = make_raw(
        "jsonl",
        "records.jsonl#L1",
        "2026-12-05T00:00:00Z",
        "application/json",
        json.dumps(record).encode("utf-8"),
        url=record["url"],
        hints={k: record[k] for k in ("url", "title", "author")},
    )
    article = clean_document(raw)
    assert article.title == "India & Pakistan – talks … resume"
    assert article.author == "Staff & agencies"


def test_an_author_box_under_the_article_is_cut_with_its_heading():
    bio = (
        "Ayesha Khan is a senior correspondent who has covered the region for the paper "
        "since 2009 and writes a weekly column on water policy."
    )
    for heading in ("About the author", "Über den Autor", "Sobre el autor"):
        menu = ["Home", "World", "Politics", "Business", "Sport", "Opinion", "Sign in"]
        foot = ["Contact us", "Privacy Policy", "© 2025 The Courier"]
        paste = "\n\n".join([*menu, *ARTICLE_PARAGRAPHS, heading, bio, *foot])
        ex = extract_from_text(paste)
        assert ex.text.split("\n\n")[-1] == ARTICLE_PARAGRAPHS[-1], heading
        assert ("byline", heading) in {(s.kind, s.text) for s in ex.stripped}
        assert bio not in ex.text


def test_soft_hyphens_split_no_word_in_pastes_or_pages():
    shy = "\u00ad"
    paragraphs = [p.replace("border", f"bor{shy}der") for p in ARTICLE_PARAGRAPHS]
    share = f"Face{shy}book Twit{shy}ter Pin{shy}te{shy}rest E-Mail Whats{shy}App"
    ex = extract_from_text("\n\n".join(["Home", "World", *paragraphs, share]))
    assert shy not in ex.text and "Wagah border on Monday" in ex.text
    assert share.replace(shy, "") in {s.text for s in ex.stripped}
    html = (
        f"<html><head><title>Talks at the Wagah bor{shy}der</title></head><body><article>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    page = extract_from_html(html)
    assert page.title == "Talks at the Wagah border"
    assert shy not in page.text


def test_the_writers_bio_under_the_article_is_a_byline_not_the_story():
    bio = "Kelia Reinoso is a content writer at Tastewise with six years in journalism."
    menu = ["Home", "World", "Politics", "Business", "Sport", "Opinion", "Sign in"]
    foot = ["Contact us", "Privacy Policy", "© 2025 The Courier"]
    ex = extract_from_text("\n\n".join([*menu, *ARTICLE_PARAGRAPHS, bio, *foot]))
    assert ex.text.split("\n\n")[-1] == ARTICLE_PARAGRAPHS[-1]
    assert ("byline", bio) in {(s.kind, s.text) for s in ex.stripped}
    # a person the story is about, in the middle of it, stays
    inside = "John Smith is a journalist who was held in Karachi for two weeks in March."
    body = [ARTICLE_PARAGRAPHS[0], inside, *ARTICLE_PARAGRAPHS[1:]]
    assert inside in extract_from_text("\n\n".join([*menu, *body, *foot])).text


def test_an_author_box_goes_whole_with_the_name_over_the_bio_and_what_follows_it():
    menu = ["Home", "World", "Politics", "Business", "Sport", "Opinion", "Sign in"]
    foot = ["Contact us", "Privacy Policy", "© 2025 The Courier"]
    box = [
        "Dennis Moons",
        "Dennis Moons is the founder and lead instructor at Store Growers.",
        "He's a Google Ads expert with over twelve years of experience in running campaigns.",
        "Hire Marketers",
    ]
    ex = extract_from_text("\n\n".join([*menu, *ARTICLE_PARAGRAPHS, *box, *foot]))
    assert ex.text.split("\n\n")[-1] == ARTICLE_PARAGRAPHS[-1]
    assert ("byline", box[1]) in {(s.kind, s.text) for s in ex.stripped}
    # a closing paragraph about a person in the story, with no bio above it, stays
    closing = (
        "He said the families of the fishermen would wait at the crossing until both"
        " governments had exchanged the lists of prisoners, as they were promised on Monday."
    )
    ex = extract_from_text("\n\n".join([*menu, *ARTICLE_PARAGRAPHS, closing, *foot]))
    assert ex.text.split("\n\n")[-1] == closing


def test_a_lede_above_the_lead_pictures_caption_is_kept():
    from ipwire.tasks.clean.passes import _keep_lede

    rules = default_rules()
    lines = split_lines(
        "Both sides want to settle the dispute over the dams before the sowing season begins.\n\n"
        "The Indian delegation arrives at the Wagah border on Monday. Photo: AFP\n\n"
        "The Permanent Indus Commission of India and Pakistan met in Lahore on Tuesday for the"
        " first time in two years, officials of both countries said on Tuesday evening."
    )
    assert rules.line_kind(lines[1].text) == "caption"
    keep = [False, False, True]
    assert _keep_lede(lines, keep, [0.45, 0.2, 0.95], 2, rules) == 0
    assert keep == [True, False, True]  # the caption itself stays out
    # any other chrome between still ends the search
    lines[1] = split_lines("Listen to this article")[0]
    keep = [False, False, True]
    assert _keep_lede(lines, keep, [0.45, 0.2, 0.95], 2, rules) == 2
    assert keep == [False, False, True]


def test_a_newsrooms_update_or_correction_note_is_the_articles_own():
    from ipwire.tasks.clean.lines import is_closing_note

    for note in (
        "Update July 3rd, 8:05AM ET: Added ARKit explanation and tweet.",
        "Correction: An earlier version of this story misstated the date of the talks.",
        "Editor’s note: This story has been updated with the foreign office's statement.",
        "Anmerkung der Redaktion: In einer früheren Version hieß es, die Gespräche seien vertagt.",
        "Mise à jour : le ministre a répondu mardi soir.",
    ):
        assert is_closing_note(note), note
    for line in (
        "Updated: Dec 3, 2025 10:21 IST",  # a stamp: the dateline readers take it
        "UPDATED: 03 DEC 2025",
        "Updates from the border: what we know",
        "Correctional officers protested in Lahore: the police said.",
    ):
        assert not is_closing_note(line), line
    # in HTML, the line model's doubt alone does not drop it from the end of the article
    body = (
        "The two delegations met in Lahore on Tuesday and agreed to meet again in New Delhi"
        " before the end of the year, the foreign office said in a statement."
    )
    for note in (
        "Update July 3rd, 8:05AM ET: Added ARKit explanation and tweet.",
        "Update, 3:45 PM: Added video.",
        "Correction: An earlier version misstated the date.",
    ):
        text, stripped, _ = _filter_blocks_cut(body + "\n" + note, default_rules(), None)
        assert text.endswith(note), stripped


def test_a_sentence_broken_across_lines_is_read_whole_by_the_line_model():
    # a closing paragraph hard-wrapped with <br>: each piece read alone looks like a menu item
    pieces = [
        "In conclusion, the new customs rules at the Wagah crossing cover textiles,",
        "surgical goods, sports goods and cement shipped by small exporters, and",
        "officials on both sides expect the time trucks wait at the gate to fall",
        "from three days to one before the end of the year.",
    ]
    html = (
        "<html><head><title>Talks at Wagah</title></head><body><nav><a href='/'>Home</a></nav>"
        "<article><h1>Talks at Wagah</h1>"
        + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
        + "<p>"
        + "<br>".join(pieces)
        + "</p></article><footer>About us</footer></body></html>"
    )
    ex = extract_from_html(html)
    for piece in pieces:
        assert piece in ex.text


@pytest.mark.parametrize(
    ("line", "by_prefix"),
    [
        ("Recommended courses:", True),
        ("Related Posts:", False),
        ("RELATED:", False),
        ("You might also like:", False),
        ("Lesen Sie auch:", False),
        ("The ministry said on Monday", False),
    ],
)
def test_a_marker_met_only_by_its_opening_words_is_told_from_a_whole_marker_phrase(
    line: str, by_prefix: bool
):
    assert default_rules().marker_by_prefix(line) is by_prefix


TEASER_EXCERPTS = """Mode
Beauty
Lifestyle
Kultur

Herbstmode: Der Mantel kehrt zurück

Kaum ein Kleidungsstück hat die Schauen der Saison so geprägt wie der lange Wollmantel. Fast \
jedes große Haus zeigte ihn in gedeckten Farben und mit breiten Revers.

Händler berichten, dass die Nachfrage schon im September deutlich gestiegen ist.

Neueste Artikel

12. Oktober 2024, 09:15 Im Mittelpunkt der neuen Kampagne des Pariser Modehauses steht in \
diesem Herbst die Stadt selbst, die von Fotografen bei Nacht […]

11. Oktober 2024, 18:40 Die Designerin hat ihr erstes eigenes Label gegründet und zeigt die \
Kollektion im kommenden Frühjahr bei der Modewoche in […]

11. Oktober 2024, 10:05 Nach drei Jahren kehrt die Schau auf den alten Flughafen zurück, wo \
sie einst begonnen hatte, und die Veranstalter erwarten [...]

Alle News
"""


def test_teaser_excerpts_cut_with_a_bracketed_ellipsis_are_stripped_as_related_links():
    ex = extract_from_text(TEASER_EXCERPTS)
    assert ex.text.endswith("deutlich gestiegen ist.")
    assert "Modehauses" not in ex.text and "Flughafen" not in ex.text
    teasers = [s.text for s in ex.stripped if s.kind == "related-links"]
    assert sum(t.endswith(("[…]", "[...]")) for t in teasers) == 3


def test_a_quotation_whose_end_the_article_elides_is_no_teaser():
    # one line cut with "[…]" is as often a quotation as an excerpt: only a list of them is
    # teasers (in a paste that holds such a list, a quotation cut the same way goes with it)
    quote = (
        "„Melancholie ist zugleich Auflehnung und Ergebung, Aufbruch und Stillstand, "
        "Erinnerung und Vergessen […]"
    )
    head, _ = TEASER_EXCERPTS.split("Neueste Artikel")
    paste = head.replace(
        "Händler berichten,", quote + "\n\nSolche Sätze klingen gut, sagen Händler, und berichten,"
    )
    ex = extract_from_text(paste + "Impressum\nDatenschutz\n")
    assert quote in ex.text.splitlines()
    assert "Impressum" not in ex.text


# A news paste of my own making: a subscription prompt or a stock-quotes banner above the
# headline, writers' names joined by a slash, and a list label deep in the body.
_RIVER_BODY = (
    "Officials from both countries met in Lahore on Monday to review the flow data of the "
    "western rivers, the first such meeting in more than two years, according to a joint "
    "statement issued after the talks.\n\n"
    "The commissioners agreed to exchange flood warnings during the monsoon months and to "
    "schedule site visits to two hydropower projects before the end of the year, the "
    "statement said, adding that both sides had raised technical objections.\n\n"
    "Analysts in both capitals said the meeting showed that the treaty's machinery still "
    "worked even when other channels of dialogue were closed, though they cautioned against "
    "reading too much into a single round of technical talks.\n\n"
)


def test_a_prompt_not_to_miss_a_sites_best_is_no_title_and_leaves_as_a_call_to_action():
    paste = "Don't want to miss the best from The Daily Ledger?\n" + _RIVER_BODY
    ex = extract_from_text(paste)
    assert ex.title is None
    assert ("call-to-action", "Don't want to miss the best from The Daily Ledger?") in [
        (s.kind, s.text) for s in ex.stripped
    ]
    assert ex.text.startswith("Officials from both countries")


def test_a_live_quotes_banner_gives_way_to_the_headline_under_the_breadcrumb():
    paste = (
        "GET LIVE MARKET QUOTES & NEWS\nDownload App\nHomeNewsWorld\n\n"
        "Indus commissioners meet in Lahore after two-year gap\n\n"
        "Ledger News\nNov 24, 2022 / 02:00 PM IST\n\n" + _RIVER_BODY
    )
    ex = extract_from_text(paste)
    assert ex.title == "Indus commissioners meet in Lahore after two-year gap"
    assert ("call-to-action", "GET LIVE MARKET QUOTES & NEWS") in [
        (s.kind, s.text) for s in ex.stripped
    ]


def test_writers_names_joined_by_a_slash_are_no_title():
    paste = "Amna Qureshi/ Rahul Mehta\n\nIslamabad/New Delhi\n\n" + _RIVER_BODY
    ex = extract_from_text(paste)
    assert ex.title != "Amna Qureshi/ Rahul Mehta"
    assert "Amna Qureshi" not in ex.text


def test_a_list_label_under_three_long_paragraphs_is_no_title():
    # a text with no headline: the label heading a list of names far into the body, and the
    # list's lines, are the body's own
    paste = (
        _RIVER_BODY
        + "Delegations at the talks:\n\nPakistan\n\n"
        + "Syed Ali Haider, Nadia Rehman, Imran Qadir, Faisal Akram.\n\n"
        + "India\n\nArvind Kumar, Meera Pillai, Sanjay Rao, Deepak Verma.\n"
    )
    ex = extract_from_text(paste)
    assert ex.title is None
    assert "Delegations at the talks:" in ex.text
