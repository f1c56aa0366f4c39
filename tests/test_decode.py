import json
import os

import pytest

from ipwire.tasks.clean import DecodeError, decode_bytes, normalise_published


def test_cp1252_text_is_decoded_with_its_curly_quotes():
    data = "Pakistan\x92s minister said \x93talks\x94 were over \x96 for now.".encode("latin-1")
    assert decode_bytes(data) == "Pakistan’s minister said “talks” were over – for now."


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_text_with_a_byte_order_mark_is_decoded(encoding: str):
    assert decode_bytes("India–Pakistan talks".encode(encoding)) == "India–Pakistan talks"


def test_utf16_without_bom_is_decoded():
    assert decode_bytes("Wagah border reopened".encode("utf-16-le")) == "Wagah border reopened"


def test_html_meta_charset_is_honoured():
    html = '<html><head><meta charset="windows-1252"></head><body>caf\xe9</body></html>'
    assert "café" in decode_bytes(html.encode("cp1252"), html=True)


POLISH = (
    "Minister spraw zagranicznych Pakistanu spotkał się w środę z ambasadorem Indii w "
    "Islamabadzie. Rozmowy dotyczyły wymiany więźniów, wiz dla pielgrzymów i wód Indusu; "
    "żadna ze stron nie ogłosiła porozumienia."
)


def test_utf8_text_with_a_few_broken_bytes_is_read_as_utf8():
    # a page cut mid-character: one broken byte among hundreds of good UTF-8 sequences
    data = (POLISH * 3).encode("utf-8") + b" \xc3( " + POLISH.encode("utf-8")
    text = decode_bytes(data, html=True)
    assert "spotkał się w środę" in text and "więźniów" in text
    assert text.count("\ufffd") == 1


def test_text_in_a_single_byte_charset_is_not_taken_for_broken_utf8():
    text = "Der Außenminister traf am Mittwoch den Botschafter – „Gespräche“ über Häftlinge."
    assert decode_bytes((text * 5).encode("cp1252")) == text * 5


def test_polish_in_windows_1250_keeps_its_letters_without_a_label():
    assert decode_bytes(POLISH.encode("cp1250")) == POLISH


def test_a_page_labelled_latin1_is_read_as_windows_1252_as_browsers_read_it():
    plain = "<p>India and Pakistan exchanged lists of nuclear installations on 1 January.</p>" * 4
    html = f'<meta charset="iso-8859-1">{plain}<p>He said \x93talks\x94 were over \x96 for now.</p>'
    assert "He said “talks” were over – for now." in decode_bytes(html.encode("latin-1"), html=True)


def test_a_later_meta_charset_is_tried_when_the_first_does_not_fit():
    html = f'<meta charset="UTF-8"><meta charset="ISO-8859-2"><p>{POLISH}</p>'
    assert POLISH in decode_bytes(html.encode("iso8859_2"), html=True)


def test_the_servers_charset_goes_before_the_pages_own_label():
    html = f'<meta charset="windows-1252"><p>{POLISH}</p>'
    data = html.encode("iso8859_2")
    assert POLISH not in decode_bytes(data, html=True)
    assert POLISH in decode_bytes(data, html=True, declared="ISO-8859-2")


@pytest.mark.parametrize("label", ["base64", "rot13", "zlib", "utf-7", "unicode_escape", "idna"])
def test_a_codec_that_is_no_charset_is_passed_over(label: str):
    html = f'<meta charset="{label}"><p>{POLISH}</p>'
    assert POLISH in decode_bytes(html.encode("cp1250"), html=True, declared=label)


def test_an_unknown_or_wide_charset_label_is_passed_over():
    html = f'<meta charset="utf-16"><meta charset="x-no-such"><p>{POLISH}</p>'
    assert POLISH in decode_bytes(html.encode("cp1250"), html=True, declared="bogus")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"%PDF-1.7\n" + bytes(range(256)), "binary"),
        (b"\x00\x01\x02\x03" * 100, "binary"),
        (os.urandom(4096), "undecodable"),
    ],
)
def test_unreadable_bytes_raise_a_decode_error_with_a_reason(data: bytes, reason: str):
    with pytest.raises(DecodeError) as err:
        decode_bytes(data)
    assert err.value.reason == reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-08-08", "2022-08-08"),
        ("2024-05-10T09:30:00+05:00", "2024-05-10T09:30:00+05:00"),
        ("Fri, 10 May 2024 09:30:00 +0500", "2024-05-10T09:30:00+05:00"),
        ("August 8, 2022", "2022-08-08"),
        ("not a date at all", None),
    ],
)
def test_published_dates_are_normalised_to_iso_keeping_the_offset(value, expected):
    assert normalise_published(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("India and Pakistan agreed on Monday to resume talks on the Indus Waters Treaty.", "en"),
        ("پاکستان اور بھارت کے درمیان مذاکرات دوبارہ شروع ہو گئے ہیں", "ur"),
        ("भारत और पाकिस्तान के बीच बातचीत फिर से शुरू हुई", "hi"),
        ("Lorem ipsum dolor sit amet consectetur adipiscing elit", None),
    ],
)
def test_language_is_guessed_only_from_clear_signals(text: str, expected: str | None):
    from ipwire.tasks.clean import guess_language

    assert guess_language(text) == expected


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_text_without_bom_is_decoded_in_its_own_byte_order(encoding: str):
    text = "Wagah border reopened on Monday after talks in Islamabad."
    assert decode_bytes(text.encode(encoding)) == text


def test_nul_and_other_control_characters_never_reach_the_article():
    from ipwire.tasks.clean import clean_document
    from ipwire.tasks.sources import records_from_json

    sentence = "India and Pakistan agreed on Monday to resume talks on the Indus Waters Treaty. "
    dirty = (sentence * 3).replace("Monday", "Mon\x00day\x07").replace("Treaty", "Treaty\x1b")
    data = json.dumps({"title": "Talks\x00 resume", "text": dirty + "\ud800"}).encode()
    (raw,), _ = records_from_json(data, "/in/r.jsonl", "t")
    article = clean_document(raw)
    for value in (article.body, article.title):
        assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value), repr(value)
    assert "Monday" in article.body and article.title == "Talks resume"
    article.body.encode("utf-8")  # a lone surrogate is replaced, so the body can be stored


def test_text_file_with_nul_bytes_is_loaded_without_them():
    from ipwire.tasks.clean import clean_document
    from ipwire.tasks.sources import make_raw

    text = "India and Pakistan agreed on Monday to resume talks.\x00 " * 5
    article = clean_document(make_raw("file", "/in/a.txt", "t", "text/plain", text.encode()))
    assert "\x00" not in article.body and "resume talks." in article.body
