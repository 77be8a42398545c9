"""Jira Cloud platform + Agile endpoints as the Jira provider sees them."""

from __future__ import annotations

import re

from .paths import OPENAPI, validate_response, validate_schema

PLATFORM = str(OPENAPI / "jira-platform.json")
SOFTWARE = str(OPENAPI / "jira-software.json")
# Known quirk 7 of ../shared/openapi: ChangeDetails.from/to are non-nullable in the spec but null
# in practice (e.g. a resolution being set); nothing else may fail.
CHANGE_DETAIL_NULL = re.compile(
    r"\.items\[\d+\]\.(from|to|fromString|toString): None is not of type 'string'"
)


def _errors(spec, method, template, body):
    errors = validate_response(spec, method, template, body, allow_extra=True)
    return [e for e in errors if not CHANGE_DETAIL_NULL.search(e)]


def _search_all(sandbox, jql: str, page_size: int, **extra) -> tuple[list, int]:
    issues, token, pages = [], None, 0
    while True:
        body = {"jql": jql, "maxResults": page_size, **extra}
        if token:
            body["nextPageToken"] = token
        page = sandbox.jira("/rest/api/3/search/jql", "POST", json=body).json()
        issues += page["issues"]
        pages += 1
        if page["isLast"]:
            assert "nextPageToken" not in page
            return issues, pages
        token = page["nextPageToken"]


def test_every_jira_endpoint_validates_against_the_openapi_descriptions(sandbox):
    key = sandbox.info["jira"]["project_keys"][0]
    board = sandbox.info["jira"]["boards"][0]["id"]
    checks = [
        (PLATFORM, "GET", "/rest/api/3/myself", "/rest/api/3/myself", None),
        (PLATFORM, "GET", "/rest/api/3/serverInfo", "/rest/api/3/serverInfo", None),
        (PLATFORM, "GET", "/rest/api/3/field", "/rest/api/3/field", None),
        (PLATFORM, "GET", "/rest/api/3/status", "/rest/api/3/status", None),
        (
            PLATFORM,
            "GET",
            f"/rest/api/3/search/jql?jql=project={key}&fields=*all&expand=changelog",
            "/rest/api/3/search/jql",
            None,
        ),
        (
            PLATFORM,
            "POST",
            "/rest/api/3/search/jql",
            "/rest/api/3/search/jql",
            {
                "jql": f"project = {key}",
                "fields": ["summary", "status", "customfield_10016"],
                "maxResults": 10,
            },
        ),
        (
            PLATFORM,
            "POST",
            "/rest/api/3/search/approximate-count",
            "/rest/api/3/search/approximate-count",
            {"jql": f"project = {key}"},
        ),
        (PLATFORM, "GET", f"/rest/api/3/issue/{key}-2", "/rest/api/3/issue/{issueIdOrKey}", None),
        (
            PLATFORM,
            "GET",
            f"/rest/api/3/issue/{key}-2/changelog",
            "/rest/api/3/issue/{issueIdOrKey}/changelog",
            None,
        ),
        (
            PLATFORM,
            "POST",
            "/rest/api/3/changelog/bulkfetch",
            "/rest/api/3/changelog/bulkfetch",
            {"issueIdsOrKeys": [f"{key}-1", f"{key}-2", f"{key}-3"], "fieldIds": ["status"]},
        ),
        (SOFTWARE, "GET", "/rest/agile/1.0/board", "/rest/agile/1.0/board", None),
        (
            SOFTWARE,
            "GET",
            f"/rest/agile/1.0/board/{board}",
            "/rest/agile/1.0/board/{boardId}",
            None,
        ),
        (
            SOFTWARE,
            "GET",
            f"/rest/agile/1.0/board/{board}/configuration",
            "/rest/agile/1.0/board/{boardId}/configuration",
            None,
        ),
        (
            SOFTWARE,
            "GET",
            f"/rest/agile/1.0/board/{board}/issue",
            "/rest/agile/1.0/board/{boardId}/issue",
            None,
        ),
    ]
    for spec, method, path, template, body in checks:
        response = sandbox.jira(path, method, json=body)
        assert response.status_code == 200, (path, response.text[:200])
        assert _errors(spec, method, template, response.json()) == [], path


def test_agile_sprint_issue_pages_match_the_board_issue_schema(sandbox):
    # The spec has no schema for the sprint endpoints (quirk 9); they share SearchResults' shape.
    board = sandbox.info["jira"]["boards"][0]["id"]
    sprint = sandbox.jira(f"/rest/agile/1.0/board/{board}/sprint").json()["values"][0]["id"]
    for path in (
        f"/rest/agile/1.0/sprint/{sprint}/issue",
        f"/rest/agile/1.0/board/{board}/sprint/{sprint}/issue",
    ):
        body = sandbox.jira(path).json()
        assert body["total"] > 0 and body["issues"]
        assert _errors(SOFTWARE, "GET", "/rest/agile/1.0/board/{boardId}/issue", body) == []
        assert all(
            sprint in [s["id"] for s in i["fields"]["customfield_10020"]] for i in body["issues"]
        )


def test_removed_search_answers_410_with_atlassians_body(sandbox):
    for method in ("GET", "POST"):
        response = sandbox.jira("/rest/api/3/search", method, params={"jql": "project = PAY"})
        assert response.status_code == 410
        assert response.json()["errorMessages"][0].startswith("The requested API has been removed.")
        assert validate_schema(PLATFORM, "ErrorCollection", response.json()) == []


def test_bad_basic_auth_is_401(sandbox):
    response = sandbox.get("/rest/api/3/myself", auth=(sandbox.info["jira"]["email"], "wrong"))
    assert response.status_code == 401
    assert response.json()["errorMessages"]


def test_search_pages_by_token_and_returns_each_issue_once(sandbox):
    key = sandbox.info["jira"]["project_keys"][0]
    issues, pages = _search_all(sandbox, f"project = {key} ORDER BY created ASC", 17)
    keys = [i["key"] for i in issues]
    assert pages > 2 and len(keys) == len(set(keys))
    count = sandbox.jira(
        "/rest/api/3/search/approximate-count", "POST", json={"jql": f"project = {key}"}
    ).json()
    assert len(keys) == count["count"]
    assert set(issues[0]) == {"expand", "id", "self", "key"}  # `fields` defaults to id only


def test_unbounded_or_unknown_jql_is_a_400(sandbox):
    for jql in ("order by key desc", "colour = blue"):
        response = sandbox.jira("/rest/api/3/search/jql", params={"jql": jql})
        assert response.status_code == 400
        assert response.json()["errorMessages"]


def test_updated_since_jql_selects_recent_issues(sandbox):
    key = sandbox.info["jira"]["project_keys"][0]
    recent, _ = _search_all(
        sandbox, f"project = {key} AND updated >= '2026/10/15 00:00'", 100, fields=["updated"]
    )
    everything, _ = _search_all(sandbox, f"project = {key}", 100, fields=["updated"])
    assert 0 < len(recent) < len(everything)
    assert all(i["fields"]["updated"] >= "2026-10-15T00:00" for i in recent)


def test_search_changelog_is_truncated_and_full_history_is_paged_oldest_first(sandbox):
    key = sandbox.info["jira"]["project_keys"][0]
    issues, _ = _search_all(sandbox, f"project = {key}", 100, expand="changelog", fields=["status"])
    truncated = [i for i in issues if i["changelog"]["total"] > len(i["changelog"]["histories"])]
    assert truncated, "some generated issues must have more history than search returns"
    issue = truncated[0]
    search_ids = [h["id"] for h in issue["changelog"]["histories"]]
    assert search_ids == sorted(search_ids, key=int, reverse=True)  # newest first in search
    values, start = [], 0
    while True:
        page = sandbox.jira(
            f"/rest/api/3/issue/{issue['key']}/changelog",
            params={"startAt": start, "maxResults": 7},
        ).json()
        values += page["values"]
        if page["isLast"]:
            break
        start += 7
    ids = [v["id"] for v in values]
    assert len(ids) == issue["changelog"]["total"] == len(set(ids))
    assert ids == sorted(ids, key=int)
    assert set(search_ids) <= set(ids)


def test_bulkfetch_pages_status_histories(sandbox):
    key = sandbox.info["jira"]["project_keys"][0]
    keys = [f"{key}-{n}" for n in range(1, 30)]
    seen, token = [], None
    while True:
        body = {"issueIdsOrKeys": keys, "fieldIds": ["status"], "maxResults": 10}
        if token:
            body["nextPageToken"] = token
        page = sandbox.jira("/rest/api/3/changelog/bulkfetch", "POST", json=body).json()
        for log in page["issueChangeLogs"]:
            for history in log["changeHistories"]:
                assert {item["fieldId"] for item in history["items"]} == {"status"}
                seen.append(history["id"])
        token = page.get("nextPageToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) > 20


def test_workflow_includes_reopened_and_sprint_moved_issues(sandbox):
    key = sandbox.info["jira"]["project_keys"][0]
    reopened = moved = 0
    issues, _ = _search_all(
        sandbox, f"project = {key}", 100, fields=["issuetype", "customfield_10016"]
    )
    types = {i["fields"]["issuetype"]["name"] for i in issues}
    assert {"Story", "Bug", "Task"} <= types
    assert any(isinstance(i["fields"]["customfield_10016"], float) for i in issues)
    for issue in issues:
        logs = sandbox.jira(f"/rest/api/3/issue/{issue['key']}/changelog").json()["values"]
        statuses = [it["toString"] for v in logs for it in v["items"] if it["field"] == "status"]
        reopened += "Done" in statuses[:-1]
        moved += any(it["field"] == "Sprint" for v in logs for it in v["items"])
        if reopened and moved:
            break
    assert reopened and moved


def test_board_sprints_cover_closed_active_and_future(sandbox):
    board = sandbox.info["jira"]["boards"][0]["id"]
    sprints = sandbox.jira(f"/rest/agile/1.0/board/{board}/sprint").json()["values"]
    assert {s["state"] for s in sprints} == {"closed", "active", "future"}
    closed = sandbox.jira(
        f"/rest/agile/1.0/board/{board}/sprint", params={"state": "closed"}
    ).json()
    assert all(s["state"] == "closed" and s["completeDate"] for s in closed["values"])
    config = sandbox.jira(f"/rest/agile/1.0/board/{board}/configuration").json()
    assert config["estimation"]["field"]["fieldId"] == sandbox.info["jira"]["story_points_field"]


def test_burst_limit_answers_429_with_retry_after(fresh_sandbox):
    box = fresh_sandbox("--jira-limit", "2", "--jira-window-seconds", "30")
    assert [box.jira("/rest/api/3/myself").status_code for _ in range(2)] == [200, 200]
    limited = box.jira("/rest/api/3/myself")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["RateLimit-Reason"] == "jira-burst-based"


def test_jql_filter_clause_selects_the_boards_saved_filter(sandbox):
    board = sandbox.info["jira"]["boards"][0]
    config = sandbox.jira(f"/rest/agile/1.0/board/{board['id']}/configuration").json()
    jql = f"filter = {config['filter']['id']}"
    by_filter = sandbox.jira(
        "/rest/api/3/search/approximate-count", "POST", json={"jql": jql}
    ).json()
    by_project = sandbox.jira(
        "/rest/api/3/search/approximate-count",
        "POST",
        json={"jql": f"project = {board['project_key']}"},
    ).json()
    assert by_filter["count"] == by_project["count"] > 0
    unknown = sandbox.jira(
        "/rest/api/3/search/approximate-count", "POST", json={"jql": "filter = 999"}
    )
    assert unknown.status_code == 400
    assert "filter" in unknown.json()["errorMessages"][0]
