"""metrics.bulk.update_rows writes each object's own values, NULLs and times included, to its
own row and to no other."""

from datetime import UTC, datetime, timedelta

import pytest

from metrics.bulk import update_rows
from metrics.ingest import ingest
from metrics.models import PullRequest
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_ingest import pull_request

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_each_row_gets_its_own_values_and_untouched_rows_stay():
    integration = make_integration(TeamFactory())
    ingest(integration, [pull_request(n) for n in range(1, 6)])
    rows = list(PullRequest.objects.order_by("number"))
    for n, row in enumerate(rows[:4]):
        row.deployed_at = T0 + timedelta(hours=n) if n % 2 else None
        row.cycle_time_minutes = None if n == 3 else 10 * n
        row.title = "not in the fields given"
    before = PullRequest.objects.get(pk=rows[4].pk)

    assert update_rows(rows[:4], ["deployed_at", "cycle_time_minutes"]) == 4

    stored = {
        pr.number: (pr.deployed_at, pr.cycle_time_minutes, pr.title)
        for pr in PullRequest.objects.all()
    }
    for n, row in enumerate(rows[:4]):
        deployed = T0 + timedelta(hours=n) if n % 2 else None
        assert stored[row.number] == (deployed, None if n == 3 else 10 * n, f"Change {row.number}")
    last = PullRequest.objects.get(pk=rows[4].pk)
    assert (last.deployed_at, last.cycle_time_minutes) == (
        before.deployed_at,
        before.cycle_time_minutes,
    )
    assert update_rows([], ["deployed_at"]) == 0
