"""The report's charts: matplotlib figures saved as SVG text, to be inlined in the HTML.

Text stays text in the SVG (`svg.fonttype = none`), which keeps a year of weekly points small
and lets the browser's fonts render labels. No pyplot: figures are plain objects, no global
state, no display needed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date

import matplotlib
from matplotlib.figure import Figure

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "ipwire",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

SIDE_COLORS = {"IN": "#ff9933", "PK": "#01411c", "other": "#8a8a8a"}
SIDE_NAMES = {"IN": "Indian outlets", "PK": "Pakistani outlets", "other": "other outlets"}
UP, DOWN = "#2a9d8f", "#c0392b"
BAR = "#4c72b0"
TOPIC_COLORS = [
    "#4e79a7",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#86bcb6",
]
_XML_HEAD = re.compile(r"^.*?(<svg\b)", re.S)


def to_svg(fig: Figure) -> str:
    """The figure as an inline `<svg>` element (no XML prolog, no fixed size)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = _XML_HEAD.sub(r"\1", buf.getvalue(), count=1)
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r"<svg\1", svg, count=1)


def _dates(values: Sequence[str]) -> list[date]:
    return [date.fromisoformat(v) for v in values]


def tone_over_time(weeks: Sequence[str], series: dict[str, Sequence[float | None]]) -> str:
    """Weekly mean tone per side, −1 conflict … +1 cooperation."""
    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_subplot()
    x = _dates(weeks)
    for side, values in series.items():
        points = [(d, v) for d, v in zip(x, values, strict=True) if v is not None]
        if not points:
            continue
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker="o",
            markersize=4,
            linewidth=2,
            color=SIDE_COLORS[side],
            linestyle="--" if side == "other" else "-",
            label=SIDE_NAMES[side],
        )
    ax.axhline(0, color="#cccccc", linewidth=1)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("tone (−1 conflict … +1 cooperation)")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, ncols=3)
    fig.autofmt_xdate()
    return to_svg(fig)


def topic_volumes(weeks: Sequence[str], topics: dict[str, Sequence[int]]) -> str:
    """Relevant reports per topic and week, stacked."""
    fig = Figure(figsize=(8, 3.4))
    ax = fig.add_subplot()
    x = _dates(weeks)
    bottom = [0] * len(x)
    width = 5 if len(x) > 1 else 3
    for i, (topic, counts) in enumerate(topics.items()):
        ax.bar(
            x,
            counts,
            bottom=bottom,
            width=width,
            color=TOPIC_COLORS[i % len(TOPIC_COLORS)],
            label=topic,
        )
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_ylabel("relevant reports")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.autofmt_xdate()
    return to_svg(fig)


def horizontal_bars(labels: Sequence[str], values: Sequence[float], xlabel: str) -> str:
    """One bar a label, the largest on top."""
    fig = Figure(figsize=(8, 0.3 * len(labels) + 0.8))
    ax = fig.add_subplot()
    ax.barh(list(range(len(labels)))[::-1], values, color=BAR)
    ax.set_yticks(list(range(len(labels)))[::-1], [_short(t, 40) for t in labels])
    ax.set_xlabel(xlabel)
    return to_svg(fig)


def changes(labels: Sequence[str], deltas: Sequence[int]) -> str:
    """Rises (green) and falls (red) against the previous period."""
    fig = Figure(figsize=(8, 0.3 * len(labels) + 0.8))
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, deltas, color=[UP if d >= 0 else DOWN for d in deltas])
    ax.axvline(0, color="#999999", linewidth=1)
    ax.set_yticks(ys, [_short(t, 40) for t in labels])
    ax.set_xlabel("change in relevant reports against the previous period")
    return to_svg(fig)


def both_sides(labels: Sequence[str], tone_in: Sequence[float], tone_pk: Sequence[float]) -> str:
    """Per story, the tone of Indian and of Pakistani outlets, joined by a line."""
    fig = Figure(figsize=(8, 0.35 * len(labels) + 1.0))
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    for y, a, b in zip(ys, tone_in, tone_pk, strict=True):
        ax.plot([a, b], [y, y], color="#cccccc", linewidth=2, zorder=1)
    ax.scatter(tone_in, ys, color=SIDE_COLORS["IN"], s=40, label=SIDE_NAMES["IN"], zorder=2)
    ax.scatter(tone_pk, ys, color=SIDE_COLORS["PK"], s=40, label=SIDE_NAMES["PK"], zorder=2)
    ax.axvline(0, color="#dddddd", linewidth=1)
    ax.set_xlim(-1.05, 1.05)
    ax.set_yticks(ys, [_short(t, 45) for t in labels])
    ax.set_xlabel("tone (−1 conflict … +1 cooperation)")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.18), frameon=False, ncols=2)
    return to_svg(fig)


def _short(text: str | None, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"
