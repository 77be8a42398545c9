"""The list behind the failed deployment recovery time tile: one row per recovery it counted,
with its recovery time and what ended it (hand-worked data)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from metrics import derived
from metrics.ingest import ingest
from tests.dashboard.test_delivery_pages import incident
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(member, settings):
    settings.AGILETRACK_INCIDENT_LINK_WINDOW_DAYS = 1
    team = TeamFactory(members=[member])
    integration = make_integration(team)
    now = datetime.now(UTC).replace(microsecond=0)
    day = timedelta(days=1)
    hour = timedelta(hours=1)
    # Each deployment finishes 10 minutes after it is created (tests.metrics.test_derived).
    ingest(
        integration,
        [
            deployment("ok", now - 6 * day),
            # Failed at -5d+10m, the next success finishes at -5d+2h10m: 120 minutes.
            deployment("bad", now - 5 * day, status="failure"),
            deployment("fix", now - 5 * day + 2 * hour),
            # "later" finishes at -4d+10m; both incidents opened after it are linked to it and
            # each ends one recovery: resolved at -4d+5h (290 minutes) and -4d+6h (350).
            deployment("later", now - 4 * day),
            incident(1, now - 4 * day + 2 * hour, now - 4 * day + 5 * hour),
            incident(2, now - 4 * day + 3 * hour, now - 4 * day + 6 * hour),
            # Opened, never resolved: no recovery yet.
            incident(3, now - 4 * day + 4 * hour, None),
            # Failed with no success after it: not recovered, not counted.
            deployment("last", now - 1 * day, status="failure"),
        ],
    )
    derived.refresh(integration)
    return team


def test_the_recovery_tile_lists_each_recovery_it_counted_with_its_time_and_its_end(
    client, team, member
):
    client.force_login(member)
    overview = client.get(reverse("team-overview", kwargs={"slug": team.slug}))
    recovery = overview.context["bands"]["failed_deployment_recovery_time"]["summary"]
    assert (recovery["count"], recovery["min"], recovery["max"]) == (3, 120, 350)
    [tile] = [t for t in overview.context["tiles"] if t["key"] == "recovery"]
    assert "show=recovered" in tile["href"]
    assert f'href="{tile["href"].replace("&", "&amp;")}"' in overview.content.decode()

    listed = client.get(tile["href"])
    assert listed.status_code == 200
    assert listed.context["page_obj"].paginator.count == recovery["count"] == 3
    rows = [
        (d.external_id, r.recovery.minutes, r.recovery.fixed_by, r.recovery.incident)
        for d, r in listed.context["rows"]
    ]
    # Latest recovery first; "later" recovered twice, once per resolved incident.
    assert [(name, minutes) for name, minutes, _, _ in rows] == [
        ("later", 350),
        ("later", 290),
        ("bad", 120),
    ]
    assert [i.number for _, _, _, i in rows[:2]] == [2, 1]
    assert rows[2][2].external_id == "fix" and rows[2][3] is None
    html = listed.content.decode()
    assert 'data-metric="listed">3<' in html
    assert 'Incident <a href="https://github.com/acme/web/issues/2"' in html
    assert "Deployment <code>sha-fix" in html
    assert sorted(int(m) for m in re.findall(r'data-minutes="(\d+)"', html)) == [120, 290, 350]


def test_a_window_after_the_recoveries_lists_none(client, team, member):
    client.force_login(member)
    today = datetime.now(UTC).date()
    window = {"since": (today - timedelta(days=2)).isoformat(), "until": today.isoformat()}
    deployments = reverse("team-deployments", kwargs={"slug": team.slug})
    listed = client.get(deployments, {**window, "show": "recovered"})
    assert listed.context["page_obj"].paginator.count == 0
    assert "No deployment in this list for this window." in listed.content.decode()
