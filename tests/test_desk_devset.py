"""The desk on real texts: labelled news from ../shared/eval ingested with `ipwire ingest`.

Skipped when the shared evaluation folder is not there. The texts are read from there and
turned into JSON records in a temporary folder; nothing is copied into the project.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_desk_small import cli

from ipwire import snapshot
from ipwire.ids import outlet_from_url

LABELS = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "labels" / "dev.jsonl"
pytestmark = pytest.mark.skipif(not LABELS.exists(), reason=f"needs {LABELS}")
IPWIRE = Path(sys.executable).with_name("ipwire")


def labelled() -> list[dict]:
    with open(LABELS, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def dev_wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Texts of every story told more than once, and the first 40 others, as feed records."""
    rows = labelled()
    stories = collections.Counter(r.get("story") for r in rows if r.get("story"))
    chosen = [r for r in rows if r.get("story") and stories[r["story"]] > 1]
    chosen += [r for r in rows if r not in chosen][:40]
    folder = tmp_path_factory.mktemp("devset")
    records = folder / "records.jsonl"
    with open(records, "w", encoding="utf-8") as fh:
        for r in chosen:
            title = r["text"].strip().split("\n", 1)[0][:200]
            record = {"url": r["url"], "title": title, "published": r.get("date"),
                      "text": r["text"]}  # fmt: skip
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    db = folder / "wh.duckdb"
    run = subprocess.run(
        [str(IPWIRE), "ingest", str(records), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return db


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_search_for_a_treaty_finds_water_stories_with_marked_snippets(dev_wh: Path):
    hits = json.loads(invoke("search", "Indus Waters Treaty", "--db", str(dev_wh), "--format",
                             "json"))  # fmt: skip
    assert len(hits) >= 5
    for hit in hits[:5]:
        assert "water" in hit["topics"], hit
        assert "**" in hit["snippet"] and "indus" in hit["snippet"].lower()
    assert len({h["article_id"] for h in hits}) == len(hits)
    with snapshot.connect_reader(dev_wh) as conn:
        copies = conn.execute(
            "SELECT count(*) FROM articles WHERE list_contains($ids, article_id)"
            " AND duplicate_of IS NOT NULL",
            {"ids": [h["article_id"] for h in hits]},
        ).fetchone()[0]
    assert copies == 0  # hits are chains, named by their first copy


@pytest.mark.slow
def test_show_of_a_hit_gives_its_relevance_evidence(dev_wh: Path):
    hits = json.loads(invoke("search", "ceasefire", "--db", str(dev_wh), "--format", "json"))
    out = invoke("show", hits[0]["article_id"], "--db", str(dev_wh))
    evidence = out[out.index("== Relevance") : out.index("== Tone")].splitlines()[1:]
    assert evidence and all(line.startswith("  - ") for line in evidence)


@pytest.mark.slow
def test_stories_are_dated_by_publication_only(dev_wh: Path):
    with snapshot.connect_reader(dev_wh) as conn:
        today_seen, today_published, undated = conn.execute(
            "SELECT count(*) FILTER (WHERE CAST(first_seen AS DATE) = current_date),"
            " count(*) FILTER (WHERE CAST(first_published AS DATE) = current_date),"
            " count(*) FILTER (WHERE first_published IS NULL) FROM stories"
        ).fetchone()
    assert today_seen > 0 and today_seen == undated  # the labelled texts are not from today
    assert today_published == 0


@pytest.mark.slow
def test_report_of_the_labelled_set_pairs_indian_and_pakistani_coverage(
    dev_wh: Path, tmp_path: Path
):
    out = tmp_path / "all.html"
    text = invoke("report", "--since", "1990-01-01", "--until", "2030-12-31", "--out", str(out),
                  "--db", str(dev_wh))  # fmt: skip
    assert text.startswith(f"wrote {out}")
    html = out.read_text(encoding="utf-8")
    both = html[html.index('id="both-sides"') :]
    assert "<svg" in both and both.count("<tr>") >= 2


def test_most_labelled_texts_come_from_outlets_with_a_known_country():
    from ipwire.tasks.clean.stage import outlet_country

    outlets = [outlet_from_url(r["url"]) for r in labelled()]
    known = sum(outlet_country(o) is not None for o in outlets)
    assert known / len(outlets) >= 0.75
