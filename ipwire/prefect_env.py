"""Prefect settings for the embedded default (no server): set before prefect is imported.

Without them embedded mode logs telemetry errors and CancelledError tracebacks at exit and
loses task-run records. A user's own environment always wins (setdefault).
"""

from __future__ import annotations

import os

EMBEDDED_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "200",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}
EXIT_GRACE_SECONDS = 2.5


def configure() -> None:
    for key, value in EMBEDDED_DEFAULTS.items():
        os.environ.setdefault(key, value)


def embedded() -> bool:
    """True when flows run on the temporary in-process API (no PREFECT_API_URL)."""
    return not os.environ.get("PREFECT_API_URL")
