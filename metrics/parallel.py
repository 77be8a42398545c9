"""The independent reads of one page, side by side, each thread on its own database connection.

A cold team page waits on a few dozen queries of a few milliseconds of PostgreSQL work each. The
parts of a page (the DORA family, the pull request and work item families, each chart's series)
do not depend on one another, so on PostgreSQL `side_by_side` runs them in the caller's thread
and in AGILETRACK_METRICS_READ_THREADS - 1 helper threads of a small pool: each takes the next
part not yet started, in the order given (slowest first is best), until none is left. The page
waits for about its slowest part rather than for their sum. A helper joins only when parts are
still waiting HELPER_DELAY seconds after the call began, so a warm page (its parts are cache
reads of a millisecond or two) is served by the caller alone, without two threads taking turns
on the interpreter.

The parts run one after another in the caller's thread, with the same results, when:
- the database is not PostgreSQL (SQLite serialises its connections anyway);
- the caller is inside a transaction (another connection would not see what it has not
  committed: a test's transaction, a task's atomic block);
- the setting is 1.

A part may read side by side itself (the pull request family's three reads, inside the pull
request page's or the overview's parts): its helper waits in the same pool behind the outer call's
helpers and takes the inner parts still waiting when one is free; the part's own thread takes the
rest meanwhile, so an inner call never waits for a busy pool.

A helper thread keeps its own Django state between pages (its connection, its cache client)
and takes on the caller's log context (the request id) while it runs the caller's parts. Its
connection follows the process's CONN_MAX_AGE, as a request's does: checked before it starts,
kept that long after it ends, else closed then. A helper not yet started when the caller has
started every part is cancelled, so a page never waits for a thread another page holds. A part's
exception is raised to the caller once every started part has ended. A web worker opens its
helpers' connections before its first request (connect_helpers).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import suppress
from typing import Any

import structlog
from django.conf import settings
from django.db import close_old_connections, connection

_pool: tuple[tuple[int, int], ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()
HELPER_DELAY = 0.01


def _executor(threads: int) -> ThreadPoolExecutor:
    """This process's pool of `threads` helpers (a forked child makes its own: threads do not
    survive a fork). Called with _pool_lock held, so a pool is not shut down between being
    handed out and given work."""
    global _pool
    if _pool is None or _pool[0] != (os.getpid(), threads):
        if _pool is not None and _pool[0][0] == os.getpid():
            _pool[1].shutdown(wait=False)  # the thread count changed: its threads end
        pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="metrics-read")
        _pool = ((os.getpid(), threads), pool)
    return _pool[1]


def runs_side_by_side() -> bool:
    """Whether `side_by_side` would use the pool from here (see the module's docstring)."""
    return (
        settings.AGILETRACK_METRICS_READ_THREADS > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


class _Parts:
    """The parts of one call: taken one at a time, in order, by the caller and its helpers."""

    def __init__(self, parts: dict[str, Callable[[], Any]]):
        self.began = time.monotonic()
        self._waiting = list(parts.items())
        self._lock = threading.Lock()
        self.started_all = threading.Event()  # no part is left to start
        self.results: dict[str, Any] = {}
        self.errors: list[Exception] = []

    def run(self) -> None:
        """Run parts until none is left to start."""
        while True:
            with self._lock:
                if not self._waiting:
                    return
                name, part = self._waiting.pop(0)
                if not self._waiting:
                    self.started_all.set()
            try:
                self.results[name] = part()
            except Exception as error:  # noqa: BLE001 (raised to the caller once all end)
                self.errors.append(error)


def _help(parts: _Parts, log_context: dict[str, Any]) -> None:
    if parts.started_all.wait(max(0.0, parts.began + HELPER_DELAY - time.monotonic())):
        return  # the caller was quicker: nothing for a helper
    close_old_connections()  # an expired or broken connection of this thread is not reused
    try:
        with structlog.contextvars.bound_contextvars(**log_context):
            parts.run()
    finally:
        close_old_connections()  # with CONN_MAX_AGE 0, not kept idle between pages


def side_by_side(**parts: Callable[[], Any]) -> dict[str, Any]:
    """Each part's result by name: `side_by_side(dora=lambda: ..., charts=lambda: ...)`."""
    if not runs_side_by_side() or len(parts) < 2:
        return {name: part() for name, part in parts.items()}
    helpers = min(settings.AGILETRACK_METRICS_READ_THREADS, len(parts)) - 1
    shared = _Parts(parts)
    log_context = structlog.contextvars.get_contextvars()
    with _pool_lock:
        pool = _executor(settings.AGILETRACK_METRICS_READ_THREADS - 1)
        futures = [pool.submit(_help, shared, log_context) for _ in range(helpers)]
    shared.run()
    started = [future for future in futures if not future.cancel()]
    wait(started)
    if shared.errors:
        raise shared.errors[0]
    for future in started:
        future.result()  # a helper's own failure (its connection), not a part's
    return {name: shared.results[name] for name in parts}


def connect_helpers() -> int:
    """Open the database connection of each helper thread of this process's pool, so that the
    first page a web worker serves does not wait for them (agiletrack.observability.warmup);
    the number of helpers connected (0 where pages read in the caller's thread alone). A
    connection is then kept or closed as any helper's is (CONN_MAX_AGE)."""
    if not runs_side_by_side():
        return 0
    threads = settings.AGILETRACK_METRICS_READ_THREADS - 1
    # Each task holds its thread until every task has started, so each thread takes one.
    started = threading.Barrier(threads)

    def connect() -> None:
        # A thread busy elsewhere breaks the barrier: this one connects anyway.
        with suppress(threading.BrokenBarrierError):
            started.wait(timeout=10)
        connection.ensure_connection()

    with _pool_lock:
        pool = _executor(threads)
        futures = [pool.submit(connect) for _ in range(threads)]
    for future in futures:
        future.result()
    return threads
