"""Benchmark 4's raw floor computes the numbers the team overview shows, from the same rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bench import floor, harness, seed
from metrics import derived, selectors
from metrics.scope import metric_scope
from metrics.views import interval_for

SUMMARY = ("count", "median", "p75", "p90", "mean", "min", "max")


def as_summary(values) -> dict:
    found = dict(zip(SUMMARY, (None if v is None else float(v) for v in values), strict=True))
    return (
        {**found, "count": int(found["count"] or 0)}
        if found["count"]
        else {key: (0 if key == "count" else None) for key in SUMMARY}
    )


def same(found: dict, expected: dict) -> None:
    assert found == {key: pytest.approx(value) for key, value in expected.items()}


def chunks(row, size: int = len(SUMMARY)):
    return [as_summary(row[i : i + size]) for i in range(0, len(row), size)]


def assert_dora(found: dict, report: dict) -> None:
    frequency = report["deployment_frequency"]
    assert [float(v or 0) for v in found["deployment_frequency"][0]] == pytest.approx(
        [
            frequency[key]
            for key in (
                "deployments",
                "deployment_days",
                "per_day",
                "per_week",
                "median_deployment_days_per_week",
                "median_deployment_days_per_month",
            )
        ]
    )
    same(as_summary(found["lead_time_for_changes"][0]), report["lead_time_for_changes"]["summary"])
    deployments, failed, rate, unlinked = found["change_failure_rate"][0]
    failure = report["change_failure_rate"]
    assert (deployments, failed, unlinked) == (
        failure["deployments"],
        failure["failed"],
        sorted(failure["unlinked_incidents"]),
    )
    assert rate == pytest.approx(failure["rate"])
    same(as_summary(found["time_to_restore"][0]), report["time_to_restore"]["summary"])
    same(
        as_summary(found["failed_deployment_recovery_time"][0]),
        report["failed_deployment_recovery_time"]["summary"],
    )


@pytest.mark.django_db
@pytest.mark.parametrize("days_ago", [0, 45])
def test_raw_floor_computes_every_number_of_the_overview(days_ago):
    if connection.vendor != "postgresql":
        # percentile_cont is PostgreSQL's: the benchmark prints no floor on SQLite.
        assert floor.available() is False
        return
    assert connection.vendor == "postgresql"
    team = harness.make_team("floor")
    seed.seed(team, 600, 400)
    for integration in team.integrations.all():
        derived.refresh_work_items(integration)  # finishes and the daily flow rollup
    now = timezone.now()
    until = now.date() - timedelta(days=days_ago)
    since = until - timedelta(days=29)
    scope = metric_scope(team, since=since, until=until, now=now)
    with connection.cursor() as cursor:
        found = floor.overview(cursor.cursor, team.pk, since, until, now=now)

    report = selectors.team_metrics(scope, ["dora", "pull_requests", "work_items"])
    assert_dora(found["dora"], report["dora"])
    assert_dora(found["dora_previous"], selectors.team_metrics(scope.previous(), ["dora"])["dora"])
    pulls = report["pull_requests"]
    merged = found["pull_requests"]["merged"][0]
    *stages, size = chunks(merged[:42])
    for stage, summary in zip(floor.STAGES, stages, strict=True):
        same(summary, pulls["stages"][stage])
    same(size, pulls["size"])
    assert merged[42] == pulls["throughput"]["merged"] > 0
    assert float(merged[43]) == pytest.approx(pulls["throughput"]["per_week"])
    assert merged[44] == pulls["merged_without_review"]["without_review"]
    assert found["pull_requests"]["review_load"] == [
        (row["reviewer"], row["reviews"], row["pull_requests"]) for row in pulls["review_load"]
    ]
    same(as_summary(found["pull_requests"]["open"][0]), pulls["open"]["age"])

    items = report["work_items"]
    finished = found["work_items"]["finished"][0]
    lead, cycle = chunks(finished[:14])
    same(lead, items["lead_time"])
    same(cycle, items["cycle_time"])
    assert finished[14] == items["throughput"]["done"] > 0
    assert found["work_items"]["cumulative_flow"] == [
        (row["day"], row["todo"], row["in_progress"], row["done"])
        for row in items["cumulative_flow"]
    ]
    same(as_summary(found["work_items"]["aging"][0]), items["aging_wip"]["age"])

    interval = interval_for(scope)
    stages_series = selectors.timeseries(scope, "pull_request_stages", interval)
    assert found["series"]["pull_request_stages"] == [
        (p["period"], *(pytest.approx(p[stage]) for stage in floor.STAGES)) for p in stages_series
    ]
    for name in ("pull_requests_merged", "work_items_done"):
        points = selectors.timeseries(scope, name, interval)
        assert found["series"][name] == [(p["period"], p["value"]) for p in points]
    before = scope.previous()
    cycle_points = selectors.timeseries(before, "pull_request_cycle_time", interval)
    assert found["series_previous"]["pull_request_cycle_time"] == [
        (p["period"], pytest.approx(p["value"]), p["count"]) for p in cycle_points
    ]
    for name in ("pull_requests_merged", "work_items_done"):
        points = selectors.timeseries(before, name, interval)
        assert found["series_previous"][name] == [(p["period"], p["value"]) for p in points]
