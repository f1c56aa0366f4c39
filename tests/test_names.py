"""Names read from bylines, in a page's markup and in pastes."""

from __future__ import annotations

import pytest

from ipwire.tasks.clean.names import byline_name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("Author: Sam Lee | May 3, 2024", "Sam Lee"),
        ("by Ayaz Gul April 14, 2016", "Ayaz Gul"),
        ("Kristian Larsen July 13, 2025 — 7 minutes read", "Kristian Larsen"),
        ("Dec 19, 2025 · Niko Matsakis on behalf of Vision Doc group", "Niko Matsakis"),
        ("Summer Swann-June 12, 2025", "Summer Swann"),
        ("Jeff Cobb.", "Jeff Cobb"),
        ("Kaufman, Jeff T.", "Kaufman, Jeff T."),
        ("Erstellt von Andri Bryner", "Andri Bryner"),
        ("Jean de la Fontaine", "Jean de la Fontaine"),
        ("Carlos de los Santos", "Carlos de los Santos"),
        ("Ein Artikel von Pamela Sladky", "Pamela Sladky"),
        ("VON MORITZ GATHMANN", "MORITZ GATHMANN"),
        ("Von Miller", "Von Miller"),
        ("Jane Doe, Staff Writer", "Jane Doe"),
        ("Harry Rabinowitz Tech Reporter", "Harry Rabinowitz"),
        ("Con Coughlin", "Con Coughlin"),
        ("王小明", "王小明"),
        ("王华", "王华"),
        # a month that is a name's word, with no date after it, stays
        ("Theresa May", "Theresa May"),
        ("Marcus April", "Marcus April"),
    ],
)
def test_a_bylines_name_loses_its_label_date_and_role(text: str, name: str):
    assert byline_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "January 3, 2024",
        "Home | About | Contact",
        "PAR LES TEMPS QUI COURENT",
        "By",
        "Von",
        "Sat",
        "Donnerstag",
        "S.",
        "Letters to the Editor",
        "By Staff Writer",
        "By Special Correspondent",
        "Über den Autor",
        "View all posts",
        "Name(required) Email(required) Comment(required)",
        "jane writes about food and travel",
        "Jane writes about food, travel and the places in between for our magazine every week",
    ],
)
def test_a_date_a_menu_a_form_or_a_sentence_is_no_name(text: str):
    assert byline_name(text) is None


def test_a_declared_author_may_be_a_lower_case_user_name():
    assert byline_name("gnaddrig") is None
    assert byline_name("gnaddrig", declared=True) == "gnaddrig"


def test_a_filter_menu_of_by_lines_or_a_bare_by_before_one_word_names_no_author():
    from ipwire.records import Stripped
    from ipwire.tasks.clean.metadata import stripped_byline_author

    def author(*lines: str, kind: str = "byline") -> str | None:
        return stripped_byline_author([Stripped(kind, t) for t in lines])

    assert author("By Industry", "Share", "By Company Size") is None
    assert author("By Jane Doe", "By Jane Doe, Staff Writer") == "Jane Doe"
    assert author("By Modality") is None
    assert author("Written by Melissa") == "Melissa"
    assert author("posted by Stadler at 12:53") == "Stadler"
    assert author("By Emily Way", "By Emily Way") == "Emily Way"
    assert author("By Emily Way", kind="navigation") is None
