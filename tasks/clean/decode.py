"""Bytes of unknown encoding to text: BOM, UTF-8, a declared or detected charset; and text
that was once decoded wrongly ("isnâ€™t") read again as written (``repair_mojibake``).

Bytes that are binary, empty or undecodable raise DecodeError with the rejection reason.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

# An invisible break hint inside a word ("Deutsch\xadland"): it splits the word for the rules,
# the line model, search and hashes, so pastes and pages lose it.
SOFT_HYPHEN = "\u00ad"

_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x7fELF",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"Rar!",
    b"\x00\x00\x01\x00",
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)


_LATIN = {
    "latin_1",
    "iso8859_1",
    "cp1252",
    "iso8859_15",
    "cp1250",
    "iso8859_2",
    "mac_roman",
    "cp1254",
    "iso8859_9",
    "cp850",
    "cp437",
}


class DecodeError(ValueError):
    """Bytes that are not text we can read; `reason` is the rejection code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def decode_bytes(data: bytes, *, html: bool = False, declared: str | None = None) -> str:
    """Decode text whose encoding is unknown: BOM, then UTF-8, then a declared or detected charset.

    `declared` is the charset the transport gave (an HTTP Content-Type); it goes before a
    page's own ``<meta charset>``, as in a browser, and both go after UTF-8, which bytes in
    another charset almost never pass for. cp1252 wins over other single-byte Latin guesses
    because it is what legacy Windows editors write, and the detectors often mistake short
    English texts for latin-1.
    """
    if not data.strip():
        raise DecodeError("empty", "the input is empty or only white space")
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _check_text(data.decode(enc))
            except UnicodeDecodeError as exc:
                raise DecodeError("undecodable", f"has a {enc} byte-order mark but: {exc}") from exc
    if data.startswith(_BINARY_MAGIC):
        raise DecodeError("binary", f"starts like a binary file ({data[:8]!r})")
    if data.count(b"\x00") > len(data) // 10:
        for enc in wide_encodings(data):
            try:
                text = _check_text(data.decode(enc))
            except (UnicodeDecodeError, DecodeError):
                continue
            if _mostly_prose(text):
                return text
        raise DecodeError("binary", "contains NUL bytes: not a text file")
    try:
        return _check_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    text = _mostly_utf8(data)
    if text is not None:
        return _check_text(text)
    labels = [declared] if declared else []
    if html:
        labels += [m.decode("ascii") for m in _META_CHARSET.findall(data[:4096])]
    for label in labels:
        for codec in _codecs_for(label):
            try:
                return _check_text(data.decode(codec))
            except (UnicodeDecodeError, LookupError, DecodeError):
                pass
    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise DecodeError("undecodable", "no text encoding fits these bytes")
    encoding = best.encoding
    if encoding in _LATIN:
        try:
            western = _check_text(data.decode("cp1252"))
        except (UnicodeDecodeError, DecodeError):
            pass
        else:
            detected = data.decode(encoding, "replace")
            if _word_letters(detected, western) <= _word_letters(western, detected):
                return western
    try:
        return _check_text(data.decode(encoding))
    except (UnicodeDecodeError, LookupError) as exc:
        raise DecodeError("undecodable", f"detected {encoding} but: {exc}") from exc


def _word_letters(reading: str, other: str) -> int:
    """How many characters on which two single-byte readings differ are, in `reading`, a
    letter beside a letter (inside a word) where `other` has no letter.

    The reading that makes words of the bytes is the right one: Polish cp1250 reads
    "spotkał się", windows-1252 "spotka³ siê"; German windows-1252 reads "für", Mac Roman
    "f¸r". A tie goes to windows-1252, which legacy Windows editors write.
    """
    if len(reading) != len(other):
        return 0
    count = 0
    last = len(reading) - 1
    for i, (a, b) in enumerate(zip(reading, other, strict=True)):
        if a != b and a.isalpha() and not b.isalpha():
            if (i > 0 and reading[i - 1].isalpha()) or (i < last and reading[i + 1].isalpha()):
                count += 1
    return count


# Python text codecs that no page may declare: escape decoders, IDNA, and UTF-7, which
# browsers refuse since it lets markup hide in "+ADw-script+AD4-"
_NOT_A_CHARSET = frozenset(
    {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined", "utf-7"}
)


def _codecs_for(label: str) -> tuple[str, ...]:
    """The codecs to try for a declared charset label; none for a label Python does not know.

    Latin-1 and ASCII labels are read as windows-1252 first, as browsers read them (WHATWG
    Encoding): pages so labelled carry curly quotes and dashes in bytes 0x80-0x9F. A UTF-16
    or UTF-32 label is ignored, as browsers ignore it in a page: wide text was recognised
    by its BOM or its zero bytes before any label is read.
    """
    try:
        info = codecs.lookup(label.strip().lower())
    except LookupError:
        return ()
    name = info.name
    if name.startswith(("utf-16", "utf-32")) or name in _NOT_A_CHARSET:
        return ()
    if not getattr(info, "_is_text_encoding", True):
        return ()  # "base64", "rot13", "zlib": Python codecs, not charsets
    return ("cp1252", name) if name in ("iso8859-1", "ascii") else (name,)


# a well-formed multi-byte UTF-8 sequence: lead byte and its continuation bytes
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few broken bytes, decoded as UTF-8 with U+FFFD for the broken ones.

    A page cut mid-character or pasted together from two sources fails a strict decode, and
    a detector then reads its hundreds of good sequences as another charset ("atakÃ³w",
    "atak√≥w"). Text in a single-byte charset almost never forms valid UTF-8 sequences (an
    accented letter is one byte between ASCII ones), so twenty good sequences for each
    broken one say UTF-8 whatever the language.
    """
    valid = len(_UTF8_SEQUENCE.findall(data))
    if valid < 20:
        return None
    text = data.decode("utf-8", "replace")
    broken = text.count("\ufffd") - data.count("\ufffd".encode())
    return text if broken * 20 <= valid else None


def wide_encodings(data: bytes) -> tuple[str, ...]:
    """UTF-16/32 byte orders to try for text without a BOM, the likeliest first.

    ASCII-heavy text in a wide encoding has its zero bytes in fixed places: UTF-16-LE puts
    them at odd offsets ("A\\0"), UTF-16-BE at even ones ("\\0A"), UTF-32 in three of every
    four bytes. Where they sit says the byte order; trying LE first would read BE text as
    CJK characters that still look like letters.
    """
    sample = data[: 8192 - 8192 % 4]
    quarter = max(1, len(sample) // 4)
    zeros = [sample[i::4].count(0) for i in range(4)]
    order: list[str] = []
    if len(data) % 4 == 0:
        if min(zeros[1:]) > 0.6 * quarter:
            order.append("utf-32-le")
        elif min(zeros[:3]) > 0.6 * quarter:
            order.append("utf-32-be")
    if zeros[0] + zeros[2] > zeros[1] + zeros[3]:
        order += ["utf-16-be", "utf-16-le"]
    else:
        order += ["utf-16-le", "utf-16-be"]
    return tuple(order)


_STRIP_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def strip_controls(text: str) -> str:
    """Text without NUL and the other C0 control characters (tab, newline and CR stay), and
    with lone surrogates (a JSON "\\ud800" escape) as U+FFFD.

    Control characters are invisible, break search and some clients, and no article needs
    them; a lone surrogate cannot be stored as UTF-8 at all. Returns ``text`` itself when
    there is nothing to change.
    """
    if not _UNSAFE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", _STRIP_CONTROLS.sub("", text))


def _mostly_prose(text: str) -> bool:
    """Letters, digits, spaces and punctuation: what a real UTF-16 text decodes to."""
    sample = text[:5000]
    ok = sum(1 for ch in sample if unicodedata.category(ch)[0] in "LNZP" or ch in "\n\r\t")
    return ok >= 0.9 * len(sample)


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def _check_text(text: str) -> str:
    """Reject decodings that are mostly control characters: a binary file in disguise."""
    sample = text[:20_000]
    if not sample:
        raise DecodeError("empty", "no characters after decoding")
    bad = len(_CONTROL.findall(sample))
    if bad / len(sample) > 0.02:
        raise DecodeError("binary", f"{bad} of {len(sample)} characters are control characters")
    return text


# UTF-8 text that was decoded once as Windows-1252/Latin-1 and saved again ("doesnâ€™t",
# "cafÃ©"): a lead character of a UTF-8 sequence followed by the right number of
# continuation characters, in either decoding. Real prose almost never has these pairs.
_CONT = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122"
)
_MOJIBAKE = re.compile(
    f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}}"
)
# cheap whole-page test first (substring search, no regex pass over every page): the
# usual first characters of mangled quotes, dashes, accents, emoji and Devanagari
_MOJIBAKE_HINTS = ("â€", "â\u0080", "Ã", "Â", "à¤", "à¥", "ðŸ", "ð\u009f")


def _shown_bytes(text: str) -> bytes | None:
    """The bytes a Windows-1252 or Latin-1 reading showed as ``text`` (the two agree where
    both have a character; a C1 control is Latin-1's), or None when a character is neither
    reading's."""
    raw = bytearray()
    for ch in text:
        code = ord(ch)
        if code <= 0xFF:
            raw.append(code)
            continue
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            return None
    return bytes(raw)


def _unmangle(match: re.Match[str]) -> str:
    raw = _shown_bytes(match.group(0))
    if raw is None:
        return match.group(0)
    try:
        fixed = raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group(0)
    # two Latin-1 letters that happen to decode to a rare script ("ß«", "É»" in "«JOSÉ»":
    # phonetic letters, Armenian, Hebrew, Syriac ...) are left alone
    code = ord(fixed)
    if 0x250 <= code < 0x300 or 0x500 <= code < 0x600 or 0x700 <= code < 0x900:
        return match.group(0)
    return fixed


# "â€" before a space, a punctuation mark or the end is a closing quote (E2 80 9D) whose
# third byte cp1252 cannot show and the first decoding dropped ("Madurai,â€ AI systems");
# before a letter it may be a hyphen or a joiner (E2 80 90, E2 80 8D), so it stays
_LOST_QUOTE = re.compile("\u00e2\u20ac(?=[\\s.,;:!?)\\]]|$)")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 (a common fault of re-saved pages), sequence by sequence;
    a whole text in a legacy charset read as Latin-1 is read again (``_reread_legacy``).

    Only sequences that decode as valid UTF-8 change; everything else stays as it is.
    """
    if text.isascii():
        return text
    text = _reread_legacy(text)
    if not any(hint in text for hint in _MOJIBAKE_HINTS):
        return text
    fixed = _MOJIBAKE.sub(_unmangle, text)
    if fixed != text and "\u00e2\u20ac" in fixed:
        fixed = _LOST_QUOTE.sub("\u201d", fixed)
    return fixed


# A text in a legacy charset of another script (GBK, Big5, Shift_JIS, EUC-KR,
# Windows-1251) read as Latin-1 or Windows-1252 ("»°¾ç¡¶Ô¼¶¨" for "话剧《约定"): nearly
# every letter falls in Latin-1's upper half, which no Latin-script language writes most of
# its letters in (French and German run a few in a hundred, Icelandic about one in ten).
LEGACY_MIN_SHARE = 0.5
LEGACY_MIN_CHARS = 20
LEGACY_SAMPLE = 20_000  # characters the test reads: the fault is the whole text's
_UPPER_HALF = re.compile("[\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192]")
_ASCII_LETTERS = re.compile("[A-Za-z]+")


def _reread_legacy(text: str) -> str:
    """The text's characters as the bytes they were, decoded in the charset those bytes are
    in; ``text`` itself unless that reading leaves few upper-half characters."""
    sample = text[:LEGACY_SAMPLE]
    non_ascii = len(sample) - len(sample.encode("ascii", "ignore"))
    if non_ascii < LEGACY_MIN_CHARS or non_ascii * 5 < len(sample):
        return text  # (cheap, and letters are most of a text's characters)
    high = len(_UPPER_HALF.findall(sample))
    ascii_letters = sum(map(len, _ASCII_LETTERS.findall(sample)))
    if high < LEGACY_MIN_SHARE * (high + ascii_letters):
        return text
    raw = _shown_bytes(text)
    if raw is None:
        return text  # a character no single-byte reading gives: not this fault
    try:
        reread = decode_bytes(raw)
    except DecodeError:
        return text
    if len(_UPPER_HALF.findall(reread[:LEGACY_SAMPLE])) * 10 > high:
        return text  # the bytes read as Latin text again: the first reading was right
    return reread
