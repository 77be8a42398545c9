"""GitHub GraphQL subset: pull requests by UPDATED_AT desc with reviews and commits, and cost."""

from __future__ import annotations

import pytest
from graphql import build_schema, parse, validate

from .paths import OPENAPI

PULLS_QUERY = """
query($owner: String!, $name: String!, $size: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: $size, after: $cursor, orderBy: {field: UPDATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId number state title isDraft createdAt updatedAt mergedAt closedAt
        additions deletions changedFiles
        author { login __typename }
        mergeCommit { oid }
        reviews(first: 100) { nodes { databaseId state submittedAt author { login } } }
        commits(first: 1) { nodes { commit { oid authoredDate } } }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}
"""


@pytest.fixture(scope="module")
def github_schema():
    return build_schema(
        (OPENAPI / "github-schema.graphql").read_text(), assume_valid_sdl=True, assume_valid=True
    )


def _post(sandbox, query: str, variables: dict | None = None):
    response = sandbox.get("/graphql", headers=sandbox.gh)  # GET is not GraphQL's verb here
    assert response.status_code == 405
    import requests

    return requests.post(
        sandbox.base + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=sandbox.gh,
        timeout=60,
    )


def test_provider_query_is_valid_against_githubs_schema(github_schema):
    assert validate(github_schema, parse(PULLS_QUERY)) == []


def test_pull_requests_page_by_updated_desc_each_once_with_reviews_and_commits(sandbox):
    owner, name = sandbox.repo.split("/")
    seen, cursor, updated = [], None, []
    while True:
        response = _post(
            sandbox, PULLS_QUERY, {"owner": owner, "name": name, "size": 50, "cursor": cursor}
        )
        assert response.status_code == 200
        body = response.json()
        assert "errors" not in body, body.get("errors")
        connection = body["data"]["repository"]["pullRequests"]
        for node in connection["nodes"]:
            seen.append(node["number"])
            updated.append(node["updatedAt"])
            assert node["state"] in ("OPEN", "CLOSED", "MERGED")
            assert (node["mergeCommit"] is not None) == (node["state"] == "MERGED")
            first_commit = node["commits"]["nodes"][0]["commit"]["authoredDate"]
            assert first_commit < node["createdAt"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        cursor = connection["pageInfo"]["endCursor"]
    rest = sandbox.github(
        f"/repos/{sandbox.repo}/pulls", params={"state": "all", "per_page": 100}
    ).json()
    assert len(seen) == len(set(seen)) == connection["totalCount"] > 100
    assert updated == sorted(updated, reverse=True)
    assert {p["number"] for p in rest} <= set(seen)


def test_cost_follows_githubs_formula_and_spends_the_graphql_budget(fresh_sandbox):
    box = fresh_sandbox("--github-graphql-budget", "10")
    owner, name = box.repo.split("/")
    # 1 request for 100 PRs + 100 for their reviews + 100 for their commits = 201 -> 2 points
    body = _post(box, PULLS_QUERY, {"owner": owner, "name": name, "size": 100}).json()
    assert body["data"]["rateLimit"]["cost"] == 2
    assert body["data"]["rateLimit"]["remaining"] == 8
    small = _post(box, PULLS_QUERY, {"owner": owner, "name": name, "size": 10})
    assert small.json()["data"]["rateLimit"]["cost"] == 1  # 21 requests round to 0, minimum 1
    assert small.headers["x-ratelimit-resource"] == "graphql"
    assert small.headers["x-ratelimit-remaining"] == "7"
    for _ in range(3):
        _post(box, PULLS_QUERY, {"owner": owner, "name": name, "size": 100})
    limited = _post(box, PULLS_QUERY, {"owner": owner, "name": name, "size": 100})
    assert limited.status_code == 200
    assert limited.json()["errors"][0]["type"] == "RATE_LIMITED"


def test_connections_need_first_or_last_up_to_100(sandbox):
    owner, name = sandbox.repo.split("/")
    query = (
        'query { repository(owner: "%s", name: "%s") { pullRequests(first: 101) { totalCount } } }'
    )
    body = _post(sandbox, query % (owner, name)).json()
    assert "exceeds the `first` limit of 100" in body["errors"][0]["message"]
    missing = 'query { repository(owner: "%s", name: "%s") { pullRequests { totalCount } } }'
    assert (
        "must provide a `first` or `last`"
        in _post(sandbox, missing % (owner, name)).json()["errors"][0]["message"]
    )


def test_unknown_fields_are_rejected_by_the_schema(sandbox):
    body = _post(sandbox, 'query { repository(owner: "a", name: "b") { noSuchField } }').json()
    assert "noSuchField" in body["errors"][0]["message"]
