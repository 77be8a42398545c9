"""GitHub GraphQL: deployments with nested statuses, pullRequest(number), and recorded mode."""

from __future__ import annotations

import pytest
import requests

from .paths import DEVLAKE_GITHUB

DEPLOYMENTS = """
query($owner: String!, $name: String!, $after: String, $environments: [String!]) {
  repository(owner: $owner, name: $name) {
    deployments(first: 40, after: $after, environments: $environments,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId environment createdAt updatedAt commitOid state
        latestStatus { state createdAt }
        statuses(first: 10) { nodes { state createdAt } }
      }
    }
  }
  rateLimit { cost }
}
"""

PULL_REVIEWS = """
query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      number state
      reviews(first: 100) { totalCount nodes { databaseId state author { login } } }
      commits(first: 100) { nodes { commit { oid authoredDate } } }
    }
  }
}
"""


def _post(box, query: str, variables: dict) -> dict:
    response = requests.post(
        box.base + "/graphql",
        json={"query": query, "variables": variables},
        headers=box.gh,
        timeout=60,
    )
    assert response.status_code == 200
    return response.json()


def test_deployments_page_newest_first_with_statuses_matching_rest(sandbox):
    owner, name = sandbox.repo.split("/")
    nodes, after = [], None
    while True:
        body = _post(sandbox, DEPLOYMENTS, {"owner": owner, "name": name, "after": after})
        assert "errors" not in body and body["data"]["rateLimit"]["cost"] == 1
        connection = body["data"]["repository"]["deployments"]
        nodes += connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    rest = sandbox.github(f"/repos/{sandbox.repo}/deployments", params={"per_page": 100}).json()
    assert [n["databaseId"] for n in nodes] == [d["id"] for d in rest]
    assert [n["commitOid"] for n in nodes] == [d["sha"] for d in rest]
    newest = rest[0]
    statuses = sandbox.github(f"/repos/{sandbox.repo}/deployments/{newest['id']}/statuses").json()
    assert [(s["state"].lower(), s["createdAt"]) for s in nodes[0]["statuses"]["nodes"]] == [
        (s["state"], s["created_at"]) for s in statuses
    ]
    assert nodes[0]["latestStatus"]["state"].lower() == statuses[0]["state"]
    assert {"ACTIVE", "FAILURE"} <= {n["state"] for n in nodes}


def test_deployments_filter_by_environment(sandbox):
    owner, name = sandbox.repo.split("/")
    body = _post(sandbox, DEPLOYMENTS, {"owner": owner, "name": name, "environments": ["qa"]})
    assert body["data"]["repository"]["deployments"]["totalCount"] == 0


def test_pull_request_by_number_and_unknown_number_is_not_found(sandbox):
    owner, name = sandbox.repo.split("/")
    body = _post(sandbox, PULL_REVIEWS, {"owner": owner, "name": name, "number": 5})
    pr = body["data"]["repository"]["pullRequest"]
    rest = sandbox.github(f"/repos/{sandbox.repo}/pulls/5/reviews").json()
    assert pr["number"] == 5 and pr["reviews"]["totalCount"] == len(rest)
    missing = _post(sandbox, PULL_REVIEWS, {"owner": owner, "name": name, "number": 99999})
    assert missing["errors"][0]["extensions"]["type"] == "NOT_FOUND"


@pytest.fixture(scope="module")
def recorded(request):
    from tests.sandbox_server import start_sandbox, stop_sandbox

    box = start_sandbox("--data", str(DEVLAKE_GITHUB))
    request.addfinalizer(lambda: stop_sandbox(box))
    return box


def test_recorded_mode_answers_the_pull_request_subset_from_the_recorded_rows(recorded):
    body = _post(recorded, PULL_REVIEWS, {"owner": "panjf2000", "name": "ants", "number": 41})
    pr = body["data"]["repository"]["pullRequest"]
    rest = recorded.github("/repos/panjf2000/ants/pulls/41/reviews").json()
    assert [r["databaseId"] for r in pr["reviews"]["nodes"]] == [r["id"] for r in rest]
    commits = recorded.github("/repos/panjf2000/ants/pulls/41/commits").json()
    assert [c["commit"]["oid"] for c in pr["commits"]["nodes"]] == [c["sha"] for c in commits]
    other = _post(
        recorded, PULL_REVIEWS, {"owner": "acme-eng", "name": "payments-api", "number": 1}
    )
    assert other["errors"][0]["extensions"]["type"] == "NOT_FOUND"
    empty = _post(recorded, DEPLOYMENTS, {"owner": "panjf2000", "name": "ants"})
    assert empty["data"]["repository"]["deployments"]["totalCount"] == 0
