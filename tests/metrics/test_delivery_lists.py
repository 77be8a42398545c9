"""The lists behind the DORA tiles (selectors.delivery) are queries of the rule each tile counts
by: on hand-built data their rows are the ids the tiles' computation counted (worked out below
by hand), and each row's incident or deployment is the one DoraReads links it to.

March 2026 in UTC, incidents linked within 7 days (the default) or at any distance:

  deployment  status         finished          counted?
  d0          success        Feb 27 12:00      before the window
  d1          SUCCESS        Mar  1 00:00      at the window's start: in
  d2          failure        Mar  5 12:00      failed
  d3          Error          Mar 10 12:00      failed
  d4          success        Mar 12 12:00
  d5          in_progress    (created Mar 15)  not finished: not counted
  d9          failure        Mar 18 10:00      a later attempt of its commit (d10): superseded
  d10         success        Mar 18 11:00
  d8          success        Mar 20 12:00      staging: not production
  d6          success        Mar 31 23:59
  d7          failure        Apr  1 00:00      at the window's end: out

  incident  opened          resolved        linked to
  I4        Feb 20 12:00    Mar  2 12:00    none (no success before it)
  I0        Mar  1 06:00    Mar  1 08:00    d1
  I1        Mar 14 12:00    Apr  1 00:00    d4 (resolved at the end: not resolved in the window)
  I3        Mar 28 13:00    Mar 29 12:00    d10 is 10 days before: none within 7 days, else d10
  I2        Apr  2 12:00    Apr  3 12:00    d6 (opened after the window, still blames it)
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from integrations.providers import records
from metrics.deployed import refresh_attempts
from metrics.ingest import ingest
from metrics.models import Deployment, Incident
from metrics.scope import metric_scope
from metrics.selectors import delivery
from metrics.selectors.dora import DoraReads, dora_results
from tests.factories import TeamFactory, make_integration

pytestmark = pytest.mark.django_db


def moment(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def deployment(name, status, finished, environment="production", sha=""):
    started = finished - timedelta(minutes=10) if finished else moment(3, 15)
    return records.Deployment(
        external_id=name, repository="acme/web", source="deployments", environment=environment,
        name="deploy", status=status, sha=sha or f"sha-{name}", created_at=started,
        finished_at=finished,
    )  # fmt: skip


def incident(name, number, opened, resolved):
    return records.Incident(name, "acme/web", number, "Outage", "", opened, resolved)


@pytest.fixture
def scope():
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team)
    ingest(
        integration,
        [
            deployment("d0", "success", moment(2, 27)),
            deployment("d1", "SUCCESS", moment(3, 1, 0)),
            deployment("d2", "failure", moment(3, 5)),
            deployment("d3", "Error", moment(3, 10)),
            deployment("d4", "success", moment(3, 12)),
            deployment("d5", "in_progress", None),
            deployment("d9", "failure", moment(3, 18, 10), sha="same"),
            deployment("d10", "success", moment(3, 18, 11), sha="same"),
            deployment("d8", "success", moment(3, 20), environment="staging"),
            deployment("d6", "success", moment(3, 31, 23, 59)),
            deployment("d7", "failure", moment(4, 1, 0)),
            incident("I4", 4, moment(2, 20), moment(3, 2)),
            incident("I0", 1, moment(3, 1, 6), moment(3, 1, 8)),
            incident("I1", 2, moment(3, 14), moment(4, 1, 0)),
            incident("I3", 3, moment(3, 28, 13), moment(3, 29)),
            incident("I2", 5, moment(4, 2), moment(4, 3)),
        ],
    )
    refresh_attempts(integration)  # as a sync does: d9 is marked superseded
    return metric_scope(team, since=date(2026, 3, 1), until=date(2026, 3, 31))


def counted_ids(results, show: str) -> list[int]:
    """The ids the tile's calculation counted for a list, newest first (finished, else created;
    then the highest id), as the list's query orders its rows."""
    counted = {
        "deployed": results.frequency.deployment_ids,
        "counted": results.failure.deployment_ids,
        "failed": results.failure.failed_deployment_ids,
    }[show]
    at = {fact.id: fact.at for fact in results.deployments}
    return sorted((int(pk) for pk in counted), key=lambda pk: (at[str(pk)], pk), reverse=True)


def names(rows) -> list[str]:
    return [row.external_id for row in rows]


def by_pk(model, pks) -> list[str]:
    found = model.objects.in_bulk([int(pk) for pk in pks])
    return [found[int(pk)].external_id for pk in pks]


@pytest.mark.parametrize("link_days", [7, 0], ids=["within 7 days", "any distance"])
def test_each_tiles_list_is_the_rows_its_computation_counted(settings, scope, link_days):
    settings.AGILETRACK_INCIDENT_LINK_WINDOW_DAYS = link_days
    expected = {
        "": ["d6", "d10", "d5", "d4", "d3", "d2", "d1"],  # d5 listed by its creation, Mar 15
        "deployed": ["d6", "d10", "d4", "d1"],
        "counted": ["d6", "d10", "d4", "d3", "d2", "d1"],
        "failed": ["d6", "d4", "d3", "d2", "d1"] if link_days else
                  ["d6", "d10", "d4", "d3", "d2", "d1"],
    }  # fmt: skip
    results = dora_results(scope)

    for show, rows in expected.items():
        listed = delivery.list_deployments(scope, show)
        assert names(listed) == rows, show
        if show:
            counted = counted_ids(results, show)
            assert [row.pk for row in listed] == counted, show
    assert results.failure.deployments == len(expected["counted"])
    assert results.failure.failed == len(expected["failed"])


@pytest.mark.parametrize("link_days", [7, 0], ids=["within 7 days", "any distance"])
def test_each_rows_incidents_and_deployment_are_those_dora_links(settings, scope, link_days):
    settings.AGILETRACK_INCIDENT_LINK_WINDOW_DAYS = link_days
    reads = DoraReads([scope])
    opened = delivery.list_incidents(scope)
    resolved = delivery.list_incidents(scope, "resolved")

    assert names(opened) == ["I3", "I1", "I0"]
    assert names(resolved) == ["I3", "I0", "I4"]
    assert sorted(row.pk for row in resolved) == sorted(
        int(pk) for pk in dora_results(scope).restore.incident_ids
    )
    details = delivery.incident_details(scope, [*opened, *resolved])
    linked = {
        Incident.objects.get(pk=pk).external_id: row.deployment and row.deployment.external_id
        for pk, row in details.items()
    }
    assert linked == {"I3": "d10" if not link_days else None, "I1": "d4", "I0": "d1", "I4": None}
    # The same links as DoraReads, which reads every deployment the window needs.
    assert delivery.incident_links(scope, Incident.objects.all()) == reads.links
    counted = list(delivery.list_deployments(scope, "counted"))
    incidents = {
        row.external_id: names(found.incidents)
        for row, found in zip(
            counted, map(delivery.deployment_details(scope, counted).get, [d.pk for d in counted]),
            strict=True,
        )
    }  # fmt: skip
    assert incidents == {
        "d6": ["I2"], "d10": [] if link_days else ["I3"], "d4": ["I1"], "d3": [], "d2": [],
        "d1": ["I0"],
    }  # fmt: skip
    i2 = str(Incident.objects.get(external_id="I2").pk)
    assert by_pk(Deployment, [reads.links[i2]]) == ["d6"]


def test_of_two_successes_finished_at_once_an_incident_is_linked_to_the_one_dora_picks():
    """The calculation orders successes finished at the same instant by id as text, so of ids
    999999999 and 1000000000 the first comes last and is the one an incident is linked to."""
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team)
    ingest(
        integration,
        [
            deployment("early", "success", moment(3, 10)),
            deployment("late", "success", moment(3, 10)),
            incident("I9", 9, moment(3, 11), moment(3, 12)),
        ],
    )
    Deployment.objects.filter(external_id="early").update(id=1_000_000_000)
    Deployment.objects.filter(external_id="late").update(id=999_999_999)
    scope = metric_scope(team, since=date(2026, 3, 1), until=date(2026, 3, 31))

    links = delivery.incident_links(scope, Incident.objects.filter(integration=integration))

    assert list(links.values()) == ["999999999"]
    assert links == DoraReads([scope]).links
    assert [row.pk for row in delivery.list_deployments(scope, "failed")] == [999_999_999]
