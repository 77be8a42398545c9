"""What a web worker does once, before its first request, instead of during it.

A worker that has only loaded the app still imports every view and builds the URL resolver's
reverse lookups on its first request (the URL patterns import their views lazily), compiles each
template the first time a page renders it, and opens its database connections (its own and each
metrics read helper's, metrics.parallel). The first page a worker served took about 420 ms where
the next ones took 110 (a year's pull request list, docs/performance.md). gunicorn's
post_worker_init runs `warm_up`, and a worker takes requests only once it is done.

A database that cannot be reached is not the worker's to fail on: the warm-up logs it and the
connections are opened by the first request, as they would be without it (/healthz reports it).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.template.loader import get_template
from django.urls import get_resolver

from metrics.parallel import connect_helpers

logger = logging.getLogger(__name__)


def project_templates() -> list[str]:
    """The names of the project's own templates (templates/, not the installed packages')."""
    root = Path(settings.BASE_DIR) / "templates"
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*.html"))


def warm_up() -> None:
    """Import the views, build the URL resolver's lookups, compile the project's templates (the
    cached loader keeps them) and open the database connections."""
    get_resolver().reverse_dict  # noqa: B018 (populates the resolver: imports every view)
    for name in project_templates():
        get_template(name)
    try:
        connection.ensure_connection()
        connect_helpers()
    except DatabaseError as error:
        # The type only: a driver's message may name the database's host and user.
        logger.warning(
            "worker warm-up: database unreachable error=%s; connecting on the first request",
            type(error).__name__,
        )
