"""The report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts.

It opens from disk with no network: nothing is linked, fetched or run. Every chart is followed
by the table of the numbers it draws, so the page can be read (and copied) without the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from ipwire.desk import charts
from ipwire.desk.report_data import ReportData, Table

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
 max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;
 border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:0 0 16px}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.figure{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:120px}
.figure b{display:block;font-size:24px}
figure.chart{margin:8px 0 4px}figure.chart svg{width:100%;max-width:880px;height:auto}
table.data{border-collapse:collapse;margin:6px 0 12px;font-size:12.5px}
table.data th,table.data td{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;
 vertical-align:top}
table.data td.n{text-align:right;font-variant-numeric:tabular-nums}
details summary{cursor:pointer;color:#555}
.empty{padding:24px;border:1px dashed #bbb;border-radius:6px;color:#555}
.note{color:#666;font-size:12.5px}
"""


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:+.2f}" if -1.0 <= value <= 1.0 and value != 0 else f"{value:g}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def table_html(table: Table, headers: Sequence[str] | None = None, fold: int = 0) -> str:
    """A data table; rows past `fold` go into a <details> so long tables stay skimmable."""
    cols, rows = table
    head = "".join(f"<th>{escape(h)}</th>" for h in (headers or cols))

    def row(r: tuple) -> str:
        cells = []
        for v in r:
            cls = ' class="n"' if isinstance(v, int | float) and not isinstance(v, bool) else ""
            cells.append(f"<td{cls}>{escape(_fmt(v))}</td>")
        return "<tr>" + "".join(cells) + "</tr>"

    body = "".join(row(r) for r in rows)
    html = f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    if fold and len(rows) > fold:
        return f"<details><summary>the numbers ({len(rows)} rows)</summary>{html}</details>"
    return html


def _chart(name: str, title: str, svg: str, table: str, note: str = "") -> str:
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    return (
        f'<section id="{name}"><h2>{escape(title)}</h2>{note_html}'
        f'<figure class="chart" data-chart="{name}">{svg}</figure>{table}</section>'
    )


def _figures(data: ReportData) -> str:
    f = data.figures
    items = [
        ("articles", f.get("articles", 0)),
        ("relevant", f.get("relevant", 0)),
        ("stories", f.get("stories", 0)),
        ("outlets", f.get("outlets", 0)),
        ("copies folded in", f.get("copies_folded", 0)),
    ]
    boxes = "".join(
        f'<div class="figure"><b>{escape(str(v))}</b>{escape(k)}</div>' for k, v in items
    )
    return f'<div class="figures" id="figures">{boxes}</div>'


def render_report(data: ReportData) -> str:
    """The whole page for `data`."""
    period = f"{data.since.isoformat()} – {data.until.isoformat()}"
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    undated = data.figures.get("undated", 0)
    sub = (
        f"Articles published {period}, each report counted once (copies folded into their "
        f"first copy; analysts' corrections applied). {undated} article(s) in the warehouse "
        f"have no known publication date and belong to no period. Made {made}."
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>ipwire report {escape(period)}</title><style>{CSS}</style></head><body>",
        f"<h1>India–Pakistan coverage, {escape(period)}</h1><p class='sub'>{escape(sub)}</p>",
    ]
    if data.empty:
        parts.append(
            f'<div class="empty" id="empty">No articles were published between '
            f"{escape(data.since.isoformat())} and {escape(data.until.isoformat())}.</div>"
        )
    else:
        parts += [_figures(data), "<h2>Outlets by country</h2>", table_html(data.by_country)]
        parts.append("<h2>Top stories</h2>")
        parts.append(
            '<p class="note">Relevant stories by how many outlets, then countries, '
            "covered them.</p>" + table_html(data.top_stories)
        )
        parts += _sections(data)
    parts.append("</body></html>")
    return "\n".join(parts)


def _sections(data: ReportData) -> list[str]:
    out = []
    cols, rows = data.tone_weekly
    if rows:
        weeks = [r[0] for r in rows]
        series = {"IN": [r[1] for r in rows], "PK": [r[3] for r in rows]}
        if any(r[5] is not None for r in rows):
            series["other"] = [r[5] for r in rows]
        out.append(
            _chart(
                "tone",
                "Tone over time (weekly)",
                charts.tone_over_time(weeks, series),
                table_html(data.tone_weekly, fold=12),
                "Mean tone of relevant reports per week by the outlet's country; n = reports.",
            )
        )
    cols, rows = data.topics_weekly
    if rows:
        topics = {c: [r[i] or 0 for r in rows] for i, c in enumerate(cols) if i}
        out.append(
            _chart(
                "topics",
                "Topics over time (weekly)",
                charts.topic_volumes([r[0] for r in rows], topics),
                table_html(data.topics_weekly, fold=12),
            )
        )
    cols, rows = data.actors
    if rows:
        out.append(
            _chart(
                "actors",
                "Most-mentioned actors",
                charts.horizontal_bars([r[0] for r in rows], [r[2] for r in rows], "reports"),
                table_html(data.actors, fold=10),
            )
        )
    cols, rows = data.changes
    if rows:
        labels = [f"{r[0]}: {r[1]}" for r in rows[:15]]
        out.append(
            _chart(
                "changes",
                "What rose and fell against the previous period",
                charts.changes(labels, [r[4] for r in rows[:15]]),
                table_html(data.changes, fold=10),
                "Relevant reports per topic, actor and outlet side, against the period of the "
                "same length just before.",
            )
        )
    cols, rows = data.both_sides
    if rows:
        out.append(
            _chart(
                "both-sides",
                "Both sides: stories covered by Indian and Pakistani outlets",
                charts.both_sides(
                    [r[0] or r[1] or "" for r in rows],
                    [r[2] if r[2] is not None else 0.0 for r in rows],
                    [r[3] if r[3] is not None else 0.0 for r in rows],
                ),
                table_html(data.both_sides),
                "Each side's mean tone and its earliest headline for the same story.",
            )
        )
    else:
        out.append(
            '<section id="both-sides"><h2>Both sides</h2><p class="note">No story in this '
            "period was covered by both Indian and Pakistani outlets.</p></section>"
        )
    return out
