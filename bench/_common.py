"""What the bench and eval scripts share: paths, the labelled texts, pack pages, splits, tables."""

from __future__ import annotations

import gzip
import hashlib
import json
import resource
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
LABELS = EVAL / "labels" / "dev.jsonl"
SCORER = EVAL / "score_extraction.py"
IPWIRE = Path(sys.executable).with_name("ipwire")
# The three shared extraction packs, in the order tables list them.
PACKS = ("wcxb-dev", "trafeval", "newspaper")
N_FOLDS = 5  # site folds of a pack
DEDUP_MIGRATIONS = [
    ROOT / "warehouse" / "migrations" / n
    for n in ("0002_dedup.sql", "0004_dedup_merges.sql", "0005_dedup_published_ts.sql")
]
_SUFFIX = {"html": ".html.gz", "dumps": ".txt"}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `import ipwire` from this checkout
import ipwire  # noqa: E402

# The editable install maps ipwire.tasks, ipwire.flows, ... to the folders of the checkout
# it was made from, so a second checkout (a git worktree of an older commit) would time
# that one's stages under its own name. With this checkout's root on the package's path,
# its own folders are found first; in the installed checkout they are the same files.
if Path(ipwire.__file__).resolve().parent == ROOT / "ipwire" and str(ROOT) not in ipwire.__path__:
    ipwire.__path__.append(str(ROOT))


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSONL file (blank lines skipped)."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_labels(path: Path = LABELS) -> list[dict]:
    """The labelled news texts (id, text, relevance, topics, tone, story, ...)."""
    return read_jsonl(path)


def load_gold(pack: str) -> list[dict]:
    """A shared extraction pack's gold records, in file order."""
    return read_jsonl(EVAL / "extraction" / pack / "gold.jsonl")


def page_path(pack: str, kind: str, page_id: str) -> Path:
    """One page of a pack: ``kind`` "html" (.html.gz) or "dumps" (.txt text dump)."""
    return EVAL / "extraction" / pack / kind / f"{page_id}{_SUFFIX[kind]}"


def pack_pages(pack: str, kind: str) -> list[Path]:
    """Every page of one kind in a pack, sorted by file name."""
    return sorted((EVAL / "extraction" / pack / kind).glob(f"*{_SUFFIX[kind]}"))


def read_page(path: Path) -> str:
    """A page's text: .html.gz decompressed, both decoded as UTF-8 (bad bytes replaced)."""
    if path.name.endswith(".gz"):
        return gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    return path.read_text(encoding="utf-8", errors="replace")


def hash_fold(key: str, n: int) -> int:
    """A stable fold 0..n-1 of ``key``: the first byte of its SHA-1, modulo n."""
    return hashlib.sha1(key.encode()).digest()[0] % n


def story_half(row: dict) -> str:
    """'A' or 'B' for a labelled text: its story key's (else its id's) whole SHA-1, modulo 2."""
    key = str(row.get("story") or row["id"])
    return "AB"[int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 2]


def site_of(gold: dict) -> str:
    """The page's site: the gold URL's host, else the id's leading site part."""
    if gold.get("url"):
        host = urlsplit(gold["url"]).hostname or ""
        return host.removeprefix("www.")
    ident = str(gold["id"])
    return ident.split("-")[0].rstrip("0123456789_") or ident


def fold_of(site: str) -> int:
    """The site fold (0..N_FOLDS-1) of a site, so one site's pages stay in one fold."""
    return hash_fold(site, N_FOLDS)


def print_table(headers: Iterable[object], rows: Iterable[Iterable[object]]) -> None:
    """Print a markdown table; each row is printed as ``rows`` yields it."""

    def line(cells: Iterable[object]) -> str:
        return "|" + "|".join(f" {c} " if str(c) else " " for c in cells) + "|"

    headers = list(headers)
    print(line(headers))
    print("|" + "---|" * len(headers))
    for row in rows:
        print(line(row))


def pool_map(fn: Callable, items: Iterable, workers: int, chunksize: int = 8) -> list:
    """``fn`` over ``items`` in a pool of ``workers`` processes, results in order."""
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(fn, items, chunksize=chunksize))


def ipwire_extract(paths: list[Path]) -> list[dict]:
    """``ipwire extract --format jsonl`` over ``paths`` in one run (all cores): one row per
    path, in order (text, title, audit ``stripped``; a rejected page keeps its row)."""
    done = subprocess.run(
        [str(IPWIRE), "--quiet", "extract", "--format", "jsonl", *map(str, paths)],
        capture_output=True,
        cwd=ROOT,
    )
    if done.returncode not in (0, 3):  # 3: some pages rejected (each still has its row)
        raise RuntimeError(f"ipwire extract exited {done.returncode}: {done.stderr[-2000:]!r}")
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines() if line]
    if len(rows) != len(paths):
        raise RuntimeError(f"ipwire extract gave {len(rows)} rows for {len(paths)} pages")
    return rows


def json_line_of(args: list[str], what: str, cwd: Path | None = None) -> dict:
    """The last stdout line of a child process run with ``args``, read as JSON; exits with
    the child's last error line when it fails (``what`` names the job in the message)."""
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["no output"]
        sys.exit(f"error: {what} failed: {tail[0]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory in MB of this process (or of its largest finished child)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def apply_dedup_migrations(conn) -> None:
    """Run the dedup tables' migrations on a DuckDB connection, statement by statement."""
    for statement in ";".join(m.read_text() for m in DEDUP_MIGRATIONS).split(";"):
        if statement.strip():
            conn.execute(statement)
