"""`ipwire extract` and `ipwire classify`: what ingest takes, one result per record, honest exit
codes, and progress only on a terminal."""

from __future__ import annotations

import gzip
import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from ipwire import exit_codes
from ipwire.cli import cli

IPWIRE = str(Path(sys.executable).with_name("ipwire"))
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PROSE = (
    "India and Pakistan agreed on Monday to resume talks on the Indus Waters Treaty after a "
    "pause of two years, officials in both capitals said, adding that engineers would meet in "
    "Lahore next month to settle the design of two dams on tributaries of the river."
)


def records_file(path: Path, n: int) -> Path:
    lines = [
        json.dumps({"url": f"https://example.org/{i}", "title": f"Item {i}", "text": PROSE})
        for i in range(1, n + 1)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def jsonl(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_extract_gives_one_result_per_jsonl_record(tmp_path: Path):
    src = records_file(tmp_path / "records.jsonl", 5)
    result = CliRunner().invoke(cli, ["extract", str(src), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    out = jsonl(result.output)
    assert [r["id"] for r in out] == [f"records#L{i}" for i in range(1, 6)]
    assert [r["title"] for r in out] == [f"Item {i}" for i in range(1, 6)]


def test_extract_reads_folders_recursively_and_gz_like_ingest(tmp_path: Path):
    inbox = tmp_path / "inbox"
    (inbox / "nested").mkdir(parents=True)
    (inbox / "a.txt").write_bytes((SEEDS / "004_bf9fe9c0b96d4580.txt").read_bytes())
    (inbox / "nested" / "b.html.gz").write_bytes(
        gzip.compress(f"<html><body><article><p>{PROSE}</p></article></body></html>".encode())
    )
    records_file(inbox / "nested" / "c.jsonl", 2)
    result = CliRunner().invoke(cli, ["extract", str(inbox), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    out = jsonl(result.output)
    assert [r["id"] for r in out] == ["a", "b", "c#L1", "c#L2"]
    assert all(not r.get("error") and r["text"] for r in out)
    assert out[1]["source"] == str(inbox / "nested" / "b.html.gz")


def test_extract_exit_code_says_whether_anything_was_rejected(tmp_path: Path):
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    alone = CliRunner().invoke(cli, ["extract", str(binary)])
    assert alone.exit_code == exit_codes.NOTHING, alone.output
    good = SEEDS / "004_bf9fe9c0b96d4580.txt"
    mixed = CliRunner().invoke(cli, ["extract", str(good), str(binary), "--format", "jsonl"])
    assert mixed.exit_code == exit_codes.REJECTED
    assert "rejected" in mixed.output and str(binary) in mixed.output
    missing = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope.txt")])
    assert missing.exit_code == exit_codes.NOT_FOUND and "nope.txt" in missing.output


MENU_ONLY = (
    "<html><body><nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a>"
    "</nav><div id='cookies'><p>We use cookies to improve your experience. Accept all cookies"
    "</p></div><footer>© 2024 Example News</footer></body></html>"
)


def test_a_page_rejected_for_no_article_keeps_the_audit_of_what_was_removed(tmp_path: Path):
    page = tmp_path / "menu-only.html"
    page.write_text(MENU_ONLY, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(page), "--format", "jsonl"])
    assert result.exit_code == exit_codes.NOTHING, result.output
    (row,) = jsonl(result.output)
    assert row["error"] == "no_article_text" and row["text"] == ""
    # the detail says what the page was made of, and the row lists every removed block
    assert row["stripped"], row
    kinds = {b["kind"] for b in row["stripped"]}
    assert f"stripped {len(row['stripped'])} block" in row["detail"]
    assert all(kind in row["detail"] for kind in kinds)
    assert any("World" in b["text"] for b in row["stripped"])
    # the text format shows the audit under the rejection too
    shown = CliRunner().invoke(cli, ["extract", str(page)])
    assert "rejected: no_article_text" in shown.output
    assert "[stripped " in shown.output.split("rejected: no_article_text", 1)[1]


def test_classify_exit_code_says_whether_lines_were_skipped(tmp_path: Path):
    good = json.dumps({"id": "x", "text": PROSE})
    bad_only = CliRunner().invoke(cli, ["classify"], input="not json\n")
    assert bad_only.exit_code == exit_codes.NOTHING, bad_only.output
    mixed = CliRunner().invoke(cli, ["classify"], input=f"{good}\nnot json\n")
    assert mixed.exit_code == exit_codes.REJECTED
    assert "line 2: skipped" in mixed.output
    assert CliRunner().invoke(cli, ["classify"], input=good + "\n").exit_code == 0
    missing = CliRunner().invoke(cli, ["classify", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == exit_codes.NOT_FOUND


def run_with_terminal_stderr(args: list[str]) -> tuple[int, str, str]:
    """Run the real CLI with stdout to a pipe and stderr to a pseudo-terminal."""
    parent, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "IPWIRE_PROGRESS"}
    proc = subprocess.Popen(
        [IPWIRE, *args], stdout=subprocess.PIPE, stderr=child, env={**env, "COLUMNS": "120"}
    )
    os.close(child)
    chunks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            data = os.read(parent, 65536)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read().decode()
    proc.wait(timeout=30)
    os.close(parent)
    return proc.returncode, out, b"".join(chunks).decode(errors="replace")


def test_extract_shows_progress_on_a_terminal_and_never_in_a_pipe(tmp_path: Path):
    src = records_file(tmp_path / "records.jsonl", 6)
    code, out, err = run_with_terminal_stderr(["extract", str(src), "--format", "jsonl"])
    assert code == 0, err
    assert "extract" in err and "6/6" in err  # stage, items done / total
    assert "/s" in err  # the rate
    assert len(jsonl(out)) == 6 and "6/6" not in out
    code, out, err = run_with_terminal_stderr(["--quiet", "extract", str(src)])
    assert code == 0 and "6/6" not in err
    piped = subprocess.run(
        [IPWIRE, "extract", str(src)], capture_output=True, text=True, timeout=120
    )
    assert piped.returncode == 0 and "6/6" not in piped.stderr and piped.stderr.strip() == ""


def test_extract_keeps_each_document_within_the_configured_budget(tmp_path: Path):
    config = tmp_path / "ipwire.toml"
    config.write_text("[clean]\nmax_elements = 1000\n", encoding="utf-8")
    page = tmp_path / "many.html"
    page.write_text("<html><body>" + "<p>India and Pakistan</p>" * 1500 + "</body></html>")
    result = CliRunner().invoke(
        cli, ["extract", str(page), "--format", "jsonl", "--config", str(config)]
    )
    assert result.exit_code == exit_codes.NOTHING
    (row,) = jsonl(result.stdout)
    assert row["error"] == "over_budget" and "1,000 HTML elements" in row["detail"]


def test_extract_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path) -> None:
    # `ipwire extract … | head -1`: the closed pipe is no error, and no traceback is printed.
    # The rows (about 120 KB) outgrow a pipe's buffer (64 KB on Linux), so the writer is still
    # writing when the reader goes away, however fast it runs.
    for i in range(400):
        (tmp_path / f"note{i:03d}.txt").write_text(PROSE + "\n")
    proc = subprocess.Popen(
        [IPWIRE, "--quiet", "extract", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away after one line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == exit_codes.PIPE_CLOSED
    assert "Error" not in err and "Traceback" not in err
