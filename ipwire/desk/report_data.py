"""The numbers of one period's report as plain data: what ``report.gather`` reads from the
snapshot and ``html.render_report`` draws, so neither needs the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

Table = tuple[list[str], list[tuple]]


@dataclass
class ReportData:
    """The numbers behind every section of the report, as column lists and rows."""

    since: date
    until: date
    figures: dict[str, Any] = field(default_factory=dict)
    by_country: Table = ([], [])
    top_stories: Table = ([], [])
    tone_weekly: Table = ([], [])
    topics_weekly: Table = ([], [])
    actors: Table = ([], [])
    changes: Table = ([], [])
    both_sides: Table = ([], [])

    @property
    def empty(self) -> bool:
        return not self.figures.get("articles")
