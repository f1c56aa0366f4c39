"""After a run: the readers' snapshot (or the run fails, row included) and the weekly report."""

from __future__ import annotations

from typing import Any

from ipwire import prefect_env

prefect_env.configure()  # before Prefect is imported

from prefect import get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from ipwire import ops, snapshot  # noqa: E402
from ipwire.tasks import load as load_mod  # noqa: E402
from ipwire.warehouse import db as wh  # noqa: E402
from ipwire.warehouse.lake import run_batch  # noqa: E402


@task(name="weekly-report", cache_policy=NO_CACHE)
def weekly_report(db_file: str, folder: str) -> str | None:
    """The last seven days' report into `[desk] report_folder`, linked from an artifact.

    It reads the published snapshot, outside the writer lock; a report that cannot be
    written is logged and the run stays completed (its articles are stored)."""
    from prefect.artifacts import create_link_artifact

    from ipwire.desk import write_weekly_report

    try:
        path = write_weekly_report(db_file, folder)
    except Exception as exc:  # noqa: BLE001 - a report never fails the run that stored the data
        get_run_logger().error("weekly report not written to %s: %s", folder, exc)
        return None
    create_link_artifact(
        link=path.resolve().as_uri(),
        link_text=path.name,
        key=ops.WEEKLY_REPORT_KEY,
        description="The last seven days (ending yesterday): ipwire report, one HTML file",
    )
    return str(path)


def _publish(db_file: str, summary: Any) -> None:
    """Publish the readers' snapshot; when that fails, the run and its row become failed."""
    try:
        snapshot.publish_snapshot(db_file)
    except Exception as exc:
        where = str(snapshot.snapshot_path(db_file))
        note = "articles are stored but the readers' snapshot was not published: "
        note += load_mod.failure_note(exc, where)
        get_run_logger().error("run %s: %s", summary.run_id, note)
        summary.status, summary.note = "failed", note
        try:
            with wh.connect(db_file) as conn:
                run_batch(conn, lambda c: load_mod.fail_run(c, summary.run_id, note))
        except Exception as again:  # the warehouse itself cannot be written either
            get_run_logger().error(
                "run %s: could not record the failure: %s",
                summary.run_id,
                load_mod.failure_note(again, db_file),
            )
