"""Metrics of data synced from the sandbox, two ways.

1. The selectors (SQL aggregates over stored per-row values) give the same numbers as the pure
   functions of metrics.calculations applied to every row mapped into facts.
2. Those numbers agree with the sandbox generator itself: the organisation is generated again in
   this process from the sandbox's seed, scale and "now", and counted directly.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integrations import services, sync
from integrations.models import Integration, Team
from metrics import calculations as calc
from metrics import derived, selectors
from metrics.calculations._common import local_midnight, period_key
from metrics.calculations.sprints import in_sprint
from metrics.models import Incident, PullRequest, Sprint, WorkItem
from metrics.selectors.work_items import cumulative_flow, rollup_in_zone
from sandbox.generate import generate
from sandbox.model import JIRA_STATUSES, Scale
from sandbox.timefmt import DEFAULT_NOW, parse_iso
from tests.factories import TeamFactory
from tests.facts import every_item_with_its_history, sprint_scope_of, work_item_facts

pytestmark = pytest.mark.django_db

SANDBOX_NOW = datetime.fromtimestamp(parse_iso(DEFAULT_NOW), tz=UTC)


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.AGILETRACK_HTTP_OPTIONS = {"transient_backoff": 0.01, "read_timeout": 5}


def synced_team(box, time_zone: str) -> Team:
    """A team with the sandbox's GitHub repositories, first Jira board and Trello boards, each
    synced once."""
    team = TeamFactory(time_zone=time_zone)
    info = box.info
    created = [
        services.create_integration(
            team=team,
            kind="github",
            name="GitHub",
            config={
                "api_url": info["github"]["api_url"],
                "repositories": info["github"]["repositories"],
            },
            credentials={"token": info["github"]["token"]},
        ),
        services.create_integration(
            team=team,
            kind="jira",
            name="Jira",
            config={
                "site_url": info["jira"]["site_url"],
                "board_id": info["jira"]["boards"][0]["id"],
                "story_points_field": info["jira"]["story_points_field"],
            },
            credentials={"email": info["jira"]["email"], "api_token": info["jira"]["api_token"]},
        ),
        services.create_integration(
            team=team,
            kind="trello",
            name="Trello",
            config={
                "api_url": info["trello"]["api_url"],
                "board_ids": [b["id"] for b in info["trello"]["boards"]],
            },
            credentials={"key": info["trello"]["key"], "token": info["trello"]["token"]},
        ),
    ]
    for integration in created:
        # Run the initial sync that creating the integration queued, here and now.
        queued = integration.sync_runs.get(trigger="initial")
        run = sync.sync_integration(integration.pk, "initial", queued.pk).run
        assert run.status == "succeeded", run.error_message
    return team


@pytest.fixture
def team(sandbox) -> Team:
    return synced_team(sandbox, "Europe/Berlin")


def same_summary(got: dict, expected: calc.Summary) -> bool:
    for name, value in expected.__dict__.items():
        if value is None or got[name] is None:
            if value is not got[name]:
                return False
        elif got[name] != pytest.approx(value, rel=1e-9):
            return False
    return True


def all_deployment_facts(team: Team) -> list[calc.DeploymentFacts]:
    return [
        fact
        for integration in Integration.objects.filter(team=team)
        for fact in derived.deployment_facts(integration)
    ]


def all_pull_request_facts(team: Team) -> list[calc.PullRequestFacts]:
    rows = PullRequest.objects.filter(integration__team=team).prefetch_related(
        "reviews", "comments", "commits"
    )
    return derived.pull_request_facts(rows)


def all_work_item_facts(team: Team) -> list[calc.WorkItemFacts]:
    """The team's work items flow metrics count: epics (left out by default) aside."""
    rows = WorkItem.objects.filter(integration__team=team)
    return calc.flow_items(work_item_facts(rows), ["Epic"])


def windows(team: Team) -> list[selectors.MetricScope]:
    """The whole sandbox history, its last 30 days, and one week in the middle."""
    ends = SANDBOX_NOW.astimezone(ZoneInfo(team.time_zone)).date()
    return [
        selectors.metric_scope(team, since=since, until=until, now=SANDBOX_NOW)
        for since, until in [
            (ends - timedelta(days=130), ends),
            (ends - timedelta(days=29), ends),
            (ends - timedelta(days=60), ends - timedelta(days=54)),
        ]
    ]


def test_selectors_give_the_numbers_of_the_pure_functions_over_every_row(team):
    deployments = all_deployment_facts(team)
    prs = all_pull_request_facts(team)
    timings = calc.merged_pull_request_timings(prs, deployments)
    merged_at = {pr.id: pr.merged_at for pr in prs}
    incidents = [
        calc.IncidentFacts(str(i.pk), i.created_at, i.resolved_at, i.repository)
        for i in Incident.objects.filter(integration__team=team)
    ]
    items = all_work_item_facts(team)
    assert len(prs) > 300 and len(deployments) > 50 and incidents and len(items) > 200

    for scope in windows(team):
        start, end, tz = scope.start, scope.end, scope.tz
        dora = selectors.dora_metrics(scope)
        frequency = calc.deployment_frequency(deployments, start, end, tz)
        assert dora["deployment_frequency"]["deployments"] == frequency.deployments
        assert dora["deployment_frequency"]["deployment_days"] == frequency.deployment_days
        assert dora["deployment_frequency"]["band"] == frequency.band
        lead = calc.lead_time_for_changes(timings, start, end)
        assert same_summary(dora["lead_time_for_changes"]["summary"], lead.summary)
        failure = calc.change_failure_rate(deployments, incidents, start, end)
        assert (
            dora["change_failure_rate"]["deployments"],
            dora["change_failure_rate"]["failed"],
        ) == (
            failure.deployments,
            failure.failed,
        )
        restore = calc.time_to_restore(incidents, deployments, start, end)
        assert same_summary(dora["time_to_restore"]["summary"], restore.summary)
        assert same_summary(
            dora["time_to_restore"]["failed_deployment_recovery"],
            restore.failed_deployment_recovery,
        )

        pull_requests = selectors.pull_request_metrics(scope)
        in_window = [t for t in timings if calc.in_window(merged_at[t.pull_request_id], start, end)]
        for stage, expected in calc.summarize_timings(in_window).items():
            assert same_summary(pull_requests["stages"][stage], expected), stage
        assert same_summary(pull_requests["size"], calc.size_summary(prs, start, end))
        assert pull_requests["throughput"]["merged"] == sum(
            calc.pull_request_throughput(prs, start, end, tz).values()
        )
        load = calc.review_load(prs, start, end)
        assert {
            row["reviewer"]: (row["reviews"], row["pull_requests"])
            for row in pull_requests["review_load"]
        } == {name: (value.reviews, value.pull_requests) for name, value in load.items()}
        unreviewed = calc.merged_without_review(prs, start, end)
        assert pull_requests["merged_without_review"]["without_review"] == unreviewed.without_review
        ages = calc.open_pull_request_ages(prs, scope.moment)
        assert same_summary(pull_requests["open"]["age"], calc.summarize(ages.values()))

        work = selectors.work_item_metrics(scope)
        # One population for all three (issue 19): finished in the window, done at its end.
        done = [f for f in (calc.finish_in(i, start, end) for i in items) if f]
        assert same_summary(
            work["lead_time"], calc.summarize(calc.finish_lead_minutes(f) for f in done)
        )
        assert same_summary(
            work["cycle_time"], calc.summarize(calc.finish_cycle_minutes(f) for f in done)
        )
        assert work["throughput"]["done"] == len(done)
        flow = calc.cumulative_flow(items, start, end, tz)
        assert {
            row["day"]: {c: row[c] for c in calc.CATEGORIES} for row in work["cumulative_flow"]
        } == flow
        # The daily rollup answered; counting the rows themselves gives the same flow.
        assert rollup_in_zone(scope)
        assert cumulative_flow(scope, from_rows=True) == flow
        aging = calc.aging_work_in_progress(items, scope.now)
        assert same_summary(work["aging_wip"]["age"], calc.summarize(aging.values()))


def test_sprint_numbers_match_the_pure_functions_over_the_sprints_items(team):
    scope = windows(team)[0]
    boards = selectors.sprint_metrics(scope)["boards"]
    assert boards, "the Jira board has sprints"
    board = boards[0]
    integration_id = board["integration"]
    sprints = {s.external_id: s for s in Sprint.objects.filter(integration_id=integration_id)}
    items = every_item_with_its_history(integration_id)
    assert len(board["sprints"]) >= 3
    for reported in board["sprints"]:
        expected = sprint_scope_of(sprints[reported["id"]], items)
        assert reported["committed_points"] == expected.committed_points
        assert reported["completed_points"] == expected.completed_points
        assert reported["added_points"] == expected.added_points
        assert reported["removed_points"] == expected.removed_points
        assert reported["remaining_points"] == expected.remaining_points
    # Velocity: the board's last N closed sprints (by state) in the order they were completed.
    last_closed = sorted(
        (s for s in sprints.values() if s.state == "closed" and s.start_at is not None),
        key=lambda s: s.completed_at or s.end_at,
    )[-board["velocity"]["last"] :]
    assert board["velocity"]["sprints"] == [s.external_id for s in last_closed]
    assert board["velocity"]["completed_points"] == [
        sprint_scope_of(s, items).completed_points for s in last_closed
    ]
    assert board["velocity"]["completed_items"] == [
        len(sprint_scope_of(s, items).completed_ids) for s in last_closed
    ]
    assert any(s["committed_points"] > 0 for s in board["sprints"])


def test_every_sprints_burndown_is_its_daily_reading_of_the_items(team):
    """calc.burndown (histories sorted once, read by bisection) against the definition: each day,
    the points of the items in the sprint and not done, read with in_sprint, category_at and
    points_at."""
    jira = Integration.objects.get(team=team, kind="jira")
    items = every_item_with_its_history(jira.pk)
    tz = ZoneInfo(team.time_zone)
    started = Sprint.objects.filter(integration=jira, start_at__isnull=False, end_at__isnull=False)
    assert started.count() >= 3
    for row in started:
        sprint = calc.SprintFacts(
            id=row.external_id,
            start_at=row.start_at,
            end_at=row.end_at,
            completed_at=row.completed_at,
        )
        expected = {}
        for day in calc.local_days(sprint.start_at, sprint.closed_at, tz):
            day_end = local_midnight(day + timedelta(days=1), tz) - timedelta(microseconds=1)
            moment = min(day_end, sprint.closed_at)
            expected[day] = sum(
                calc.points_at(item, moment)
                for item in items
                if in_sprint(item, sprint.id, moment)
                and calc.category_at(item, moment) != calc.DONE
            )
        assert calc.burndown(sprint, items, tz) == expected, row.name
        assert any(expected.values()), row.name


def test_closed_sprints_are_read_from_their_scope_stored_at_close(team):
    scope = windows(team)[0]
    jira = Integration.objects.get(team=team, kind="jira")
    sprints = Sprint.objects.filter(integration=jira)
    # The sync stored every started sprint's scope; the sandbox's sprints have all closed since.
    assert not derived.unsettled_sprints(jira, timezone.now()).exists()
    stored = selectors.sprint_metrics(scope)
    reported = stored["boards"][0]["sprints"]
    assert len(reported) >= 3

    # Without stored scopes the same numbers are rebuilt from the items' history.
    sprints.update(scope_read_at=None, committed_points=None, completed_points=None)
    assert (
        derived.unsettled_sprints(jira, timezone.now()).count()
        == sprints.exclude(start_at=None).count()
    )
    assert selectors.sprint_metrics(scope) == stored

    # The next sync stores them again, though nothing changed on the board.
    outcome = sync.sync_integration(jira.pk, "manual")
    assert outcome is not None and outcome.run.status == "succeeded"
    assert not derived.unsettled_sprints(jira, timezone.now()).exists()
    assert selectors.sprint_metrics(scope) == stored

    # A closed sprint's numbers come from its row, not from its items.
    first = sprints.get(external_id=reported[0]["id"])
    sprints.filter(pk=first.pk).update(committed_points=12345.0)
    again = selectors.sprint_metrics(scope)["boards"][0]["sprints"]
    assert again[0]["committed_points"] == 12345.0
    assert again[1:] == reported[1:]


def test_metrics_agree_with_the_sandbox_generator(team, sandbox):
    info = sandbox.info
    org = generate(info["seed"], Scale(**info["scale"]), parse_iso(DEFAULT_NOW))
    scope = windows(team)[0]  # the whole generated history
    start, end = scope.start.timestamp(), scope.end.timestamp()

    def inside(moment: int | None) -> bool:
        return moment is not None and start <= moment < end

    repos = [org.repos[name.split("/")[1]] for name in info["github"]["repositories"]]
    successes = [
        d.statuses[-1].created_at
        for repo in repos
        for d in repo.deployments
        if d.statuses[-1].state == "success"
    ]
    human_merged = [
        p for repo in repos for p in repo.pulls.values() if p.merged_at and not p.author.is_bot
    ]
    incidents_resolved = [
        issue
        for repo in repos
        for issue in repo.issues.values()
        if "incident" in issue.labels and inside(issue.closed_at)
    ]
    report = selectors.team_metrics(scope)

    frequency = report["dora"]["deployment_frequency"]
    assert frequency["deployments"] == sum(1 for t in successes if inside(t))
    local_days = {datetime.fromtimestamp(t, tz=scope.tz).date() for t in successes if inside(t)}
    assert frequency["deployment_days"] == len(local_days)
    assert report["pull_requests"]["throughput"]["merged"] == sum(
        1 for p in human_merged if inside(p.merged_at)
    )
    assert report["dora"]["time_to_restore"]["summary"]["count"] == len(incidents_resolved)
    # The generator fails 15% of deployments and opens incidents after 70% of failures and 3%
    # of successes: the change failure rate sits between the failure share and about twice it.
    failed_share = sum(
        1 for repo in repos for d in repo.deployments if d.statuses[-1].state == "failure"
    ) / sum(1 for repo in repos for d in repo.deployments if len(d.statuses) > 1)
    rate = report["dora"]["change_failure_rate"]["rate"]
    assert failed_share <= rate <= 2 * failed_share + 0.05
    # Bots open about 8% of pull requests; none of them is counted anywhere.
    assert PullRequest.objects.filter(integration__team=team, author_is_bot=True).exists()
    reviewers = {row["reviewer"] for row in report["pull_requests"]["review_load"]}
    bots = {r.user.login for repo in repos for p in repo.pulls.values() for r in p.reviews}
    bots = {login for login in bots if login.endswith("[bot]")}
    assert bots, "the generator has review bots"
    assert not reviewers & bots

    board = org.boards[info["jira"]["boards"][0]["id"]]
    jira_done = [
        issue
        for issue in org.jira_issues.values()
        if issue.project == board.project and JIRA_STATUSES[issue.status][2] == "done"
    ]
    jira_items = WorkItem.objects.filter(integration__team=team, integration__kind="jira")
    assert jira_items.filter(status_category="done").count() == len(jira_done)


def test_windows_and_daily_buckets_follow_the_team_time_zone(sandbox):
    """The same data in two zones: a deployment at 23:30 UTC is on the next local day in
    Tokyo; window edges move with the zone."""
    team = synced_team(sandbox, "Asia/Tokyo")
    tokyo = ZoneInfo("Asia/Tokyo")
    scope = selectors.metric_scope(
        team, since=date(2026, 10, 1), until=date(2026, 10, 31), now=SANDBOX_NOW
    )
    assert scope.start == datetime(2026, 10, 1, tzinfo=tokyo)
    assert scope.end == datetime(2026, 11, 1, tzinfo=tokyo)
    series = selectors.timeseries(scope, "deployments", "day")
    assert series[0]["period"] == date(2026, 10, 1)
    assert len(series) == 31
    deployments = [
        d
        for d in all_deployment_facts(team)
        if d.is_production and d.succeeded and calc.in_window(d.at, scope.start, scope.end)
    ]
    per_local_day: dict[date, int] = {}
    for d in deployments:
        day = d.at.astimezone(tokyo).date()
        per_local_day[day] = per_local_day.get(day, 0) + 1
    assert {p["period"]: p["value"] for p in series if p["value"]} == per_local_day
    assert sum(p["value"] for p in series) == len(deployments)


def test_time_series_add_up_to_the_window_totals(team):
    scope = windows(team)[1]
    report = selectors.team_metrics(scope)
    totals = {
        "deployments": report["dora"]["deployment_frequency"]["deployments"],
        "pull_requests_merged": report["pull_requests"]["throughput"]["merged"],
        "work_items_done": report["work_items"]["throughput"]["done"],
        "pull_request_cycle_time": report["pull_requests"]["stages"]["cycle"]["count"],
        "work_item_cycle_time": report["work_items"]["cycle_time"]["count"],
        "lead_time_for_changes": report["dora"]["lead_time_for_changes"]["summary"]["count"],
    }
    for interval in selectors.INTERVALS:
        for metric in selectors.TIMESERIES:
            series = selectors.timeseries(scope, metric, interval)
            periods = [point["period"] for point in series]
            assert periods == sorted(set(periods)) and periods, (metric, interval)
            if metric in ("deployments", "pull_requests_merged", "work_items_done"):
                assert sum(p["value"] for p in series) == totals[metric], (metric, interval)
            elif metric in totals:
                assert sum(p["count"] for p in series) == totals[metric], (metric, interval)
    stages = selectors.timeseries(scope, "pull_request_stages", "week")
    assert any(point["review"] for point in stages)
    # Each week's stage medians: the median of that stage over the PRs merged that week.
    merged = PullRequest.objects.filter(
        integration__team=team,
        author_is_bot=False,
        merged_at__gte=scope.start,
        merged_at__lt=scope.end,
    )
    by_week: dict = {}
    for row in merged.values():
        week = period_key(row["merged_at"].astimezone(scope.tz).date(), "week")
        for stage in selectors.STAGES:
            if (minutes := row[f"{stage}_time_minutes"]) is not None:
                by_week.setdefault((week, stage), []).append(minutes)
    for point in stages:
        for stage in selectors.STAGES:
            expected = calc.median(by_week.get((point["period"], stage), []))
            assert point[stage] == pytest.approx(expected), (point["period"], stage)
    with pytest.raises(selectors.ScopeError):
        selectors.timeseries(scope, "no_such_metric", "week")
    with pytest.raises(selectors.ScopeError):
        selectors.timeseries(scope, "deployments", "fortnight")
