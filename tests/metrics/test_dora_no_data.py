"""Issue 19 point 15: no data is "n/a" with the reason (API `band: null` + `reason`, and on the
page), never a "low" band; deployment days per week take DevLake's lower median."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from integrations.providers import records
from metrics.calculations import (
    NO_DEPLOYMENTS,
    NO_INCIDENTS,
    NOTHING_IN_WINDOW,
    Band,
    DeploymentFacts,
    deployment_frequency,
    no_data_reason,
)
from metrics.ingest import ingest
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def test_deployment_days_per_week_take_devlakes_lower_median():
    # Four weeks from Monday 2 March with 4, 6, 4 and 6 deployment days. The mean of the two
    # middle weeks is 5 (elite); DevLake's max(x) where percent_rank <= 0.5 is 4 (high).
    days = [*range(0, 4), *range(7, 13), *range(14, 18), *range(21, 27)]
    deployments = [
        DeploymentFacts(str(day), "success", MONDAY + timedelta(days=day, hours=12)) for day in days
    ]
    result = deployment_frequency(deployments, MONDAY, MONDAY + timedelta(days=28), UTC)
    assert result.deployment_days == 20
    assert result.median_deployment_days_per_week == 4
    assert result.band is Band.HIGH


def test_a_metric_without_its_source_is_na_with_the_reason():
    def reason(**given):
        return no_data_reason(
            **{
                "has_deployments": True,
                "has_incidents": True,
                "needs_deployments": True,
                "needs_incidents": True,
                "counted": 3,
                **given,
            }
        )

    assert reason() is None
    assert reason(has_deployments=False) == NO_DEPLOYMENTS
    assert reason(has_incidents=False) == NO_INCIDENTS
    assert reason(has_incidents=False, needs_incidents=False) is None
    assert reason(counted=0) == NOTHING_IN_WINDOW


@pytest.mark.django_db
def test_the_api_and_the_page_say_na_and_why_for_a_team_without_deployments_or_incidents():
    member = UserFactory()
    team = TeamFactory(members=[member], time_zone="UTC")
    make_integration(team)  # GitHub, but nothing stored yet
    api = APIClient()
    api.force_authenticate(member)

    dora = api.get(f"/api/metrics/?team={team.pk}&since=2026-03-02&until=2026-03-29").json()["dora"]

    frequency = dora["deployment_frequency"]
    assert (frequency["band"], frequency["reason"]) == (None, "no_deployments_configured")
    for key in ("lead_time_for_changes", "change_failure_rate"):
        assert (dora[key]["band"], dora[key]["reason"]) == (None, "no_deployments_configured")
    restore = dora["time_to_restore"]
    assert (restore["band"], restore["reason"]) == (None, "no_incidents_labelled")

    api.force_login(member)
    page = api.get(reverse("team-overview", kwargs={"slug": team.slug})).content.decode()
    assert "n/a: no deployments configured" in page
    assert "n/a: no incidents labelled" in page
    assert "band-low" not in page  # no tile is banded (the explanations list every band)


@pytest.mark.django_db
def test_no_deployment_in_the_window_is_low_once_deployments_exist():
    member = UserFactory()
    team = TeamFactory(members=[member], time_zone="UTC")
    integration = make_integration(team)
    ingest(
        integration,
        [
            deployment("old", datetime(2026, 1, 5, 12, tzinfo=UTC)),
            records.Incident(
                "I1", "acme/web", 1, "Outage", "", datetime(2026, 3, 3, tzinfo=UTC), None
            ),
        ],
    )
    api = APIClient()
    api.force_authenticate(member)
    since, until = date(2026, 3, 2), date(2026, 3, 29)

    dora = api.get(f"/api/metrics/?team={team.pk}&since={since}&until={until}").json()["dora"]

    assert (dora["deployment_frequency"]["band"], dora["deployment_frequency"]["reason"]) == (
        "low",
        None,
    )
    failure = dora["change_failure_rate"]
    assert (failure["rate"], failure["band"], failure["reason"]) == (
        None,
        None,
        "nothing_in_window",
    )
