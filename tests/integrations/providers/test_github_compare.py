"""GitHub's compare of two deployed commits, read through the sandbox over HTTP.

`../shared/openapi/github.json` has no compare operation, so the sandbox's answer is checked
against GitHub's documentation (https://docs.github.com/en/rest/commits/commits#compare-two-commits:
commits oldest first, at most 250 unpaged, `per_page`/`page` with a Link header, `status`
ahead/behind/identical, `ahead_by`, `behind_by`, `total_commits`, `base_commit`,
`merge_base_commit`), and each listed commit against the commit schema of the commits list.
"""

from __future__ import annotations

import re

import pytest

from tests.integrations.providers.test_github import make_provider
from tests.sandbox.paths import OPENAPI, validate_response

GITHUB_SPEC = str(OPENAPI / "github.json")


@pytest.fixture(autouse=True)
def _loopback_sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


def _history(box) -> list[str]:
    """The default branch's commit shas, oldest first."""
    listed = box.github(f"/repos/{box.repo}/commits", params={"per_page": 100}).json()
    return [commit["sha"] for commit in reversed(listed)]


def test_compare_lists_the_commits_between_two_deployed_commits_oldest_first(sandbox):
    history = _history(sandbox)
    base, head = history[2], history[7]

    response = sandbox.github(f"/repos/{sandbox.repo}/compare/{base}...{head}")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ahead" and body["ahead_by"] == 5 and body["behind_by"] == 0
    assert body["total_commits"] == 5
    assert [c["sha"] for c in body["commits"]] == history[3:8]
    assert body["base_commit"]["sha"] == base and body["merge_base_commit"]["sha"] == base
    assert (
        validate_response(GITHUB_SPEC, "GET", "/repos/{owner}/{repo}/commits", body["commits"])
        == []
    )


def test_compare_pages_with_per_page_and_a_link_header(sandbox):
    history = _history(sandbox)
    path = f"/repos/{sandbox.repo}/compare/{history[0]}...{history[9]}"

    first = sandbox.github(path, params={"per_page": 4, "page": 1})
    second = sandbox.github(path, params={"per_page": 4, "page": 2})

    assert [c["sha"] for c in first.json()["commits"]] == history[1:5]
    assert [c["sha"] for c in second.json()["commits"]] == history[5:9]
    assert re.search(r'rel="next"', first.headers["Link"])
    assert first.json()["total_commits"] == 9


def test_the_provider_reads_a_rollback_as_nothing_deployed(sandbox):
    history = _history(sandbox)
    provider = make_provider(sandbox)

    forward = provider.commits_between(sandbox.repo, history[1], history[4])
    rollback = provider.commits_between(sandbox.repo, history[4], history[1])

    assert forward.status == "ahead" and forward.shas == tuple(history[2:5])
    assert rollback.status == "behind" and rollback.shas == ()
    assert provider.stats.total == 2
