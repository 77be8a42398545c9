"""GitHub provider against the sandbox (real HTTP): sync, watermarks, budget, errors, parsing."""

from __future__ import annotations

import csv
import json
import math
import time
from datetime import UTC, datetime

import pytest
import requests
from graphql import build_schema, parse, validate

from integrations.providers.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from integrations.providers.github.client import GitHubProvider
from integrations.providers.github.parse import (
    graphql_url,
    lacks_repo_scope,
    parse_incident,
    parse_release,
    parse_rest_commit,
    parse_rest_deployment,
    parse_rest_pull_request,
    parse_rest_review,
    parse_time,
    parse_workflow_run,
)
from integrations.providers.github.queries import (
    COMMITS_QUERY,
    DEPLOYMENTS_QUERY,
    PULLS_QUERY,
    TIMELINE_QUERY,
)
from integrations.providers.http import HttpOptions
from integrations.providers.records import Batch, Cursor, DefaultBranch
from tests.sandbox.paths import DEVLAKE_GITHUB, EXAMPLES, OPENAPI

GITHUB_EXAMPLES = EXAMPLES / "github"


@pytest.fixture(autouse=True)
def _loopback_sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


class RecordingSleep:
    """Stands in for time.sleep: remembers the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_provider(box, repositories=None, token=None, options=None, **config) -> GitHubProvider:
    github = box.info["github"]
    config = {
        "api_url": github["api_url"],
        "repositories": repositories or [box.repo],
        "bot_patterns": ["*[bot]"],
        **config,
    }
    credentials = {"token": github["token"] if token is None else token}
    return GitHubProvider(config, credentials, options or HttpOptions(sleep=RecordingSleep()))


def read(provider: GitHubProvider, stream: str, cursor: Cursor | None = None):
    """All records of one fetch (but the repository's default branch, which the deployments
    stream adds to its last page), and its batches."""
    batches = list(provider.fetch(stream, cursor or Cursor()))
    records = [record for batch in batches for record in batch.records]
    return [r for r in records if not isinstance(r, DefaultBranch)], batches


def rest_all(box, path: str, **params) -> list[dict]:
    """Every item of a REST list, following Link headers, as the source of truth."""
    items, url = [], box.base + path
    query = {"per_page": 100, **params}
    while url:
        response = requests.get(url, headers=box.gh, params=query, timeout=30)
        response.raise_for_status()
        body = response.json()
        items += body["workflow_runs"] if isinstance(body, dict) else body
        url, query = response.links.get("next", {}).get("url"), None
    return items


def sandbox_usage(box) -> dict:
    stats = box.stats()
    limits = box.get("/_sandbox/limits").json()
    return {
        "requests": stats["requests"],
        "not_modified": stats["not_modified"],
        "core_remaining": limits["github_remaining"],
        "graphql_remaining": limits["github_graphql_remaining"],
    }


def set_faults(box, *faults: dict) -> None:
    response = box.post("/_sandbox/faults", {"faults": list(faults)})
    assert response.status_code == 200, response.text


# --- full sync against the REST truth ----------------------------------------------------


def test_full_sync_returns_every_pull_request_once_with_rest_fields(sandbox):
    provider = make_provider(sandbox)
    pulls, batches = read(provider, f"pull_requests:{sandbox.repo}")
    truth = {p["number"]: p for p in rest_all(sandbox, f"/repos/{sandbox.repo}/pulls", state="all")}

    assert sorted(p.number for p in pulls) == sorted(truth)
    assert all(b.cursor is None for b in batches[:-1]) and batches[-1].cursor is not None
    assert batches[-1].cursor.watermark == max(p.updated_at for p in pulls)
    for pr in pulls:
        rest = truth[pr.number]
        expected_state = "merged" if rest["merged_at"] else rest["state"]
        assert pr.state == expected_state
        assert pr.is_draft == rest["draft"]
        assert pr.merged_at == (parse_time(rest["merged_at"]) if rest["merged_at"] else None)
        assert pr.author == rest["user"]["login"]
        assert pr.author_is_bot == rest["user"]["login"].endswith("[bot]")
        assert pr.commits and pr.first_commit_at == min(c.authored_at for c in pr.commits)
        assert all(c.pull_request_number == pr.number for c in pr.commits)
        assert (pr.merge_commit_sha is not None) == (pr.state == "merged")
    assert {p.state for p in pulls} == {"open", "closed", "merged"}
    assert any(p.is_draft for p in pulls) and any(p.author_is_bot for p in pulls)
    predating = [p for p in pulls if min(c.authored_at for c in p.commits) < p.created_at]
    assert predating and all(p.first_commit_at <= p.created_at for p in predating)


def test_pull_request_reviews_match_rest_and_flag_bot_reviewers(sandbox):
    provider = make_provider(sandbox)
    pulls, _ = read(provider, f"pull_requests:{sandbox.repo}")
    reviewed = sorted((p for p in pulls if p.reviews), key=lambda p: -len(p.reviews))[:4]
    assert reviewed
    for pr in reviewed:
        rest = rest_all(sandbox, f"/repos/{sandbox.repo}/pulls/{pr.number}/reviews")
        assert [(r.external_id, r.state, r.reviewer) for r in pr.reviews] == [
            (str(r["id"]), r["state"], r["user"]["login"]) for r in rest
        ]
    bot_reviews = [r for p in pulls for r in p.reviews if r.reviewer.endswith("[bot]")]
    assert bot_reviews and all(r.reviewer_is_bot for r in bot_reviews)
    assert not any(r.reviewer_is_bot for p in pulls for r in p.reviews if "[bot]" not in r.reviewer)


def test_commented_reviews_without_a_body_are_marked_as_thread_replies(sandbox):
    pulls, _ = read(make_provider(sandbox), f"pull_requests:{sandbox.repo}")
    replied = [p for p in pulls if any(r.is_reply for r in p.reviews)]
    assert replied
    for pr in replied[:4]:
        rest = rest_all(sandbox, f"/repos/{sandbox.repo}/pulls/{pr.number}/reviews")
        # GitHub's REST reviews as the truth: a reply is COMMENTED with an empty body.
        truth = {str(r["id"]): r["state"] == "COMMENTED" and not r["body"].strip() for r in rest}
        assert {r.external_id: r.is_reply for r in pr.reviews} == truth
        assert [
            parse_rest_review(r, sandbox.repo, pr.number, ["*[bot]"]).is_reply for r in rest
        ] == [truth[str(r["id"])] for r in rest]
    reviews = [r for p in pulls for r in p.reviews]
    assert all(r.state == "COMMENTED" for r in reviews if r.is_reply)
    # A COMMENTED review with a body is a submitted review.
    assert any(r.state == "COMMENTED" and not r.is_reply for r in reviews)


def test_pull_requests_carry_others_comments_with_bots_flagged_and_when_they_became_ready(
    sandbox,
):
    pulls, _ = read(make_provider(sandbox), f"pull_requests:{sandbox.repo}")
    comments = [(p, c) for p in pulls for c in p.comments]
    assert comments
    # The author's own comments never answer a pull request: they are not kept.
    assert all(c.author != p.author for p, c in comments)
    assert {c.author_is_bot for _, c in comments} == {True, False}
    assert all(c.author_is_bot == c.author.endswith("[bot]") for _, c in comments)
    assert all(c.external_id.startswith("comment:") for _, c in comments)
    ready = [p for p in pulls if p.ready_for_review_times]
    assert ready and not any(p.is_draft for p in ready)
    for pr in ready:
        human = [r.submitted_at for r in pr.reviews if not r.reviewer_is_bot]
        assert all(pr.created_at < t <= min(human, default=t) for t in pr.ready_for_review_times)


def test_reviews_and_commits_beyond_one_nested_page_are_fetched_with_follow_up_queries(sandbox):
    whole, _ = read(make_provider(sandbox), f"pull_requests:{sandbox.repo}")
    paged_provider = make_provider(sandbox)
    paged_provider.nested_page_size = 2
    paged, _ = read(paged_provider, f"pull_requests:{sandbox.repo}")

    def nested(p):
        return (p.reviews, p.comments, p.ready_for_review_times, p.commits)

    assert {p.number: nested(p) for p in paged} == {p.number: nested(p) for p in whole}
    assert any(len(p.reviews) > 2 for p in whole) and any(len(p.commits) > 2 for p in whole)
    # Timeline pages of two items mix reviews, comments and ready events.
    assert any(len(p.reviews) + len(p.comments) + len(p.ready_for_review_times) > 2 for p in whole)
    assert paged_provider.stats.by_endpoint["graphql"] > make_provider(sandbox).pull_page_size


def test_full_sync_returns_every_deployment_once_with_its_final_status(sandbox):
    provider = make_provider(sandbox)
    deployments, _ = read(provider, f"deployments:{sandbox.repo}")
    truth = rest_all(sandbox, f"/repos/{sandbox.repo}/deployments")

    assert sorted(d.external_id for d in deployments) == sorted(str(d["id"]) for d in truth)
    by_id = {d.external_id: d for d in deployments}
    for rest in truth[:3] + truth[-3:]:
        statuses = rest_all(sandbox, f"/repos/{sandbox.repo}/deployments/{rest['id']}/statuses")
        expected = parse_rest_deployment(rest, statuses, sandbox.repo)
        got = by_id[str(rest["id"])]
        assert (got.status, got.finished_at, got.sha, got.created_at) == (
            expected.status,
            expected.finished_at,
            rest["sha"],
            parse_time(rest["created_at"]),
        )
    assert {"success", "failure"} <= {d.status for d in deployments}
    assert all(d.finished_at for d in deployments if d.status in ("success", "failure"))


def test_deployments_outside_the_configured_environments_are_left_out(sandbox):
    provider = make_provider(sandbox, deployment_environments=["staging"])
    deployments, batches = read(provider, f"deployments:{sandbox.repo}")
    assert deployments == [] and batches[-1].cursor is not None


def test_full_sync_returns_every_incident_issue_once_and_no_pull_requests(sandbox):
    provider = make_provider(sandbox, incident_labels=["incident"])
    incidents, _ = read(provider, f"incidents:{sandbox.repo}")
    truth = [
        i
        for i in rest_all(sandbox, f"/repos/{sandbox.repo}/issues", state="all", labels="incident")
        if "pull_request" not in i
    ]
    assert truth and sorted(i.number for i in incidents) == sorted(i["number"] for i in truth)
    by_number = {i["number"]: i for i in truth}
    for incident in incidents:
        closed = by_number[incident.number]["closed_at"]
        assert incident.resolved_at == (parse_time(closed) if closed else None)
        assert "incident" in incident.labels


def test_releases_source_turns_each_published_release_into_a_successful_deployment(sandbox):
    provider = make_provider(sandbox, deployment_source="releases")
    deployments, _ = read(provider, f"deployments:{sandbox.repo}")
    truth = rest_all(sandbox, f"/repos/{sandbox.repo}/releases")
    assert truth and sorted(d.external_id for d in deployments) == sorted(
        f"release:{r['id']}" for r in truth
    )
    assert all(d.status == "success" and d.finished_at == d.created_at for d in deployments)


def test_workflow_runs_source_keeps_completed_runs_matching_the_pattern(sandbox):
    provider = make_provider(sandbox, deployment_source="workflow_runs")
    provider.workflow_pattern = "^Deploy"
    deployments, _ = read(provider, f"deployments:{sandbox.repo}")
    truth = [
        r
        for r in rest_all(sandbox, f"/repos/{sandbox.repo}/actions/runs")
        if r["name"].startswith("Deploy")
        and r["status"] == "completed"
        and r["conclusion"] in ("success", "failure")
    ]
    assert truth and sorted(d.external_id for d in deployments) == sorted(
        f"run:{r['id']}" for r in truth
    )
    assert {d.status for d in deployments} <= {"success", "failure"}


def workflow_run(name: str) -> dict:
    return {
        "id": 1,
        "name": name,
        "status": "completed",
        "conclusion": "success",
        "head_branch": "main",
        "head_sha": "a" * 40,
        "created_at": "2026-10-01T09:00:00Z",
        "updated_at": "2026-10-01T09:10:00Z",
        "html_url": "https://github.com/acme/web/actions/runs/1",
    }


def test_a_backtracking_workflow_pattern_matches_in_bounded_time():
    # With a backtracking engine "(a+)+$" takes seconds on 24 characters, doubling with each one
    # more; RE2 answers in time that grows with the name only.
    started = time.monotonic()

    run = parse_workflow_run(workflow_run("a" * 25 + "!"), "acme/web", "(a+)+$")

    assert run is None
    assert time.monotonic() - started < 0.5
    assert parse_workflow_run(workflow_run("Deploy prod"), "acme/web", "^Deploy") is not None


def test_a_stored_pattern_re2_refuses_fails_the_sync_as_a_configuration_error():
    with pytest.raises(ConfigurationError, match=r"deployment_workflow_pattern: .*lookarounds"):
        parse_workflow_run(workflow_run("Deploy prod"), "acme/web", "^(?!test)Deploy")


# --- watermarks, budget, incremental ----------------------------------------------------


def test_fetch_with_a_watermark_returns_only_newer_changes(sandbox):
    everything, _ = read(make_provider(sandbox), f"pull_requests:{sandbox.repo}")
    watermark = sorted((p.updated_at for p in everything), reverse=True)[9]
    provider = make_provider(sandbox)
    newer, batches = read(provider, f"pull_requests:{sandbox.repo}", Cursor(watermark=watermark))

    assert sorted(p.number for p in newer) == sorted(
        p.number for p in everything if p.updated_at >= watermark
    )
    assert provider.stats.by_endpoint["graphql"] == 1  # one page of 50 reaches the watermark
    assert batches[-1].cursor.watermark == max(p.updated_at for p in everything)


def sync_all(provider: GitHubProvider, cursors: dict[str, Cursor]) -> dict[str, list]:
    """Read every stream from its stored cursor, store the new cursors, return the records."""
    out = {}
    for stream in provider.streams():
        records, batches = read(provider, stream, cursors.get(stream, Cursor()))
        cursors[stream] = batches[-1].cursor
        out[stream.split(":")[0]] = records
    return out


def test_full_sync_within_budget_and_unchanged_resync_spends_no_rate_limit(fresh_sandbox):
    box = fresh_sandbox("--seed", "7")
    cursors: dict[str, Cursor] = {}
    provider = make_provider(box)
    first = sync_all(provider, cursors)
    full = sandbox_usage(box)
    n, d, i = (len(first[k]) for k in ("pull_requests", "deployments", "incidents"))
    assert n > 100 and d > 50 and i > 0
    budget = math.ceil(n / 50) + math.ceil(d / 50) + math.ceil(i / 100) + 10
    assert full["requests"] == provider.stats.total <= budget

    again = sync_all(make_provider(box), cursors)
    after = sandbox_usage(box)
    assert all(records == [] for records in again.values())
    assert after["requests"] == full["requests"]  # nothing but 304s
    assert after["not_modified"] == 3
    assert after["core_remaining"] == full["core_remaining"]
    assert after["graphql_remaining"] == full["graphql_remaining"]


def test_new_pull_request_merge_and_deploy_are_picked_up_incrementally(fresh_sandbox):
    box = fresh_sandbox("--seed", "7")
    cursors: dict[str, Cursor] = {}
    sync_all(make_provider(box), cursors)

    created = box.post("/_sandbox/mutate", {"kind": "new_pr", "repo": box.repo}).json()
    provider = make_provider(box)
    changes = sync_all(provider, cursors)
    assert [(p.number, p.state) for p in changes["pull_requests"]] == [(created["number"], "open")]
    assert changes["deployments"] == [] and changes["incidents"] == []

    box.post(
        "/_sandbox/mutate", {"kind": "merge_pr", "repo": box.repo, "number": created["number"]}
    )
    deployed = box.post("/_sandbox/mutate", {"kind": "deploy", "repo": box.repo}).json()
    provider = make_provider(box)
    changes = sync_all(provider, cursors)
    (merged,) = changes["pull_requests"]
    assert merged.number == created["number"] and merged.state == "merged"
    assert merged.reviews[-1].state == "APPROVED"
    assert [(x.external_id, x.status, x.sha) for x in changes["deployments"]] == [
        (str(deployed["deployment_id"]), "success", deployed["sha"])
    ]
    assert provider.stats.total - provider.stats.not_modified <= 4  # 2 probes + 2 queries


# --- errors ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def faulty(request):
    from tests.sandbox_server import start_sandbox, stop_sandbox

    box = start_sandbox("--seed", "3")
    request.addfinalizer(lambda: stop_sandbox(box))
    return box


@pytest.fixture
def clear_faults(faulty):
    yield faulty
    requests.delete(faulty.base + "/_sandbox/faults", timeout=5)
    faulty.post("/_sandbox/limits", {"github_graphql_budget": 5000, "reset": True})


def test_short_server_error_burst_is_retried_to_success(clear_faults):
    box = clear_faults
    set_faults(box, {"kind": "status", "path": "/graphql", "status": 502, "count": 2})
    sleep = RecordingSleep()
    pulls, _ = read(
        make_provider(box, options=HttpOptions(sleep=sleep)), f"pull_requests:{box.repo}"
    )
    assert pulls and len(sleep.waits) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
def test_long_server_error_burst_is_a_transient_error(clear_faults, status):
    box = clear_faults
    set_faults(box, {"kind": "status", "path": "/repos/*", "status": status, "count": 5})
    with pytest.raises(TransientError, match=f"HTTP {status}"):
        read(make_provider(box), f"pull_requests:{box.repo}")


@pytest.mark.parametrize("kind", ["rate_limit", "secondary"])
def test_rate_limits_with_long_retry_after_are_rate_limited_errors(clear_faults, kind):
    box = clear_faults
    set_faults(box, {"kind": kind, "path": "/repos/*", "retry_after": 120})
    with pytest.raises(RateLimitedError) as caught:
        read(make_provider(box), f"incidents:{box.repo}")
    assert 100 <= caught.value.retry_after <= 120


def test_short_secondary_limit_is_waited_out_in_place(clear_faults):
    box = clear_faults
    set_faults(box, {"kind": "secondary", "path": "/repos/*", "retry_after": 2, "count": 1})
    sleep = RecordingSleep()
    incidents, _ = read(
        make_provider(box, options=HttpOptions(sleep=sleep)), f"incidents:{box.repo}"
    )
    assert incidents and sleep.waits == [2.0]


def test_graphql_budget_used_up_is_a_rate_limited_error(clear_faults):
    box = clear_faults
    box.post("/_sandbox/limits", {"github_graphql_budget": 0, "reset": True})
    with pytest.raises(RateLimitedError, match="GraphQL rate limit"):
        read(make_provider(box), f"pull_requests:{box.repo}")


def test_bad_token_is_an_authentication_error_that_never_shows_the_token(clear_faults):
    box = clear_faults
    token = "ghp_definitelyNotTheSandboxToken123"
    with pytest.raises(AuthenticationError) as caught:
        read(make_provider(box, token=token), f"pull_requests:{box.repo}")
    assert token not in str(caught.value)
    check = make_provider(box, token=token).check_connection()
    assert not check.ok and check.message == "GitHub rejected the token"


def test_unknown_repository_is_not_found_for_fetch_and_connection_check(clear_faults):
    box = clear_faults
    provider = make_provider(box, repositories=[box.repo, "acme-eng/nope"])
    with pytest.raises(NotFoundError, match="acme-eng/nope not found or the token cannot see it"):
        read(provider, "deployments:acme-eng/nope")
    check = provider.check_connection()
    assert not check.ok
    assert check.message == "repository acme-eng/nope not found or the token cannot see it"
    assert check.details["repositories"] == {box.repo: "ok", "acme-eng/nope": "not found"}
    assert make_provider(box).check_connection().ok


def test_malformed_json_is_a_malformed_response_error(clear_faults):
    box = clear_faults
    set_faults(box, {"kind": "malformed", "path": "/graphql"})
    with pytest.raises(MalformedResponseError):
        read(make_provider(box), f"pull_requests:{box.repo}")


def test_hung_response_is_a_transient_error_after_the_read_timeout(clear_faults):
    box = clear_faults
    set_faults(box, {"kind": "hang", "path": "/repos/*", "hang_seconds": 5})
    options = HttpOptions(read_timeout=0.3, transient_retries=0, sleep=RecordingSleep())
    with pytest.raises(TransientError, match="did not answer within"):
        read(make_provider(box, options=options), f"incidents:{box.repo}")


def test_dropped_connection_is_a_transient_error(clear_faults):
    box = clear_faults
    set_faults(box, {"kind": "drop", "path": "/graphql"})
    with pytest.raises(TransientError, match="connection failed"):
        read(make_provider(box), f"pull_requests:{box.repo}")


def test_classic_token_without_repo_scope_is_recognised():
    assert lacks_repo_scope("read:org, gist")
    assert not lacks_repo_scope("repo, read:org")
    assert not lacks_repo_scope(None)  # fine-grained tokens send no scopes


def test_graphql_lives_beside_the_rest_root_on_github_and_enterprise():
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"


def test_provider_queries_are_valid_against_githubs_schema():
    schema = build_schema(
        (OPENAPI / "github-schema.graphql").read_text(), assume_valid_sdl=True, assume_valid=True
    )
    for query in (PULLS_QUERY, TIMELINE_QUERY, COMMITS_QUERY, DEPLOYMENTS_QUERY):
        assert validate(schema, parse(query)) == []


# --- parsing of GitHub's own example payloads --------------------------------------------


def example(name: str):
    return json.loads((GITHUB_EXAMPLES / f"{name}.json").read_text())


def test_parse_rest_pull_request_with_reviews_and_commits_from_examples():
    pr = parse_rest_pull_request(
        example("pull_get"),
        "octocat/Hello-World",
        ["*[bot]"],
        reviews=example("pull_reviews_list"),
        commits=example("commits_list"),
    )
    assert (pr.number, pr.state, pr.author, pr.author_is_bot) == (1347, "open", "octocat", False)
    assert (pr.additions, pr.deletions, pr.changed_files) == (100, 3, 5)
    assert pr.created_at == datetime(2011, 1, 26, 19, 1, 12, tzinfo=UTC)
    assert pr.merged_at is None and pr.merge_commit_sha is None
    assert [(r.reviewer, r.state) for r in pr.reviews] == [("octocat", "APPROVED")]
    assert pr.first_commit_at == pr.commits[0].authored_at
    assert parse_rest_review(example("pull_reviews_list")[0], "o/r", 1, ["octo*"]).reviewer_is_bot
    commit = parse_rest_commit(example("commits_list")[0], "o/r", None)
    assert commit.sha == example("commits_list")[0]["sha"] and commit.author == "octocat"


def test_parse_rest_deployment_with_statuses_from_examples():
    deployment = parse_rest_deployment(
        example("deployments_list")[0], example("deployment_statuses_list"), "octocat/example"
    )
    assert (deployment.status, deployment.environment) == ("success", "production")
    assert deployment.sha == "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d"
    assert deployment.finished_at == datetime(2012, 7, 20, 1, 19, 13, tzinfo=UTC)


def test_parse_release_and_workflow_run_from_examples():
    release = parse_release(example("releases_list")[0], "octocat/Hello-World")
    assert release is not None and release.status == "success"
    assert (
        release.created_at == release.finished_at == datetime(2013, 2, 27, 19, 35, 32, tzinfo=UTC)
    )
    assert parse_release({**example("releases_list")[0], "draft": True}, "o/r") is None

    run = example("workflow_runs_list")["workflow_runs"][0]
    assert parse_workflow_run(run, "o/r", "") is None  # queued: not finished
    finished = {**run, "status": "completed", "conclusion": "timed_out"}
    parsed = parse_workflow_run(finished, "o/r", "^Bui")
    assert parsed is not None and (parsed.status, parsed.sha) == ("failure", run["head_sha"])
    assert parse_workflow_run(finished, "o/r", "^deploy") is None


def test_parse_incident_skips_pull_requests_and_reads_labels():
    item = example("issues_list")[0]
    assert parse_incident(item, "o/r") is None  # the example issue is a pull request
    issue = {key: value for key, value in item.items() if key != "pull_request"}
    incident = parse_incident({**issue, "closed_at": "2011-04-23T10:00:00Z"}, "o/r")
    assert incident is not None and incident.labels == ("bug",)
    assert incident.resolved_at == datetime(2011, 4, 23, 10, tzinfo=UTC)


def test_unexpected_payload_shape_is_a_malformed_response_error(sandbox):
    provider = make_provider(sandbox)

    def broken(*args, **kwargs):
        yield Batch((parse_time(None),))

    provider._read_incidents = broken  # type: ignore[method-assign]
    with pytest.raises(MalformedResponseError, match="unexpected shape"):
        read(provider, f"incidents:{sandbox.repo}")


# --- DevLake's recorded data for panjf2000/ants -----------------------------------------


def snapshot(name: str) -> list[dict]:
    path = DEVLAKE_GITHUB / "snapshot_tables" / name
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def devlake_time(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def test_recorded_devlake_pull_requests_reviews_and_commits_match_devlakes_snapshot(
    fresh_sandbox,
):
    box = fresh_sandbox("--data", str(DEVLAKE_GITHUB))
    provider = make_provider(box, repositories=["panjf2000/ants"])
    pulls, _ = read(provider, "pull_requests:panjf2000/ants")

    expected = {int(row["pull_request_key"]): row for row in snapshot("pull_requests.csv")}
    assert len(pulls) == len(expected) == 49
    for pr in pulls:
        row = expected[pr.number]
        assert pr.state == row["status"].lower()
        assert pr.author == row["author_name"]
        assert pr.created_at == devlake_time(row["created_date"])
        assert pr.merged_at == devlake_time(row["merged_date"])
        assert pr.closed_at == devlake_time(row["closed_date"])
        if pr.state == "merged":
            assert pr.merge_commit_sha == row["merge_commit_sha"]

    reviews = {r.external_id: r for p in pulls for r in p.reviews}
    expected_reviews = snapshot("_tool_github_pull_request_reviews.csv")
    assert sorted(reviews) == sorted(row["github_id"] for row in expected_reviews)
    for row in expected_reviews:
        review = reviews[row["github_id"]]
        assert (review.reviewer, review.state) == (row["author_username"], row["state"])
        assert review.submitted_at == devlake_time(row["github_submit_at"])

    external_ids = {p.external_id: p for p in pulls}
    commits = {
        (f"github:GithubPullRequest:1:{p.external_id}", c.sha): c for p in pulls for c in p.commits
    }
    expected_commits = snapshot("pull_request_commits.csv")
    assert sorted(commits) == sorted(
        (row["pull_request_id"], row["commit_sha"]) for row in expected_commits
    )
    for row in expected_commits:
        commit = commits[(row["pull_request_id"], row["commit_sha"])]
        assert commit.authored_at == devlake_time(row["commit_authored_date"])
    with_commits = [p for p in external_ids.values() if p.commits]
    assert with_commits and all(
        p.first_commit_at == min(c.authored_at for c in p.commits) for p in with_commits
    )
