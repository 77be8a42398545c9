"""Recorded mode: DevLake's raw GitHub rows for panjf2000/ants served through the REST endpoints."""

from __future__ import annotations

import csv
import json

import pytest

from .paths import DEVLAKE_GITHUB

SCOPE = {"ConnectionId": 1, "Name": "panjf2000/ants"}


def _scoped(name: str) -> list[dict]:
    with (DEVLAKE_GITHUB / "raw_tables" / name).open(newline="", encoding="utf-8") as fh:
        return [
            json.loads(r["data"]) for r in csv.DictReader(fh) if json.loads(r["params"]) == SCOPE
        ]


@pytest.fixture(scope="module")
def recorded(request):
    from tests.sandbox_server import start_sandbox, stop_sandbox

    box = start_sandbox("--data", str(DEVLAKE_GITHUB))
    request.addfinalizer(lambda: stop_sandbox(box))
    return box


def test_info_names_the_recorded_repository(recorded):
    assert recorded.info["github"]["repositories"] == ["panjf2000/ants"]


def test_recorded_pull_requests_are_served_once_each_without_decoys(recorded):
    expected = {p["number"] for p in _scoped("_raw_github_api_pull_requests.csv")}
    seen, page = [], 1
    while True:
        response = recorded.github(
            "/repos/panjf2000/ants/pulls", params={"state": "all", "per_page": 20, "page": page}
        )
        seen += [p["number"] for p in response.json()]
        if 'rel="next"' not in response.headers.get("Link", ""):
            break
        page += 1
    assert len(seen) == len(set(seen)) == len(expected) == 49
    assert set(seen) == expected


def test_recorded_reviews_commits_issues_and_runs(recorded):
    reviews = recorded.github("/repos/panjf2000/ants/pulls/41/reviews").json()
    assert reviews and all(r["pull_request_url"].endswith("/pulls/41") for r in reviews)
    commits = recorded.github("/repos/panjf2000/ants/pulls/23/commits").json()
    assert commits and all("sha" in c for c in commits)
    issues = recorded.github(
        "/repos/panjf2000/ants/issues", params={"state": "all", "per_page": 100}
    ).json()
    assert len(issues) == 41 and any("pull_request" in i for i in issues)
    runs = recorded.github("/repos/panjf2000/ants/actions/runs", params={"per_page": 100}).json()
    assert runs["total_count"] == 35 == len(runs["workflow_runs"])
    assert recorded.github("/repos/acme-eng/payments-api/pulls").status_code == 404
