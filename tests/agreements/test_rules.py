"""Each metric a working agreement can use, read over the hand-worked data of conftest.py, and
the weekly back-test (values worked out by hand in the conftest's table)."""

from datetime import date

import pytest

from agreements import evaluation, rules
from agreements.models import WorkingAgreement
from tests.agreements.conftest import NOW, utc

pytestmark = pytest.mark.django_db

WEEKS = (date(2026, 11, 2), date(2026, 11, 22))


def agreement(team, metric, operator, threshold, window_days=7):
    return WorkingAgreement.objects.create(
        team=team,
        name=metric,
        metric=metric,
        operator=operator,
        threshold=threshold,
        window_days=window_days,
    )


def weeks(found):
    return [(p.start, p.end, p.value, p.breached) for p in found]


def starts():
    return [utc(2026, 11, 2), utc(2026, 11, 9), utc(2026, 11, 16), utc(2026, 11, 23)]


def expected(values, breached):
    edges = starts()
    return [(edges[i], edges[i + 1], values[i], breached[i]) for i in range(3)]


def test_every_metric_has_a_unit_a_kind_and_a_reader():
    for spec in rules.METRICS.values():
        assert spec.unit in rules.UNITS
        readers = rules.ITEM_READERS if spec.kind == rules.ITEM else rules.WINDOW_READERS
        assert spec.name in readers
    assert {"first_review_hours", "pr_size_lines", "pr_open_days", "item_in_progress_days"} <= {
        name for name, spec in rules.METRICS.items() if spec.kind == rules.ITEM
    }


def test_first_review_within_24_hours_counts_answered_and_still_waiting_pull_requests(team):
    rule = agreement(team, "first_review_hours", "<=", 24)
    found = evaluation.backtest(rule, *WEEKS, now=NOW)
    # #4 (opened Nov 6 12:00, never answered) waits 60 h at the first week's end, 228 h at the
    # second's and 396 h at the third's; #2's 4 h pickup keeps to the rule.
    assert weeks(found) == expected([2.0, 1.0, 2.0], [True, True, True])
    first, second, third = (period.items for period in found)
    # The breaking items, longest first.
    assert [(i.label, i.value) for i in first] == [
        ("acme/web#4 Change 4", 60.0),
        ("acme/web#1 Change 1", 30.0),
    ]
    assert first[1].url == "https://github.example/acme/web/pull/1"
    assert [(i.label, i.value) for i in second] == [("acme/web#4 Change 4", 228.0)]
    assert [(i.label, i.value) for i in third] == [
        ("acme/web#4 Change 4", 396.0),
        ("acme/web#3 Change 3", 48.0),
    ]


def test_pr_size_at_most_400_lines_breaks_in_the_second_week_only(team):
    rule = agreement(team, "pr_size_lines", "<=", 400)
    found = evaluation.backtest(rule, *WEEKS, now=NOW)
    # The bot's 5,000-line pull request of that week is left out, as every PR metric does.
    assert weeks(found) == expected([0.0, 1.0, 0.0], [False, True, False])
    assert [(i.label, i.value) for i in found[1].items] == [("acme/web#2 Change 2", 600.0)]


def test_no_pr_open_over_7_days_reads_the_open_prs_at_each_weeks_end(team):
    rule = agreement(team, "pr_open_days", "<=", 7)
    found = evaluation.backtest(rule, *WEEKS, now=NOW)
    assert weeks(found) == expected([0.0, 1.0, 1.0], [False, True, True])
    assert [i.value for i in found[1].items] == [9.5]
    assert [i.value for i in found[2].items] == [16.5]  # the draft #5 never counts


def test_no_item_in_progress_over_10_days_reads_the_flow_at_each_weeks_end(team):
    rule = agreement(team, "item_in_progress_days", "<=", 10)
    found = evaluation.backtest(rule, *WEEKS, now=NOW)
    assert weeks(found) == expected([0.0, 1.0, 1.0], [False, True, True])
    assert [(i.label, i.value) for i in found[1].items] == [("B Item B", 10.5)]
    assert found[1].items[0].url == "https://jira.example/browse/B"
    at_most_5 = agreement(team, "item_in_progress_days", "<=", 5)
    first = evaluation.backtest(at_most_5, *WEEKS, now=NOW)[0]
    assert [(i.label, i.value) for i in first.items] == [("A Item A", 7.0)]


def test_change_failure_rate_over_the_last_7_days(team):
    rule = agreement(team, "change_failure_rate", "<=", 15, window_days=7)
    found = evaluation.backtest(rule, *WEEKS, now=NOW)
    # 1 failed of 3; 0 of 1; no deployment in the last week: no value, no breach.
    assert weeks(found)[0][2] == pytest.approx(100 / 3)
    assert weeks(found) == expected([pytest.approx(100 / 3), 0.0, None], [True, False, False])


def test_deployment_frequency_at_least_daily(team):
    rule = agreement(team, "deployment_frequency", ">=", 1, window_days=7)
    found = evaluation.backtest(rule, *WEEKS, now=NOW)
    values = [pytest.approx(2 / 7), pytest.approx(1 / 7), 0.0]
    assert weeks(found) == expected(values, [True, True, True])
    # Over 21 days ending 11-16: 3 successes, per day of the window from its first day of
    # data (11-01, the draft's creation): 3 / 15.
    wide = agreement(team, "deployment_frequency", ">=", 0.1, window_days=21)
    assert evaluation.backtest(wide, *WEEKS, now=NOW)[1].value == pytest.approx(3 / 15)


def test_wip_at_most_1_at_each_windows_end(team):
    rule = agreement(team, "wip", "<=", 1)
    found = evaluation.backtest(rule, *WEEKS, now=NOW)
    assert weeks(found) == expected([2.0, 1.0, 1.0], [True, False, False])


def test_median_cycle_times_over_the_window(team):
    items = agreement(team, "item_cycle_time_days", "<=", 10, window_days=30)
    assert evaluation.backtest(items, *WEEKS, now=NOW)[1].value == 11.0  # A: 11-02 to 11-13
    prs = agreement(team, "pr_cycle_time_hours", "<=", 24, window_days=7)
    # Not deployed, no first commit: merged - created. #1: 49 h; #2: 24 h; #3: 52 h.
    assert [p.value for p in evaluation.backtest(prs, *WEEKS, now=NOW)] == [49.0, 24.0, 52.0]


def test_backtest_and_live_evaluation_agree_at_each_weeks_end(team):
    for metric, operator, threshold in [
        ("first_review_hours", "<=", 24),
        ("pr_open_days", "<=", 7),
        ("item_in_progress_days", "<=", 10),
        ("change_failure_rate", "<=", 15),
        ("wip", "<=", 1),
    ]:
        rule = agreement(team, metric, operator, threshold)
        for period in evaluation.backtest(rule, *WEEKS, now=NOW):
            assert evaluation.evaluate_now(rule, now=period.end) == period, (metric, period.end)


def test_the_current_week_is_read_up_to_now(team):
    rule = agreement(team, "pr_open_days", "<=", 4)
    now = utc(2026, 11, 11, 12)
    found = evaluation.backtest(rule, date(2026, 11, 2), date(2026, 11, 22), now=now)
    assert [p.end for p in found] == [utc(2026, 11, 9), now]
    assert found[1].value == 1.0 and found[1].items[0].value == 5.0  # #4: 11-06 12:00 to now


def test_weeks_start_on_monday_midnight_in_the_teams_time_zone(team):
    team.time_zone = "Europe/Berlin"  # UTC+1 in November
    team.save()
    rule = agreement(team, "pr_open_days", "<=", 7)
    found = evaluation.backtest(rule, *WEEKS, now=NOW)
    assert [p.start for p in found] == [
        utc(2026, 11, 1, 23),
        utc(2026, 11, 8, 23),
        utc(2026, 11, 15, 23),
    ]
    # #4 at 11-15 23:00 UTC: 9 days 11 hours open (9.458...; items are listed to 2 places).
    assert found[1].items[0].value == 9.46


def test_an_unsaved_rule_can_be_backtested_before_saving(team):
    rule = WorkingAgreement(team=team, metric="pr_size_lines", operator="<=", threshold=400)
    found = evaluation.backtest(rule, *WEEKS, now=NOW)
    assert [p.breached for p in found] == [False, True, False]
    assert not WorkingAgreement.objects.exists()
