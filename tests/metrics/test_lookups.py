"""The `__in_ids` lookup (metrics.lookups): the rows `__in` selects, on SQLite as on PostgreSQL,
where the ids travel as one array parameter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.models import WorkItem, WorkItemChange
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_finish_days import utc

pytestmark = pytest.mark.django_db


def make_items(count: int) -> list[WorkItem]:
    integration = make_integration(TeamFactory(), kind="jira")
    return [
        WorkItem.objects.create(
            integration=integration,
            external_id=str(number),
            key=f"AT-{number}",
            title=f"Item {number}",
            status_category="todo",
            created_at=utc(2026, 10, 1),
            updated_at=utc(2026, 10, 1),
        )
        for number in range(count)
    ]


def test_in_ids_selects_what_in_selects_on_a_key_and_on_a_foreign_key():
    items = make_items(5)
    for item in items[:3]:
        WorkItemChange.objects.create(
            integration=item.integration,
            work_item=item,
            external_id=f"change-{item.pk}",
            field="status",
            changed_at=utc(2026, 10, 2),
            from_value="To Do",
            to_value="Done",
        )
    wanted = [items[0].pk, items[2].pk, items[4].pk, items[2].pk, 10**9]  # a repeat, a stranger

    by_key = WorkItem.objects.filter(pk__in_ids=wanted).order_by("pk")
    assert list(by_key) == list(WorkItem.objects.filter(pk__in=wanted).order_by("pk"))
    assert [item.key for item in by_key] == ["AT-0", "AT-2", "AT-4"]

    by_foreign_key = WorkItemChange.objects.filter(work_item_id__in_ids=wanted)
    assert sorted(by_foreign_key.values_list("work_item__key", flat=True)) == ["AT-0", "AT-2"]
    assert not WorkItem.objects.filter(pk__in_ids=[]).exists()
    assert WorkItem.objects.filter(pk__in_ids=[None, items[1].pk]).get() == items[1]
    # A subquery is `__in`'s.
    first_two = WorkItem.objects.filter(key__in=["AT-0", "AT-1"]).values("pk")
    assert WorkItem.objects.filter(pk__in_ids=first_two).count() == 2


def test_the_ids_are_one_array_parameter_on_postgresql_and_a_list_elsewhere():
    items = make_items(3)
    with CaptureQueriesContext(connection) as queries:
        found = list(WorkItem.objects.filter(pk__in_ids=[item.pk for item in items]))
    assert len(found) == 3
    sql = queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY[" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql and "ANY(" not in sql
