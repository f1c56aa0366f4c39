"""The analyst's desk: search, one article in full, and the HTML report, over the snapshot.

Every function here reads through a contained reader connection on the published snapshot
(`ipwire.snapshot.connect_reader`), so none of them ever waits on, or gets in the way of, a run.
"""

from ipwire.desk.index import build_index, has_index, open_search
from ipwire.desk.report import ReportData, ReportResult, gather, write_report, write_weekly_report
from ipwire.desk.search import Filters, Hit, run_search
from ipwire.desk.show import article, as_text, find

__all__ = [
    "Filters",
    "Hit",
    "ReportData",
    "ReportResult",
    "article",
    "as_text",
    "build_index",
    "find",
    "gather",
    "has_index",
    "open_search",
    "run_search",
    "write_report",
    "write_weekly_report",
]
