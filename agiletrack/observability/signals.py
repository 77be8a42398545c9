"""Celery wiring: our logging in worker and beat, task failure and retry counters.

Imported by agiletrack.celery, before the settings are loaded: nothing here imports
prometheus_client at module level (see agiletrack.observability.metrics).
"""

from __future__ import annotations

import logging
import logging.config
import sys
from typing import Any

from celery import signals

from agiletrack.observability import logs
from agiletrack.observability.multiproc import prune_dead_process_files


def _program() -> str:
    for name in ("worker", "beat"):
        if name in sys.argv[1:]:
            return name
    return "app"


@signals.setup_logging.connect
def configure_logging(**kwargs: Any) -> None:
    """Worker and beat log through settings.LOGGING (one formatter), not Celery's handlers."""
    from django.conf import settings

    logs.set_service(_program())
    logging.config.dictConfig(settings.LOGGING)
    # Warnings (Celery's start-up notes among them) become log lines too.
    logging.captureWarnings(True)


@signals.celeryd_init.connect
def worker_starting(**kwargs: Any) -> None:
    """The worker's main process starts: name it, drop the metric files of dead processes."""
    # Configured now, before Celery checks privileges and may warn: that warning is a log line too.
    configure_logging()
    logs.set_service("worker")
    prune_dead_process_files()


@signals.beat_init.connect
def beat_starting(**kwargs: Any) -> None:
    logs.set_service("beat")
    prune_dead_process_files()


@signals.task_failure.connect
def count_task_failure(sender: Any = None, **kwargs: Any) -> None:
    from agiletrack.observability import metrics

    metrics.count_task_failure(getattr(sender, "name", ""))


@signals.task_retry.connect
def count_task_retry(sender: Any = None, **kwargs: Any) -> None:
    from agiletrack.observability import metrics

    metrics.count_task_retry(getattr(sender, "name", ""))
