"""A page's independent reads side by side (metrics.parallel): on PostgreSQL in the caller's
thread and a helper thread, each on its own connection, with the same results as one after
another; in the caller's thread on SQLite and inside a transaction; a part reading side by side
itself is helped when the pool has a free thread and never waits for a busy one."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import structlog
from django.core.cache import cache, caches
from django.db import connection

from integrations.models import Team
from integrations.providers import records
from metrics import derived, selectors
from metrics.ingest import ingest
from metrics.page_reads import overview_reads, work_item_reads
from metrics.parallel import connect_helpers, runs_side_by_side, side_by_side
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_dora_shared_reads import scope  # noqa: F401 (fixture)
from tests.metrics.test_ingest import pull_request

ON_POSTGRESQL = connection.vendor == "postgresql"
TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def where() -> tuple[str, int]:
    """The thread a part ran in and its database connection's server process (SQLite: 0)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_backend_pid()")
            return threading.current_thread().name, cursor.fetchone()[0]
        cursor.execute("SELECT 1")
        return threading.current_thread().name, 0


def backend_gone(pid: int) -> bool:
    """Whether PostgreSQL's server process `pid` has ended (it exits just after its client
    closes the connection: waited for, up to 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def slowly(read=None, seconds: float = 0.3):
    """A part that takes a while, so that the helper thread starts before the caller is done;
    its result is `read()` (default: where())."""

    def part():
        time.sleep(seconds)
        return (read or where)()

    return part


@TRANSACTIONAL
def test_on_postgresql_the_caller_and_a_helper_thread_share_the_parts(settings):
    settings.AGILETRACK_METRICS_READ_THREADS = 2
    caller = where()

    found = side_by_side(a=slowly(), b=slowly())

    assert set(found) == {"a", "b"}
    if ON_POSTGRESQL:
        assert runs_side_by_side()
        # One part each: the caller on its own connection, the helper on another.
        by_thread = {name: pid for name, pid in found.values()}
        assert by_thread.keys() == {caller[0], "metrics-read_0"}
        assert by_thread[caller[0]] == caller[1]
        assert by_thread["metrics-read_0"] != caller[1]
        # CONN_MAX_AGE 0 (tests, the development server): the helper's connection is not kept.
        assert backend_gone(by_thread["metrics-read_0"])
    else:
        assert not runs_side_by_side()
        assert set(found.values()) == {caller}


@TRANSACTIONAL
def test_one_thread_runs_the_parts_in_the_callers_thread(settings):
    settings.AGILETRACK_METRICS_READ_THREADS = 1

    found = side_by_side(a=where, b=where)

    assert not runs_side_by_side()
    assert set(found.values()) == {where()}


@pytest.mark.django_db
def test_inside_a_transaction_the_parts_run_in_the_callers_thread_and_see_its_rows(settings):
    settings.AGILETRACK_METRICS_READ_THREADS = 2
    Team.objects.create(slug="uncommitted", name="Uncommitted")  # in the test's transaction

    found = side_by_side(teams=lambda: Team.objects.filter(slug="uncommitted").count(), at=where)

    assert connection.in_atomic_block
    assert not runs_side_by_side()
    assert found == {"teams": 1, "at": where()}


@TRANSACTIONAL
def test_a_part_reading_side_by_side_is_helped_once_the_helper_is_free(settings):
    settings.AGILETRACK_METRICS_READ_THREADS = 2
    caller = where()

    # The helper takes `other` first; the inner call's helper waits behind it in the pool and
    # then takes `y` while the caller's thread runs `x`.
    found = side_by_side(
        outer=lambda: side_by_side(x=slowly(seconds=0.5), y=slowly(seconds=0.5)),
        other=slowly(seconds=0.05),
    )

    inner = found["outer"]
    assert inner["x"] == caller
    if ON_POSTGRESQL:
        assert found["other"][0] == "metrics-read_0"
        assert inner["y"][0] == "metrics-read_0"
        assert inner["y"][1] != caller[1]
    else:
        assert inner["y"] == found["other"] == caller


@TRANSACTIONAL
def test_inner_calls_in_every_thread_never_wait_for_a_busy_pool(settings):
    settings.AGILETRACK_METRICS_READ_THREADS = 2
    calls = threading.local()

    def inner():
        # Both threads of the pool are in a part; each one's inner call is run by itself.
        calls.names = side_by_side(a=slowly(seconds=0.2), b=slowly(seconds=0.2))
        return {name: thread for name, (thread, _) in calls.names.items()}

    found = side_by_side(one=inner, two=inner)

    assert set(found) == {"one", "two"}
    for threads in found.values():
        assert set(threads) == {"a", "b"}
        assert len(set(threads.values())) == 1  # the pool was busy: its own thread ran both


@TRANSACTIONAL
def test_a_parts_error_reaches_the_caller_after_the_others_end(settings):
    settings.AGILETRACK_METRICS_READ_THREADS = 2
    ended = threading.Event()

    def fails():
        raise ValueError("bad window")

    def slow():
        time.sleep(0.2)
        ended.set()

    with pytest.raises(ValueError, match="bad window"):
        side_by_side(slow=slow, fails=fails)
    assert ended.is_set()


def thread_and_request_id() -> tuple[str, str | None]:
    return threading.current_thread().name, structlog.contextvars.get_contextvars().get(
        "request_id"
    )


@TRANSACTIONAL
def test_a_helper_logs_with_the_callers_request_id_and_only_while_it_helps(settings):
    settings.AGILETRACK_METRICS_READ_THREADS = 2

    with structlog.contextvars.bound_contextvars(request_id="r-42"):
        found = side_by_side(a=slowly(thread_and_request_id), b=slowly(thread_and_request_id))
    after = side_by_side(a=slowly(thread_and_request_id), b=slowly(thread_and_request_id))

    assert {request_id for _, request_id in found.values()} == {"r-42"}
    assert {request_id for _, request_id in after.values()} == {None}
    if ON_POSTGRESQL:  # one part of each call ran in the helper
        assert "metrics-read_0" in {name for name, _ in found.values()}
        assert "metrics-read_0" in {name for name, _ in after.values()}


@TRANSACTIONAL
def test_a_helper_keeps_its_cache_client_between_calls(settings):
    settings.AGILETRACK_METRICS_READ_THREADS = 2

    def cache_in_use():  # the object itself: kept, so a new one could not take its id
        return threading.current_thread().name, caches["default"]

    first = dict(side_by_side(a=slowly(cache_in_use), b=slowly(cache_in_use)).values())
    second = dict(side_by_side(a=slowly(cache_in_use), b=slowly(cache_in_use)).values())

    thread = "metrics-read_0" if ON_POSTGRESQL else threading.current_thread().name
    assert first[thread] is second[thread]


@TRANSACTIONAL
def test_the_pages_reads_side_by_side_equal_them_one_after_another(settings, scope):  # noqa: F811
    def reads() -> tuple:
        cache.clear()
        return overview_reads(scope, "week"), work_item_reads(scope, "week")

    settings.AGILETRACK_METRICS_READ_THREADS = 1
    alone = reads()
    settings.AGILETRACK_METRICS_READ_THREADS = 3
    together = reads()

    assert together == alone
    # The hand-worked data of tests.metrics.test_dora_shared_reads: d4 and d5 succeeded in the
    # window, d1b and d2 in the one before (d1 and d3 failed).
    overview, _ = together
    assert overview.dora["deployment_frequency"]["deployments"] == 2
    assert overview.previous_dora["deployment_frequency"]["deployments"] == 2


@TRANSACTIONAL
def test_the_pull_request_familys_reads_side_by_side_equal_the_hand_worked_numbers(settings):
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team)
    opened = datetime(2026, 10, 31, 14, tzinfo=UTC)
    merged = opened + timedelta(hours=6)

    def review(review_id: str, number: int, reviewer: str, hours: int, state="APPROVED"):
        at = opened + timedelta(hours=hours)
        return records.Review(review_id, "acme/web", number, reviewer, False, state, at)

    # bo asks for changes on PR 1 and approves it, and approves PR 2; cy approves PR 2; PR 3,
    # opened Nov 1 at 14:00, is still open on Nov 3 at 00:00 (the window's end): 2,040 minutes.
    ingest(
        integration,
        [
            pull_request(1, created_at=opened, merged_at=merged, closed_at=merged, reviews=(
                review("R1", 1, "bo", 1, "CHANGES_REQUESTED"), review("R2", 1, "bo", 2))),
            pull_request(2, created_at=opened, merged_at=merged, closed_at=merged, reviews=(
                review("R3", 2, "bo", 1), review("R4", 2, "cy", 3))),
            pull_request(3, created_at=opened + timedelta(days=1), state="open", merged_at=None,
                         closed_at=None, reviews=()),
        ],
    )  # fmt: skip
    derived.refresh(integration)
    window = selectors.metric_scope(
        team,
        since=date(2026, 10, 31),
        until=date(2026, 11, 2),
        now=datetime(2026, 11, 10, tzinfo=UTC),
    )

    settings.AGILETRACK_METRICS_READ_THREADS = 2
    side = selectors.pull_request_metrics(window)
    settings.AGILETRACK_METRICS_READ_THREADS = 1
    alone = selectors.pull_request_metrics(window)

    assert side == alone
    load = {row["reviewer"]: (row["reviews"], row["pull_requests"]) for row in side["review_load"]}
    assert load == {"bo": (3, 2), "cy": (1, 1)}
    assert side["throughput"]["merged"] == 2
    assert side["merged_without_review"]["without_review"] == 0
    assert side["open"]["count"] == 1
    assert side["open"]["age"]["max"] == 2040


def database_clock() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


@TRANSACTIONAL
def test_a_web_worker_opens_its_helpers_connections_before_its_first_page(settings):
    settings.AGILETRACK_METRICS_READ_THREADS = 2
    if not ON_POSTGRESQL:
        assert connect_helpers() == 0  # pages read in the caller's thread alone
        return
    kept = connection.settings_dict
    side_by_side(a=slowly(), b=slowly())  # CONN_MAX_AGE 0: the helper ends unconnected
    before = database_clock()
    kept["CONN_MAX_AGE"] = 60  # as gunicorn's workers keep them
    try:
        assert connect_helpers() == 1
        warmed = database_clock()
        found = side_by_side(a=slowly(), b=slowly())
        helper = dict(found.values())["metrics-read_0"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT backend_start FROM pg_stat_activity WHERE pid = %s", [helper])
            opened = cursor.fetchone()[0]
        # The page's helper read on the connection connect_helpers opened, not on a new one.
        assert before < opened < warmed
    finally:
        kept["CONN_MAX_AGE"] = 0
        # The caller takes the first part, the helper the second: it closes its connection.
        side_by_side(a=slowly(), b=slowly(read=lambda: connection.close()))
    assert backend_gone(helper)
