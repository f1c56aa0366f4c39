"""The fixed cost of one `ipwire` run: wall seconds of the real CLI on tiny inputs.

Times, each over `--rounds` fresh processes run in alternation (median reported):
  * `ipwire ingest` of the two seed files into a new warehouse on embedded Prefect, with the
    API server started when the flow first asks for it (as ipwire did before) and started
    early, while ipwire imports (as it does now);
  * the same against a Prefect server already running on this machine (`--with-server`
    starts one on a free port for the measurement and stops it afterwards);
  * `ipwire ingest /nonexistent`: how long a bad input takes to be refused.

Usage:
    python bench/bench_run_cost.py [--rounds 3] [--with-server]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IPWIRE = Path(sys.executable).with_name("ipwire")
SEEDS = REPO / "seeds"


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(wall seconds, exit code) of one CLI process; its stderr is shown when it fails."""
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 4):
        print(done.stderr[-2000:], file=sys.stderr)
    return time.perf_counter() - started, done.returncode


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(home)
    env["IPWIRE_PREFECT"] = "embedded"  # no probe: the embedded figure is the baseline
    return env


# The CLI with the embedded server started lazily by Prefect, as before the early start.
LAZY = (
    "import sys; from ipwire import prefect_env;"
    " prefect_env.start_embedded_server_early = lambda: False;"
    " from ipwire.cli import main; sys.argv[0] = 'ipwire'; main()"
)


def ingest_once(env: dict[str, str], work: Path, label: str, i: int, lazy: bool = False) -> float:
    db = work / f"{label}-{i}.duckdb"
    cmd = [sys.executable, "-c", LAZY] if lazy else [str(IPWIRE)]
    seconds, code = timed([*cmd, "ingest", str(SEEDS), "--db", str(db)], env)
    if code != 0:
        raise SystemExit(f"{label}: ingest exited {code}")
    return seconds


def ingest_seconds(rounds: int, env: dict[str, str], work: Path, label: str) -> float:
    return statistics.median(ingest_once(env, work, label, i) for i in range(rounds))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(IPWIRE.with_name("prefect")), "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        env={**env, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit("the Prefect server did not become healthy in 90 s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--with-server", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ipwire-cost-") as tmp:
        work = Path(tmp)
        env = base_env(work / "prefect-home")
        lazy, early = [], []
        for i in range(args.rounds):  # alternated, so load on the machine hits both alike
            lazy.append(ingest_once(env, work, "lazy", i, lazy=True))
            early.append(ingest_once(env, work, "early", i))
        refused = statistics.median(
            timed([str(IPWIRE), "ingest", "/nonexistent", "--db", str(work / "x.duckdb")], env)[0]
            for _ in range(args.rounds)
        )
        print(f"ingest of 2 seed files, embedded, lazy start : {statistics.median(lazy):6.2f} s")
        print(f"ingest of 2 seed files, embedded, early start: {statistics.median(early):6.2f} s")
        print(f"ingest /nonexistent refused after            : {refused:6.2f} s")
        if args.with_server:
            port = free_port()
            server = start_server(env, port)
            try:
                served = {**env, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
                served.pop("IPWIRE_PREFECT")
                local = ingest_seconds(args.rounds, served, work, "server")
            finally:
                server.terminate()
                server.wait(timeout=30)
            print(f"ingest of 2 seed files, running server       : {local:6.2f} s")


if __name__ == "__main__":
    main()
