"""Provider faults from the sandbox (/_sandbox/faults) against a real worker: F8-F13."""

import pytest
import requests

from integrations.models import SyncRun
from metrics.models import PullRequest, Sprint, WorkItem
from tests.e2e.conftest import wait_for
from tests.factories import TeamFactory
from tests.faults import checker
from tests.faults.helpers import (
    clear_faults,
    github_integration,
    jira_integration,
    runs,
    secrets_of,
    set_faults,
    trello_integration,
    wait_settled,
    wait_succeeded,
)

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.fault("F11")
@pytest.mark.parametrize("kind", ["malformed", "html", "drift"])
@pytest.mark.parametrize("path", ["/1/boards/*/cards/all", "/1/boards/*/lists"])
def test_f11_a_garbled_answer_fails_once_without_retry_and_stores_nothing(
    fresh_sandbox, worker, kind, path
):
    """200 with a body that is not JSON, an HTML page, or JSON whose shape drifted (the id keys
    renamed): no retry, status error, a plain message, no half-parsed rows."""
    box = fresh_sandbox("--seed", "41")
    set_faults(box, [{"kind": kind, "path": path}])
    integration = trello_integration(box, boards=[box.info["trello"]["boards"][0]["id"]])
    found = wait_settled(integration, worker)
    wait_for(lambda: "succeeded in" in worker.log("worker"), timeout=20, message="task ended")
    assert [(r.status, r.error_type) for r in runs(integration)] == [("failed", "malformed")]
    assert MALFORMED_MESSAGES[kind] in found[0].error_message
    assert WorkItem.objects.filter(integration=integration).count() == 0
    integration.refresh_from_db()
    assert integration.status == "error"
    clear_faults(box)
    checker.check_all(box, worker, [integration], secrets_of(box))


MALFORMED_MESSAGES = {
    "malformed": "not valid JSON",
    "html": "not valid JSON (boards/{id}/",  # names the endpoint and the content type
    "drift": "in an unexpected shape (KeyError: 'id')",
}


@pytest.mark.fault("F11")
@pytest.mark.parametrize("kind", ["html", "drift"])
def test_f11_a_garbled_github_graphql_answer_fails_without_retry(fresh_sandbox, worker, kind):
    """The same for GitHub's GraphQL pull request pages: no retry, no pull request stored."""
    box = fresh_sandbox("--seed", "41", "--scale", "small")
    set_faults(box, [{"kind": kind, "path": "/graphql"}])
    integration = github_integration(box)
    found = wait_settled(integration, worker)
    wait_for(lambda: "succeeded in" in worker.log("worker"), timeout=20, message="task ended")
    assert [(r.status, r.error_type) for r in runs(integration)] == [("failed", "malformed")]
    assert found[0].error_message.startswith("GitHub sent")
    assert PullRequest.objects.filter(integration=integration).count() == 0
    clear_faults(box)
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F12")
def test_f12_a_failing_board_then_success_resumes_without_duplicates(fresh_sandbox, worker):
    """Board 2 of 3 answers 503 three times (one call and both quick retries): the run keeps
    board 1 (partial), the task retries and the next run finishes without duplicates."""
    box = fresh_sandbox("--seed", "42", "--boards", "3")
    second = box.info["trello"]["boards"][1]["id"]
    set_faults(
        box,
        [{"kind": "status", "status": 503, "path": f"/1/boards/{second}/cards/all", "count": 3}],
    )
    integration = trello_integration(box)
    found = wait_succeeded(integration, worker)
    assert [r.status for r in found] == ["partial", "succeeded"]
    assert found[0].error_type == "transient"
    assert found[0].records_created > 0
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F10")
def test_f10_a_hanging_provider_times_out_and_the_retry_succeeds(fresh_sandbox, worker):
    """The cards endpoint hangs three times (30 s each); the worker's 3 s read timeout fires
    on each, the run fails as transient with the lease released, and the retry succeeds."""
    box = fresh_sandbox("--seed", "43")
    set_faults(
        box, [{"kind": "hang", "path": "/1/boards/*/cards/all", "count": 3, "hang_seconds": 30}]
    )
    integration = trello_integration(box, boards=[box.info["trello"]["boards"][0]["id"]])
    found = wait_succeeded(integration, worker, timeout=50)
    assert found[0].status == "failed"
    assert found[0].error_type == "transient"
    assert "did not answer within" in found[0].error_message
    integration.refresh_from_db()
    assert integration.lease_until is None
    clear_faults(box)
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F9")
def test_f9_server_errors_then_success_are_retried_a_bounded_number_of_times(fresh_sandbox, worker):
    """503 on 9 calls (three tries of three calls): the initial sync's three retries suffice."""
    box = fresh_sandbox("--seed", "44")
    set_faults(box, [{"kind": "status", "status": 503, "path": "/1/boards/*/lists", "count": 9}])
    integration = trello_integration(box, boards=[box.info["trello"]["boards"][0]["id"]])
    found = wait_succeeded(integration, worker)
    assert [r.status for r in found] == ["failed", "failed", "failed", "succeeded"]
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F9")
def test_f9_server_errors_forever_give_up_after_the_retries(fresh_sandbox, worker):
    """503 on every call: 1 + 3 runs, then the task stops; last_sync_at set, status error."""
    box = fresh_sandbox("--seed", "45")
    set_faults(box, [{"kind": "status", "status": 502, "path": "/1/boards/*/lists"}])
    integration = trello_integration(box, boards=[box.info["trello"]["boards"][0]["id"]])
    wait_for(
        lambda: len([r for r in runs(integration) if r.status == "failed"]) == 4,
        timeout=45,
        message=lambda: worker.logs()[-3000:],
    )
    found = wait_settled(integration, worker)
    wait_for(lambda: "succeeded in" in worker.log("worker"), timeout=20, message="task ended")
    assert [r.status for r in runs(integration)] == ["failed"] * 4
    integration.refresh_from_db()
    assert integration.status == "error" and integration.last_sync_at is not None
    assert "HTTP 502" in found[-1].error_message
    clear_faults(box)
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F8")
def test_f8_a_429_with_retry_after_waits_for_the_reset(fresh_sandbox, worker):
    """429 + Retry-After: 12 (longer than the 10 s waited in place): the next try starts no
    sooner than 11 s later."""
    box = fresh_sandbox("--seed", "46")
    set_faults(
        box, [{"kind": "rate_limit", "path": "/1/boards/*/lists", "retry_after": 12, "count": 1}]
    )
    integration = trello_integration(box, boards=[box.info["trello"]["boards"][0]["id"]])
    found = wait_succeeded(integration, worker, timeout=50)
    limited, retried = found[0], found[-1]
    assert limited.error_type == "rate_limited"
    assert (retried.started_at - limited.finished_at).total_seconds() >= 11
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F8")
def test_f8_a_github_403_rate_limit_is_a_rate_limit_not_an_auth_failure(fresh_sandbox, worker):
    """GitHub's primary rate limit answer: 403 with x-ratelimit-remaining: 0 and Retry-After 12.
    It must be treated as a rate limit (wait, retry), not as rejected credentials."""
    box = fresh_sandbox("--seed", "47", "--scale", "small")
    set_faults(
        box, [{"kind": "rate_limit", "status": 403, "path": "*", "retry_after": 12, "count": 1}]
    )
    integration = github_integration(box)
    found = wait_succeeded(integration, worker, timeout=55)
    assert found[0].error_type == "rate_limited", found[0].error_message
    assert (found[-1].started_at - found[0].finished_at).total_seconds() >= 11
    integration.refresh_from_db()
    assert integration.status == "ok"
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F13")
def test_f13_a_revoked_token_fails_once_and_others_still_sync(fresh_sandbox, worker):
    """One integration's token is revoked (401): one failed run, auth_failed, no retry; the
    team's other integration syncs normally. The revoked token is a sentinel too."""
    box = fresh_sandbox("--seed", "48")
    board = [box.info["trello"]["boards"][0]["id"]]
    revoked_token = "revoked-sentinel-token-0123456789"
    bad = trello_integration(box, name="revoked", token=revoked_token, boards=board)
    good = trello_integration(box, team=bad.team, name="fine", boards=board)
    wait_succeeded(good, worker)
    found = wait_settled(bad, worker)
    wait_for(
        lambda: worker.log("worker").count("succeeded in") >= 2, timeout=20, message="tasks ended"
    )
    assert [(r.status, r.error_type) for r in found] == [("failed", "auth")]
    assert SyncRun.objects.filter(integration=bad).count() == 1
    bad.refresh_from_db()
    assert bad.status == "auth_failed" and bad.last_sync_at is not None
    checker.check_all(box, worker, [good], [*secrets_of(box), revoked_token])
    checker.check_c1(box, [bad])
    checker.check_c4([bad], [*secrets_of(box), revoked_token], worker.logs())


@pytest.mark.fault("F9")
def test_f9_server_error_bursts_on_every_provider_then_all_three_sync_completely(
    fresh_sandbox, worker
):
    """503 bursts on GitHub's GraphQL, Jira's search and Trello's lists at once (three calls
    each: one call and both quick retries): every integration of the team ends succeeded, and
    the checker compares the pull requests, the Jira issues and sprints, and the cards with the
    sandbox, and every metric family (sprints too) with a recomputation."""
    box = fresh_sandbox("--seed", "49", "--scale", "small")
    bursts = ["/graphql", "/rest/api/3/search/jql", "/1/boards/*/lists"]
    set_faults(box, [{"kind": "status", "status": 503, "path": p, "count": 3} for p in bursts])
    team = TeamFactory()
    integrations = [
        github_integration(box, team=team),
        jira_integration(box, team=team),
        trello_integration(box, team=team),
    ]
    for integration in integrations:
        wait_succeeded(integration, worker, timeout=90)
    served = requests.get(box.base + "/_sandbox/stats", timeout=5).json()["endpoints"]
    failed = {label for label, by_status in served.items() if by_status.get("503")}
    assert len(failed) == 3, served
    assert any(r.status != "succeeded" for i in integrations for r in runs(i)), (
        "a burst longer than the quick retries ends a run"
    )
    expected = checker.expected_items(box, integrations[1])
    assert len(expected[Sprint]) >= 3 and len(expected[WorkItem]) >= 100, "C1 compares sets"
    checker.check_all(box, worker, integrations, secrets_of(box))
