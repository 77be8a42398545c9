"""Fault injection, /_sandbox control endpoints, run-time mutation, determinism and scale."""

from __future__ import annotations

import json
import time

import pytest
import requests


@pytest.fixture(scope="module")
def faulty(request):
    from tests.sandbox_server import start_sandbox, stop_sandbox

    box = start_sandbox("--seed", "3", "--fault", "status,path=/rest/api/3/status,status=502")
    request.addfinalizer(lambda: stop_sandbox(box))
    return box


def _set(box, *faults: dict) -> None:
    response = box.post("/_sandbox/faults", {"faults": list(faults)})
    assert response.status_code == 200, response.text


def test_fault_given_at_start_applies_until_cleared(faulty):
    assert faulty.jira("/rest/api/3/status").status_code == 502
    assert faulty.get("/_sandbox/faults").json()["faults"][0]["status"] == 502
    requests.delete(faulty.base + "/_sandbox/faults", timeout=5)
    assert faulty.jira("/rest/api/3/status").status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_faults_use_each_apis_error_body(faulty, status):
    _set(faulty, {"kind": "status", "path": "/repos/*", "status": status, "count": 1})
    response = faulty.github(f"/repos/{faulty.repo}/pulls")
    assert response.status_code == status and "message" in response.json()
    assert faulty.github(f"/repos/{faulty.repo}/pulls").status_code == 200  # count=1 used up


def test_rate_limit_and_secondary_faults_carry_retry_after(faulty):
    _set(
        faulty,
        {"kind": "rate_limit", "path": "/rest/*", "retry_after": 7, "count": 1},
        {"kind": "secondary", "path": "/repos/*", "retry_after": 3, "count": 1},
    )
    jira = faulty.jira("/rest/api/3/myself")
    assert jira.status_code == 429 and jira.headers["Retry-After"] == "7"
    github = faulty.github(f"/repos/{faulty.repo}/pulls")
    assert github.status_code == 403 and github.headers["Retry-After"] == "3"
    assert "secondary rate limit" in github.json()["message"]


def test_slow_fault_delays_the_answer(faulty):
    _set(faulty, {"kind": "slow", "path": "/1/*", "delay_ms": 600})
    started = time.monotonic()
    assert faulty.trello_get("/1/members/me").status_code == 200
    assert time.monotonic() - started >= 0.6


def test_hung_request_times_out_the_client_and_is_released_by_clearing(faulty):
    _set(faulty, {"kind": "hang", "path": "/user"})
    with pytest.raises(requests.exceptions.ReadTimeout):
        faulty.github("/user", timeout=0.5)
    requests.delete(faulty.base + "/_sandbox/faults", timeout=5)
    assert faulty.github("/user").status_code == 200


def test_dropped_connection_is_a_connection_error(faulty):
    _set(faulty, {"kind": "drop", "path": "/rest/api/3/field"})
    with pytest.raises(requests.exceptions.ConnectionError):
        faulty.jira("/rest/api/3/field")


def test_malformed_json_fault(faulty):
    _set(faulty, {"kind": "malformed", "path": "/repos/*/releases"})
    response = faulty.github(f"/repos/{faulty.repo}/releases")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_html_fault_answers_a_page_instead_of_json(faulty):
    _set(faulty, {"kind": "html", "path": "/rest/api/3/myself", "count": 1})
    response = faulty.jira("/rest/api/3/myself")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_drift_fault_renames_the_id_keys_of_valid_json(faulty):
    normal = faulty.github(f"/repos/{faulty.repo}/pulls").json()
    _set(faulty, {"kind": "drift", "path": "/repos/*/pulls", "count": 1})
    drifted = faulty.github(f"/repos/{faulty.repo}/pulls").json()
    assert len(drifted) == len(normal) > 0
    assert "id" not in drifted[0] and drifted[0]["identifier"] == normal[0]["id"]
    assert drifted[0]["user"]["identifier"] == normal[0]["user"]["id"]


def test_truncated_page_breaks_mid_body(faulty):
    _set(faulty, {"kind": "truncated", "path": "/repos/*/issues"})
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        faulty.github(f"/repos/{faulty.repo}/issues")


def test_fault_rate_is_seeded_and_partial(faulty):
    _set(faulty, {"kind": "status", "path": "/1/members/me", "rate": 0.5, "status": 503})
    codes = [faulty.trello_get("/1/members/me").status_code for _ in range(30)]
    assert 5 < codes.count(503) < 25 and codes.count(200) == 30 - codes.count(503)
    _set(faulty, {"kind": "status", "path": "/1/members/me", "rate": 0.5, "status": 503})
    assert [faulty.trello_get("/1/members/me").status_code for _ in range(30)] == codes


def test_invalid_fault_is_rejected(faulty):
    response = faulty.post("/_sandbox/faults", {"faults": [{"kind": "explode"}]})
    assert response.status_code == 400 and "unknown fault kind" in response.json()["error"]


def test_stats_count_requests_per_endpoint_and_status(fresh_sandbox):
    box = fresh_sandbox()
    box.github(f"/repos/{box.repo}/pulls")
    box.github(f"/repos/{box.repo}/pulls/999999")
    box.jira("/rest/api/3/myself")
    box.trello_get("/1/members/me", params={"token": "bad"})
    endpoints = box.stats()["endpoints"]
    assert endpoints["GET /repos/{owner}/{repo}/pulls"] == {"200": 1}
    assert endpoints["GET /repos/{owner}/{repo}/pulls/{number}"] == {"404": 1}
    assert endpoints["GET /rest/api/3/myself"] == {"200": 1}
    assert endpoints["GET /1/members/me"] == {"401": 1}
    requests.delete(box.base + "/_sandbox/stats", timeout=5)
    assert box.stats()["requests"] == 0


def test_info_names_everything_needed_to_configure_integrations(sandbox):
    info = sandbox.info
    assert info["github"]["api_url"] == sandbox.base and len(info["github"]["repositories"]) == 3
    assert info["jira"]["project_keys"] and info["jira"]["boards"][0]["project_key"]
    assert len(info["trello"]["key"]) == 32 and len(info["trello"]["token"]) == 64
    assert sandbox.github("/user").json()["login"] == info["github"]["viewer"]


def test_mutations_show_up_in_incremental_sync(fresh_sandbox):
    box = fresh_sandbox()
    repo = box.repo
    newest = box.github(
        f"/repos/{repo}/pulls", params={"state": "all", "sort": "updated", "direction": "desc"}
    ).json()[0]
    etag = box.github(f"/repos/{repo}/pulls").headers["ETag"]
    created = box.post("/_sandbox/mutate", {"kind": "new_pr", "repo": repo}).json()
    top = box.github(
        f"/repos/{repo}/pulls", params={"state": "all", "sort": "updated", "direction": "desc"}
    ).json()[0]
    assert top["number"] == created["number"] and top["updated_at"] > newest["updated_at"]
    assert box.github(f"/repos/{repo}/pulls", headers={"If-None-Match": etag}).status_code == 200
    merged = box.post(
        "/_sandbox/mutate", {"kind": "merge_pr", "repo": repo, "number": created["number"]}
    ).json()
    pr = box.github(f"/repos/{repo}/pulls/{created['number']}").json()
    assert pr["merged"] and pr["merge_commit_sha"] == merged["merge_commit_sha"]
    deployed = box.post("/_sandbox/mutate", {"kind": "deploy", "repo": repo}).json()
    assert (
        box.github(f"/repos/{repo}/deployments").json()[0]["sha"]
        == merged["merge_commit_sha"]
        == deployed["sha"]
    )

    moved = box.post("/_sandbox/mutate", {"kind": "transition"}).json()
    recent = box.jira(
        "/rest/api/3/search/jql",
        params={"jql": "updated >= '2026/11/01 00:00' ORDER BY updated DESC", "fields": "status"},
    ).json()
    assert recent["issues"][0]["key"] == moved["key"]
    assert recent["issues"][0]["fields"]["status"]["name"] == moved["status"]

    board = box.info["trello"]["boards"][0]["id"]
    card = box.post("/_sandbox/mutate", {"kind": "move_card", "board": board}).json()
    actions = box.trello_get(
        f"/1/boards/{board}/actions", params={"filter": "updateCard:idList", "limit": 1}
    ).json()
    assert (
        actions[0]["id"] == card["action_id"]
        and actions[0]["data"]["listAfter"]["name"] == card["list"]
    )
    assert box.post("/_sandbox/mutate", {"kind": "nonsense"}).status_code == 400


def _snapshot(box) -> list[bytes]:
    host = {"Host": "sandbox.test"}
    repo = box.repo
    paths = [
        (f"/repos/{repo}/pulls?state=all&per_page=100", box.gh),
        (f"/repos/{repo}/pulls/5/reviews", box.gh),
        (f"/repos/{repo}/deployments", box.gh),
        (f"/repos/{repo}/issues?state=all", box.gh),
        ("/rest/agile/1.0/board/1/sprint", {}),
        ("/rest/api/3/search/jql?jql=project=PAY&fields=*all&expand=changelog", {}),
        (f"/1/boards/{box.info['trello']['boards'][0]['id']}/actions?limit=1000", {}),
    ]
    out = []
    for path, headers in paths:
        auth = box.jira_auth if path.startswith("/rest") else None
        params = box.trello if path.startswith("/1/") else None
        out.append(
            requests.get(
                box.base + path, headers={**headers, **host}, auth=auth, params=params, timeout=30
            ).content
        )
    return out


def test_same_seed_gives_byte_identical_responses(fresh_sandbox, sandbox):
    again = fresh_sandbox("--seed", "7")
    other = fresh_sandbox("--seed", "8")
    first = _snapshot(sandbox)
    assert first == _snapshot(again)
    assert first != _snapshot(other)


def test_large_scale_starts_within_a_minute_and_serves_pages_quickly(fresh_sandbox):
    box = fresh_sandbox("--scale", "large")
    assert box.startup_seconds < 60
    assert len(box.info["github"]["repositories"]) == 10
    started = time.monotonic()
    prs = box.github(
        f"/repos/{box.repo}/pulls", params={"state": "all", "per_page": 100, "page": 7}
    )
    assert len(prs.json()) == 100 and 'rel="last"' in prs.headers["Link"]
    assert "page=10" in prs.headers["Link"]
    page = box.jira(
        "/rest/api/3/search/jql",
        "POST",
        json={"jql": "project = PAY", "maxResults": 100, "fields": ["summary"]},
    ).json()
    assert len(page["issues"]) == 100 and page["nextPageToken"]
    total = box.jira(
        "/rest/api/3/search/approximate-count",
        "POST",
        json={"jql": "project in (PAY, WEB, OPS, MOB)"},
    ).json()["count"]
    assert total == 20000
    assert time.monotonic() - started < 10
