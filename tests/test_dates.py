"""Publication dates of bare texts (`find_published`) and the record's own date winning.

The texts here are written for these tests: short headers, datelines and stamps in the shapes
news sites use, each followed by a paragraph of prose so the date sits where a page puts it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from ipwire.tasks.clean import extract_from_text, normalise_published, parse_date
from ipwire.tasks.clean.dates import headline_without_date
from ipwire.tasks.clean.lines import split_lines
from ipwire.tasks.clean.published import find_published, parse_stamp
from ipwire.tasks.clean.stage import clean_document, extract_path
from ipwire.tasks.sources import make_raw

PROSE = (
    "Officials from both countries met for a second round of talks on water sharing and "
    "agreed to keep the commission meeting every year, a statement from the foreign office "
    "said after the meeting ended late in the evening."
)
MORE = (
    "The delegations also discussed the release of fishermen held in each other's jails and "
    "the timetable for the next round, which is expected to take place after the monsoon."
)


def published(*header: str, body: str = PROSE, footer: tuple[str, ...] = ()) -> str | None:
    """The date found in a text made of ``header`` lines, prose, and ``footer`` lines."""
    text = "\n\n".join([*header, body, MORE, *footer])
    return find_published(split_lines(text))


# --- shapes that carry a date ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Jan 1, 2023", "2023-01-01"),
        ("March 26th, 2023", "2023-03-26"),
        ("2023-03-26", "2023-03-26"),
        ("26.03.2023", "2023-03-26"),
        ("14-10-2024", "2024-10-14"),
        ("10 April,2016", "2016-04-10"),
        ("Published October 22,2024", "2024-10-22"),
        ("The Hawk May18/ 2024", "2024-05-18"),
        ("Tuesday, 17 July, 2001, 12:55 GMT 13:55 UK", "2001-07-17T12:55:00+00:00"),
    ],
)
def test_a_short_date_line_in_the_header_gives_the_day(line, expected):
    assert published("Talks resume on the Indus waters", line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Updated: February 25, 2021 13:04 IST", "2021-02-25T13:04:00+05:30"),
        ("Published: 12 Mar 2024, 10:05 PKT", "2024-03-12T10:05:00+05:00"),
        ("Published Jun 22, 2017, 7:53 pm IST", "2017-06-22T19:53:00+05:30"),
        (
            "Updated: 14-10-2024 20:42 IST | Created: 14-10-2024 20:32 IST",
            "2024-10-14T20:32:00+05:30",
        ),
        ("March 08, 2022 / 16:39 IST", "2022-03-08T16:39:00+05:30"),
        ("13 Jun 2019, 14:25 GMT+10", "2019-06-13T14:25:00+10:00"),
        ("By Staff 2010-01-01 09:32:17 UTC", "2010-01-01T09:32:17+00:00"),
        ("2010-01-01 09:32:17", "2010-01-01"),
        (
            "Published: 22:00 GMT, 26 September 2020 | Updated: 08:39 GMT, 28 September 2020",
            "2020-09-26T22:00:00+00:00",
        ),
        ("Mar 11, 2026 9:00 am PT", "2026-03-11"),
        ("December 16, 2025 11:15 AM", "2025-12-16"),
    ],
)
def test_a_stamp_keeps_the_publishers_offset_only_when_a_zone_is_named(line, expected):
    assert published("Talks resume on the Indus waters", line) == expected


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("New Delhi, April 24, 2025 (PTI) – ", "2025-04-24"),
        ("LONDON, May 7, 2025 (BSS/AFP) - ", "2025-05-07"),
        ("SRINAGAR, India, Sept 18, 2016 (Reuters) - ", "2016-09-18"),
        ("Bishkek [Kyrgyzstan], 13 June 2019 (ANI): ", "2019-06-13"),
        ("Karachi/ Lahore, Monday, 3 February 2020: ", "2020-02-03"),
    ],
)
def test_a_dateline_opening_the_first_paragraph_gives_the_day(first, expected):
    assert published("Talks resume on the Indus waters", body=first + PROSE) == expected


def test_a_dateline_after_a_standfirst_is_still_found():
    standfirst = "A short summary of the story that runs on for quite a few words " * 2
    body = "ISLAMABAD, 2 January 2019: " + PROSE
    assert published("Talks resume", body=standfirst.strip() + ".\n\n" + body) == "2019-01-02"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Written by Sara Khan June 23, 2023 | 12:43 pm 2 min read", "2023-06-23"),
        ("Staff ReporterJanuary 01, 2018", "2018-01-01"),
        ("By Ali Raza | Updated: May 6, 2025 22:02 IST", "2025-05-06T22:02:00+05:30"),
        ("Story by IANS | Posted by Desk | Date 31-05-2022", "2022-05-31"),
    ],
)
def test_a_date_after_a_byline_gives_the_day(byline, expected):
    assert published("Talks resume on the Indus waters", byline) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("15 मार्च 2024", "2024-03-15"),
        ("अपडेट: १५ मार्च २०२४", "2024-03-15"),
        ("۱۵ مارچ ۲۰۲۴", "2024-03-15"),
        ("Publié le 15 mars 2024 à 10:05", "2024-03-15"),
        ("15 de marzo de 2024", "2024-03-15"),
        ("Veröffentlicht am 15. März 2024", "2024-03-15"),
    ],
)
def test_month_names_and_digits_of_other_languages_are_read(line, expected):
    assert published("Talks resume on the Indus waters", line) == expected


def test_a_first_published_stamp_at_the_end_is_found_when_the_top_has_none():
    footer = ("tags #Railways #Samjhauta", "First Published: Wed, May 01 2019. 18:50 IST")
    assert published("Talks resume", footer=footer) == "2019-05-01T18:50:00+05:30"


def test_a_published_stamp_outranks_an_update_stamp_above_it():
    assert (
        published("Talks resume", "Updated on June 24, 2023", "Published June 23, 2023")
        == "2023-06-23"
    )


def test_the_first_date_of_a_stamp_line_outranks_its_update():
    line = "Posted by Desk on March 3, 2024 at 9:10 PM, updated March 4, 2024 at 10:09 AM"
    assert published("Talks resume on the Indus waters", line) == "2024-03-03"


def test_a_published_stamp_outranks_a_bare_date_in_the_page_header_above_it():
    header = ("Monday, March 4, 2024 | Lahore 21°C", "Talks resume on the Indus waters")
    assert published(*header, "Published: 10:00 PKT, 2 March 2024") == "2024-03-02T10:00:00+05:00"


# --- shapes that must not give a date -------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "NEW DELHI , APRIL 15 :",
        "Islamabad, April 24: Pakistan on Thursday put the accord on hold.",
        "Updated Aug. 7, 12:45 p.m.",
        "Updated yesterday at 10:05 IST",
        "Published 2 hours ago",
        "Posted on Thursday",
        "Page 12 of 18",
    ],
)
def test_no_date_is_made_up_without_a_year(header):
    assert published("Talks resume on the Indus waters", header) is None


def test_a_date_inside_running_prose_is_an_event_not_the_publication_date():
    body = (
        "The two sides met in Islamabad to review the agreement signed on 21 May 2008, under "
        "which both governments exchange lists of prisoners twice a year, officials said."
    )
    assert published("Talks resume on the Indus waters", body=body) is None


def test_a_date_in_a_quoted_tweet_or_photo_caption_deep_in_the_body_is_not_taken():
    tweet = "Talks begin in Islamabad pic.twitter.com/abc — Foreign Office (@FO) July 10, 2022"
    assert published("Talks resume", body=PROSE + "\n\n" + MORE + "\n\n" + tweet) is None


@pytest.mark.parametrize("line", ["03-04-2024", "03/04/2024"])
def test_an_ambiguous_numeric_date_without_a_zone_gives_nothing(line):
    assert published("Talks resume on the Indus waters", line) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("03-04-2024 10:00 IST", "2024-04-03T10:00:00+05:30"),
        ("03/04/2024 10:00 EST", "2024-03-04T10:00:00-05:00"),
    ],
)
def test_an_ambiguous_numeric_date_follows_its_zones_convention(line, expected):
    assert published("Talks resume on the Indus waters", line) == expected


def test_the_texts_other_numeric_dates_settle_which_number_is_the_day():
    teasers = ("More from the desk", "11.24.2025")
    assert published("Talks resume", "09.10.2024", footer=teasers) == "2024-09-10"


def test_a_list_of_dated_teasers_is_not_a_publication_date():
    teasers = []
    for day in (3, 4, 5):
        teasers += [f"Another story headline number {day}", f"March {day}, 2024"]
    assert published(*teasers) is None


def test_several_dated_lines_at_the_end_are_related_stories_not_a_stamp():
    footer = ("- Published30 October 2012", "- Published16 July 2012", "- Published7 April 2012")
    assert published("Talks resume", footer=footer) is None


def test_a_date_in_the_future_is_not_a_publication_date():
    ahead = date.today() + timedelta(days=40)
    assert published("Talks resume", ahead.strftime("%B %d, %Y")) is None


# --- the parts around it --------------------------------------------------------------------


def test_parse_date_still_accepts_only_what_it_accepted_before():
    assert parse_date("Published 26.03.2023") is None
    assert parse_date("15 मार्च 2024") is None
    assert parse_date("March 26th, 2023") == "2023-03-26"
    assert parse_date("2022-08-08T10:30:00+05:30") == "2022-08-08T10:30:00+05:30"


def test_parse_stamp_reads_one_value_with_a_named_zone():
    assert parse_stamp("12 Mar 2024, 10:05 PKT") == "2024-03-12T10:05:00+05:00"
    assert parse_stamp("2025-05-06T21:59:17+5:30") == "2025-05-06T21:59:17+05:30"
    assert parse_stamp("in a while") is None


def test_extract_from_text_reports_the_dateline_of_a_bare_article():
    text = "\n\n".join(
        ["India, Pakistan resume Indus talks", "New Delhi, April 24, 2025 (PTI) – " + PROSE, MORE]
    )
    assert extract_from_text(text).published_at == "2025-04-24"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12 Mar 2024, 10:05 PKT", "2024-03-12T10:05:00+05:00"),
        ("Fri, 10 May 2024 09:30:00 -0000", "2024-05-10T09:30:00+00:00"),
        ("yesterday", None),
        ("2 hours ago", None),
        ("Thursday", None),
        ("March 2024", None),
    ],
)
def test_a_record_date_is_normalised_and_never_made_up_from_the_clock(value, expected):
    assert normalise_published(value) == expected


ARTICLE = "LONDON, May 7, 2025 (AFP) - " + PROSE + "\n\n" + MORE


def _record_published(tmp_path: Path, record: dict) -> str | None:
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"title": "Talks resume", "text": ARTICLE, **record}) + "\n")
    return extract_path(str(path))["published_at"]


def test_a_json_records_own_date_wins_over_the_date_in_its_text(tmp_path):
    got = _record_published(tmp_path, {"published": "2025-05-08T09:30:00+01:00"})
    assert got == "2025-05-08T09:30:00+01:00"


def test_a_json_record_without_a_real_date_keeps_the_date_in_its_text(tmp_path):
    assert _record_published(tmp_path, {}) == "2025-05-07"
    assert _record_published(tmp_path, {"published": "yesterday"}) == "2025-05-07"


def test_a_feed_entrys_date_wins_over_the_date_on_its_page():
    page = (
        "<html><head><meta property='article:published_time' content='2020-01-01T08:00:00Z'>"
        f"</head><body><article><h1>Talks resume</h1><p>{PROSE}</p><p>{MORE}</p>"
        "</article></body></html>"
    )
    raw = make_raw(
        "page",
        "https://example.com/talks",
        "2025-05-09T00:00:00+00:00",
        "text/html",
        page.encode(),
        url="https://example.com/talks",
        hints={"published": "2025-05-08T06:00:00+00:00"},
    )
    assert clean_document(raw, min_words=10).published_at == "2025-05-08T06:00:00+00:00"
    raw.hints.clear()
    assert clean_document(raw, min_words=10).published_at == "2020-01-01T08:00:00+00:00"


def test_an_impossible_clock_time_or_a_future_numeric_date_is_never_stored():
    assert parse_stamp("Published: 2024-05-06T25:10+05:30") == "2024-05-06"
    assert parse_stamp("Published: 2024-05-06T21:10+05:30") == "2024-05-06T21:10:00+05:30"
    assert parse_stamp("Updated 05/06/2099 10:00 IST") is None


@pytest.mark.skipif(
    not (Path(__file__).resolve().parents[2] / "shared" / "eval").exists(),
    reason="shared evaluation data not available",
)
def test_labelled_texts_that_show_their_date_get_it_on_the_right_day():
    """Floors a little below what bench/eval_dates.py measures on the 487 labelled texts:
    68 of the 75 texts that write their day with its year are dated (90.7%), all 68 on the
    labelled day; 5 of 277 texts labelled without a date get one (each a date the text shows)."""
    from bench_scripts import load

    ev = load("eval_dates")
    rows = ev.load_labels(ev.LABELS)
    s = ev.score(rows, ev.extract_dates(rows))
    assert s["shown_found"] / s["shown"] >= 0.9
    assert s["right"] / s["found"] >= 0.97
    assert s["invented"] / s["undated"] <= 0.025


def test_a_day_month_comma_year_without_a_space_is_read():
    from ipwire.tasks.clean.dates import parse_date

    assert parse_date("12 February,2024 03:09 PM IST | Islamabad") == "2024-02-12"
    assert parse_date("12 February, 2024") == "2024-02-12"


@pytest.mark.parametrize(
    ("line", "headline"),
    [
        ("AoAH Day 15: Porting an HTML5 parser / Dec 2025", "AoAH Day 15: Porting an HTML5 parser"),
        ("A guide to wine types and styles - 3 October 2023", "A guide to wine types and styles"),
        ("Dec 18 2025 Preparing a transition in Debusine", "Preparing a transition in Debusine"),
        ("Advent of Code 2025 week 2 20 December 2025", "Advent of Code 2025 week 2"),
    ],
)
def test_a_headline_printed_with_its_date_loses_the_date(line: str, headline: str):
    assert headline_without_date(line) == headline


@pytest.mark.parametrize(
    "line",
    [
        "Modi and Sharif meet on 12 March 2024",  # the date is the sentence's
        "Talks to resume in March 2025",
        "The Best Albums of November and December 2025",
        "Frank Hahn am 18. September 2019",  # a German day before the month
        "Updated May 30, 2023",  # nothing of a headline left
        "Talks resume in Islamabad",  # no date at all
    ],
)
def test_a_date_inside_the_headline_stays(line: str):
    assert headline_without_date(line) is None


def test_a_paste_title_printed_with_its_month_comes_without_it():
    body = (
        "Security forces killed a militant commander in an encounter in Bijapur district on "
        "Sunday, the police said, after a tip-off about senior cadres in the national park.\n\n"
        "The inspector general said a joint team was sent to the area for a search operation "
        "and that firing broke out in the morning; a rifle and explosives were recovered.\n\n"
    )
    paste = "Home\nWorld\nIndia\n\nMilitant commander killed in Bijapur encounter / Dec 2025\n\n"
    assert extract_from_text(paste + body).title == "Militant commander killed in Bijapur encounter"
