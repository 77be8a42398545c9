"""Throughput per period read from the daily rollup of finishes (FinishDay) and from the finishes
themselves, on hand-worked items of a team in New York (EDT, UTC-4, in October 2026)."""

from dataclasses import replace
from datetime import UTC, date, datetime
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import Integration
from integrations.providers import records
from metrics import derived, selectors
from metrics.ingest import ingest
from metrics.models import FinishDay, WorkItem
from metrics.selectors.work_items import finish_counts_per_period, rollup_in_zone
from tests.factories import TeamFactory, make_integration

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def work_item(key: str, created_at: datetime, moves: list[tuple[datetime, str, str]]):
    """A story moved through `moves`: (when, category left, category entered)."""
    changes = tuple(
        records.WorkItemChange(
            external_id=f"{key}-{number}",
            work_item_external_id=key,
            field="status",
            from_value=left.title(),
            to_value=entered.title(),
            changed_at=at,
            author="ana",
            from_category=left,
            to_category=entered,
        )
        for number, (at, left, entered) in enumerate(moves)
    )
    return records.WorkItem(
        external_id=key,
        key=key,
        title=key,
        kind="story",
        status=moves[-1][2].title(),
        status_category=moves[-1][2],
        url="",
        created_at=created_at,
        updated_at=moves[-1][0],
        resolved_at=None,
        changes=changes,
    )


ITEMS = [
    # Done at 02:00 UTC on Oct 10: 22:00 on Oct 9 in New York.
    work_item("A", utc(2026, 9, 1, 9), [(utc(2026, 10, 10, 2), "todo", "done")]),
    work_item(
        "B",
        utc(2026, 10, 1, 9),
        [
            (utc(2026, 10, 10, 14), "todo", "in_progress"),
            (utc(2026, 10, 10, 20), "in_progress", "done"),
        ],
    ),
    # Done on Oct 11, reopened on Oct 13 (that finish left done), done again on Oct 14.
    work_item(
        "C",
        utc(2026, 10, 1, 9),
        [
            (utc(2026, 10, 11, 15), "todo", "done"),
            (utc(2026, 10, 13, 15), "done", "in_progress"),
            (utc(2026, 10, 14, 15), "in_progress", "done"),
        ],
    ),
    # Done at 03:30 UTC on Oct 12: 23:30 on Oct 11 in New York.
    work_item("D", utc(2026, 10, 5, 9), [(utc(2026, 10, 12, 3, 30), "todo", "done")]),
    # Nov 1 in New York is 25 hours (02:00 EDT -> 01:00 EST): E is done at its first 01:30
    # (05:30 UTC), F at 23:30 EST (04:30 UTC on Nov 2).
    work_item("E", utc(2026, 10, 20, 9), [(utc(2026, 11, 1, 5, 30), "todo", "done")]),
    work_item("F", utc(2026, 10, 20, 9), [(utc(2026, 11, 2, 4, 30), "todo", "done")]),
]


def daily(team, since, until, *, interval="day", from_rows=False) -> dict[date, int]:
    scope = selectors.metric_scope(team, since=since, until=until, now=utc(2026, 11, 10))
    return finish_counts_per_period(scope, interval, from_rows=from_rows)


def test_throughput_from_the_rollup_equals_the_finishes_counted_one_by_one():
    team = TeamFactory(time_zone="America/New_York")
    integration = make_integration(team, kind="jira")
    ingest(integration, ITEMS)
    derived.refresh(integration)

    # The rollup holds the finishes still done, on their New York days: C's first finish, which
    # left done on Oct 13, is not in it.
    rows = set(FinishDay.objects.values_list("day", "time_zone", "finishes"))
    zone = "America/New_York"
    assert rows == {
        (date(2026, 10, 9), zone, 1),
        (date(2026, 10, 10), zone, 1),
        (date(2026, 10, 11), zone, 1),
        (date(2026, 10, 14), zone, 1),
        (date(2026, 11, 1), zone, 2),
    }

    # Oct 9-12 ends at midnight before Oct 13 (04:00 UTC): C's first finish left done after
    # that, so the window counts it, from the rows, beside the rollup's days.
    window = selectors.metric_scope(team, since=date(2026, 10, 9), until=date(2026, 10, 12))
    assert rollup_in_zone(window, FinishDay)
    expected = {date(2026, 10, 9): 1, date(2026, 10, 10): 1, date(2026, 10, 11): 2}
    expected[date(2026, 10, 12)] = 0
    until_12 = (date(2026, 10, 9), date(2026, 10, 12))
    assert daily(team, *until_12) == daily(team, *until_12, from_rows=True) == expected

    # Oct 9-14: C's first finish left done inside the window and is not counted; its second is.
    until_14 = (date(2026, 10, 9), date(2026, 10, 14))
    expected = {date(2026, 10, 9): 1, date(2026, 10, 10): 1, date(2026, 10, 11): 1}
    expected |= {date(2026, 10, 12): 0, date(2026, 10, 13): 0, date(2026, 10, 14): 1}
    assert daily(team, *until_14) == daily(team, *until_14, from_rows=True) == expected
    # The rollup answered (its table was read); the rows give the same counts without it.
    with CaptureQueriesContext(connection) as read:
        daily(team, *until_14)
    assert any("metrics_finishday" in query["sql"] for query in read.captured_queries)
    with CaptureQueriesContext(connection) as read:
        daily(team, *until_14, from_rows=True)
    assert not any("metrics_finishday" in query["sql"] for query in read.captured_queries)
    # The 25-hour day of the end of daylight saving time holds both its finishes.
    dst = (date(2026, 10, 31), date(2026, 11, 2))
    expected = {date(2026, 10, 31): 0, date(2026, 11, 1): 2, date(2026, 11, 2): 0}
    assert daily(team, *dst) == daily(team, *dst, from_rows=True) == expected
    # Per week (Mondays Oct 5 and Oct 12) and per month.
    weekly = {date(2026, 10, 5): 3, date(2026, 10, 12): 1}
    assert daily(team, *until_14, interval="week") == weekly
    assert daily(team, *until_14, interval="week", from_rows=True) == weekly
    assert daily(team, *until_14, interval="month") == {date(2026, 10, 1): 4}
    # The series the pages draw, and the family's count, agree.
    scope = selectors.metric_scope(team, since=until_14[0], until=until_14[1])
    series = selectors.timeseries(scope, "work_items_done", "day")
    assert [point["value"] for point in series] == [1, 1, 1, 0, 0, 1]
    assert selectors.team_metrics(scope, ["work_items"])["work_items"]["throughput"]["done"] == 4

    # The migration that added the rollup builds the same rows from what is stored.
    FinishDay.objects.all().delete()
    import_module("metrics.migrations.0030_finish_day").build(apps, None)
    assert set(FinishDay.objects.values_list("day", "time_zone", "finishes")) == rows


def test_a_team_that_changed_zone_is_counted_from_the_finishes_until_its_next_sync():
    team = TeamFactory(time_zone="America/New_York")
    integration = make_integration(team, kind="jira")
    ingest(integration, ITEMS)
    derived.refresh(integration)
    team.time_zone = "Asia/Tokyo"
    team.save()

    # In Tokyo (UTC+9), Oct 9-12 ends at 15:00 UTC on Oct 12: A is done on Oct 10, B on Oct 11,
    # C (first finish) on Oct 12 at 00:00 and D on Oct 12 at 12:30.
    tokyo = {date(2026, 10, 9): 0, date(2026, 10, 10): 1, date(2026, 10, 11): 1}
    tokyo[date(2026, 10, 12)] = 2
    window = selectors.metric_scope(team, since=date(2026, 10, 9), until=date(2026, 10, 12))
    assert not rollup_in_zone(window, FinishDay)
    assert daily(team, date(2026, 10, 9), date(2026, 10, 12)) == tokyo

    derived.refresh(integration)
    assert rollup_in_zone(window, FinishDay)
    assert set(FinishDay.objects.values_list("time_zone", flat=True)) == {"Asia/Tokyo"}
    assert daily(team, date(2026, 10, 9), date(2026, 10, 12)) == tokyo


def test_a_window_not_of_whole_days_is_counted_from_the_finishes():
    team = TeamFactory(time_zone="America/New_York")
    integration = make_integration(team, kind="jira")
    ingest(integration, ITEMS)
    derived.refresh(integration)
    # From 21:00 UTC on Oct 10 (B, done at 20:00, is before it) to the end of Oct 11 local.
    days = selectors.metric_scope(team, since=date(2026, 10, 10), until=date(2026, 10, 11))
    scope = replace(days, bounds=(utc(2026, 10, 10, 21), utc(2026, 10, 12, 4)))
    assert rollup_in_zone(days, FinishDay)
    assert not rollup_in_zone(scope, FinishDay)
    assert finish_counts_per_period(scope, "day") == {date(2026, 10, 10): 0, date(2026, 10, 11): 2}


def test_rows_a_sync_changed_before_its_refresh_are_counted_from_the_finishes():
    team = TeamFactory(time_zone="America/New_York")
    integration = make_integration(team, kind="jira")
    ingest(integration, ITEMS)
    derived.refresh(integration)
    window = (date(2026, 10, 9), date(2026, 10, 12))
    assert daily(team, *window)[date(2026, 10, 10)] == 1

    # A sync deletes B, which the provider no longer returns (its finish goes with it), and
    # marks the integration's derived values stale until its refresh: the rollup, which still
    # counts B, is not read meanwhile.
    WorkItem.objects.filter(integration=integration, key="B").delete()
    Integration.objects.filter(pk=integration.pk).update(derived_stale=True)
    scope = selectors.metric_scope(team, since=window[0], until=window[1])
    assert not rollup_in_zone(scope, FinishDay)
    assert daily(team, *window)[date(2026, 10, 10)] == 0

    derived.refresh(integration)
    Integration.objects.filter(pk=integration.pk).update(derived_stale=False)
    assert rollup_in_zone(selectors.metric_scope(team, since=window[0], until=window[1]), FinishDay)
    assert daily(team, *window) == daily(team, *window, from_rows=True)
    assert daily(team, *window)[date(2026, 10, 10)] == 0
