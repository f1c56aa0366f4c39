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
