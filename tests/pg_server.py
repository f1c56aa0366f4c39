"""A throwaway PostgreSQL server for tests and benchmarks: the DuckLake catalog, for real.

Debian's `postgresql` package puts `initdb` and `pg_ctl` under /usr/lib/postgresql/N/bin. The
server gets its own folder and a free port on 127.0.0.1, trusts local connections (it listens
on loopback only and lives as long as the test session), and is stopped and removed at the
end. initdb refuses to run as root, so as root every server command runs as the `postgres`
system user the package creates, and the folder is handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SERVER_USER = "postgres"


def pg_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None when the package is missing."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user() -> list[str]:
    """The command prefix that runs a server command as a non-root user."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", SERVER_USER, "--"]


@dataclass
class PgServer:
    """One running PostgreSQL: where it listens, and the database it made for the caller."""

    bin_dir: Path
    root: Path
    port: int = 0
    dbname: str = "ipwire"
    host: str = "127.0.0.1"
    user: str = SERVER_USER
    durable: bool = False
    _started: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def conninfo(self) -> str:
        """libpq connection string of the database (what follows `ducklake:postgres:`)."""
        return f"dbname={self.dbname} host={self.host} port={self.port} user={self.user}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*_as_server_user(), *args],
            check=check,
            capture_output=True,
            text=True,
            cwd=self.root,
        )

    def start(self) -> PgServer:
        """initdb, start on a free port, create the database; raise with the server log."""
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        # durable=False: no fsync, for tests; durable=True keeps PostgreSQL's defaults (bench)
        options = [
            f"-p {self.port or free_port()}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.root}",
            "-c max_connections=100",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        for attempt in range(3):
            if attempt:
                options[0] = f"-p {free_port()}"
            self.port = int(options[0].split()[1])
            done = self._run(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.root / "server.log"),
                "-o",
                " ".join(options),
                "-w",
                "-t",
                "60",
                "start",
                check=False,
            )
            if done.returncode == 0:
                break
        else:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr.strip()}\n{log}")
        self._started = True
        self._run(
            str(self.bin_dir / "createdb"),
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            self.user,
            self.dbname,
        )
        return self

    def create_database(self, name: str) -> str:
        """Another database on the same server; returns its conninfo."""
        self._run(
            str(self.bin_dir / "createdb"),
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            self.user,
            name,
        )
        return f"dbname={name} host={self.host} port={self.port} user={self.user}"

    def stop(self) -> None:
        """Stop the server and remove its folder (immediate shutdown: nothing is kept)."""
        if self._started:
            self._run(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "immediate",
                "-w",
                "stop",
                check=False,
            )
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(dbname: str = "ipwire", *, durable: bool = False) -> PgServer:
    """A started server in a new temporary folder; the caller stops it. Raises
    FileNotFoundError when no PostgreSQL binaries are installed."""
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError(
            "no PostgreSQL binaries under /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql, or run deployments/system-packages.sh)"
        )
    root = Path(tempfile.mkdtemp(prefix="ipwire-pg-"))
    server = PgServer(bin_dir=bin_dir, root=root, dbname=dbname, durable=durable)
    try:
        return server.start()
    except BaseException:
        server.stop()
        raise
