"""The report in a real browser: headless Chromium opens the file from disk, offline.

The screenshot must show every chart drawn (each chart's own colours present in the pixels),
the DOM must hold the expected sections with their SVG, and the console must stay silent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from test_desk_small import build, cli

from ipwire.desk import charts

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Chromium (Debian package `chromium`)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / "profile"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def count_near(image: Image.Image, color: str, tolerance: int = 12) -> int:
    target = hex_rgb(color)
    return sum(
        n
        for n, px in image.getcolors(maxcolors=1 << 24)
        if all(abs(a - b) <= tolerance for a, b in zip(px[:3], target, strict=True))
    )


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    db = build(folder / "wh.duckdb")
    out = folder / "report.html"
    result = CliRunner().invoke(
        cli,
        ["report", "--since", "2025-05-01", "--until", "2025-05-31", "--out", str(out)]
        + ["--db", str(db)],
    )
    assert result.exit_code == 0, result.output
    return out


def test_report_renders_every_chart_in_chromium(report_file: Path, tmp_path: Path):
    png = tmp_path / "report.png"
    run = chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,4000", report_file.as_uri())
    assert png.exists(), run.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (1280, 4000)
    signature = {  # a colour each chart draws and nothing else on the page uses
        "tone": charts.SIDE_COLORS["IN"],
        "tone and both sides": charts.SIDE_COLORS["PK"],
        "topics": charts.TOPIC_COLORS[0],
        "actors": charts.BAR,
        "changes": charts.DOWN,
    }
    for chart, color in signature.items():
        assert count_near(image, color) > 150, f"the {chart} chart did not render"
    blank = image.getcolors(maxcolors=1 << 24)
    assert len(blank) > 50  # a page with text and charts, not a white sheet


def test_report_dom_has_each_section_with_its_svg_and_no_console_errors(
    report_file: Path, tmp_path: Path
):
    run = chromium(tmp_path, "--dump-dom", "--enable-logging=stderr", "--v=0", report_file.as_uri())
    dom = run.stdout
    assert run.returncode == 0, run.stderr[-2000:]
    for name in ("tone", "topics", "actors", "changes", "both-sides"):
        figure = re.search(rf'<figure class="chart" data-chart="{name}">(.*?)</figure>', dom, re.S)
        assert figure, f"no {name} chart in the DOM"
        assert "<svg" in figure.group(1) and "<path" in figure.group(1)
    assert 'id="figures"' in dom and "Top stories" in dom
    console = [
        line
        for line in run.stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "Failed to load resource" in line
    ]
    assert console == []
