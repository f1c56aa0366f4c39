"""parse_feed and load_feed_list: one fixture file per edge case, plus feedparser's own corpus."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ipwire.tasks.web import (
    FeedConfig,
    FeedListError,
    ParsedFeed,
    defuse_entities,
    entity_risk,
    feed_configs_from,
    html_to_text,
    load_feed_list,
    parse_feed,
    sanitize_html,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "feeds"
CORPUS = CORPUS / "feedparser-corpus" / "tests"
FEED_URL = "https://rel.example.com/feeds/main.xml"

LIVE_MARKUP = re.compile(r"<\s*script|<\s*iframe|\bon[a-z]+\s*=|javascript\s*:", re.IGNORECASE)


def parse_fixture(name: str, url: str = FEED_URL) -> ParsedFeed:
    return parse_feed((FIXTURES / name).read_bytes(), url=url)


def all_strings(feed: ParsedFeed) -> list[str]:
    values = [feed.title, feed.link, feed.bozo_reason]
    for entry in feed.entries:
        values.extend(dataclasses.astuple(entry))
    return [v for v in values if v is not None]


# --------------------------------------------------------------------------- well-formed feeds


def test_rss20_items_become_entries_with_offsets_kept() -> None:
    feed = parse_fixture("rss20_basic.xml")
    assert not feed.bozo
    assert feed.version == "rss20"
    assert feed.title == "Example Wire — South Asia"
    first, second = feed.entries
    assert first.link == "https://news.example.com/2026/11/foreign-secretaries-meet"
    assert first.published_at == "2026-11-21T18:30:00+05:30"
    assert second.published_at == "2026-11-22T09:00:00+05:00"
    assert first.author == "Staff Reporter"
    assert second.guid == "ex-2026-11-0002"


def test_rss_description_markup_becomes_plain_paragraphs() -> None:
    entry = parse_fixture("rss20_basic.xml").entries[0]
    assert (
        entry.summary_text == "The two sides agreed to resume talks.\n\nA joint statement followed."
    )


def test_atom_relative_link_resolved_against_xml_base() -> None:
    feed = parse_fixture("atom10_content_xml_base.xml")
    assert not feed.bozo
    entry = feed.entries[0]
    assert entry.link == "https://atom.example.org/world/article-1"
    assert entry.published_at == "2026-11-20T07:15:00+05:00"
    assert entry.updated_at == "2026-11-20T08:00:00+00:00"
    assert entry.title == "Talks & trade: a new start"
    assert entry.author == "Ayesha Khan"


def test_atom_html_content_kept_as_sanitised_html() -> None:
    entry = parse_fixture("atom10_content_xml_base.xml").entries[0]
    assert "<p>Trade ministers met at the Wagah border.</p>" in entry.content_html
    assert entry.text() == "Trade ministers met at the Wagah border.\n\nThey discussed tariffs."


def test_missing_guid_is_none_and_missing_link_falls_back_to_permalink_guid() -> None:
    no_guid, no_link = parse_fixture("rss_missing_guid.xml").entries
    assert no_guid.guid is None
    assert no_guid.link == "https://nolink.example.net/story/1"
    assert no_link.link == "https://nolink.example.net/story/2"


def test_relative_item_links_resolved_against_feed_url() -> None:
    feed = parse_fixture("rss_relative_links.xml", url="https://rel.example.com/feeds/main.xml")
    assert [e.link for e in feed.entries] == [
        "https://rel.example.com/news/a1",
        "https://rel.example.com/feeds/b2",
    ]


def test_unparseable_and_pre_1970_dates_become_none_and_entries_stay() -> None:
    feed = parse_fixture("rss_bad_date.xml")
    assert [e.title for e in feed.entries] == ["Garbage date", "Ancient date"]
    assert [e.published_at for e in feed.entries] == [None, None]


def test_html_page_is_not_a_feed() -> None:
    feed = parse_fixture("not_a_feed.html")
    assert not feed.is_feed
    assert feed.entries == ()


def test_empty_body_is_flagged_not_raised() -> None:
    feed = parse_feed(b"", url=FEED_URL)
    assert feed.entries == ()
    assert not feed.is_feed


# --------------------------------------------------------------------------- broken feeds


def test_truncated_feed_is_flagged_and_keeps_complete_items() -> None:
    feed = parse_fixture("rss_malformed_keeps_good_entries.xml")
    assert feed.bozo
    assert "no element found" in feed.bozo_reason
    links = [e.link for e in feed.entries]
    assert links[:2] == ["https://trunc.example.com/1", "https://trunc.example.com/2"]


def test_wrong_declared_encoding_is_flagged_and_text_still_read() -> None:
    feed = parse_fixture("rss_wrong_encoding.xml")
    assert feed.bozo
    assert "Caf" in feed.entries[0].title and "talks" in feed.entries[0].title


def test_mislabelled_urdu_feed_is_decoded_with_the_detected_charset() -> None:
    feed = parse_fixture("rss_urdu_cp1256_declared_utf8.xml")
    assert feed.bozo and "cp1256" in feed.bozo_reason
    assert feed.entries[0].title == "پاکستان اور بھارت کے درميان مذاکرات"


def test_latin_mislabelling_keeps_windows_1252_rather_than_a_guessed_cousin() -> None:
    feed = parse_fixture("rss_wrong_encoding.xml")
    assert "windows-1252" in feed.bozo_reason
    assert feed.entries[0].title == "\u201cCafé diplomacy\u201d talks resume"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared evaluation data not present")
@pytest.mark.parametrize(
    ("name", "script"),
    [
        ("koi8r.xml", "[\u0400-\u04ff]"),
        ("eucjp.xml", "[\u3040-\u30ff]"),
        ("euckr.xml", "[\uac00-\ud7af]"),
    ],
)
def test_corpus_feeds_in_undeclared_charsets_read_in_their_script(name: str, script: str) -> None:
    feed = parse_feed((CORPUS / "illformed" / "chardet" / name).read_bytes(), url=FEED_URL)
    assert feed.entries and re.search(script, feed.entries[0].title or "")


@pytest.mark.parametrize("cut", [0.1, 0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("name", ["rss20_basic.xml", "atom10_content_xml_base.xml"])
def test_any_truncation_of_a_feed_parses_without_raising(name: str, cut: float) -> None:
    data = (FIXTURES / name).read_bytes()
    feed = parse_feed(data[: int(len(data) * cut)], url=FEED_URL)
    assert isinstance(feed, ParsedFeed)
    assert all(isinstance(v, str) for v in all_strings(feed))


# --------------------------------------------------------------------------- hostile feeds


def test_hostile_markup_never_survives_in_any_field() -> None:
    feed = parse_fixture("rss_hostile_markup.xml")
    for value in all_strings(feed):
        assert not LIVE_MARKUP.search(value), value
    titles = [e.title for e in feed.entries]
    assert titles == ["Ceasefire holds", "Markets rose"]
    assert feed.entries[0].summary_text == "Ceasefire holds along the LoC."
    assert "<p>Markets rose in Karachi.</p>" in feed.entries[1].content_html


def test_javascript_item_link_is_dropped() -> None:
    assert parse_fixture("rss_hostile_markup.xml").entries[0].link is None


def test_double_escaped_markup_is_reduced_to_words() -> None:
    entry = parse_fixture("rss_double_escaped_markup.xml").entries[0]
    assert entry.title == "Border talks"
    assert entry.summary_text == "Delegations met at Attari."


def test_safe_entity_declarations_are_kept_and_expanded() -> None:
    feed = parse_fixture("entity_safe_declared.xml")
    assert not feed.bozo
    assert feed.entries[0].title == "Example News reports from Lahore"
    assert feed.title == "Feed ©"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("entity_billion_laughs.xml", "refers to other entities"),
        ("entity_quadratic_blowup.xml", "entity expansion over"),
        ("entity_external_xxe.xml", "external entity xxe"),
        ("entity_utf16_nested.xml", "refers to other entities"),
    ],
)
def test_unsafe_entity_doctype_is_removed_and_items_kept(name: str, reason: str) -> None:
    feed = parse_fixture(name)
    assert feed.bozo
    assert "DOCTYPE removed" in feed.bozo_reason and reason in feed.bozo_reason
    assert len(feed.entries) == 1
    assert sum(len(v) for v in all_strings(feed)) < 10_000
    assert not any("lollol" in v or "root:" in v for v in all_strings(feed))


def test_utf16_feed_is_transcoded_when_its_doctype_is_removed() -> None:
    data, note = defuse_entities((FIXTURES / "entity_utf16_nested.xml").read_bytes())
    assert note.startswith("DOCTYPE removed")
    assert b'encoding="utf-8"' in data and b"<!ENTITY" not in data
    assert parse_fixture("entity_utf16_nested.xml").entries[0].title == "Wide item"


def test_entity_risk_ignores_documents_without_entity_declarations() -> None:
    assert entity_risk('<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "x.dtd"><rss/>') == ""
    assert entity_risk("<rss><![CDATA[ <!ENTITY is only text here> ]]></rss>") == ""


def test_full_size_quadratic_blowup_parses_in_bounded_memory() -> None:
    # 100 kB entity x 20,000 references: ~2 GB if expanded. Run in a child with a 1 GiB
    # address-space cap and a timeout, so a regression fails instead of hanging the suite.
    script = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from ipwire.tasks.web import parse_feed
        doc = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + 'A' * 100_000 + '">]>'
               '<rss version="2.0"><channel><item><title>t</title><description>'
               + '&a;' * 20_000 + '</description></item></channel></rss>')
        feed = parse_feed(doc.encode(), url="https://x.example.com/feed")
        print(len(feed.entries), feed.bozo, max(len(e.summary_text or '') for e in feed.entries))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    n_entries, bozo, longest = done.stdout.split()
    assert (n_entries, bozo) == ("1", "True")
    assert int(longest) < 200_000


# --------------------------------------------------------------------------- text helpers


def test_html_to_text_keeps_paragraph_breaks_and_drops_scripts() -> None:
    text = html_to_text("<p>One <b>two</b></p><script>x()</script><p>three&nbsp;four</p>")
    assert text == "One two\n\nthree four"


def test_sanitize_html_removes_event_handlers_and_javascript_links() -> None:
    cleaned = sanitize_html('<p onclick="x()">Hi <a href="javascript:y()">a</a></p>')
    assert "onclick" not in cleaned and "javascript" not in cleaned
    assert "Hi" in cleaned


# --------------------------------------------------------------------------- the corpus


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared evaluation data not present")
def test_feedparser_corpus_parses_without_exceptions_or_live_markup() -> None:
    files = _corpus_files()
    assert len(files) == 1768
    problems, n_entries = [], 0
    for path in files:
        feed = parse_feed(path.read_bytes(), url="http://example.org/feeds/index.xml")
        n_entries += len(feed.entries)
        for value in all_strings(feed):
            if not isinstance(value, str):
                problems.append(f"{path}: non-text value {value!r}")
            elif LIVE_MARKUP.search(value):
                problems.append(f"{path}: live markup {value[:120]!r}")
        for entry in feed.entries:
            if entry.link and not entry.link.startswith(("http://", "https://")):
                problems.append(f"{path}: link {entry.link!r}")
    assert problems == []
    assert n_entries > 1000


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared evaluation data not present")
def test_corpus_illformed_feeds_are_flagged() -> None:
    broken = [
        "aaa_illformed.xml",
        "rss_empty_document.xml",
        "rss_item_link_corrupted_ampersands.xml",
    ]
    for name in broken:
        assert parse_feed((CORPUS / "illformed" / name).read_bytes(), url=FEED_URL).bozo, name


# --------------------------------------------------------------------------- feed list


def test_feed_list_loads_and_derives_outlet_from_url() -> None:
    feeds = load_feed_list(FIXTURES / "feedlist_valid.toml")
    assert feeds == [
        FeedConfig(
            name="The Hindu — International",
            url="https://www.thehindu.com/news/international/feeder/default.rss",
            outlet="thehindu.com",
            country="IN",
            language="en",
        ),
        FeedConfig(
            name="Dawn — Pakistan", url="https://www.dawn.com/feeds/pakistan", outlet="dawn.com"
        ),
    ]


def test_feed_list_reports_every_problem_at_once() -> None:
    with pytest.raises(FeedListError) as err:
        load_feed_list(FIXTURES / "feedlist_invalid.toml")
    message = str(err.value)
    for needle in (
        "unknown key(s) contry",
        "feeds[2].name is required",
        "'ftp://three.example.com/feed' must be an http(s) URL",
        "repeats feeds[1]",
        "country 'pk'",
        "language 'English'",
    ):
        assert needle in message


def test_missing_feed_list_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(FeedListError, match="not found"):
        load_feed_list(tmp_path / "nope.toml")


def test_feeds_must_be_an_array_of_tables() -> None:
    with pytest.raises(FeedListError, match=r"\[\[feeds\]\]"):
        feed_configs_from({"feeds": {"name": "x"}})


def test_config_without_feeds_gives_empty_list() -> None:
    assert feed_configs_from({"http": {}}) == []
