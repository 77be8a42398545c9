"""Hand-worked cases for the metric math in metrics.calculations (docs/metrics.md)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.calculations import (
    Band,
    DeploymentFacts,
    FieldChangeFacts,
    IncidentFacts,
    PullRequestFacts,
    ReviewFacts,
    SprintFacts,
    StatusChangeFacts,
    SuccessTimeline,
    WorkItemFacts,
    aging_work_in_progress,
    attribute_incidents,
    burndown,
    change_failure_rate,
    change_failure_rate_band,
    cumulative_flow,
    cycle_time_minutes,
    deployment_frequency,
    lead_time_band,
    lead_time_for_changes,
    lead_time_minutes,
    merged_pull_request_timings,
    merged_without_review,
    open_pull_request_ages,
    percentile,
    pull_request_size,
    pull_request_throughput,
    pull_request_timings,
    review_load,
    reviewed_before_merge,
    running_sprint,
    size_summary,
    span_minutes,
    sprint_scope,
    summarize,
    summarize_timings,
    time_to_restore,
    time_to_restore_band,
    velocity,
    velocity_of,
    work_in_progress,
    work_item_throughput,
)

BERLIN = ZoneInfo("Europe/Berlin")
CATEGORY_NAMES = ("todo", "in_progress", "done")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes)


def pr(pr_id: str = "1", **changes) -> PullRequestFacts:
    values: dict = {
        "id": pr_id,
        "author": "ana",
        "created_at": at(),
        "first_commit_at": at(hours=-2),
        "merged_at": at(hours=5),
        "merge_commit_sha": f"m{pr_id}",
    }
    values.update(changes)
    return PullRequestFacts(**values)


def review(reviewer: str, when: datetime, **changes) -> ReviewFacts:
    return ReviewFacts(reviewer=reviewer, submitted_at=when, id=f"{reviewer}@{when}", **changes)


# --- shared math -------------------------------------------------------------------------------


def test_percentiles_interpolate_linearly_between_ranks():
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3, 4], 90) == pytest.approx(3.7)
    assert percentile([10], 75) == 10
    assert percentile([], 50) is None
    summary = summarize([30, None, 10, 20])
    assert (summary.count, summary.median, summary.mean, summary.min, summary.max) == (
        3,
        20,
        20,
        10,
        30,
    )


def test_spans_round_up_to_whole_minutes_and_drop_negative_spans():
    assert span_minutes(at(), at(minutes=0.05)) == 1
    assert span_minutes(at(), at()) == 0
    assert span_minutes(at(hours=1), at()) is None
    assert span_minutes(None, at()) is None


def test_naive_datetimes_are_refused_rather_than_giving_wrong_spans():
    with pytest.raises(ValueError, match="timezone-aware"):
        span_minutes(datetime(2026, 1, 1), at())


def test_weekends_can_be_left_out_of_spans_in_the_team_time_zone():
    friday_5pm = datetime(2026, 3, 6, 17, 0, tzinfo=BERLIN)
    monday_9am = datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)
    assert span_minutes(friday_5pm, monday_9am) == 64 * 60
    assert span_minutes(friday_5pm, monday_9am, weekends_off_in=BERLIN) == 16 * 60


# --- pull requests -----------------------------------------------------------------------------


def test_pr_without_review_has_no_pickup_or_review_time_but_a_cycle_time():
    timings = pull_request_timings(pr())
    assert (timings.pickup_minutes, timings.review_minutes) == (None, None)
    assert timings.coding_minutes == 120
    assert timings.cycle_minutes == 120 + 300  # coding + open->merged, no deployment


def test_pickup_ignores_the_authors_own_comments_and_bot_reviews():
    reviews = (
        review("ana", at(minutes=1)),
        review("renovate[bot]", at(minutes=2), is_bot=True),
        review("bo", at(minutes=30), state="APPROVED"),
    )
    timings = pull_request_timings(pr(reviews=reviews))
    assert timings.first_review_id == reviews[2].id
    assert timings.pickup_minutes == 30
    assert timings.review_minutes == 270


def test_pickup_ends_at_a_conversation_comment_by_another_human_before_any_review():
    comments = (
        review("ana", at(minutes=5)),  # the author's own note
        review("codecov[bot]", at(minutes=8), is_bot=True),
        review("cy", at(minutes=40)),
    )
    reviews = (review("bo", at(hours=2), state="APPROVED"),)
    timings = pull_request_timings(pr(reviews=reviews, comments=comments))
    assert timings.first_review_id == comments[2].id
    assert timings.first_review_at == at(minutes=40)
    assert timings.pickup_minutes == 40
    assert timings.review_minutes == 300 - 40


def test_pickup_starts_when_a_draft_was_last_marked_ready_before_the_first_response():
    # Opened as a draft, ready after 3 h, back to draft, ready again at 4 h, reviewed at 4 h 30;
    # marked ready once more after the review, which does not move the start.
    ready = (at(hours=3), at(hours=4), at(hours=4, minutes=45))
    reviews = (review("bo", at(hours=4, minutes=30), state="APPROVED"),)
    timings = pull_request_timings(pr(reviews=reviews, ready_for_review_times=ready))
    assert timings.pickup_minutes == 30
    # The review span and cycle time still run from the response and the opening.
    assert timings.review_minutes == 30
    assert timings.cycle_minutes == 120 + 300


def test_a_comment_on_a_draft_before_it_was_ready_starts_pickup_at_the_opening():
    comments = (review("cy", at(hours=1)),)
    timings = pull_request_timings(pr(comments=comments, ready_for_review_times=(at(hours=2),)))
    assert timings.pickup_minutes == 60


def test_review_load_and_merged_without_review_count_reviews_not_comments():
    commented = pr("1", comments=(review("cy", at(minutes=10)),))
    reviewed = pr("2", reviews=(review("cy", at(minutes=20), state="COMMENTED"),))
    load = review_load([commented, reviewed], at(days=-1), at(days=1))
    assert {name: (v.reviews, v.pull_requests) for name, v in load.items()} == {"cy": (1, 1)}
    assert reviewed_before_merge(commented) is False
    assert merged_without_review([commented, reviewed], at(), at(days=1)).pull_request_ids == ("1",)


def test_deploy_time_comes_from_the_first_production_deployment_that_shipped_the_merge():
    staging = DeploymentFacts(
        "s", "success", at(hours=6), at(hours=6), is_production=False, shipped_shas=("m1",)
    )
    failed = DeploymentFacts("f", "failure", at(hours=7), at(hours=7), shipped_shas=("m1",))
    prod = DeploymentFacts("p", "success", at(hours=8), at(hours=9), shipped_shas=("m1", "m2"))
    later = DeploymentFacts("q", "success", at(hours=10), at(hours=11), shipped_shas=("m1",))
    [timings] = merged_pull_request_timings([pr()], [later, staging, failed, prod])
    assert timings.deployment_id == "p"
    assert timings.deploy_minutes == 4 * 60  # merged at +5h, deployment finished at +9h
    assert timings.cycle_minutes == 120 + 300 + 240


def test_bot_prs_and_open_prs_get_no_timings():
    prs = [pr("1"), pr("2", author_is_bot=True), pr("3", merged_at=None)]
    assert [t.pull_request_id for t in merged_pull_request_timings(prs)] == ["1"]


def test_stage_summaries_skip_missing_spans():
    timings = [
        pull_request_timings(pr("1", reviews=(review("bo", at(minutes=10)),))),
        pull_request_timings(pr("2", reviews=(review("bo", at(minutes=50)),))),
        pull_request_timings(pr("3")),
    ]
    stages = summarize_timings(timings)
    assert stages["pickup"].count == 2
    assert stages["pickup"].median == 30
    assert stages["cycle"].count == 3


def test_merged_without_review_counts_prs_no_other_human_reviewed_before_merge():
    prs = [
        pr("1", reviews=(review("bo", at(hours=1)),)),
        pr("2", reviews=(review("ana", at(hours=1)),)),  # self-review only
        pr("3", reviews=(review("bo", at(hours=6)),)),  # reviewed after the merge
        pr("4", reviews=(review("ci[bot]", at(hours=1), is_bot=True),)),
    ]
    result = merged_without_review(prs, at(), at(days=1))
    assert result.merged == 4
    assert result.pull_request_ids == ("2", "3", "4")
    assert result.rate == 0.75


def test_reviewed_before_merge_is_none_until_merged_and_ignores_pending_reviews():
    assert reviewed_before_merge(pr(merged_at=None, reviews=(review("bo", at(hours=1)),))) is None
    assert reviewed_before_merge(pr(reviews=(review("bo", at(hours=5)),))) is True  # at the merge
    assert reviewed_before_merge(pr(reviews=(review("bo", at(hours=1), state="PENDING"),))) is False
    assert reviewed_before_merge(pr(reviews=(review("bo", at(hours=1), state="pending"),))) is False
    assert reviewed_before_merge(pr(reviews=())) is False


def test_review_load_counts_reviews_and_distinct_prs_per_human_reviewer():
    prs = [
        pr("1", reviews=(review("bo", at(hours=1)), review("bo", at(hours=2)))),
        pr("2", reviews=(review("bo", at(hours=1)), review("cy", at(hours=1)))),
        pr("3", reviews=(review("ana", at(hours=1)), review("x[bot]", at(hours=1), is_bot=True))),
        pr("4", reviews=(review("cy", at(days=3)),)),  # outside the window
    ]
    load = review_load(prs, at(), at(days=1))
    assert {name: (v.reviews, v.pull_requests) for name, v in load.items()} == {
        "bo": (3, 2),
        "cy": (1, 1),
    }


def test_review_load_counts_a_reviewers_submitted_review_not_their_thread_replies():
    # bo approves, then answers three threads outside a review (COMMENTED, no body).
    replies = tuple(
        review("bo", at(hours=1, minutes=10 * k), state="COMMENTED", is_reply=True)
        for k in (1, 2, 3)
    )
    reviews = (review("bo", at(hours=1), state="APPROVED"), *replies)
    load = review_load([pr("1", reviews=reviews)], at(), at(days=1))
    assert {name: (v.reviews, v.pull_requests) for name, v in load.items()} == {"bo": (1, 1)}
    # Only replies: no review load at all.
    assert review_load([pr("2", reviews=replies)], at(), at(days=1)) == {}


def test_a_thread_reply_is_a_first_response_but_not_a_review_before_the_merge():
    reply = review("bo", at(minutes=40), state="COMMENTED", is_reply=True)
    replied = pr("1", reviews=(reply,))
    assert pull_request_timings(replied).pickup_minutes == 40
    assert reviewed_before_merge(replied) is False
    assert merged_without_review([replied], at(), at(days=1)).pull_request_ids == ("1",)
    # A COMMENTED review with a body is a submitted review.
    commented = pr("2", reviews=(replace(reply, is_reply=False),))
    assert reviewed_before_merge(commented) is True


def test_open_pr_age_leaves_out_drafts_closed_and_merged_prs():
    now = at(days=2)
    prs = [
        pr("open", merged_at=None),
        pr("draft", merged_at=None, is_draft=True),
        pr("closed", merged_at=None, closed_at=at(days=1)),
        pr("merged"),
        pr("future", merged_at=None, created_at=at(days=3)),
    ]
    assert open_pull_request_ages(prs, now) == {"open": 2 * 24 * 60}
    assert set(open_pull_request_ages(prs, now, include_drafts=True)) == {"open", "draft"}


def test_pr_size_and_throughput_per_local_week():
    prs = [
        pr("1", additions=10, deletions=5, merged_at=at(days=1)),
        pr("2", additions=100, deletions=0, merged_at=at(days=8)),
        pr("3", additions=None, deletions=None, merged_at=at(days=9)),
    ]
    assert pull_request_size(prs[0]) == 15
    assert size_summary(prs, at(), at(days=14)).median == 57.5
    end = datetime(2026, 3, 23, 0, 0, tzinfo=BERLIN)
    weekly = pull_request_throughput(prs, at(), end, BERLIN, "week")
    assert weekly == {date(2026, 3, 2): 1, date(2026, 3, 9): 2, date(2026, 3, 16): 0}


# --- DORA --------------------------------------------------------------------------------------


def deploy(dep_id: str, day: float, status: str = "success", **changes) -> DeploymentFacts:
    return DeploymentFacts(dep_id, status, at(days=day), at(days=day, minutes=10), **changes)


def test_deployment_frequency_per_day_week_and_in_deployment_days():
    # Two weeks (Mon 2 - Sun 15 March); three deployments on two days in week 1, one in week 2.
    deployments = [
        deploy("a", 0),
        deploy("b", 0, sha="no-pr"),  # a deployment without any PR still counts
        deploy("c", 2),
        deploy("d", 7),
        deploy("e", 8, status="failure"),
        deploy("f", 9, is_production=False),
    ]
    result = deployment_frequency(deployments, at(hours=-9), at(days=14, hours=-9), UTC)
    assert (result.deployments, result.deployment_days) == (4, 3)
    assert result.per_day == pytest.approx(4 / 14)
    assert result.per_week == pytest.approx(2.0)
    # Weeks of 2 and 1 deployment days: DevLake's lower median is 1 (not their mean, 1.5).
    assert result.median_deployment_days_per_week == 1
    assert result.band is Band.HIGH


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=-6, max_value=40),  # half-days to the finish: on the bounds too
            st.sampled_from(["success", "SUCCESS", "failure", "error", "in_progress"]),
            st.booleans(),  # production
            st.sampled_from([UTC, BERLIN]),  # the zone the time came in
        ),
        max_size=40,
    ),
    st.integers(min_value=-4, max_value=20),
    st.integers(min_value=1, max_value=24),
)
def test_deployment_frequency_from_the_timeline_equals_the_rows_read_one_by_one(
    rows, start, length
):
    deployments = [
        DeploymentFacts(
            f"d{i}", status, at(days=half / 2), at(days=half / 2).astimezone(zone),
            is_production=production,
        )
        for i, (half, status, production, zone) in enumerate(rows)
    ]  # fmt: skip
    since, until = at(days=start / 2), at(days=(start + length) / 2)
    timeline = SuccessTimeline.of(deployments)

    read = deployment_frequency(deployments, since, until, BERLIN, now=until)
    bisected = deployment_frequency(deployments, since, until, BERLIN, now=until, timeline=timeline)

    assert replace(bisected, deployment_ids=()) == replace(read, deployment_ids=())
    assert sorted(bisected.deployment_ids) == sorted(read.deployment_ids)


def test_deployment_frequency_band_thresholds():
    daily = [deploy(str(i), i) for i in range(28)]
    assert deployment_frequency(daily, at(hours=-9), at(days=28, hours=-9), UTC).band is Band.ELITE
    monthly = [deploy("x", 3)]
    result = deployment_frequency(monthly, at(hours=-9), at(days=28, hours=-9), UTC)
    assert result.band is Band.MEDIUM  # March: 1 deployment day in the month
    assert deployment_frequency([], at(), at(days=28), UTC).band is Band.LOW


def test_change_failure_rate_counts_failed_statuses_and_deployments_with_incidents():
    deployments = [deploy("a", 0), deploy("b", 1, status="failure"), deploy("c", 2), deploy("d", 5)]
    incidents = [
        IncidentFacts("i1", at(days=2, hours=3), at(days=2, hours=4)),  # 3h after c -> c
        IncidentFacts("i2", at(days=4), at(days=4, hours=1)),  # 2 days after c: outside 1 day
        IncidentFacts("i3", at(days=-3), at(days=-2)),  # before any deployment
    ]
    result = change_failure_rate(
        deployments, incidents, at(hours=-1), at(days=7), incident_window=timedelta(days=1)
    )
    assert (result.deployments, result.failed, result.failed_deployment_ids) == (4, 2, ("b", "c"))
    assert result.rate == 0.5
    assert result.band is Band.LOW
    # i2 opened in the window, its deployment too old: listed as unlinked; i3 opened before it.
    assert result.unlinked_incident_ids == ("i2",)
    unbounded = attribute_incidents(incidents, deployments)  # DevLake: latest prior, any age
    assert unbounded == {"i1": "c", "i2": "c", "i3": None}


def test_incident_without_deployment_still_counts_for_time_to_restore():
    incidents = [
        IncidentFacts("i1", at(days=1), at(days=1, minutes=30)),
        IncidentFacts("i2", at(days=2), at(days=2, hours=2)),
        IncidentFacts("open", at(days=3)),
    ]
    result = time_to_restore(incidents, [deploy("a", 0.5)], at(), at(days=7))
    assert result.summary.count == 2
    assert result.summary.median == 75
    assert result.band is Band.HIGH
    assert result.failed_deployment_recovery.count == 2
    no_deployments = time_to_restore(incidents, [], at(), at(days=7))
    assert no_deployments.summary.count == 2
    assert no_deployments.failed_deployment_recovery.count == 0


def test_lead_time_for_changes_uses_prs_deployed_in_the_window():
    prod = DeploymentFacts("p", "success", at(hours=8), at(hours=9), shipped_shas=("m1",))
    timings = merged_pull_request_timings([pr("1"), pr("2")], [prod])
    result = lead_time_for_changes(timings, at(), at(days=1))
    assert result.summary.count == 1  # PR 2 was never deployed
    assert result.summary.median == 660
    assert result.band is Band.ELITE


def test_dora_band_boundaries():
    assert lead_time_band(24 * 60 - 1) is Band.ELITE
    assert lead_time_band(24 * 60) is Band.HIGH
    assert lead_time_band(30 * 24 * 60) is Band.LOW
    assert change_failure_rate_band(0.05) is Band.ELITE
    assert change_failure_rate_band(0.15) is Band.MEDIUM
    assert change_failure_rate_band(0.151) is Band.LOW
    assert time_to_restore_band(59) is Band.ELITE
    assert time_to_restore_band(7 * 24 * 60) is Band.LOW


# --- work items --------------------------------------------------------------------------------


def move(when: datetime, from_category: str, to_category: str) -> StatusChangeFacts:
    return StatusChangeFacts(when, from_category, to_category)


def reopened_item() -> WorkItemFacts:
    return WorkItemFacts(
        id="REOPENED",
        created_at=at(),
        status_category="done",
        resolved_at=at(days=6),
        status_changes=(
            move(at(days=1), "todo", "in_progress"),
            move(at(days=3), "in_progress", "done"),
            move(at(days=4), "done", "in_progress"),  # re-opened
            move(at(days=6), "in_progress", "done"),
        ),
    )


def test_reopened_item_cycle_time_runs_from_first_start_to_last_done():
    assert cycle_time_minutes(reopened_item()) == 5 * 24 * 60
    assert lead_time_minutes(reopened_item()) == 6 * 24 * 60


def test_items_not_done_or_never_started_have_no_cycle_time():
    skipped = WorkItemFacts("SKIP", at(), "done", at(days=1), (move(at(days=1), "todo", "done"),))
    open_item = WorkItemFacts(
        "OPEN", at(), "in_progress", None, (move(at(1), "todo", "in_progress"),)
    )
    assert cycle_time_minutes(skipped) is None
    assert cycle_time_minutes(open_item) is None
    assert lead_time_minutes(open_item) is None


def test_wip_and_aging_read_the_history_at_the_given_moment():
    items = [reopened_item(), WorkItemFacts("NEW", at(days=2), "todo")]
    assert work_in_progress(items, at(days=2)) == ["REOPENED"]
    assert work_in_progress(items, at(days=3, hours=12)) == []
    assert aging_work_in_progress(items, at(days=5)) == {"REOPENED": 4 * 24 * 60}


def test_throughput_counts_an_item_once_at_its_last_done():
    weekly = work_item_throughput([reopened_item()], at(), at(days=14), UTC, "week")
    assert weekly == {date(2026, 3, 2): 1, date(2026, 3, 9): 0, date(2026, 3, 16): 0}
    daily = work_item_throughput([reopened_item()], at(), at(days=7), UTC, "day")
    assert daily[date(2026, 3, 8)] == 1  # the re-done day, not the first done (5 March)
    assert daily[date(2026, 3, 5)] == 0
    assert sum(daily.values()) == 1


def test_cumulative_flow_buckets_by_local_day_across_a_dst_change():
    # Berlin springs forward on Sunday 29 March 2026: that day has 23 hours.
    start = datetime(2026, 3, 28, 0, 0, tzinfo=BERLIN)
    end = datetime(2026, 3, 31, 0, 0, tzinfo=BERLIN)
    late_sunday_utc = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # 00:30 Monday in Berlin
    item = WorkItemFacts(
        "DST",
        datetime(2026, 3, 27, 12, 0, tzinfo=UTC),
        "in_progress",
        status_changes=(move(late_sunday_utc, "todo", "in_progress"),),
    )
    flow = cumulative_flow([item], start, end, BERLIN)
    assert list(flow) == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    # A 24-hour step from Saturday's midnight would end "Sunday" at 23:00 UTC and count the
    # move on Sunday; on the Berlin wall clock it happened on Monday.
    assert flow[date(2026, 3, 29)] == {"todo": 1, "in_progress": 0, "done": 0}
    assert flow[date(2026, 3, 30)] == {"todo": 0, "in_progress": 1, "done": 0}


def test_cumulative_flow_leaves_out_items_not_yet_created():
    flow = cumulative_flow([reopened_item()], at(days=-2), at(days=7), UTC)
    assert sum(flow[date(2026, 2, 28)].values()) == 0
    assert flow[date(2026, 3, 4)]["in_progress"] == 1
    assert flow[date(2026, 3, 5)]["done"] == 1
    assert flow[date(2026, 3, 6)]["in_progress"] == 1  # re-opened
    assert flow[date(2026, 3, 8)]["done"] == 1


# --- sprints -----------------------------------------------------------------------------------


SPRINT = SprintFacts("s1", at(), at(days=10), completed_at=at(days=10), name="Sprint 1")


def sprint_item(item_id: str, points: float, *, done_day: float | None = None, **changes):
    values: dict = {
        "id": item_id,
        "created_at": at(days=-5),
        "status_category": "done" if done_day is not None else "in_progress",
        "story_points": points,
        "sprint_ids": ("s1",),
        "status_changes": (
            (move(at(days=done_day), "in_progress", "done"),) if done_day is not None else ()
        ),
    }
    values.update(changes)
    return WorkItemFacts(**values)


def scope_change_items() -> list[WorkItemFacts]:
    return [
        sprint_item("A", 3, done_day=2),  # committed and done
        sprint_item(  # committed, removed on day 4 (into sprint s2)
            "B",
            5,
            sprint_ids=("s2",),
            sprint_changes=(FieldChangeFacts(at(days=4), "s1", "s2"),),
        ),
        sprint_item(  # added on day 3, done on day 6
            "C",
            2,
            done_day=6,
            sprint_changes=(FieldChangeFacts(at(days=3), "", "s1"),),
        ),
        sprint_item(  # committed at 3 points, re-estimated to 8 on day 5, done on day 8
            "D",
            8,
            done_day=8,
            points_changes=(FieldChangeFacts(at(days=5), "3", "8"),),
        ),
        sprint_item("E", 1),  # committed, not done
        sprint_item("F", 13, sprint_ids=("s0",)),  # never in this sprint
    ]


def test_sprint_scope_tracks_committed_added_removed_and_completed_points():
    scope = sprint_scope(SPRINT, scope_change_items())
    assert scope.committed_ids == ("A", "B", "D", "E")
    assert scope.committed_points == 3 + 5 + 3 + 1  # D counted at its estimate at the start
    assert (scope.added_ids, scope.added_points) == (("C",), 2)
    assert (scope.removed_ids, scope.removed_points) == (("B",), 5)
    assert scope.completed_ids == ("A", "C", "D")
    assert scope.completed_points == 3 + 2 + 8  # D counted at its estimate at close
    assert scope.remaining_points == 1


def test_burndown_steps_with_scope_changes_and_completions():
    series = burndown(SPRINT, scope_change_items(), UTC)
    assert series[date(2026, 3, 2)] == 12  # A3 + B5 + D3 + E1
    assert series[date(2026, 3, 4)] == 9  # A done on day 2
    assert series[date(2026, 3, 5)] == 11  # C added on day 3
    assert series[date(2026, 3, 6)] == 6  # B removed on day 4
    assert series[date(2026, 3, 7)] == 11  # D re-estimated 3 -> 8 on day 5
    assert series[date(2026, 3, 8)] == 9  # C done on day 6
    assert series[date(2026, 3, 12)] == 1  # only E left at close
    assert len(series) == 11


def test_velocity_averages_completed_points_of_the_last_n_closed_sprints():
    sprints = [
        SprintFacts("old", at(days=-30), at(days=-20), at(days=-20)),
        SPRINT,
        SprintFacts("future", at(days=20), at(days=30)),
    ]
    old_item = sprint_item(
        "OLD",
        7,
        created_at=at(days=-40),
        sprint_ids=("old",),
        status_changes=(move(at(days=-25), "in_progress", "done"),),
        status_category="done",
    )
    items = [*scope_change_items(), old_item]
    result = velocity(sprints, items, now=at(days=11), last=2)
    assert result.sprint_ids == ("old", "s1")
    assert result.completed_points == (7, 13)
    assert result.mean == 10
    assert result.completed_items == (1, 3)  # OLD; A, C and D
    assert result.mean_items == 2
    assert velocity(sprints, items, now=at(days=11), last=1).sprint_ids == ("s1",)


def overdue_and_planned_sprints() -> list[SprintFacts]:
    """Three closed sprints (b completed late, after c), an active one past its end date and a
    future one whose planned dates have passed; read at day 0."""
    return [
        SprintFacts("a", at(days=-30), at(days=-20), at(days=-19), state="closed"),
        SprintFacts("b", at(days=-20), at(days=-10), at(days=-1), state="closed"),
        SprintFacts("c", at(days=-15), at(days=-8), at(days=-6), state="closed"),
        SprintFacts("overdue", at(days=-14), at(days=-2), state="active"),
        SprintFacts("planned", at(days=-20), at(days=-3), state="future"),
    ]


def test_velocity_counts_closed_sprints_by_state_in_order_of_their_complete_date():
    points = {"a": 5, "b": 8, "c": 3, "overdue": 13, "planned": 21}
    items = {"a": 2, "b": 4, "c": 1, "overdue": 6, "planned": 9}
    result = velocity_of(overdue_and_planned_sprints(), points, items, now=at(), last=6)
    # Neither the active sprint past its end nor the future one with past dates counts.
    assert result.sprint_ids == ("a", "c", "b")
    assert result.completed_points == (5, 3, 8)
    assert result.mean == 16 / 3
    assert result.completed_items == (2, 1, 4)
    assert result.mean_items == 7 / 3
    last_two = velocity_of(overdue_and_planned_sprints(), points, items, now=at(), last=2)
    assert last_two.sprint_ids == ("c", "b")
    assert (last_two.mean, last_two.mean_items) == (5.5, 2.5)


def test_the_running_sprint_is_read_from_its_state_not_its_planned_dates():
    sprints = overdue_and_planned_sprints()
    # Now: the active sprint, although its end date passed two days ago; never the future one.
    assert running_sprint(sprints, at()).id == "overdue"
    assert running_sprint([s for s in sprints if s.id != "overdue"], at()) is None
    # In the past, a closed sprint ran from its start to its completion; with parallel sprints
    # the one started last. The future sprint "started" at day -20 on paper, and never ran.
    assert running_sprint(sprints, at(days=-4)).id == "overdue"  # b was open too
    assert running_sprint(sprints, at(days=-14.5)).id == "c"  # b was open too
    assert running_sprint(sprints, at(days=-16)).id == "b"
    assert running_sprint(sprints, at(days=-25)).id == "a"


# --- properties --------------------------------------------------------------------------------

offsets = st.floats(min_value=-20_000, max_value=20_000, allow_nan=False)
moments = offsets.map(lambda m: at(minutes=m))
people = st.sampled_from(["ana", "bo", "cy", "dee"])


@st.composite
def human_prs(draw, pr_id: str) -> PullRequestFacts:
    merged = draw(st.none() | moments)
    return PullRequestFacts(
        id=pr_id,
        author=draw(people),
        created_at=draw(moments),
        merged_at=merged,
        first_commit_at=draw(st.none() | moments),
        merge_commit_sha=f"m{pr_id}",
        reviews=tuple(
            ReviewFacts(reviewer=draw(people), submitted_at=draw(moments), id=f"{pr_id}-{i}")
            for i in range(draw(st.integers(0, 3)))
        ),
    )


@st.composite
def pr_sets(draw) -> list[PullRequestFacts]:
    return [draw(human_prs(str(i))) for i in range(draw(st.integers(0, 6)))]


@st.composite
def deployment_sets(draw) -> list[DeploymentFacts]:
    result = []
    for i in range(draw(st.integers(0, 4))):
        created = draw(moments)
        result.append(
            DeploymentFacts(
                f"d{i}",
                draw(st.sampled_from(["success", "failure"])),
                created,
                created + timedelta(minutes=draw(st.floats(0, 120))),
                shipped_shas=tuple(draw(st.lists(st.sampled_from(["m0", "m1", "m2"])))),
            )
        )
    return result


@given(pr_sets(), deployment_sets(), st.booleans())
@settings(max_examples=150, deadline=None)
def test_property_pull_request_spans_are_never_negative(prs, deployments, weekends_off):
    tz = BERLIN if weekends_off else None
    for timings in merged_pull_request_timings(prs, deployments, weekends_off_in=tz):
        for stage in ("coding", "pickup", "review", "deploy", "cycle"):
            value = getattr(timings, f"{stage}_minutes")
            assert value is None or value >= 0


@given(st.lists(st.tuples(st.sampled_from(CATEGORY_NAMES), offsets), max_size=6), offsets)
@settings(max_examples=150, deadline=None)
def test_property_work_item_times_are_never_negative(moves, now_offset):
    changes = []
    previous = "todo"
    for category, offset in sorted(moves, key=lambda m: m[1]):
        changes.append(move(at(minutes=offset), previous, category))
        previous = category
    item = WorkItemFacts("X", at(minutes=-30_000), previous, status_changes=tuple(changes))
    cycle = cycle_time_minutes(item)
    assert cycle is None or cycle >= 0
    assert all(age >= 0 for age in aging_work_in_progress([item], at(minutes=now_offset)).values())


@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=40))
def test_property_median_and_percentiles_stay_inside_min_and_max(values):
    summary = summarize(values)
    assert summary.min is not None and summary.max is not None
    assert summary.median is not None and summary.p75 is not None and summary.p90 is not None
    assert summary.min <= summary.median <= summary.p75 <= summary.p90 <= summary.max


@given(pr_sets(), st.lists(moments, max_size=4), deployment_sets())
@settings(max_examples=150, deadline=None)
def test_property_bots_are_never_counted(prs, bot_times, deployments):
    bot_prs = [
        PullRequestFacts(f"bot{i}", "renovate[bot]", t, merged_at=t, author_is_bot=True)
        for i, t in enumerate(bot_times)
    ]
    with_bots = [
        replace(p, reviews=(*p.reviews, *(review("ci[bot]", t, is_bot=True) for t in bot_times)))
        for p in prs
    ] + bot_prs
    start, end = at(days=-30), at(days=30)

    assert merged_pull_request_timings(with_bots, deployments) == merged_pull_request_timings(
        prs, deployments
    )
    assert review_load(with_bots, start, end) == review_load(prs, start, end)
    assert "ci[bot]" not in review_load(with_bots, start, end)
    assert merged_without_review(with_bots, start, end) == merged_without_review(prs, start, end)
    assert pull_request_throughput(with_bots, start, end, UTC) == pull_request_throughput(
        prs, start, end, UTC
    )
    assert open_pull_request_ages(with_bots, at()) == open_pull_request_ages(prs, at())
