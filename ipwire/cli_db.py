"""`ipwire db` (migrate, backup, restore), `reclassify`, `recluster`, `config show`: keeping a
warehouse.

A warehouse is `<name>.duckdb` (the live file, written by one writer at a time under
`<name>.duckdb.lock`), `<name>.snapshot.duckdb` (what readers open) and, after a crash, a
`<name>.duckdb.wal`. Backups are taken under the writer lock after a checkpoint, so a copy is
consistent even while nightly runs go on; a restore replaces the live file, brings it to the
current schema and publishes a fresh snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import NoReturn

import click

from ipwire import exit_codes, progress
from ipwire.cli_common import config_option, db_option
from ipwire.cli_ops import (
    LAKE_NOT_A_FILE,
    check_lake,
    check_writable_warehouse,
    fail,
    is_warehouse_file,
    quiet,
    require_warehouse,
)


@click.group("db")
def db_group() -> None:
    """Warehouse schema and files: migrations, backup, restore."""


@db_group.command("migrate")
@db_option
@click.option("--list", "list_only", is_flag=True, help="Show pending migrations, apply none.")
@click.option(
    "--data-path",
    default=None,
    help="A new DuckLake's Parquet folder or s3:// prefix (default: [warehouse] data_path).",
)
def db_migrate(db: str | None, list_only: bool, data_path: str | None) -> None:
    """Apply pending numbered migrations (each in a transaction with its log row).

    Creates the warehouse when the file (or the DuckLake) does not exist yet; publishes a
    fresh snapshot of a file.

    Example: ipwire db migrate --list
    """
    from ipwire import snapshot
    from ipwire.warehouse import db as wh

    if check_lake(db):
        _migrate_lake(str(wh.db_path(db)), list_only, data_path)
        return
    db_file = check_writable_warehouse(db)
    if list_only and not db_file.exists():  # listing creates nothing: all are pending
        todo = wh.all_migrations()
        for m in todo:
            click.echo(f"pending {m.version:04d}_{m.name}")
        click.echo(f"{len(todo)} pending (no warehouse at {db_file} yet)")
        return
    with snapshot.writer_lock(db_file, log_fn=lambda m: click.echo(m, err=True)):
        conn = wh.connect(db_file, migrate_schema=False)
        try:
            if list_only:
                _say("pending", wh.pending(conn))
                return
            done = wh.migrate(conn)
            _say("applied", done, f"; schema at version {schema_version(conn):04d}")
        finally:
            conn.close()
        snapshot.publish_snapshot(db_file)  # readers see the new schema and views


def _migrate_lake(address: str, list_only: bool, data_path: str | None) -> None:
    """`db migrate` on a DuckLake: the translated migrations in one lake transaction, safe
    while other processes migrate or write (a conflicting commit is run again)."""
    from ipwire.config import load_settings
    from ipwire.warehouse import db as wh
    from ipwire.warehouse import lake

    path = data_path or load_settings(None).warehouse.data_path or None
    try:
        conn = wh.connect(address, migrate_schema=False, data_path=path)
    except lake.LakeError as exc:
        fail(str(exc), exit_codes.FAILED)
    with conn:
        if list_only:
            _say("pending", lake.pending(conn))
            return
        done = lake.migrate(conn)
        version = max(lake.applied_versions(conn), default=0)
        _say("applied", done, f"; schema at version {version:04d}")


def _say(what: str, migrations: list, tail: str = "") -> None:
    """One line per migration, then the count (`pending` or `applied`)."""
    for m in migrations:
        click.echo(f"{what} {m.version:04d}_{m.name}")
    click.echo(f"{len(migrations)} {what}{tail}")


def schema_version(conn) -> int:
    from ipwire.warehouse import db as wh

    return max(wh.applied_versions(conn), default=0)


def copy_file(source: Path, target: Path) -> None:
    """Copy to a temporary file beside `target`, fsync, rename: never half a file."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def describe(path: Path) -> str:
    """'schema 0008, 1,234 articles' of a warehouse file, opened read-only."""
    from ipwire.warehouse import extensions

    with extensions.connect(str(path), read_only=True) as conn:
        version = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] or 0
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return f"schema {version:04d}, {articles:,} articles"


@db_group.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False))
@db_option
@click.option("--force", is_flag=True, help="Overwrite DEST if it exists.")
def db_backup(dest: str, db: str | None, force: bool) -> None:
    """Copy the warehouse to DEST, consistently, while runs may go on.

    Waits for a running ingest (the writer lock), checkpoints, copies and checks that the
    copy opens. The copy is a complete warehouse: `ipwire db restore DEST` brings it back.

    Example: ipwire db backup backups/ipwire-2026-12-01.duckdb
    """

    from ipwire import snapshot
    from ipwire.cli_export import warehouse_files
    from ipwire.warehouse import extensions

    live = require_warehouse(db, live=True)
    if isinstance(live, str):
        fail(LAKE_NOT_A_FILE, exit_codes.USAGE)
    target = Path(dest).expanduser()
    if target.resolve() in warehouse_files(live):
        fail(f"{target} is one of the warehouse's own files: choose another DEST", exit_codes.USAGE)
    if target.exists() and not force:
        fail(f"{target} exists: add --force to overwrite it", exit_codes.USAGE)
    target.parent.mkdir(parents=True, exist_ok=True)
    with snapshot.writer_lock(live, log_fn=lambda m: click.echo(m, err=True)):
        with extensions.connect(str(live)) as conn:
            conn.execute("CHECKPOINT")  # everything in the main file, no WAL needed
        copy_file(live, target)
    click.echo(f"backed up {live} to {target} ({describe(target)})")


@db_group.command("restore")
@click.argument("backup", type=click.Path(dir_okay=False))
@db_option
@click.option("--force", is_flag=True, help="Replace the warehouse at --db if there is one.")
def db_restore(backup: str, db: str | None, force: bool) -> None:
    """Put a backup in place of the warehouse at --db, migrate it and publish its snapshot.

    Refuses to replace an existing warehouse without --force (back it up first).

    Example: ipwire db restore backups/ipwire-2026-12-01.duckdb --db data/ipwire.duckdb
    """
    from ipwire import snapshot
    from ipwire.warehouse import db as wh

    source = Path(backup).expanduser()
    if not source.is_file():
        fail(f"no backup at {source}", exit_codes.NOT_FOUND)
    if not is_warehouse_file(source):
        fail(f"{source} is not a DuckDB warehouse", exit_codes.NOT_FOUND)
    live = check_writable_warehouse(db)
    if live.exists() and not force:
        fail(
            f"{live} holds a warehouse: back it up (`ipwire db backup`), then add --force",
            exit_codes.USAGE,
        )
    with snapshot.writer_lock(live, log_fn=lambda m: click.echo(m, err=True)):
        copy_file(source, live)
        live.with_name(live.name + ".wal").unlink(missing_ok=True)  # the old file's log
        conn = wh.connect(live, migrate_schema=False)
        try:
            applied = wh.migrate(conn)
        finally:
            conn.close()
        snapshot.publish_snapshot(live)
    note = f"; applied {', '.join(f'{m.version:04d}_{m.name}' for m in applied)}" if applied else ""
    click.echo(f"restored {source} to {live} ({describe(live)}){note}")


# --- copy between a .duckdb file and a DuckLake ----------------------------------------------


def shown(address: str) -> str:
    """An address fit for output: any password masked."""
    from ipwire.warehouse import lake

    return lake.mask_password(address)


def held_rows(address: str, data_path: str | None) -> dict[str, int]:
    """Rows per non-empty table of a copy target (a lake is created and migrated if new)."""
    from ipwire.warehouse import extensions, lake

    if lake.is_lake_address(address):
        conn = lake.open_warehouse(address, data_path)
    elif Path(address).exists():
        conn = extensions.connect(address, read_only=True)
    else:
        return {}
    try:
        return {t: n for t, (n, _) in lake.fingerprint(conn).items() if n}
    finally:
        conn.close()


def side_hash(address: str, data_path: str | None, tables: list[str]) -> tuple[int, str]:
    """(rows, content hash) of `tables` as stored now, read afresh after the copy committed."""
    from ipwire.warehouse import extensions, lake

    if lake.is_lake_address(address):
        conn = lake.connect_lake(address, data_path, read_only=True)
    else:
        conn = extensions.connect(address, read_only=True)
    try:
        got = lake.fingerprint(conn)
    finally:
        conn.close()
    prints = {t: got.get(t, (0, 0)) for t in tables}
    return sum(n for n, _ in prints.values()), lake.warehouse_hash(prints)


def empty_lake(address: str, data_path: str | None) -> None:
    """--force on a lake target: delete every row of its ipwire tables in one transaction."""
    from ipwire.warehouse import lake

    conn = lake.open_warehouse(address, data_path)
    try:
        tables = list(lake.fingerprint(conn))  # ipwire's tables, not the lake's helpers
        lake.run_batch(conn, lambda c: [c.execute(f'DELETE FROM "{t}"') for t in tables])
    finally:
        conn.close()


def copy_error(exc: Exception) -> NoReturn:
    """A refused or failed copy as one line with the exit code that names the case."""
    from ipwire.warehouse import lake

    text = shown((str(exc).strip().splitlines() or [type(exc).__name__])[0])
    if isinstance(exc, lake.CatalogUnreachable):
        fail(text, exit_codes.BUSY)
    if isinstance(exc, lake.LakeAddressError):
        fail(text, exit_codes.CONFIG)
    if "no warehouse at" in text:
        fail(text, exit_codes.NOT_FOUND)
    if "already holds data" in text or "migrate the source first" in text:
        fail(text, exit_codes.USAGE)
    fail(f"copy failed (none of it was committed): {text}", exit_codes.FAILED)


@db_group.command("copy")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="ADDRESS",
    help="Where to copy: ducklake:postgres:dbname=… host=… or a .duckdb file.",
)
@click.option("--from", "source", metavar="ADDRESS", help="What to copy (default: --db).")
@db_option
@click.option("--data-path", metavar="PATH", help="The lake's data folder or s3:// prefix.")
@click.option("--force", is_flag=True, help="Empty or replace a target that holds data.")
def db_copy(
    target: str, source: str | None, db: str | None, data_path: str | None, force: bool
) -> None:
    """Copy a warehouse into an empty one: a .duckdb file into a DuckLake, or back.

    The copy is one transaction, committed only when every table's rows and content
    fingerprint match the source; both sides are then read again and their rows and content
    hash printed. A warehouse file is copied under its writer lock (a running ingest finishes
    first and the next waits); a file target is written beside it and renamed into place.
    Exits 2 when the target holds data (add --force) or the source's schema is older, 4 when
    the source does not exist, 5 on a malformed address, 6 when a catalog is unreachable.

    Example: ipwire db copy --to 'ducklake:postgres:dbname=ipwire host=db1 user=ipwire'
    --data-path /mnt/ipwire-lake
    """
    import contextlib
    import time

    import duckdb

    from ipwire import snapshot
    from ipwire.warehouse import extensions, lake

    src = source or db or ""
    if not lake.is_lake_address(src):  # the usual warehouse unless --from says otherwise
        src = str(require_warehouse(src or None, live=True))
    lakes = [a for a in (src, target) if lake.is_lake_address(a)]
    if len(lakes) == 2:
        fail("both sides are lakes: copy through a .duckdb file", exit_codes.USAGE)
    if lake.is_lake_address(target) and not data_path:
        fail("a lake target needs --data-path (a folder or s3:// prefix)", exit_codes.USAGE)
    if not lakes and Path(src).resolve() == Path(target).resolve():
        fail(f"--from and --to are the same warehouse ({src})", exit_codes.USAGE)
    for side in (src, target):
        check_lake(side)  # a lake must parse and answer; a file path passes
    dst_file = None if lake.is_lake_address(target) else check_writable_warehouse(target)
    started = time.monotonic()
    say = lambda m: click.echo(m, err=True)  # noqa: E731
    with contextlib.ExitStack() as stack:
        try:
            if not lake.is_lake_address(src):  # no ingest may tear the copy
                stack.enter_context(snapshot.writer_lock(src, log_fn=say))
                with extensions.connect(src) as conn:
                    conn.execute("CHECKPOINT")  # the file alone holds every committed row
            if dst_file is not None:
                stack.enter_context(snapshot.writer_lock(dst_file, log_fn=say))
            held = held_rows(target, data_path)
            if held and not force:
                listed = ", ".join(f"{t} ({n} rows)" for t, n in sorted(held.items()))
                fail(f"{shown(target)} holds data: {listed}; add --force", exit_codes.USAGE)
            if dst_file is None:
                if held:
                    empty_lake(target, data_path)
                report = lake.copy_warehouse(src, target, dst_data_path=data_path)
            else:
                report = copy_to_file(src, dst_file, data_path)
            tables = sorted(report.tables)
            src_rows, src_hash = side_hash(src, data_path, tables)
            dst_rows, dst_hash = side_hash(target, data_path, tables)
        except (lake.LakeError, OSError, duckdb.Error) as exc:
            copy_error(exc)
    if (src_rows, src_hash) != (dst_rows, dst_hash):
        fail(f"{shown(target)} does not match {shown(src)} after the copy", exit_codes.FAILED)
    note = f"; not copied: {', '.join(report.skipped)}" if report.skipped else ""
    click.echo(
        f"copied {shown(src)} ({src_rows:,} rows, hash {src_hash[:16]}) to {shown(target)}"
        f" ({dst_rows:,} rows, hash {dst_hash[:16]}) in {time.monotonic() - started:.1f}s{note}"
    )


def copy_to_file(src: str, dst: Path, data_path: str | None):
    """Copy into a new file beside `dst`, rename it into place and publish its snapshot, so
    the target is the old warehouse or the whole copy, never half of one."""
    from ipwire import snapshot
    from ipwire.warehouse import lake

    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.copy")
    try:
        report = lake.copy_warehouse(src, tmp, src_data_path=data_path)
        os.replace(tmp, dst)
        dst.with_name(dst.name + ".wal").unlink(missing_ok=True)  # the old file's log
        snapshot.publish_snapshot(dst)
        return report
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


# --- commands that change a warehouse in place ------------------------------------------------


@click.command()
@db_option
@config_option
@click.option("--page", default=500, show_default=True, help="Articles per transaction.")
def reclassify(db: str | None, config: str | None, page: int) -> None:
    """Re-score every article with the current taxonomy; only label columns change.

    Example: ipwire reclassify --db data/ipwire.duckdb
    """
    from ipwire import snapshot
    from ipwire.config import load_settings
    from ipwire.tasks import load as load_mod
    from ipwire.tasks.classify import classify_many, load_taxonomy
    from ipwire.warehouse import db as wh

    db_file = require_warehouse(db, live=True)
    settings = load_settings(config)
    taxonomy = load_taxonomy(settings.classify.taxonomy or None)
    seen = changed = 0
    version = "-"
    with (
        snapshot.writer_lock(db_file, log_fn=lambda m: click.echo(m, err=True)),
        wh.connect(db_file) as conn,
        progress.showing(progress.wanted(quiet=quiet())),
    ):
        total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        after = ""
        while rows := load_mod.articles_for_relabel(conn, after, page):
            labels = classify_many([(body, title) for _, body, title in rows], taxonomy=taxonomy)
            changed += load_mod.relabel(
                conn, [(r[0], c) for r, c in zip(rows, labels, strict=True)]
            )
            seen += len(rows)
            version = labels[0].classifier_version
            after = rows[-1][0]
            progress.update("reclassify", seen, total)
        conn.close()
        snapshot.publish_snapshot(db_file)  # readers see the new labels
    click.echo(f"reclassified {seen} articles with {version}: {changed} changed")


@click.command()
@db_option
@config_option
def recluster(db: str | None, config: str | None) -> None:
    """Re-cluster every stored article into stories with key weights read afresh.

    Each run already does this while the warehouse holds at most `dedup.full_recluster_max`
    articles; above that a run re-clusters only around its own articles, and this command
    (weekly, say) makes the stories depend only on what is stored, not on arrival order.

    Example: ipwire recluster --db data/ipwire.duckdb
    """
    from ipwire import snapshot
    from ipwire.config import load_settings
    from ipwire.tasks import dedup as dedup_mod
    from ipwire.warehouse import db as wh

    db_file = require_warehouse(db, live=True)
    settings = load_settings(config)
    with (
        snapshot.writer_lock(db_file, log_fn=lambda m: click.echo(m, err=True)),
        wh.connect(db_file) as conn,
    ):
        moved = dedup_mod.recluster_all(conn, settings.dedup)
        n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        stories = conn.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0]
        conn.close()
        snapshot.publish_snapshot(db_file)
    click.echo(f"reclustered {n} articles into {stories} stories: {moved} re-pointed")


@click.group("config")
def config_group() -> None:
    """Settings: packaged defaults overlaid by ipwire.toml."""


@config_group.command("show")
@config_option
def config_show(config: str | None) -> None:
    """Print the effective settings as JSON, with the files they came from.

    Example: ipwire config show --config ipwire.toml
    """
    from ipwire.config import load_settings

    settings = load_settings(config)
    click.echo(
        json.dumps({"files": settings.files, **settings.as_dict()}, indent=2, ensure_ascii=False)
    )


def register(cli: click.Group) -> None:
    for command in (db_group, config_group, reclassify, recluster):
        cli.add_command(command)
