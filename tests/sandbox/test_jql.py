"""The sandbox's JQL: what Jira Cloud accepts and the Jira provider sends, with Jira's refusals."""

from __future__ import annotations

import pytest

from sandbox.generate import generate
from sandbox.jql import JqlError, compile_jql, jql_time
from sandbox.model import JIRA_STATUSES, Scale
from sandbox.timefmt import parse_iso

NOW = parse_iso("2026-11-01T00:00:00Z")
DAY = 86400


@pytest.fixture(scope="module")
def org():
    return generate(7, Scale.named("small"), NOW)


def keys(org, jql: str) -> list[str]:
    tests, sort_keys = compile_jql(jql, org)
    issues = [i for i in org.jira_issues.values() if all(t(i) for t in tests)]
    for getter, desc in reversed(sort_keys):
        issues.sort(key=getter, reverse=desc)
    return [i.key for i in issues]


def by_hand(org, keep) -> set[str]:
    return {i.key for i in org.jira_issues.values() if keep(i)}


def test_a_parenthesised_group_and_a_date_as_a_resync_sends_them(org):
    board = next(iter(org.boards.values()))
    since = NOW - 30 * DAY
    jql = (
        f'(filter = {10000 + board.id} AND project in ("{board.project}")) '
        f'AND updated >= "2026-10-02 00:00" ORDER BY updated ASC, key ASC'
    )
    found = keys(org, jql)
    expected = by_hand(org, lambda i: i.project == board.project and i.updated >= since)
    assert expected, "the generated board has issues updated in the last 30 days"
    assert set(found) == expected
    updated = [org.jira_issues[k].updated for k in found]
    assert updated == sorted(updated)


def test_or_not_and_nested_groups_combine_as_jira_reads_them(org):
    first, second = sorted(org.projects)[:2]
    done = {sid for sid, status in JIRA_STATUSES.items() if status[2] == "done"}
    found = set(
        keys(
            org,
            f"(project = {first} OR project = {second}) AND NOT (statusCategory = Done)",
        )
    )
    assert found == by_hand(org, lambda i: i.project in (first, second) and i.status not in done)
    # AND binds tighter than OR.
    found = set(keys(org, f"project = {first} OR project = {second} AND statusCategory = Done"))
    assert found == by_hand(
        org, lambda i: i.project == first or (i.project == second and i.status in done)
    )


@pytest.mark.parametrize(
    ("value", "seconds_ago"),
    [("-3650d", 3650 * DAY), ("-4w", 28 * DAY), ("-12h", 12 * 3600), ('"-1w 2d"', 9 * DAY)],
)
def test_relative_dates_count_back_from_the_sandbox_clock(org, value, seconds_ago):
    found = set(keys(org, f"project = {sorted(org.projects)[0]} AND created >= {value}"))
    assert found == by_hand(
        org,
        lambda i: i.project == sorted(org.projects)[0] and i.created >= NOW - seconds_ago,
    )


def test_relative_and_absolute_date_values():
    assert jql_time("-3650d", NOW) == NOW - 3650 * DAY
    assert jql_time("+2h", NOW) == NOW + 7200
    assert jql_time("-1w 2d", NOW) == NOW - 9 * DAY
    assert jql_time("2026/10/01", NOW) == parse_iso("2026-10-01T00:00:00Z")
    assert jql_time("2026-10-01 13:05", NOW) == parse_iso("2026-10-01T13:05:00Z")
    assert jql_time("1790000000000", NOW) == 1790000000
    with pytest.raises(ValueError):
        jql_time("yesterday", NOW)


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("(project = PAY", "Error in the JQL Query: Expecting ')' before the end of the query."),
        ("created >= yesterday", "Date value 'yesterday' for field 'created' is invalid."),
        ("colour = red", "Field 'colour' does not exist or you do not have permission to view it."),
        ("ORDER BY created", "Unbounded JQL queries are not allowed here."),
        ("project = PAY ORDER BY colour", "Not able to sort using field 'colour'."),
        ("project = PAY project = WEB", "Expecting either 'OR' or 'AND' but got 'project'."),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
    ],
)
def test_queries_jira_refuses_are_refused_with_its_words(org, jql, message):
    with pytest.raises(JqlError) as refused:
        compile_jql(jql, org)
    assert message in str(refused.value)


def test_search_endpoint_answers_grouped_and_relative_queries(sandbox):
    key = sandbox.info["jira"]["project_keys"][0]
    board = sandbox.info["jira"]["boards"][0]["id"]
    grouped = sandbox.jira(
        "/rest/api/3/search/jql",
        "POST",
        json={"jql": f"(filter = {10000 + board}) AND created >= -3650d", "maxResults": 5},
    )
    assert grouped.status_code == 200, grouped.text
    assert grouped.json()["issues"]
    refused = sandbox.jira(
        "/rest/api/3/search/jql", "POST", json={"jql": f"(project = {key}", "maxResults": 5}
    )
    assert refused.status_code == 400
    assert refused.json()["errorMessages"] == [
        "Error in the JQL Query: Expecting ')' before the end of the query."
    ]
