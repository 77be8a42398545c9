"""Which branch's workflow runs are deployments, and the repository's default branch the
deployments stream reads once and keeps, through the sandbox over HTTP."""

from __future__ import annotations

import pytest

from integrations.providers.records import Cursor, DefaultBranch
from tests.integrations.providers.test_github import make_provider, read, rest_all


@pytest.fixture(autouse=True)
def _loopback_sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


def _ci_runs(box) -> list[dict]:
    """The completed CI runs (every one on a pull request's branch), newest first."""
    runs = rest_all(box, f"/repos/{box.repo}/actions/runs", status="completed")
    return [r for r in runs if r["name"] == "CI" and r["conclusion"] in ("success", "failure")]


def _runs_provider(box, **config):
    return make_provider(
        box, deployment_source="workflow_runs", deployment_workflow_pattern="^CI$", **config
    )


def test_the_sandbox_lists_only_the_runs_of_the_branch_asked_for(sandbox):
    branch = _ci_runs(sandbox)[0]["head_branch"]

    runs = rest_all(sandbox, f"/repos/{sandbox.repo}/actions/runs", branch=branch)

    assert runs and {r["head_branch"] for r in runs} == {branch}


def test_runs_of_a_workflow_on_other_branches_than_the_default_are_not_deployments(sandbox):
    assert {r["head_branch"] for r in _ci_runs(sandbox)} - {"main"}  # CI runs elsewhere

    deployments, _ = read(_runs_provider(sandbox), f"deployments:{sandbox.repo}")

    assert deployments == []


def test_a_configured_deployment_branch_wins_over_the_default_branch(sandbox):
    runs = _ci_runs(sandbox)
    branch = runs[0]["head_branch"]

    provider = _runs_provider(sandbox, deployment_branch=branch)
    deployments, batches = read(provider, f"deployments:{sandbox.repo}")

    expected = sorted(f"run:{r['id']}" for r in runs if r["head_branch"] == branch)
    assert sorted(d.external_id for d in deployments) == expected
    assert len(expected) < len(runs)
    assert batches[-1].cursor.state["branch"] == branch


def test_another_deployment_branch_reads_its_runs_from_the_start(sandbox):
    runs = _ci_runs(sandbox)
    newest, older = runs[0], runs[-1]  # the older branch's runs lie below the first watermark
    assert newest["head_branch"] != older["head_branch"]
    _, batches = read(
        _runs_provider(sandbox, deployment_branch=newest["head_branch"]),
        f"deployments:{sandbox.repo}",
    )
    cursor = batches[-1].cursor
    assert cursor.watermark is not None

    other = _runs_provider(sandbox, deployment_branch=older["head_branch"])
    deployments, batches = read(other, f"deployments:{sandbox.repo}", cursor)

    assert f"run:{older['id']}" in {d.external_id for d in deployments}
    assert batches[-1].cursor.state["branch"] == older["head_branch"]


def test_the_deployments_stream_stores_the_default_branch_and_reads_it_once(sandbox):
    provider = make_provider(sandbox)
    batches = list(provider.fetch(f"deployments:{sandbox.repo}", Cursor()))
    assert provider.stats.by_endpoint["repository"] == 1
    assert DefaultBranch(sandbox.repo, "main") in batches[-1].records
    cursor = batches[-1].cursor
    assert cursor.state["default_branch"] == "main"

    again = make_provider(sandbox)
    batches = list(again.fetch(f"deployments:{sandbox.repo}", cursor))

    assert again.stats.by_endpoint["repository"] == 0
    assert DefaultBranch(sandbox.repo, "main") in batches[-1].records
    assert batches[-1].cursor.state["default_branch"] == "main"
