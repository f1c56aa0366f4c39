"""Option bundles and output shared by every `ipwire` command, defined once."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

import click

FORMATS = ("table", "csv", "json")


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


def open_reader(db: str | None):
    """A read-only connection that never meets the writer's lock (the published snapshot)."""
    from ipwire import snapshot
    from ipwire.warehouse import db as wh

    try:
        return snapshot.connect_reader(wh.db_path(db))
    except (FileNotFoundError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from exc


def render(columns: list[str], rows: Iterable[Sequence[Any]], fmt: str) -> str:
    """Rows as an aligned text table, CSV, or JSON objects (one per line)."""
    rows = [list(r) for r in rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    if fmt == "json":
        return "\n".join(
            json.dumps(dict(zip(columns, r, strict=True)), default=str, ensure_ascii=False)
            for r in rows
        )
    cells = [[cell(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def cell(value: Any, limit: int = 60) -> str:
    """One table cell: lists joined, floats short, white space folded, long text cut."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "nan"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
