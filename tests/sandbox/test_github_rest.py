"""GitHub REST as the GitHub provider sees it: shapes, paging, ETags, budget, auth."""

from __future__ import annotations

import re
import time

from .paths import OPENAPI, validate_response

GITHUB_SPEC = str(OPENAPI / "github.json")
PULL = "/repos/{owner}/{repo}/pulls/{pull_number}"


def _links(response) -> dict[str, str]:
    return {
        rel: url
        for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", ""))
    }


def test_every_github_endpoint_validates_against_the_openapi_description(sandbox):
    repo = sandbox.repo
    deployment = sandbox.github(f"/repos/{repo}/deployments").json()[0]
    merged = next(
        p
        for p in sandbox.github(f"/repos/{repo}/pulls", params={"state": "closed"}).json()
        if p["merged_at"]
    )
    number = merged["number"]
    paths = {
        "/user": "/user",
        "/rate_limit": "/rate_limit",
        f"/repos/{repo}": "/repos/{owner}/{repo}",
        f"/repos/{repo}/pulls?state=all&per_page=100": "/repos/{owner}/{repo}/pulls",
        f"/repos/{repo}/pulls/{number}": "/repos/{owner}/{repo}/pulls/{pull_number}",
        f"/repos/{repo}/pulls/{number}/reviews": PULL + "/reviews",
        f"/repos/{repo}/pulls/{number}/commits": PULL + "/commits",
        f"/repos/{repo}/commits?per_page=100": "/repos/{owner}/{repo}/commits",
        f"/repos/{repo}/deployments?per_page=100": "/repos/{owner}/{repo}/deployments",
        f"/repos/{repo}/deployments/{deployment['id']}/statuses": (
            "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
        ),
        f"/repos/{repo}/releases?per_page=100": "/repos/{owner}/{repo}/releases",
        f"/repos/{repo}/actions/runs?per_page=100": "/repos/{owner}/{repo}/actions/runs",
        f"/repos/{repo}/issues?state=all&per_page=100": "/repos/{owner}/{repo}/issues",
    }
    for path, template in paths.items():
        response = sandbox.github(path)
        assert response.status_code == 200, path
        assert validate_response(GITHUB_SPEC, "GET", template, response.json()) == [], path


def test_error_bodies_validate_against_github_schemas(sandbox):
    response = sandbox.get("/user", headers={"Authorization": "Bearer ghp_wrong"})
    assert response.status_code == 401
    assert response.json() == {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    assert validate_response(GITHUB_SPEC, "SCHEMA", "basic-error", response.json()) == []
    missing = sandbox.github(f"/repos/{sandbox.repo}/pulls/999999")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Not Found"


def test_missing_token_is_rejected_with_401(sandbox):
    assert sandbox.get(f"/repos/{sandbox.repo}/pulls").status_code == 401


def test_unsupported_api_version_is_a_400(sandbox):
    response = sandbox.github("/user", headers={"X-GitHub-Api-Version": "2019-01-01"})
    assert response.status_code == 400
    assert "X-GitHub-Api-Version" in response.json()["message"]


def _walk(sandbox, path: str) -> tuple[list, list]:
    """Follow `next` links from path; return the items and the responses."""
    url, items, responses = sandbox.base + path, [], []
    while url:
        response = sandbox.github(url.removeprefix(sandbox.base))
        assert response.status_code == 200
        responses.append(response)
        items += response.json()
        url = _links(response).get("next")
    return items, responses


def test_pull_request_pages_follow_link_headers_and_return_each_pr_once(sandbox):
    small, responses = _walk(sandbox, f"/repos/{sandbox.repo}/pulls?state=all&per_page=7")
    large, _ = _walk(sandbox, f"/repos/{sandbox.repo}/pulls?state=all&per_page=100")
    numbers = [p["number"] for p in small]
    assert len(numbers) == len(set(numbers)) == len(large) > 100
    assert set(numbers) == {p["number"] for p in large}
    pages = len(responses)
    first = responses[0]
    links = _links(first)
    assert set(links) == {"next", "last"}
    assert "/repositories/" in links["next"] and "per_page=7" in links["next"]
    assert links["last"].endswith(f"page={pages}")


def test_middle_page_has_prev_next_last_first_and_last_page_only_prev_first(sandbox):
    base = f"/repos/{sandbox.repo}/pulls?state=all&per_page=5"
    assert set(_links(sandbox.github(base + "&page=2"))) == {"prev", "next", "last", "first"}
    last = _links(sandbox.github(base))["last"].removeprefix(sandbox.base)
    assert set(_links(sandbox.github(last))) == {"prev", "first"}


def test_per_page_above_100_is_clamped(sandbox):
    response = sandbox.github(
        f"/repos/{sandbox.repo}/issues", params={"state": "all", "per_page": 500}
    )
    assert len(response.json()) == 100
    assert "per_page=100" in _links(response)["next"]


def test_pulls_sorted_by_updated_desc_support_incremental_sync(sandbox):
    prs = sandbox.github(
        f"/repos/{sandbox.repo}/pulls",
        params={"state": "all", "sort": "updated", "direction": "desc", "per_page": 100},
    ).json()
    stamps = [p["updated_at"] for p in prs]
    assert stamps == sorted(stamps, reverse=True)
    assert {p["state"] for p in prs} == {"open", "closed"}
    assert any(p["draft"] for p in prs)
    assert any(p["state"] == "closed" and p["merged_at"] is None for p in prs)


def test_generated_timelines_are_consistent(sandbox):
    repo = sandbox.repo
    prs = sandbox.github(f"/repos/{repo}/pulls", params={"state": "closed", "per_page": 100}).json()
    merged = [p for p in prs if p["merged_at"]][:8]
    states = set()
    for pr in merged:
        commits = sandbox.github(f"/repos/{repo}/pulls/{pr['number']}/commits").json()
        assert commits[0]["commit"]["author"]["date"] < pr["created_at"]
        reviews = sandbox.github(f"/repos/{repo}/pulls/{pr['number']}/reviews").json()
        assert all(pr["created_at"] <= r["submitted_at"] <= pr["merged_at"] for r in reviews)
        assert any(r["state"] == "APPROVED" for r in reviews)
        states |= {r["state"] for r in reviews}
        full = sandbox.github(f"/repos/{repo}/pulls/{pr['number']}").json()
        assert full["merged"] is True and full["additions"] >= 0 and full["commits"] == len(commits)
    all_reviews = [
        r
        for p in prs[:40]
        for r in sandbox.github(f"/repos/{repo}/pulls/{p['number']}/reviews").json()
    ]
    assert {"APPROVED", "CHANGES_REQUESTED", "COMMENTED"} <= {
        r["state"] for r in all_reviews
    } | states
    assert any(r["user"]["type"] == "Bot" for r in all_reviews)


def test_deployments_carry_merge_commits_and_incidents_follow_failures(sandbox):
    repo = sandbox.repo
    deployments = sandbox.github(f"/repos/{repo}/deployments", params={"per_page": 100}).json()
    merge_shas = {
        c["sha"] for c in sandbox.github(f"/repos/{repo}/commits", params={"per_page": 100}).json()
    }
    assert deployments and all(d["sha"] in merge_shas for d in deployments[:20])
    final_states = []
    for d in deployments:
        statuses = sandbox.github(f"/repos/{repo}/deployments/{d['id']}/statuses").json()
        final_states.append(statuses[0]["state"])
    assert {"success", "failure", "in_progress"} <= set(final_states)
    incidents = sandbox.github(
        f"/repos/{repo}/issues", params={"labels": "incident", "state": "all"}
    ).json()
    assert incidents and all("pull_request" not in i for i in incidents)
    failed_at = [
        d["created_at"] for d, s in zip(deployments, final_states, strict=True) if s == "failure"
    ]
    for incident in incidents:
        assert any(t <= incident["created_at"] for t in failed_at) or incident["created_at"] > min(
            failed_at
        )
    assert any(i["closed_at"] and i["closed_at"] > i["created_at"] for i in incidents)


def test_issues_list_includes_pull_requests_and_honours_since(sandbox):
    items = sandbox.github(
        f"/repos/{sandbox.repo}/issues", params={"state": "all", "per_page": 100}
    ).json()
    assert any("pull_request" in i for i in items) and any("pull_request" not in i for i in items)
    since = sorted(i["updated_at"] for i in items)[len(items) // 2]
    recent = sandbox.github(
        f"/repos/{sandbox.repo}/issues", params={"state": "all", "since": since, "per_page": 100}
    ).json()
    assert recent and all(i["updated_at"] >= since for i in recent)


def test_commits_since_and_until_bound_the_window(sandbox):
    everything = sandbox.github(f"/repos/{sandbox.repo}/commits", params={"per_page": 100}).json()
    dates = sorted(c["commit"]["committer"]["date"] for c in everything)
    since, until = dates[5], dates[-5]
    window = sandbox.github(
        f"/repos/{sandbox.repo}/commits", params={"since": since, "until": until, "per_page": 100}
    ).json()
    assert len(window) == len([d for d in dates if since <= d <= until])


def test_workflow_runs_and_releases_are_listed_newest_first(sandbox):
    runs = sandbox.github(f"/repos/{sandbox.repo}/actions/runs", params={"per_page": 50}).json()
    assert runs["total_count"] >= len(runs["workflow_runs"]) > 0
    created = [r["created_at"] for r in runs["workflow_runs"]]
    assert created == sorted(created, reverse=True)
    releases = sandbox.github(f"/repos/{sandbox.repo}/releases").json()
    assert [r["published_at"] for r in releases] == sorted(
        (r["published_at"] for r in releases), reverse=True
    )


def test_matching_etag_gives_free_304(fresh_sandbox):
    box = fresh_sandbox("--github-budget", "50")
    path = f"/repos/{box.repo}/pulls"
    first = box.github(path)
    etag = first.headers["ETag"]
    remaining = int(first.headers["x-ratelimit-remaining"])
    again = box.github(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["x-ratelimit-remaining"]) == remaining
    changed = box.github(path, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200
    assert int(changed.headers["x-ratelimit-remaining"]) == remaining - 1
    stats = box.stats()
    assert stats["not_modified"] == 1
    assert stats["endpoints"]["GET /repos/{owner}/{repo}/pulls"] == {"200": 2, "304": 1}


def test_budget_exhaustion_answers_403_with_retry_after_then_resets(fresh_sandbox):
    box = fresh_sandbox("--github-budget", "3", "--github-window-seconds", "2")
    for expected in (2, 1, 0):
        response = box.github("/user")
        assert response.status_code == 200
        assert response.headers["x-ratelimit-remaining"] == str(expected)
        assert response.headers["x-ratelimit-resource"] == "core"
    spent = box.github("/user")
    assert spent.status_code == 403
    assert spent.headers["x-ratelimit-remaining"] == "0"
    assert int(spent.headers["retry-after"]) >= 1
    assert int(spent.headers["x-ratelimit-reset"]) >= int(time.time())
    assert "rate limit exceeded" in spent.json()["message"]
    assert box.github("/rate_limit").json()["resources"]["core"]["remaining"] == 0
    time.sleep(2.1)
    assert box.github("/user").status_code == 200


def test_budget_can_be_reset_and_status_switched_at_run_time(fresh_sandbox):
    box = fresh_sandbox("--github-budget", "1")
    assert box.github("/user").status_code == 200
    assert box.github("/user").status_code == 403
    body = box.post("/_sandbox/limits", {"github_exhausted_status": 429, "reset": True}).json()
    assert body["github_remaining"] == 1
    assert box.github("/user").status_code == 200
    assert box.github("/user").status_code == 429
