"""Window presets (last 7 / 30 / 90 days, this and last quarter) and the first day of data a
window counts from: dates worked out by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from integrations.team_page import preset_links
from metrics import selectors
from metrics.calculations.windows import window_presets
from metrics.ingest import ingest
from metrics.scope import MetricScope, metric_scope
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment


def presets(today: date) -> dict[str, tuple[date, date]]:
    return {preset.key: (preset.since, preset.until) for preset in window_presets(today)}


def test_presets_end_today_and_the_quarters_are_calendar_quarters():
    assert presets(date(2026, 12, 5)) == {
        "last-7": (date(2026, 11, 29), date(2026, 12, 5)),
        "last-30": (date(2026, 11, 6), date(2026, 12, 5)),
        "last-90": (date(2026, 9, 7), date(2026, 12, 5)),
        "this-quarter": (date(2026, 10, 1), date(2026, 12, 5)),
        "last-quarter": (date(2026, 7, 1), date(2026, 9, 30)),
    }


def test_quarter_presets_at_the_quarter_edges():
    # The first day of a year: this quarter is one day, the last quarter is last year's fourth.
    assert presets(date(2026, 1, 1))["this-quarter"] == (date(2026, 1, 1), date(2026, 1, 1))
    assert presets(date(2026, 1, 1))["last-quarter"] == (date(2025, 10, 1), date(2025, 12, 31))
    # The last day of a quarter still belongs to it; the next day starts a new one.
    assert presets(date(2026, 3, 31))["this-quarter"] == (date(2026, 1, 1), date(2026, 3, 31))
    assert presets(date(2026, 3, 31))["last-quarter"] == (date(2025, 10, 1), date(2025, 12, 31))
    assert presets(date(2026, 4, 1))["this-quarter"] == (date(2026, 4, 1), date(2026, 4, 1))
    assert presets(date(2026, 4, 1))["last-quarter"] == (date(2026, 1, 1), date(2026, 3, 31))
    # Leap year: the last 7 days of 2024-03-02 cross 29 February.
    assert presets(date(2024, 3, 2))["last-7"] == (date(2024, 2, 25), date(2024, 3, 2))


def scope_at(now: datetime, time_zone: str) -> MetricScope:
    return MetricScope(
        team_id=None,
        integration_ids=(),
        since=date(2026, 3, 1),
        until=date(2026, 3, 30),
        time_zone=time_zone,
        now=now,
    )


def test_preset_links_count_from_today_in_the_team_time_zone_and_keep_other_filters():
    # 12:00 UTC on 31 March is 01:00 on 1 April in Auckland (NZDT, UTC+13): a new quarter there.
    now = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    request = RequestFactory().get("/", {"since": "2026-03-01", "state": "merged", "page": "3"})
    auckland = dict(
        (label, query)
        for label, query, _ in preset_links(request, scope_at(now, "Pacific/Auckland"))
    )
    assert auckland["This quarter"] == "since=2026-04-01&until=2026-04-01&state=merged"
    assert auckland["Last quarter"] == "since=2026-01-01&until=2026-03-31&state=merged"
    utc = dict((label, query) for label, query, _ in preset_links(request, scope_at(now, "UTC")))
    assert utc["This quarter"] == "since=2026-01-01&until=2026-03-31&state=merged"
    assert utc["Last 7 days"] == "since=2026-03-25&until=2026-03-31&state=merged"
    # 23:30 UTC on 31 March is still 31 March in Los Angeles (PDT, UTC-7) but 1 April in UTC.
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    la = dict(
        (label, query)
        for label, query, _ in preset_links(request, scope_at(late, "America/Los_Angeles"))
    )
    assert la["Last 30 days"] == "since=2026-03-02&until=2026-03-31&state=merged"


def test_the_preset_of_the_window_shown_is_marked_current():
    now = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    scope = MetricScope(None, (), date(2026, 3, 2), date(2026, 3, 31), "UTC", now=now)
    current = [label for label, _, shown in preset_links(RequestFactory().get("/"), scope) if shown]
    assert current == ["Last 30 days"]


@pytest.mark.django_db
def test_a_window_reaching_before_the_first_data_counts_rates_from_the_first_data_day():
    member = UserFactory()
    team = TeamFactory(members=[member], time_zone="Europe/Berlin")
    integration = make_integration(team)
    # The first synced activity: 21 November, 10:00 Berlin; seven deployments from then on.
    first = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    ingest(integration, [deployment(f"d{i}", first + timedelta(days=i)) for i in range(7)])
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    scope = metric_scope(team, since=date(2026, 11, 1), until=date(2026, 11, 30), now=now)
    assert scope.data_start == datetime(2026, 11, 20, 23, 0, tzinfo=UTC)  # Berlin midnight
    assert scope.starts_before_data and scope.data_start_day == date(2026, 11, 21)
    # 21 to 30 November: 10 days of data, not the window's 30.
    assert scope.elapsed_days == 10
    frequency = selectors.team_metrics(scope, ["dora"])["dora"]["deployment_frequency"]
    assert frequency["per_week"] == pytest.approx(7 / 10 * 7)
    # Weeks (Mondays) before the data and the one it starts in are drawn as partial periods.
    weeks = selectors.timeseries(scope, "deployments", "week")
    assert [(point["period"].isoformat(), point["partial"]) for point in weeks] == [
        ("2026-10-26", True),  # cut by the window's start (Sunday 1 November)
        ("2026-11-02", True),  # before the data
        ("2026-11-09", True),
        ("2026-11-16", True),  # the data starts on Saturday 21 November
        ("2026-11-23", False),
        ("2026-11-30", True),  # cut by the window's end
    ]
    assert sum(point["value"] for point in weeks) == 7
    # The API states where the window counts from.
    api = APIClient()
    api.force_authenticate(member)
    body = api.get(f"/api/metrics/?team={team.pk}&since=2026-11-01&until=2026-11-30").json()
    assert body["window"]["data_start"] == "2026-11-21"
    # A window wholly after the first data counts all of its days.
    later = metric_scope(team, since=date(2026, 11, 22), until=date(2026, 11, 28), now=now)
    assert not later.starts_before_data and later.elapsed_days == 7


@pytest.mark.django_db
def test_a_team_without_synced_data_has_no_data_start():
    team = TeamFactory()
    make_integration(team)
    scope = metric_scope(team, since=date(2026, 11, 1), until=date(2026, 11, 30))
    assert scope.data_start is None and not scope.starts_before_data
    assert scope.elapsed_days == 30


@pytest.mark.django_db
def test_scopes_of_several_teams_read_together_equal_each_team_s_own():
    from metrics.scope import team_scopes

    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    berlin = TeamFactory(time_zone="Europe/Berlin")
    tokyo = TeamFactory(time_zone="Asia/Tokyo")
    empty = TeamFactory()
    # Berlin's first deployment on Mar 2 at 23:30 UTC: Mar 3 there; Tokyo's on Mar 4.
    ingest(make_integration(berlin), [deployment("b1", datetime(2026, 3, 2, 23, 30, tzinfo=UTC))])
    make_integration(berlin, kind="jira")
    ingest(make_integration(tokyo), [deployment("t1", datetime(2026, 3, 4, 1, tzinfo=UTC))])

    teams = [berlin, tokyo, empty]
    together = team_scopes(teams, since=date(2026, 3, 1), until=date(2026, 3, 15), now=now)
    for team in teams:
        alone = metric_scope(team, since=date(2026, 3, 1), until=date(2026, 3, 15), now=now)
        assert together[team.pk] == alone
        assert together[team.pk].data_start == alone.data_start
    assert together[berlin.pk].data_start_day == date(2026, 3, 3)
    assert len(together[berlin.pk].integration_ids) == 2
    assert together[empty.pk].data_start is None
