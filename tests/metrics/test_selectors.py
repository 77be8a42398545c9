"""Hand-worked metrics read through the selectors (SQL) for a team in New York, over the night
US daylight saving time ended (2026-11-01 02:00 EDT -> 01:00 EST, a 25-hour local day)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from integrations.providers import records, registry
from integrations.providers.spec import DEPLOYMENTS, PULL_REQUESTS, WORK_ITEMS
from metrics import calculations as calc
from metrics import derived, selectors
from metrics.ingest import ingest
from metrics.models import PullRequest
from metrics.selectors import delivery
from metrics.selectors.work_items import cumulative_flow, rollup_in_zone
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_derived import deployment
from tests.metrics.test_ingest import pull_request

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def team():
    return TeamFactory(time_zone="America/New_York")


def scope(team, since=date(2026, 10, 31), until=date(2026, 11, 2)):
    return selectors.metric_scope(team, since=since, until=until, now=utc(2026, 11, 10))


def test_dora_with_a_deployment_that_shipped_no_pr_and_an_incident_with_no_deployment(team):
    integration = make_integration(team)
    ingest(
        integration,
        [
            deployment("baseline", utc(2026, 10, 28, 15)),
            # 22:30 local on Nov 1 (03:30 UTC on Nov 2); nothing was merged since the baseline.
            deployment("evening", utc(2026, 11, 2, 3, 20)),
            deployment("broken", utc(2026, 11, 2, 15), status="failure"),
            records.Incident(
                "I1", "acme/web", 7, "Outage", "", utc(2026, 10, 27, 10), utc(2026, 11, 1, 12)
            ),
        ],
    )
    derived.refresh(integration)

    dora = selectors.dora_metrics(scope(team, since=date(2026, 11, 1)))

    frequency = dora["deployment_frequency"]
    assert frequency["deployments"] == 1
    assert frequency["deployment_days"] == 1  # Nov 1 in New York, although Nov 2 in UTC
    assert dora["lead_time_for_changes"]["summary"]["count"] == 0  # it carried no PR
    assert dora["lead_time_for_changes"]["band"] is None
    failure = dora["change_failure_rate"]
    assert (failure["deployments"], failure["failed"], failure["rate"]) == (2, 1, 0.5)
    restore = dora["time_to_restore"]
    # Opened before any deployment: counted for time to restore, blamed on nothing.
    assert restore["summary"]["count"] == 1
    assert restore["summary"]["median"] == (5 * 24 + 2) * 60
    assert restore["failed_deployment_recovery"]["count"] == 0


def test_flow_and_cycle_time_in_local_days_across_the_dst_change(team):
    integration = make_integration(team, kind="jira")

    def move(n, at, frm, to):
        return records.WorkItemChange(
            f"h{n}", "A", "status", frm.title(), to.title(), at, "ana", frm, to
        )

    ingest(
        integration,
        [
            records.WorkItem(
                external_id="A",
                key="ENG-1",
                title="Across the change",
                kind="story",
                status="Done",
                status_category="done",
                url="",
                created_at=utc(2026, 10, 31, 12),
                updated_at=utc(2026, 11, 2, 4, 30),
                resolved_at=utc(2026, 11, 2, 4, 30),
                changes=(
                    move(1, utc(2026, 11, 1, 5, 30), "todo", "in_progress"),  # 01:30 EDT Nov 1
                    move(2, utc(2026, 11, 2, 4, 30), "in_progress", "done"),  # 23:30 EST Nov 1
                ),
            )
        ],
    )
    derived.refresh(integration)

    work = selectors.work_item_metrics(scope(team))

    assert [
        (row["day"], row["todo"], row["in_progress"], row["done"])
        for row in work["cumulative_flow"]
    ] == [
        (date(2026, 10, 31), 1, 0, 0),
        (date(2026, 11, 1), 0, 0, 1),
        (date(2026, 11, 2), 0, 0, 1),
    ]
    # 23 hours on the UTC timeline, though Nov 1 had 25 hours on New York's clocks.
    assert work["cycle_time"]["median"] == 23 * 60
    assert work["throughput"]["done"] == 1
    weekly = selectors.timeseries(scope(team), "work_items_done", "day")
    assert [(p["period"], p["value"]) for p in weekly] == [
        (date(2026, 10, 31), 0),
        (date(2026, 11, 1), 1),
        (date(2026, 11, 2), 0),
    ]


def test_the_flow_at_a_window_start_counts_local_days_from_the_rollup_and_the_rows_alike(team):
    from importlib import import_module

    from django.apps import apps

    from metrics.models import FlowDay

    integration = make_integration(team, kind="jira")

    def item(key, created_at, *moves):
        changes = tuple(
            records.WorkItemChange(
                f"{key}{n}", key, "status", frm.title(), to.title(), at, "ana", frm, to
            )
            for n, (at, frm, to) in enumerate(moves)
        )
        return records.WorkItem(
            external_id=key,
            key=key,
            title=key,
            kind="story",
            status=changes[-1].to_value if changes else "Todo",
            status_category=changes[-1].to_category if changes else "todo",
            url="",
            created_at=created_at,
            updated_at=created_at,
            resolved_at=None,
            changes=changes,
        )

    ingest(
        integration,
        [
            item("A", utc(2026, 9, 1, 9), (utc(2026, 9, 2, 9), "todo", "done")),
            # Moved at 02:00 UTC on Oct 10: still Oct 9 in New York, before the window.
            item("B", utc(2026, 10, 1, 9), (utc(2026, 10, 10, 2), "todo", "in_progress")),
            # Created that UTC day, after the window's start (04:00 UTC).
            item("C", utc(2026, 10, 10, 6)),
        ],
    )
    derived.refresh(integration)
    window = scope(team, since=date(2026, 10, 10), until=date(2026, 10, 10))

    def first_day(from_rows=False):
        row = cumulative_flow(window, from_rows=from_rows)[date(2026, 10, 10)]
        return row["todo"], row["in_progress"], row["done"]

    # The rollup is in the team's zone (New York): B's move on Oct 9 local is before the window.
    assert rollup_in_zone(window)
    assert first_day() == first_day(from_rows=True) == (1, 1, 1)

    # A later sync finds an older item that was started in August: the rollup follows.
    ingest(
        integration, [item("D", utc(2026, 8, 1, 9), (utc(2026, 8, 3, 9), "todo", "in_progress"))]
    )
    derived.refresh(integration)
    assert first_day() == first_day(from_rows=True) == (1, 2, 1)

    # The migration that moved the rollup to local days builds the same rows from what is
    # stored: B's move on its New York day (Oct 9), C's creation on Oct 10.
    fields = ("day", "time_zone", "left_category", "entered_category", "items")
    rows = set(FlowDay.objects.values_list(*fields))
    assert len(rows) == 7
    assert (date(2026, 10, 9), "America/New_York", "todo", "in_progress", 1) in rows
    assert (date(2026, 10, 10), "America/New_York", "", "todo", 1) in rows
    FlowDay.objects.all().delete()
    import_module("metrics.migrations.0019_flow_day_local_days").rebuild_in_team_zones(apps, None)
    assert set(FlowDay.objects.values_list(*fields)) == rows

    # The team moves to Tokyo: until the next sync rebuilds the rollup, the flow is counted
    # from the rows, in Tokyo days (B moved at 11:00 on Oct 10 there, C was created at 15:00).
    team.time_zone = "Asia/Tokyo"
    team.save()
    window = scope(team, since=date(2026, 10, 10), until=date(2026, 10, 10))
    assert not rollup_in_zone(window)
    assert first_day() == (1, 2, 1)
    derived.refresh(integration)
    assert rollup_in_zone(window)
    assert first_day() == first_day(from_rows=True) == (1, 2, 1)


def test_open_prs_are_read_at_the_end_of_a_past_window(team):
    integration = make_integration(team)
    opened = utc(2026, 10, 20, 12)
    ingest(
        integration,
        [
            pull_request(
                1, created_at=opened, merged_at=utc(2026, 11, 5), closed_at=utc(2026, 11, 5)
            ),
            pull_request(2, created_at=opened, merged_at=None, closed_at=None, state="open"),
            pull_request(3, created_at=opened, merged_at=None, closed_at=None, is_draft=True),
            pull_request(4, created_at=opened, author_is_bot=True, merged_at=None, closed_at=None),
        ],
    )
    derived.refresh(integration)

    window = scope(team, since=date(2026, 10, 20), until=date(2026, 10, 31))
    open_prs = selectors.pull_request_metrics(window)["open"]

    # PR 1 was still open on Oct 31 (merged Nov 5); the draft and the bot's PR are left out.
    assert open_prs["count"] == 2
    age = window.end - opened
    assert open_prs["age"]["max"] == age.days * 24 * 60 + age.seconds // 60


def test_review_load_in_sql_leaves_out_thread_replies_as_the_calculation_does(team):
    integration = make_integration(team)
    opened = utc(2026, 10, 31, 14)

    def review(review_id, reviewer, hours, state="COMMENTED", is_reply=False, number=1):
        at = opened + timedelta(hours=hours)
        return records.Review(review_id, "acme/web", number, reviewer, False, state, at, is_reply)

    # bo approves PR 1 and answers three threads outside a review; cy only replies on PR 2.
    approved = review("R1", "bo", 1, "APPROVED")
    replies = tuple(review(f"R1-{k}", "bo", 1 + k, is_reply=True) for k in (1, 2, 3))
    only_replies = (review("R2", "cy", 1, is_reply=True, number=2),)
    merged = opened + timedelta(hours=6)
    ingest(
        integration,
        [
            pull_request(
                1,
                created_at=opened,
                merged_at=merged,
                closed_at=merged,
                reviews=(approved, *replies),
            ),
            pull_request(
                2, created_at=opened, merged_at=merged, closed_at=merged, reviews=only_replies
            ),
        ],
    )
    derived.refresh(integration)

    window = scope(team)
    metrics = selectors.pull_request_metrics(window)
    stored = derived.pull_request_facts(
        PullRequest.objects.filter(integration=integration).prefetch_related(
            "reviews", "comments", "commits"
        )
    )
    expected = calc.review_load(stored, window.start, window.end)
    load = {
        row["reviewer"]: (row["reviews"], row["pull_requests"]) for row in metrics["review_load"]
    }
    assert load == {name: (v.reviews, v.pull_requests) for name, v in expected.items()}
    assert load == {"bo": (1, 1)}
    # cy's reply is PR 2's first response, but not a review before its merge.
    unreviewed = metrics["merged_without_review"]
    assert (unreviewed["merged"], unreviewed["without_review"]) == (2, 1)
    assert PullRequest.objects.get(number=2).pickup_time_minutes == 60


def test_the_active_sprint_is_the_one_running_at_the_window_end_not_one_starting_there(team):
    integration = make_integration(team, kind="jira")
    window = scope(team, since=date(2026, 10, 20), until=date(2026, 11, 1))
    assert window.moment == window.end  # a past window: read at its end, 05:00 UTC on Nov 2

    def sprint(n, start_at, end_at, completed_at=None):
        state = "closed" if completed_at else "active"
        return records.Sprint(f"S{n}", "B1", f"Sprint {n}", state, start_at, end_at, completed_at)

    ingest(
        integration,
        [
            sprint(1, utc(2026, 10, 19, 5), utc(2026, 11, 1, 15), utc(2026, 11, 1, 15)),
            sprint(2, window.end, utc(2026, 11, 16, 5)),  # starts exactly at the window's end
        ],
    )
    derived.refresh(integration)

    (board,) = selectors.sprint_metrics(window)["boards"]
    assert [s["name"] for s in board["sprints"]] == ["Sprint 1"]
    assert board["active_sprint"] is None  # Sprint 2 had not started within [start, end)

    # A minute into Nov 2 (a window ending that day, read now), Sprint 2 is running.
    later = selectors.metric_scope(
        team, since=date(2026, 10, 20), until=date(2026, 11, 2), now=utc(2026, 11, 2, 5, 1)
    )
    (board,) = selectors.sprint_metrics(later)["boards"]
    assert [s["name"] for s in board["sprints"]] == ["Sprint 1"]
    assert board["active_sprint"]["name"] == "Sprint 2"


def test_a_scope_refuses_reversed_and_overlong_windows_and_other_teams_integrations(team):
    with pytest.raises(selectors.ScopeError, match="after the end"):
        scope(team, since=date(2026, 11, 2), until=date(2026, 11, 1))
    with pytest.raises(selectors.ScopeError, match="at most"):
        scope(team, since=date(2023, 1, 1), until=date(2026, 11, 1))
    stranger = make_integration(TeamFactory())
    with pytest.raises(selectors.ScopeError, match="not one of this team's"):
        selectors.metric_scope(team, integrations=[stranger])
    default = selectors.metric_scope(team, now=utc(2026, 11, 10, 3))
    assert (default.since, default.until) == (date(2026, 10, 11), date(2026, 11, 9))
    assert default.previous().until == date(2026, 10, 10)
    assert default.previous().days == default.days == 30
    # Same-zone datetimes subtract on the wall clock; on the UTC timeline DST gave an hour back.
    assert default.end.astimezone(UTC) - default.start.astimezone(UTC) == timedelta(
        days=30, hours=1
    )


def done_item(key: str, sprint_id: str, points: float | None, done_at: datetime):
    return records.WorkItem(
        key, key, key, "story", "Done", "done", "", done_at - timedelta(days=20),
        done_at, done_at, story_points=points, sprint_ids=(sprint_id,),
    )  # fmt: skip


def seven_closed_sprints_then_overdue_and_planned_ones() -> list:
    """Weekly sprints S1..S7 (S4 completed late, after S7), S8 active past its end date, S9 future
    with planned dates that have passed. S<n> completes a 2n-point story, and an unestimated one
    when n is odd."""
    rows: list = []
    for n in range(1, 8):
        start = utc(2026, 9, 7, 13) + timedelta(weeks=n - 1)
        completed = utc(2026, 10, 27, 15) if n == 4 else start + timedelta(days=7)
        rows.append(
            records.Sprint(
                f"S{n}", "B1", f"Sprint {n}", "closed", start, start + timedelta(days=7), completed
            )
        )
        rows.append(done_item(f"P-{n}", f"S{n}", 2.0 * n, start + timedelta(days=2)))
        if n % 2:
            rows.append(done_item(f"U-{n}", f"S{n}", None, start + timedelta(days=3)))
    overdue = records.Sprint(
        "S8", "B1", "Sprint 8", "active", utc(2026, 10, 26, 13), utc(2026, 11, 2, 13), None
    )
    planned = records.Sprint(
        "S9", "B1", "Sprint 9", "future", utc(2026, 11, 2, 13), utc(2026, 11, 9, 13), None
    )
    started = records.WorkItem(
        "W-8", "W-8", "W-8", "story", "In Progress", "in_progress", "",
        utc(2026, 10, 20), utc(2026, 10, 20), None, story_points=5.0, sprint_ids=("S8",),
    )  # fmt: skip
    return [*rows, overdue, planned, started, done_item("D-9", "S9", 20.0, utc(2026, 11, 3))]


def test_sprint_state_decides_and_velocity_is_the_last_n_closed_sprints_whatever_the_window(
    team, settings
):
    integration = make_integration(team, kind="jira")
    ingest(integration, seven_closed_sprints_then_overdue_and_planned_ones())
    derived.refresh(integration)
    window = scope(team, since=date(2026, 11, 1), until=date(2026, 11, 9))

    (board,) = selectors.sprint_metrics(window)["boards"]

    # No sprint was closed in the window: S8 only passed its end date, S9 is planned.
    assert board["sprints"] == []
    active = board["active_sprint"]
    assert (active["name"], active["state"]) == ("Sprint 8", "active")
    assert (active["committed_points"], active["completed_points"]) == (5, 0)
    # The last 6 closed sprints (the default), in the order they were completed.
    velocity = board["velocity"]
    assert velocity["sprints"] == ["S2", "S3", "S5", "S6", "S7", "S4"]
    assert velocity["completed_points"] == [4, 6, 10, 12, 14, 8]
    assert velocity["mean"] == 9
    assert velocity["completed_items"] == [1, 2, 2, 1, 2, 1]
    assert velocity["mean_items"] == 1.5

    settings.AGILETRACK_VELOCITY_SPRINTS = 2
    (board,) = selectors.sprint_metrics(window)["boards"]
    assert board["velocity"]["sprints"] == ["S7", "S4"]
    assert (board["velocity"]["mean"], board["velocity"]["mean_items"]) == (11, 1.5)

    # A past window ending Oct 28 (New York): S4 completed in it; S8 was running at its end.
    (board,) = selectors.sprint_metrics(
        scope(team, since=date(2026, 10, 27), until=date(2026, 10, 28))
    )["boards"]
    assert [s["name"] for s in board["sprints"]] == ["Sprint 4"]
    assert board["velocity"]["sprints"] == ["S7", "S4"]
    assert board["active_sprint"]["name"] == "Sprint 8"


def test_pull_requests_and_deployments_are_read_from_the_integrations_that_bring_them(team):
    github = make_integration(team)
    jira = make_integration(team, "jira")
    merged = utc(2026, 11, 1, 15)
    ingest(
        github,
        [
            pull_request(1, created_at=utc(2026, 10, 30), merged_at=merged, closed_at=merged),
            deployment("release", utc(2026, 11, 1, 16)),
        ],
    )
    derived.refresh(github)
    window = scope(team)

    assert window.integration_ids == tuple(sorted((github.pk, jira.pk)))
    assert window.integrations_with(PULL_REQUESTS) == (github.pk,)
    assert window.integrations_with(DEPLOYMENTS) == (github.pk,)
    assert window.integrations_with(WORK_ITEMS) == (jira.pk,)
    # One integration named, so that PostgreSQL reads a list in an index's order (not sorted).
    rows = selectors.list_pull_requests(window, sort="-merged").rows
    assert f'"integration_id" IN ({github.pk})' in str(rows.query)
    assert [pr.number for pr in rows] == [1]
    deployments = delivery.list_deployments(window, "deployed")
    assert f'"integration_id" IN ({github.pk})' in str(deployments.query)
    assert [d.external_id for d in deployments] == ["release"]


def test_an_integration_whose_kind_is_no_longer_registered_keeps_its_pull_requests(
    team, monkeypatch
):
    github = make_integration(team)
    merged = utc(2026, 11, 1, 15)
    ingest(github, [pull_request(1, created_at=utc(2026, 10, 30), merged_at=merged)])
    registry.discover()
    monkeypatch.delitem(registry._PROVIDERS, "github")
    window = scope(team)

    assert window.integrations_with(PULL_REQUESTS) == (github.pk,)
    assert window.integrations_with(WORK_ITEMS) == (github.pk,)
    assert [pr.number for pr in selectors.list_pull_requests(window, sort="-merged").rows] == [1]
