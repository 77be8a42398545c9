"""The deployments and incidents pages over HTTP: attempts of one commit listed once, each
deployment's linked incidents, each incident's deployment or none, and the tiles' lists."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from integrations.providers import records
from metrics import derived
from metrics.ingest import ingest
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment

pytestmark = pytest.mark.django_db


def incident(number: int, opened: datetime, resolved: datetime | None) -> records.Incident:
    return records.Incident(
        external_id=f"I_{number}",
        repository="acme/web",
        number=number,
        title=f"Outage {number}",
        url=f"https://github.com/acme/web/issues/{number}",
        created_at=opened,
        resolved_at=resolved,
        labels=("incident",),
    )


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(member, settings):
    settings.AGILETRACK_INCIDENT_LINK_WINDOW_DAYS = 1
    team = TeamFactory(members=[member])
    integration = make_integration(team)
    now = datetime.now(UTC).replace(microsecond=0)
    ingest(
        integration,
        [
            # A failed attempt and its successful retry of the same commit: one deployment.
            deployment("attempt", now - timedelta(days=5), status="failure", sha="s1"),
            deployment("retry", now - timedelta(days=5, hours=-1), sha="s1"),
            deployment("later", now - timedelta(days=4), sha="s2"),
            # Linked to "later" (opened 2 hours after it), resolved 3 hours after opening.
            incident(1, now - timedelta(days=4, hours=-2), now - timedelta(days=4, hours=-5)),
            # Opened 3 days after the last deployment: linked to none within 1 day.
            incident(2, now - timedelta(days=1), None),
        ],
    )
    derived.refresh(integration)
    return team


def page(client, name: str, team, **params):
    response = client.get(reverse(name, kwargs={"slug": team.slug}), params)
    assert response.status_code == 200
    return response


def test_attempts_of_one_commit_are_one_deployment_and_an_incident_makes_it_failed(
    client, team, member
):
    client.force_login(member)
    every = page(client, "team-deployments", team)
    assert [d.external_id for d, _ in every.context["rows"]] == ["later", "retry"]
    assert (
        page(client, "team-deployments", team, show="deployed").context["page_obj"].paginator.count
        == 2
    )
    failed = page(client, "team-deployments", team, show="failed")
    [(row, details)] = failed.context["rows"]
    assert row.external_id == "later"
    assert [i.number for i in details.incidents] == [1]
    assert "Outage 1" in failed.content.decode()
    dora = page(client, "team-overview", team).context["bands"]
    assert dora["change_failure_rate"]["failed"] == 1
    assert dora["deployment_frequency"]["deployments"] == 2


def test_the_incidents_page_shows_the_linked_deployment_or_says_there_is_none(client, team, member):
    client.force_login(member)
    opened = page(client, "team-incidents", team)
    details = {i.number: d for i, d in opened.context["rows"]}
    assert details[1].deployment.external_id == "later"
    assert details[1].restore_minutes == 180
    assert details[2].deployment is None and details[2].restore_minutes is None
    assert "linked to no deployment within 1 day<" in opened.content.decode()
    resolved = page(client, "team-incidents", team, show="resolved")
    assert [i.number for i, _ in resolved.context["rows"]] == [1]


def test_the_delivery_pages_are_for_members_only(client, team, member):
    for name in ("team-deployments", "team-incidents"):
        client.force_login(UserFactory())
        assert client.get(reverse(name, kwargs={"slug": team.slug})).status_code == 404
        client.logout()
        assert client.get(reverse(name, kwargs={"slug": team.slug})).status_code == 302
