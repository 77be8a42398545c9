"""Issue 19 points 14 and 16: the two recovery metrics (minutes truncated), the band table a team
chooses (2021, 2023, 2024), rates over the elapsed window, and partial periods in time series."""

import json
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from integrations.models import Team
from integrations.providers import records
from metrics import selectors
from metrics.calculations import (
    BAND_TABLES,
    Band,
    DeploymentFacts,
    IncidentFacts,
    band_table,
    failed_deployment_recovery_time,
    partial_period,
    time_to_restore,
)
from metrics.ingest import ingest
from metrics.views import compared_with
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment
from tests.metrics.test_ingest import pull_request


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


# --- The two recovery metrics --------------------------------------------------------------------


def test_time_to_restore_truncates_minutes_so_59_minutes_59_seconds_is_elite():
    incidents = [IncidentFacts("i1", at(2, 10), at(2, 10, 59, 59))]
    result = time_to_restore(incidents, [], at(1), at(8))
    assert result.summary.median == 59  # rounded up it would be 60: one hour, "high"
    assert result.band is Band.ELITE


def test_failed_deployment_recovery_time_ends_at_the_next_success_or_the_incidents_resolution():
    deployments = [
        DeploymentFacts("ok", "success", at(2, 8, 50), at(2, 9), repository="web"),
        # Failed at 12:00; web's next success finishes 12:30:45 -> 30 minutes (truncated).
        DeploymentFacts("bad", "failure", at(2, 11, 50), at(2, 12), repository="web"),
        DeploymentFacts("api-ok", "success", at(2, 12, 5), at(2, 12, 10), repository="api"),
        DeploymentFacts("fix", "success", at(2, 12, 20), at(2, 12, 30, 45), repository="web"),
        # api fails and nothing of api succeeds after it: not recovered, not counted.
        DeploymentFacts("api-bad", "error", at(3, 9), at(3, 9, 5), repository="api"),
    ]
    # Opened 10:00, linked to "ok" (finished 09:00), resolved 11:20:30 -> 140 minutes.
    incidents = [IncidentFacts("i1", at(2, 10), at(2, 11, 20, 30), repository="web")]

    result = failed_deployment_recovery_time(deployments, incidents, at(1), at(8))

    assert (result.summary.count, result.summary.min, result.summary.max) == (2, 30, 140)
    assert result.summary.median == 85
    assert result.band is Band.HIGH
    # A recovery counts in the window it happened in.
    assert failed_deployment_recovery_time(deployments, incidents, at(3), at(8)).summary.count == 0
    # The former place of this summary says the same.
    assert time_to_restore(incidents, deployments, at(1), at(8)).failed_deployment_recovery == (
        result.summary
    )


def test_each_failure_recovers_at_the_first_success_of_its_repository_finished_after_it():
    deployments = [
        # Finished at the same instant as the first failure: not after it.
        DeploymentFacts("same", "success", at(4, 9, 50), at(4, 10), repository="web"),
        DeploymentFacts("bad-1", "failure", at(4, 9, 55), at(4, 10), repository="web"),
        DeploymentFacts("bad-2", "failure", at(4, 10, 5), at(4, 10, 10), repository="web"),
        DeploymentFacts("other", "success", at(4, 10, 15), at(4, 10, 20), repository="api"),
        # Listed before the earlier fix, finished later: the earlier one ends both failures.
        DeploymentFacts("later", "success", at(4, 11), at(4, 12), repository="web"),
        DeploymentFacts("fix", "success", at(4, 10, 30), at(4, 10, 40), repository="web"),
    ]
    result = failed_deployment_recovery_time(deployments, [], at(1), at(8))
    # bad-1: 10:00 -> 10:40 = 40 minutes; bad-2: 10:10 -> 10:40 = 30 minutes.
    assert (result.summary.count, result.summary.min, result.summary.max) == (2, 30, 40)


# --- Band tables ---------------------------------------------------------------------------------


def test_each_report_bands_the_same_numbers_by_its_own_table():
    t2021, t2023, t2024 = (band_table(key) for key in ("dora-2021", "dora-2023", "dora-2024"))
    hour, day = 60, 24 * 60

    def lead(minutes):
        return [t.lead_time_band(minutes) for t in (t2021, t2023, t2024)]

    def failure(rate):
        return [t.change_failure_band(rate) for t in (t2021, t2023, t2024)]

    def recovery(minutes):
        return [t.recovery_band(minutes) for t in (t2021, t2023, t2024)]

    E, H, M, L = Band.ELITE, Band.HIGH, Band.MEDIUM, Band.LOW
    assert lead(2 * hour) == [H, E, E]  # 2021's elite is under an hour
    assert lead(60 * day) == [M, L, L]  # 2021's medium reaches six months
    assert failure(0.12) == [E, M, H]  # 2021 elite up to 15 %; 2024 high up to 20 %
    assert failure(0.25) == [H, L, L]
    assert failure(0.35) == [L, L, L]
    assert recovery(3 * day) == [M, M, L]  # 2024's medium is "< 1 day" like high
    # One deployment every two months: three per half year, monthly median of zero days.
    assert t2021.frequency_band(0, 0, per_day=1 / 60) is M
    assert t2023.frequency_band(0, 0, per_day=1 / 60) is L
    assert t2024.frequency_band(2, 8, per_day=0.3) is H
    assert band_table("") is BAND_TABLES["dora-2023"]


def test_the_team_model_offers_exactly_the_calculations_tables():
    assert {key for key, _ in Team.DoraBands.choices} == set(BAND_TABLES)
    assert Team().dora_bands == "dora-2023"


@pytest.mark.django_db
def test_a_team_on_the_2024_table_gets_its_bands_in_the_api_and_on_the_overview():
    member = UserFactory()
    team = TeamFactory(members=[member], time_zone="UTC", dora_bands="dora-2024")
    integration = make_integration(team)
    # Restored in 2 days: medium by the 2023 table, low by 2024's.
    ingest(
        integration,
        [records.Incident("I1", "acme/web", 7, "Outage", "", at(3, 8), at(5, 8))],
    )
    api = APIClient()
    api.force_authenticate(member)

    dora = api.get(f"/api/metrics/?team={team.pk}&since=2026-03-02&until=2026-03-29").json()["dora"]
    assert dora["bands_table"] == "dora-2024"
    assert "State of DevOps Report 2024" in dora["bands_source"]
    assert dora["time_to_restore"]["summary"]["median"] == 2 * 24 * 60
    assert dora["time_to_restore"]["band"] == "low"
    assert api.get(f"/api/teams/{team.pk}/").json()["dora_bands"] == "dora-2024"

    api.force_login(member)
    url = reverse("team-overview", kwargs={"slug": team.slug})
    page = api.get(f"{url}?since=2026-03-02&until=2026-03-29").content.decode()
    assert 'data-bands-table="dora-2024"' in page
    assert "Accelerate State of DevOps Report 2024" in page
    assert "Failed deployment recovery time" in page

    team.dora_bands = "dora-2023"
    team.save()
    dora = api.get(f"/api/metrics/?team={team.pk}&since=2026-03-02&until=2026-03-29").json()["dora"]
    assert (dora["bands_table"], dora["time_to_restore"]["band"]) == ("dora-2023", "medium")


@pytest.mark.django_db
def test_staff_choose_a_teams_band_table_in_the_admin(admin_client):
    team = TeamFactory(time_zone="UTC")
    change = f"/admin/integrations/team/{team.pk}/change/"
    assert 'name="dora_bands"' in admin_client.get(change).content.decode()
    response = admin_client.post(
        change,
        {"name": team.name, "slug": team.slug, "time_zone": "UTC", "dora_bands": "dora-2021"},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.dora_bands == "dora-2021"
    refused = admin_client.post(
        change,
        {"name": team.name, "slug": team.slug, "time_zone": "UTC", "dora_bands": "dora-1999"},
    )
    assert refused.status_code == 200  # the form again, with the error; nothing stored
    team.refresh_from_db()
    assert team.dora_bands == "dora-2021"


@pytest.mark.django_db
def test_the_admin_refuses_a_time_zone_that_is_not_an_iana_name(admin_client):
    team = TeamFactory(time_zone="Europe/Berlin")
    change = f"/admin/integrations/team/{team.pk}/change/"
    for zone in ("Mars/Olympus_Mons", "utc", "../etc/passwd"):
        refused = admin_client.post(
            change,
            {"name": team.name, "slug": team.slug, "time_zone": zone, "dora_bands": "dora-2023"},
        )
        assert refused.status_code == 200  # the form again, with the error; nothing stored
        assert "is not an IANA time zone name (such as Europe/Berlin or UTC)." in (
            refused.content.decode()
        )
        team.refresh_from_db()
        assert team.time_zone == "Europe/Berlin"
    accepted = admin_client.post(
        change,
        {
            "name": team.name,
            "slug": team.slug,
            "time_zone": "Asia/Tokyo",
            "dora_bands": "dora-2023",
        },
    )
    assert accepted.status_code == 302
    team.refresh_from_db()
    assert team.time_zone == "Asia/Tokyo"


# --- Windows that end today ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_window_ending_today_rates_and_compares_over_the_time_elapsed():
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team)
    ingest(
        integration,
        [
            # Finished 10 minutes after creation: Feb 24 10:50 (before), 12:10 (in previous)
            deployment("old", datetime(2026, 2, 24, 10, 40, tzinfo=UTC)),
            deployment("p1", datetime(2026, 2, 24, 12, 0, tzinfo=UTC)),
            deployment("d1", at(2, 9)),
            deployment("d2", at(3, 9)),
            deployment("d3", at(4, 9)),
        ],
    )
    # March 1-10, read on March 5 at noon: 4.5 days have elapsed.
    scope = selectors.metric_scope(
        team, since=date(2026, 3, 1), until=date(2026, 3, 10), now=at(5, 12)
    )
    frequency = selectors.dora_metrics(scope)["deployment_frequency"]
    assert frequency["deployments"] == 3
    assert frequency["per_day"] == pytest.approx(3 / 4.5)  # not 3 / 10
    assert frequency["per_week"] == pytest.approx(3 / 4.5 * 7)

    before = scope.previous()
    assert (before.start, before.end) == (datetime(2026, 2, 24, 12, tzinfo=UTC), at(1))
    previous = selectors.dora_metrics(before)["deployment_frequency"]
    assert previous["deployments"] == 1  # p1 only; "old" finished before Feb 24 12:00
    assert previous["per_week"] == pytest.approx(1 / 4.5 * 7)
    assert compared_with(scope) == "the 4.5 days before it"

    # A past window compares with the whole window before it, as always.
    past = selectors.metric_scope(team, since=date(2026, 3, 1), until=date(2026, 3, 10), now=at(20))
    assert (past.previous().since, past.previous().until) == (date(2026, 2, 19), date(2026, 2, 28))
    assert past.previous().bounds is None
    assert compared_with(past) == "the previous 10 days"
    assert selectors.dora_metrics(past)["deployment_frequency"]["per_week"] == pytest.approx(2.1)


# --- Partial periods -----------------------------------------------------------------------------


def test_a_period_is_partial_when_the_window_cuts_it_or_now_has_not_passed_its_end():
    start, end = at(4), at(25)  # Wednesday March 4 to the end of Tuesday March 24
    weeks = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23)]
    assert [partial_period(w, "week", start, end, UTC) for w in weeks] == [
        True,
        False,
        False,
        True,
    ]
    # Read on Thursday March 19: the week of the 16th is still running.
    assert [partial_period(w, "week", start, at(19, 12), UTC) for w in weeks[:3]] == [
        True,
        False,
        True,
    ]
    assert partial_period(date(2026, 3, 1), "month", at(1), at(25), UTC) is True
    assert partial_period(date(2026, 3, 4), "day", start, end, UTC) is False


@pytest.mark.django_db
def test_time_series_flag_partial_periods_in_the_api_and_the_overview_charts():
    member = UserFactory()
    team = TeamFactory(members=[member], time_zone="UTC")
    integration = make_integration(team)
    # One merge, so the overview's throughput chart has something to draw; opened before the
    # window, so the data starts before it and only the window's own edges are partial.
    moment = at(10, 9)
    opened = datetime(2026, 2, 2, 9, tzinfo=UTC)
    times = ("updated_at", "merged_at", "closed_at")
    ingest(
        integration,
        [
            pull_request(
                1, created_at=opened, first_commit_at=opened, **dict.fromkeys(times, moment)
            )
        ],
    )
    window = "since=2026-03-04&until=2026-03-24"
    api = APIClient()
    api.force_authenticate(member)

    body = api.get(
        f"/api/metrics/timeseries/?team={team.pk}&{window}&metric=deployments&interval=week"
    ).json()
    assert [(p["period"], p["partial"]) for p in body["points"]] == [
        ("2026-03-02", True),
        ("2026-03-09", False),
        ("2026-03-16", False),
        ("2026-03-23", True),
    ]
    scope = selectors.metric_scope(
        team, since=date(2026, 3, 4), until=date(2026, 3, 24), now=at(19, 12)
    )
    flags = [p["partial"] for p in selectors.timeseries(scope, "pull_requests_merged", "week")]
    assert flags == [True, False, True, True]

    api.force_login(member)
    url = reverse("team-overview", kwargs={"slug": team.slug})
    page = api.get(f"{url}?{window}").content.decode()
    spec = page.split('id="chart-throughput-data" type="application/json">')[1]
    spec = json.loads(spec.split("</script>")[0])
    assert spec["partial"] == [True, False, False, True]
    assert "a partial week" in page
