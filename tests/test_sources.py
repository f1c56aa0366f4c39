import gzip
import json
from pathlib import Path

from ipwire.tasks.sources import discover, read_file, records_from_json

EXT = [".txt", ".md", ".html", ".htm", ".jsonl", ".json"]


def test_folders_are_read_recursively_in_sorted_order(tmp_path: Path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("two")
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "b" / "page.html.gz").write_bytes(gzip.compress(b"<html></html>"))
    files, rejections = discover([str(tmp_path)], EXT)
    assert [p.name for p in files] == ["a.txt", "page.html.gz", "two.txt"]
    assert rejections == []


def test_hidden_files_are_skipped_and_unknown_types_rejected(tmp_path: Path):
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    files, rejections = discover([str(tmp_path)], EXT)
    assert files == []
    assert [(r.reason, Path(r.source_ref).name) for r in rejections] == [
        ("unsupported_type", "photo.jpg")
    ]


def test_missing_source_is_a_rejection_not_an_error(tmp_path: Path):
    files, rejections = discover([str(tmp_path / "nope")], EXT)
    assert files == [] and rejections[0].reason == "not_found"


def test_gzip_html_is_decompressed_and_typed_as_html(tmp_path: Path):
    p = tmp_path / "page.html.gz"
    p.write_bytes(gzip.compress(b"<html><body><p>Hi</p></body></html>"))
    raws, rejections = read_file(p, "2026-01-01T00:00:00+00:00")
    assert rejections == []
    assert raws[0].content_type == "text/html" and raws[0].content.startswith(b"<html>")


def test_corrupt_gzip_is_rejected(tmp_path: Path):
    p = tmp_path / "page.html.gz"
    p.write_bytes(b"\x1f\x8b\x08\x00garbage")
    raws, rejections = read_file(p, "t")
    assert raws == [] and rejections[0].reason == "bad_gzip"


def test_raw_id_is_stable_for_the_same_bytes_and_path(tmp_path: Path):
    p = tmp_path / "a.txt"
    p.write_text("India and Pakistan")
    first = read_file(p, "t1")[0][0]
    second = read_file(p, "t2")[0][0]
    assert first.raw_id == second.raw_id
    p.write_text("India and Pakistan, updated")
    assert read_file(p, "t3")[0][0].raw_id != first.raw_id


def test_json_lines_give_one_raw_per_record_and_reject_malformed_lines():
    data = b"\n".join(
        [
            json.dumps({"url": "https://x.pk/a", "title": "A", "text": "body a"}).encode(),
            b"{not json",
            json.dumps({"title": "no text"}).encode(),
            json.dumps({"html": "<p>b</p>", "published": "2024-05-01"}).encode(),
        ]
    )
    raws, rejections = records_from_json(data, "/in/x.jsonl", "t")
    assert [r.source_ref for r in raws] == ["/in/x.jsonl#L1", "/in/x.jsonl#L4"]
    assert raws[0].hints == {"url": "https://x.pk/a", "title": "A"}
    assert raws[0].url == "https://x.pk/a"
    assert {(r.source_ref, r.reason) for r in rejections} == {
        ("/in/x.jsonl#L2", "malformed_json"),
        ("/in/x.jsonl#L3", "missing_text"),
    }


def test_json_array_document_is_read_as_records():
    data = json.dumps([{"text": "one"}, {"text": "two"}]).encode()
    raws, rejections = records_from_json(data, "/in/x.json", "t")
    assert len(raws) == 2 and rejections == []
