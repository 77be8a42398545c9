"""Issue 19 point 13: an incident is linked to the latest production deployment before it within
AGILETRACK_INCIDENT_LINK_WINDOW_DAYS (default 7); older ones are unlinked and listed as such."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.providers import records
from metrics import selectors
from metrics.calculations import (
    DeploymentFacts,
    IncidentFacts,
    attribute_incidents,
    change_failure_rate,
)
from metrics.ingest import ingest
from metrics.models import Incident
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_derived import deployment


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_an_incident_past_the_window_is_unlinked_and_listed():
    # Deployments finish Mar 1 12:00 (a) and Mar 10 12:00 (b, failed); incidents open Mar 5
    # (4 days after a: linked) and Mar 9 13:00 (8 days 1 hour after a, b not yet: unlinked).
    deployments = [
        DeploymentFacts("a", "success", at(1)),
        DeploymentFacts("b", "failure", at(10)),
    ]
    incidents = [IncidentFacts("near", at(5)), IncidentFacts("far", at(9, 13))]
    result = change_failure_rate(
        deployments, incidents, at(1, 0), at(15), incident_window=timedelta(days=7)
    )
    assert (result.deployments, result.failed_deployment_ids) == (2, ("a", "b"))
    assert result.unlinked_incident_ids == ("far",)
    # Without a window (DevLake's rule) "far" is linked to "a" too: nothing is unlinked.
    unbounded = change_failure_rate(deployments, incidents, at(1, 0), at(15))
    assert unbounded.unlinked_incident_ids == ()


@pytest.mark.django_db
def test_the_default_window_of_7_days_leaves_an_older_deployment_unblamed():
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team)
    ingest(
        integration,
        [
            deployment(
                "d1",
                at(
                    1,
                    11,
                ),
            ),  # finishes Mar 1 11:10
            deployment("d2", at(20, 11)),  # finishes Mar 20 11:10
            records.Incident("I1", "acme/web", 1, "Outage", "", at(10), at(10, 14)),
            records.Incident("I2", "acme/web", 2, "Slow", "", at(22), at(22, 13)),
        ],
    )
    window = selectors.metric_scope(team, since=date(2026, 3, 1), until=date(2026, 3, 31))

    failure = selectors.dora_metrics(window)["change_failure_rate"]

    # I1 opened 9 days after d1: unlinked, so only d2 (I2, 2 days after it) failed.
    assert (failure["deployments"], failure["failed"], failure["rate"]) == (2, 1, 0.5)
    assert failure["unlinked_incidents"] == [Incident.objects.get(external_id="I1").pk]


def test_deployments_in_a_fall_back_hour_are_ordered_by_their_instants():
    # Berlin left summer time on 2025-10-26 at 03:00 CEST (01:00 UTC): 02:30 CEST (00:30 UTC) came
    # before 02:10 CET (01:10 UTC), although its wall clock reads later. An incident at 00:45 UTC
    # follows only the first.
    berlin = ZoneInfo("Europe/Berlin")
    earlier = datetime(2025, 10, 26, 2, 30, tzinfo=berlin)  # fold 0: CEST
    later = datetime(2025, 10, 26, 2, 10, fold=1, tzinfo=berlin)  # fold 1: CET
    assert earlier < later.astimezone(UTC)
    deployments = [
        DeploymentFacts("cet", "success", later),
        DeploymentFacts("cest", "success", earlier),
    ]
    incident = IncidentFacts("i", datetime(2025, 10, 26, 0, 45, tzinfo=UTC))

    assert attribute_incidents([incident], deployments) == {"i": "cest"}
