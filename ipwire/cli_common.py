"""Option bundles and output shared by every `ipwire` command, defined once.

Output conventions (those of sqlite-utils and the duckdb CLI):

* `table`: aligned columns (by display width, so wide scripts line up), cells cut at
  `max_width` characters with "…" (0 = never cut), NULL shown as `NULL`, an empty string as
  nothing, and a row count at the end;
* `csv`: RFC 4180; NULL is an empty unquoted field and an empty string is `""` (as DuckDB's and
  PostgreSQL's COPY write them); booleans `true`/`false`; lists and structs as JSON;
* `json`: ONE JSON array of objects; `jsonl`: one object a line. NULL is `null`.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import click

FORMATS = ("table", "csv", "json", "jsonl")
DEFAULT_MAX_WIDTH = 60  # table cells; long text is for `show` or --max-width 0


def db_option(func):
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False),
        default=None,
        envvar="IPWIRE_DB",
        help="Warehouse file (default data/ipwire.duckdb; env IPWIRE_DB).",
    )(func)


def format_option(choices: Sequence[str], default: str):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help="Output format.",
    )


def config_option(func):
    return click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False),
        default=None,
        help="Settings file overlaying the defaults (default ./ipwire.toml, env IPWIRE_CONFIG).",
    )(func)


class ReaderError(click.ClickException):
    """A reader could not open the warehouse; carries the exit code that names the case."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def open_reader(db: str | None):
    """A contained, read-only connection on the published snapshot (never the live file)."""
    from ipwire import exit_codes, snapshot
    from ipwire.warehouse import db as wh

    try:
        return snapshot.connect_reader(wh.db_path(db))
    except snapshot.NoWarehouse as exc:
        raise ReaderError(str(exc), exit_codes.NOT_FOUND) from exc
    except snapshot.WarehouseBusy as exc:
        raise ReaderError(str(exc), exit_codes.BUSY) from exc
    except snapshot.WarehouseUnreadable as exc:
        raise ReaderError(str(exc), exit_codes.FAILED) from exc


def reader_errors(exc: Exception) -> ReaderError | None:
    """The `ReaderError` for a snapshot exception raised outside `open_reader`, else None."""
    from ipwire import exit_codes, snapshot

    for kind, code in (
        (snapshot.NoWarehouse, exit_codes.NOT_FOUND),
        (snapshot.WarehouseBusy, exit_codes.BUSY),
        (snapshot.WarehouseUnreadable, exit_codes.FAILED),
    ):
        if isinstance(exc, kind):
            return ReaderError(str(exc), code)
    return None


def render(
    columns: list[str],
    rows: Iterable[Sequence[Any]],
    fmt: str,
    max_width: int = DEFAULT_MAX_WIDTH,
) -> str:
    """Rows as an aligned text table, CSV, a JSON array, or JSON lines (see the module doc)."""
    rows = [list(r) for r in rows]
    if fmt == "csv":
        lines = [",".join(_csv_field(c) for c in columns)]
        lines += [",".join(_csv_field(_csv_value(v)) for v in r) for r in rows]
        return "\n".join(lines)
    if fmt in ("json", "jsonl"):
        objects = [
            json.dumps(dict(zip(columns, r, strict=True)), default=str, ensure_ascii=False)
            for r in rows
        ]
        if fmt == "jsonl":
            return "\n".join(objects)
        return "[" + ",\n ".join(objects) + "]"
    cells = [[cell(v, max_width) for v in r] for r in rows]
    widths = [
        max([display_width(c)] + [display_width(r[i]) for r in cells])
        for i, c in enumerate(columns)
    ]
    out = [_line(columns, widths), "  ".join("-" * w for w in widths)]
    out += [_line(r, widths) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    padded = (v + " " * (w - display_width(v)) for v, w in zip(values, widths, strict=True))
    return "  ".join(padded).rstrip()


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide (CJK) characters count 2, combining marks 0."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _csv_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value == value else "nan"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def _csv_field(value: str | None) -> str:
    """NULL -> empty field; '' -> ""; quoted when it holds a comma, quote or line break."""
    if value is None:
        return ""
    if value == "" or any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def cell(value: Any, limit: int = DEFAULT_MAX_WIDTH) -> str:
    """One table cell: NULL as `NULL`, lists joined, floats short, white space folded, long text
    cut at `limit` characters (0 = never)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "nan"
    elif isinstance(value, list):
        text = ", ".join("NULL" if v is None else str(v) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if limit <= 0 or len(text) <= limit else text[: limit - 1] + "…"
