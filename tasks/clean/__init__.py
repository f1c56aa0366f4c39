"""Clean stage: decode a RawDoc, extract the article and its metadata, strip boilerplate."""

from ipwire.tasks.clean.dates import MONTHS, parse_date
from ipwire.tasks.clean.decode import DecodeError, decode_bytes, repair_mojibake
from ipwire.tasks.clean.html import extract_from_html
from ipwire.tasks.clean.html_meta import iso_datetime, page_metadata
from ipwire.tasks.clean.rules import BoilerplateRules, default_rules, load_rules
from ipwire.tasks.clean.stage import (
    COUNTRY_BY_TLD,
    build_article,
    clean_batch,
    clean_document,
    extract_path,
    extraction_row,
    guess_language,
    normalise_published,
    outlet_country,
)
from ipwire.tasks.clean.text import extract_from_text

__all__ = [
    "COUNTRY_BY_TLD",
    "MONTHS",
    "BoilerplateRules",
    "DecodeError",
    "build_article",
    "clean_batch",
    "clean_document",
    "decode_bytes",
    "default_rules",
    "extract_from_html",
    "extract_from_text",
    "extract_path",
    "extraction_row",
    "guess_language",
    "iso_datetime",
    "load_rules",
    "normalise_published",
    "outlet_country",
    "page_metadata",
    "parse_date",
    "repair_mojibake",
]
