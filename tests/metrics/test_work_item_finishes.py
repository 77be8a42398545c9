"""Issue 19 points 5 and 6: lead time, cycle time and throughput count one population (items
whose last move into done falls in the window and still done at its end), and an item created
in progress starts its cycle at its creation. Pure math first, then the same numbers read from
stored rows through the selectors."""

from datetime import UTC, date, datetime

import pytest

from integrations.providers import records
from metrics import calculations as calc
from metrics import derived, selectors
from metrics.calculations import StatusChangeFacts, WorkItemFacts
from metrics.ingest import ingest
from metrics.models import WorkItem
from tests.factories import TeamFactory, make_integration


def nov(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


# The window: Nov 2 00:00 UTC -> Nov 9 00:00 UTC.
START, END = nov(2), nov(9)

# Reopened in the window; Jira kept the resolutiondate of its first finish.
REOPENED = WorkItemFacts(
    "REOPENED",
    nov(1),
    "in_progress",
    resolved_at=nov(3),
    status_changes=(
        StatusChangeFacts(nov(2), "todo", "in_progress"),
        StatusChangeFacts(nov(3), "in_progress", "done"),
        StatusChangeFacts(nov(5), "done", "in_progress"),
    ),
)
# Finished in the window, reopened after it ended: done at the window's end, so it counts.
REOPENED_LATER = WorkItemFacts(
    "LATER",
    nov(1),
    "in_progress",
    status_changes=(
        StatusChangeFacts(nov(2), "todo", "in_progress"),
        StatusChangeFacts(nov(4), "in_progress", "done"),
        StatusChangeFacts(nov(12), "done", "in_progress"),
    ),
)
# Created straight in an in-progress status (no move into it), done 30 hours later.
CREATED_IN_PROGRESS = WorkItemFacts(
    "DIRECT",
    nov(2, 6),
    "done",
    resolved_at=nov(3, 12),
    status_changes=(StatusChangeFacts(nov(3, 12), "in_progress", "done"),),
)
# Done, then moved from Done to Closed (both done) after the window: finished at the first.
CLOSED_LATER = WorkItemFacts(
    "CLOSED",
    nov(1),
    "done",
    resolved_at=nov(10),
    status_changes=(
        StatusChangeFacts(nov(2), "todo", "in_progress"),
        StatusChangeFacts(nov(6), "in_progress", "done", "In progress", "Done"),
        StatusChangeFacts(nov(10), "done", "done", "Done", "Closed"),
    ),
)
ITEMS = [REOPENED, REOPENED_LATER, CREATED_IN_PROGRESS, CLOSED_LATER]


def test_a_reopened_item_with_a_resolution_date_is_not_done():
    assert calc.finish_in(REOPENED, START, END) is None
    assert calc.done_at(REOPENED) is None
    assert calc.lead_time_minutes(REOPENED) is None


def test_an_item_done_at_the_window_end_counts_though_reopened_since():
    finish = calc.finish_in(REOPENED_LATER, START, END)
    assert finish is not None
    assert calc.finish_lead_minutes(finish) == 3 * 24 * 60  # Nov 1 -> Nov 4
    assert calc.finish_cycle_minutes(finish) == 2 * 24 * 60  # Nov 2 -> Nov 4
    assert calc.finish_in(REOPENED_LATER, START, nov(13)) is None  # not done at Nov 13


def test_an_item_created_in_progress_starts_its_cycle_at_creation():
    assert calc.cycle_window(CREATED_IN_PROGRESS) == (nov(2, 6), nov(3, 12))
    assert calc.cycle_time_minutes(CREATED_IN_PROGRESS) == 30 * 60
    assert calc.aging_work_in_progress([CREATED_IN_PROGRESS], nov(3)) == {"DIRECT": 18 * 60}


def test_a_move_between_done_statuses_is_not_a_new_finish():
    assert calc.done_at(CLOSED_LATER) == nov(6)
    assert calc.cycle_time_minutes(CLOSED_LATER) == 4 * 24 * 60


def test_throughput_counts_the_finishes_of_the_window():
    daily = calc.work_item_throughput(ITEMS, START, END, UTC, "day")
    assert {day: n for day, n in daily.items() if n} == {
        date(2026, 11, 3): 1,  # DIRECT
        date(2026, 11, 4): 1,  # LATER
        date(2026, 11, 6): 1,  # CLOSED
    }


def stored(item: WorkItemFacts) -> records.WorkItem:
    category = item.status_category
    return records.WorkItem(
        external_id=item.id,
        key=item.id,
        title=item.id,
        kind="story",
        status=category.title(),
        status_category=category,
        url="",
        created_at=item.created_at,
        updated_at=item.created_at,
        resolved_at=item.resolved_at,
        changes=tuple(
            records.WorkItemChange(
                f"{item.id}-{n}",
                item.id,
                "status",
                c.from_status or c.from_category.title(),
                c.to_status or c.to_category.title(),
                c.changed_at,
                "ana",
                c.from_category,
                c.to_category,
            )
            for n, c in enumerate(item.status_changes)
        ),
    )


@pytest.mark.django_db
def test_selectors_over_stored_rows_equal_the_calculation():
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team, kind="jira")
    ingest(integration, [stored(item) for item in ITEMS])
    derived.refresh(integration)
    scope = selectors.metric_scope(team, since=date(2026, 11, 2), until=date(2026, 11, 8))

    work = selectors.work_item_metrics(scope)

    finishes = [f for f in (calc.finish_in(i, START, END) for i in ITEMS) if f]
    lead = calc.summarize(calc.finish_lead_minutes(f) for f in finishes)
    cycle = calc.summarize(calc.finish_cycle_minutes(f) for f in finishes)
    assert work["throughput"]["done"] == len(finishes) == 3
    assert (work["lead_time"]["count"], work["lead_time"]["median"]) == (3, lead.median)
    assert (work["cycle_time"]["count"], work["cycle_time"]["median"]) == (3, cycle.median)
    assert cycle.median == 2 * 24 * 60  # 30 h, 2 days, 4 days
    series = selectors.timeseries(scope, "work_items_done", "day")
    assert sum(p["value"] for p in series) == 3
    direct = WorkItem.objects.get(key="DIRECT")
    assert (direct.started_at, direct.cycle_time_minutes) == (nov(2, 6), 30 * 60)
    assert WorkItem.objects.get(key="REOPENED").lead_time_minutes is None


# Done with no recorded history (e.g. a GitHub issue): finished at its resolution.
RESOLVED = WorkItemFacts("RESOLVED", nov(1), "done", resolved_at=nov(5))

# What the previous definition stored for ITEMS (done_at, started_at, lead, cycle): the last
# move into any done status, lead time to resolved_at whatever the status, no start at creation.
OLD_VALUES = {
    "REOPENED": (None, nov(2), 2 * 24 * 60, None),
    "LATER": (None, nov(2), None, None),
    "DIRECT": (nov(3, 12), None, 30 * 60, None),
    "CLOSED": (nov(10), nov(2), 9 * 24 * 60, 8 * 24 * 60),
    "RESOLVED": (nov(5), None, 4 * 24 * 60, None),
}
COLUMNS = ("done_at", "started_at", "lead_time_minutes", "cycle_time_minutes")


@pytest.mark.django_db
def test_the_upgrade_migration_stores_what_the_refresh_stores_so_throughput_is_kept():
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from metrics.models import WorkItemFinish

    team = TeamFactory(time_zone="UTC")
    boards = make_integration(team, kind="jira")
    issues = make_integration(team, kind="jira", name="issues")
    ingest(boards, [stored(item) for item in ITEMS])
    ingest(issues, [stored(RESOLVED)])
    for integration in (boards, issues):
        derived.refresh(integration)
    scope = selectors.metric_scope(team, since=date(2026, 11, 2), until=date(2026, 11, 8))

    def finishes():
        return sorted(
            WorkItemFinish.objects.values_list(
                "integration_id", "work_item__key", *COLUMNS[:1], "left_at", *COLUMNS[2:]
            )
        )

    def columns():
        return {
            key: tuple(values) for key, *values in WorkItem.objects.values_list("key", *COLUMNS)
        }

    # The refresh is the reference.
    refreshed_finishes, refreshed_columns = finishes(), columns()
    refreshed = selectors.work_item_metrics(scope)
    assert refreshed["throughput"]["done"] == 4
    assert len(refreshed_finishes) == 5  # REOPENED's finish was left; it still is one

    # The state right after the schema change: old columns, no finishes, nothing counted.
    WorkItemFinish.objects.all().delete()
    for key, values in OLD_VALUES.items():
        WorkItem.objects.filter(key=key).update(**dict(zip(COLUMNS, values, strict=True)))
    assert selectors.work_item_metrics(scope)["throughput"]["done"] == 0

    # The migration's function over the models frozen at that migration, 2 items at a time so
    # chunks end inside an integration and at its end.
    name = "0011_work_item_finishes"
    frozen = MigrationLoader(connection).project_state(("metrics", name)).apps
    import_module(f"metrics.migrations.{name}").fill(frozen, None, chunk=2)

    assert finishes() == refreshed_finishes
    assert columns() == refreshed_columns
    work = selectors.work_item_metrics(scope)
    assert work["throughput"]["done"] == 4
    assert work["lead_time"] == refreshed["lead_time"]
    assert work["cycle_time"] == refreshed["cycle_time"]
    assert work["lead_time"]["median"] > 0
