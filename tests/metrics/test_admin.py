"""Synced activity is visible, read-only, in the admin."""

import pytest

from metrics import derived
from metrics.ingest import ingest
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_ingest import pull_request, work_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced():
    integration = make_integration(TeamFactory())
    ingest(integration, [pull_request(7, title="Speed up the build"), *work_item()])
    derived.refresh(integration)
    return integration


@pytest.mark.parametrize(
    ("model", "shown"),
    [
        ("pullrequest", "Speed up the build"),
        ("workitem", "ENG-1"),
        ("sprint", "Sprint 10"),
        ("deployment", "0 deployments"),
        ("incident", "0 incidents"),
    ],
)
def test_activity_lists_show_synced_rows(admin_client, synced, model, shown):
    response = admin_client.get(f"/admin/metrics/{model}/")

    assert response.status_code == 200
    assert shown in response.content.decode()


def test_pull_request_list_shows_derived_times(admin_client, synced):
    page = admin_client.get("/admin/metrics/pullrequest/").content.decode()

    assert 'class="field-cycle_time_minutes">300<' in page


def test_synced_rows_cannot_be_edited_or_added(admin_client, synced):
    from metrics.models import PullRequest

    pr = PullRequest.objects.get()

    assert admin_client.get("/admin/metrics/pullrequest/add/").status_code == 403
    page = admin_client.get(f"/admin/metrics/pullrequest/{pr.pk}/change/").content.decode()
    assert 'name="title"' not in page
    assert (
        admin_client.post(
            f"/admin/metrics/pullrequest/{pr.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
