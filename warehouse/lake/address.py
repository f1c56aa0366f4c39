"""DuckLake addresses (`ducklake:postgres:<conninfo>` plus a data path), parsed and masked."""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb

PREFIX = "ducklake:"
ALIAS = "lake"
CLAIMS_TABLE = "lake_claims"
SEQUENCES_TABLE = "lake_sequences"
HELPER_TABLES = (CLAIMS_TABLE, SEQUENCES_TABLE, "schema_migrations")
PROBE_TIMEOUT = 1.0
CONNECT_TIMEOUT = 2  # seconds; libpq's smallest
T = TypeVar("T")


class LakeError(RuntimeError):
    """A DuckLake warehouse cannot be used: the message is one line, fit for the user."""


class LakeAddressError(LakeError, ValueError):
    """The address is not `ducklake:postgres:<conninfo>` or lacks what it needs."""


class CatalogUnreachable(LakeError):
    """The catalog's PostgreSQL does not answer: nothing has been done yet."""


# --- addresses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LakeAddress:
    """`ducklake:postgres:<conninfo>` and where the Parquet files go."""

    conninfo: str
    data_path: str | None = None
    params: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        """The address as written, with any password masked (it goes into messages)."""
        return f"{PREFIX}postgres:{mask_password(self.conninfo)}"

    @property
    def host(self) -> str:
        return self.param("host") or os.environ.get("PGHOST") or "localhost"

    @property
    def port(self) -> int:
        return int(self.param("port") or os.environ.get("PGPORT") or 5432)

    @property
    def is_s3(self) -> bool:
        return bool(self.data_path) and self.data_path.startswith("s3://")

    def param(self, key: str) -> str | None:
        return dict(self.params).get(key)


def mask_password(text: str) -> str:
    """`password=…` in a connection string (or a message quoting one) shown as `***`."""
    return re.sub(r"(password\s*=\s*)('[^']*'|[^\s\"]+)", r"\1***", text)


def _attach_reason(exc: BaseException) -> str:
    """The useful part of a failed ATTACH: PostgreSQL's own reason when there is one."""
    text = " ".join(str(exc).split())
    found = re.search(r"Unable to connect to Postgres at \".*?\": (.*)", text)
    return mask_password(found.group(1) if found else text)[:300]


def is_lake_address(value: object) -> bool:
    """True for `ducklake:…` addresses, False for warehouse file paths."""
    return isinstance(value, str) and value.startswith(PREFIX)


def parse_conninfo(conninfo: str) -> tuple[tuple[str, str], ...]:
    """libpq `key=value` pairs (values may be single-quoted); a malformed pair raises."""
    pairs = []
    try:
        words = shlex.split(conninfo.replace("\\'", "'"))
    except ValueError as exc:
        raise LakeAddressError(f"cannot read the connection string {conninfo!r}: {exc}") from exc
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise LakeAddressError(
                f"{word!r} in the catalog connection string is not key=value "
                "(e.g. ducklake:postgres:dbname=ipwire host=db1 user=ipwire)"
            )
        pairs.append((key.strip(), value))
    return tuple(pairs)


def parse_address(address: str, data_path: str | os.PathLike[str] | None = None) -> LakeAddress:
    """Read `ducklake:postgres:<conninfo>`; `data_path` is a folder or an `s3://` prefix."""
    if not is_lake_address(address):
        raise LakeAddressError(f"{address!r} is not a DuckLake address (ducklake:postgres:…)")
    rest = address[len(PREFIX) :]
    kind, sep, conninfo = rest.partition(":")
    if kind != "postgres" or not sep:
        raise LakeAddressError(
            f"{address!r}: ipwire keeps DuckLake catalogs in PostgreSQL; "
            "write ducklake:postgres:dbname=… host=… user=…"
        )
    params = parse_conninfo(conninfo)
    if not dict(params).get("dbname"):
        raise LakeAddressError(f"{address!r} names no database (dbname=…)")
    path = None
    if data_path is not None and str(data_path):
        path = str(data_path)
        if not path.startswith("s3://"):
            path = str(Path(path).expanduser().resolve())
        if not path.endswith("/"):
            path += "/"
    return LakeAddress(conninfo.strip(), path, params)


def s3_secret_sql(env: dict[str, str] | None = None) -> str | None:
    """A `CREATE SECRET` for S3 from AWS_* variables, or None when no key is set."""
    env = dict(os.environ if env is None else env)
    key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return None
    parts = {"TYPE": "s3", "KEY_ID": key, "SECRET": secret}
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        parts["REGION"] = region
    if env.get("AWS_SESSION_TOKEN"):
        parts["SESSION_TOKEN"] = env["AWS_SESSION_TOKEN"]
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:  # MinIO, Ceph, R2 …: host[:port] without scheme, path-style URLs
        parts["ENDPOINT"] = re.sub(r"^https?://", "", endpoint).rstrip("/")
        parts["USE_SSL"] = "false" if endpoint.startswith("http://") else "true"
        parts["URL_STYLE"] = "path"
    body = ", ".join(
        f"{k} {v}" if k in ("TYPE", "USE_SSL") else f"{k} {_quote(v)}" for k, v in parts.items()
    )
    return f"CREATE OR REPLACE SECRET ipwire_s3 ({body})"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _columns(conn: duckdb.DuckDBPyConnection, catalog: str | None, table: str) -> list[str]:
    """Columns of a main-schema table in order (`catalog` None: the current database)."""
    rows = conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name ="
        " coalesce(?, current_database()) AND schema_name = 'main' AND table_name = ?"
        " ORDER BY column_index",
        [catalog, table],
    ).fetchall()
    return [r[0] for r in rows]


def _ident(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)
