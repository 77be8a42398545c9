"""The independent reads of one page, side by side, each on its own database connection.

A cold team page waits on a few dozen queries of a few milliseconds of PostgreSQL work each. The
parts of a page (the DORA family, the pull request and work item families, each chart's series)
do not depend on one another, so on PostgreSQL `side_by_side` runs them in a small pool of threads
(AGILETRACK_METRICS_READ_THREADS), each thread with its own connection, and the page waits for
the slowest part rather than for their sum.

The parts run one after another in the caller's thread, with the same results, when:
- the database is not PostgreSQL (SQLite serialises its connections anyway);
- the caller is inside a transaction (another connection would not see what it has not
  committed: a test's transaction, a task's atomic block);
- the caller is itself a part (a pool waiting on itself would wait for ever);
- the setting is 1.

Each part runs in a copy of the caller's context (its request id in the logs). A thread's
connection follows the process's CONN_MAX_AGE, as a request's does: checked before each part,
kept between parts for that long, else closed when the part ends. A part's exception is raised
to the caller once every part has ended.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()
_in_part = threading.local()


def _executor(threads: int) -> ThreadPoolExecutor:
    """This process's pool (a forked child makes its own: threads do not survive a fork)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="metrics-read")
            _pool = (os.getpid(), pool)
        return _pool[1]


def runs_side_by_side() -> bool:
    """Whether `side_by_side` would use the pool from here (see the module's docstring)."""
    return (
        settings.AGILETRACK_METRICS_READ_THREADS > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not getattr(_in_part, "active", False)
    )


def _run_part(part: Callable[[], Any]) -> Any:
    _in_part.active = True
    close_old_connections()  # an expired or broken connection of this thread is not reused
    try:
        return part()
    finally:
        close_old_connections()  # with CONN_MAX_AGE 0, not kept idle between pages
        _in_part.active = False


def side_by_side(**parts: Callable[[], Any]) -> dict[str, Any]:
    """Each part's result by name: `side_by_side(dora=lambda: ..., charts=lambda: ...)`."""
    if not runs_side_by_side() or len(parts) < 2:
        return {name: part() for name, part in parts.items()}
    pool = _executor(settings.AGILETRACK_METRICS_READ_THREADS)
    futures = {
        name: pool.submit(contextvars.copy_context().run, _run_part, part)
        for name, part in parts.items()
    }
    wait(futures.values())
    return {name: future.result() for name, future in futures.items()}
