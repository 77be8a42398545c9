"""gunicorn settings (`gunicorn -c python:agiletrack.observability.gunicorn ...`).

gunicorn's own lines go through the structured formatter; the per-request line comes from
agiletrack.observability.middleware (with the request id), so gunicorn's access log stays off.
"""

from __future__ import annotations

import gc
import logging
import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agiletrack.settings")

from django.conf import settings

from agiletrack.observability import logs
from agiletrack.observability.multiproc import prune_dead_process_files
from agiletrack.observability.warmup import warm_up

logs.set_service("web")
# Python warnings become log lines (inherited by the forked workers).
logging.captureWarnings(True)

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": settings.LOGGING["formatters"],
    "handlers": settings.LOGGING["handlers"],
    "root": settings.LOGGING["root"],
    "loggers": {
        "gunicorn.error": {"level": settings.AGILETRACK_LOG_LEVEL, "propagate": True},
        # Off: the request line of agiletrack.observability.middleware carries the request id.
        "gunicorn.access": {"level": "WARNING", "propagate": True},
    },
}


def on_starting(server: Any) -> None:
    """The master starts: drop the metric files of this host's dead web processes."""
    prune_dead_process_files()


# Seconds a web worker keeps its database connection between requests when
# DATABASE_CONN_MAX_AGE is not set (settings: elsewhere a new connection per request).
WEB_CONN_MAX_AGE = 60


def post_worker_init(worker: Any) -> None:
    """A worker has loaded the app, before its first request.

    - It serves one request after another, so it keeps its database connection between them
      (WEB_CONN_MAX_AGE, unless DATABASE_CONN_MAX_AGE is set; a kept connection is checked
      before reuse, CONN_HEALTH_CHECKS): a page no longer pays a connection's set-up and a new
      PostgreSQL backend's first reads of the catalog.
    - It imports its views, compiles its templates and opens its database connections
      (agiletrack.observability.warmup), so its first page does not do it.
    - What the imports made is frozen (gc.freeze), so the garbage collector's full passes during
      a request walk only the objects requests made. A cold page builds tens of thousands of
      rows; without this each full pass also walks the hundreds of thousands of long-lived
      module, URL and model objects (docs/performance.md)."""
    if not os.environ.get("DATABASE_CONN_MAX_AGE"):
        # The dict the connections read their settings from (django.db.connections).
        settings.DATABASES["default"]["CONN_MAX_AGE"] = WEB_CONN_MAX_AGE
    warm_up()
    gc.freeze()
