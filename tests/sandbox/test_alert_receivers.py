"""The sandbox's Slack incoming-webhook stand-in and webhook receiver: what they answer, what
they record, and the failures a control call plans for them."""

from __future__ import annotations

import pytest
import requests

DEMO = "/services/T0000DEMO/B0000DEMO/demo-token"


@pytest.fixture(scope="module")
def box(request):
    from tests.sandbox_server import start_sandbox, stop_sandbox

    sandbox = start_sandbox("--seed", "5", "--slack-hook", "TCUSTOM/BCUSTOM/custom-token")
    request.addfinalizer(lambda: stop_sandbox(sandbox))
    return sandbox


def post(box, path: str, body=None, **kw) -> requests.Response:
    return requests.post(box.base + path, json=body, timeout=10, **kw)


def test_a_live_slack_hook_answers_invalid_payload_to_an_empty_message_and_posts_nothing(box):
    requests.delete(box.base + "/_sandbox/slack/messages", timeout=10)

    answer = post(box, DEMO, {})

    assert (answer.status_code, answer.text) == (400, "invalid_payload")
    assert box.get("/_sandbox/slack/messages").json()["messages"] == []


def test_a_slack_message_is_posted_and_listed(box):
    requests.delete(box.base + "/_sandbox/slack/messages", timeout=10)
    message = {"text": "Agreement broken", "blocks": [{"type": "header"}]}

    answer = post(box, DEMO, message)

    assert (answer.status_code, answer.text) == (200, "ok")
    listed = box.get("/_sandbox/slack/messages").json()["messages"]
    assert [(m["hook"], m["message"]) for m in listed] == [
        (DEMO.removeprefix("/services/"), message)
    ]


def test_unknown_slack_hooks_answer_no_service_and_configured_ones_are_live(box):
    unknown = post(box, "/services/T1/B1/revoked", {"text": "x"})
    configured = post(box, "/services/TCUSTOM/BCUSTOM/custom-token", {"text": "x"})
    added = post(box, "/_sandbox/slack/hooks", {"path": "TNEW/BNEW/new"})
    new = post(box, "/services/TNEW/BNEW/new", {})

    assert (unknown.status_code, unknown.text) == (404, "no_service")
    assert configured.status_code == 200
    assert "TNEW/BNEW/new" in added.json()["hooks"]
    assert (new.status_code, new.text) == (400, "invalid_payload")


def test_the_webhook_receiver_records_the_exact_body_and_headers(box):
    raw = b'{"event":"alert.opened","alert":{"id":1}}'
    answer = requests.post(
        box.base + "/hooks/ops",
        data=raw,
        headers={"Content-Type": "application/json", "Idempotency-Key": "alert:1:2:0"},
        timeout=10,
    )

    assert answer.status_code == 200
    received = box.get("/_sandbox/hooks/ops").json()["received"]
    assert received[-1]["body"] == raw.decode()
    assert received[-1]["headers"]["Idempotency-Key"] == "alert:1:2:0"


def test_a_receiver_fails_as_planned_then_accepts(box):
    plan = post(box, "/_sandbox/hooks/flaky/fail", {"status": 500, "times": 2})
    assert plan.json()["fail"]["times"] == 2

    statuses = [post(box, "/hooks/flaky", {"n": n}).status_code for n in range(3)]

    assert statuses == [500, 500, 200]
    record = box.get("/_sandbox/hooks/flaky").json()
    assert record["attempts"] == 3
    assert [r["body"] for r in record["received"]] == ['{"n": 2}']


def test_a_planned_429_carries_retry_after(box):
    post(box, "/_sandbox/hooks/limited/fail", {"status": 429, "times": 1, "retry_after": 120})

    first, second = post(box, "/hooks/limited", {}), post(box, "/hooks/limited", {})

    assert (first.status_code, first.headers["Retry-After"]) == (429, "120")
    assert second.status_code == 200


def test_slack_can_fail_as_planned_too(box):
    post(box, "/_sandbox/slack/fail", {"status": 503, "times": 1})

    assert post(box, DEMO, {"text": "x"}).status_code == 503
    assert post(box, DEMO, {"text": "x"}).status_code == 200
