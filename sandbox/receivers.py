"""Stand-ins for where AgileTrack sends alerts: Slack incoming webhooks and a generic webhook
receiver. Both record what they got; a control call makes them fail the next N requests.

Slack (https://api.slack.com/messaging/webhooks#handling_errors): POST /services/<T>/<B>/<token>
answers 200 "ok" to a message with `text` or `blocks`, 400 "invalid_payload" to `{}` (without
posting: how a hook is checked as live) and 404 "no_service" for a hook that does not exist.
The live hooks are T0000DEMO/B0000DEMO/demo-token plus any given with --slack-hook or added with
POST /_sandbox/slack/hooks {"path": "T/B/token"}. GET /_sandbox/slack/messages lists messages.

Webhooks: POST /hooks/<name> records the body (as text, so a signature can be recomputed) and
headers; POST /_sandbox/hooks/<name>/fail {"status": 500|429, "times": N, "retry_after": S}
makes the next N answer that status; GET /_sandbox/hooks/<name> lists what was received.
"""

from __future__ import annotations

import json
import time

from .control import CONTROL
from .routing import ROUTES, Api, ApiError, Reply

DEMO_HOOK = "T0000DEMO/B0000DEMO/demo-token"


class TextApi(Api):
    """Receivers answer plain text, as Slack's incoming webhooks do."""

    def error_body(self, status: int, message: str):
        return message


SLACK = ROUTES.add_api(TextApi("slack", "/services/", metered=False))
HOOKS = ROUTES.add_api(TextApi("hooks", "/hooks/", metered=False))


def state(app) -> dict:
    """The receivers' records, kept as long as the sandbox runs."""
    with app.lock:
        if "receivers" not in app.state:
            hooks = {DEMO_HOOK, *getattr(app.settings, "slack_hooks", ())}
            app.state["receivers"] = {
                "slack_hooks": hooks,
                "slack_messages": [],
                "hooks": {},
                "failures": {},
            }
        return app.state["receivers"]


def _body(ctx) -> dict:
    data = ctx.request.get_data()
    if not data:
        return {}
    try:
        body = json.loads(data)
    except ValueError:
        raise ApiError(400, {"error": "the body is not JSON"}) from None
    if not isinstance(body, dict):
        raise ApiError(400, {"error": "the body must be a JSON object"})
    return body


def _planned_failure(records: dict, key: str) -> Reply | None:
    """The next planned failure for this receiver, if any is left."""
    plan = records["failures"].get(key)
    if not plan or plan["times"] <= 0:
        return None
    plan["times"] -= 1
    headers = {}
    if plan["status"] == 429:
        headers["Retry-After"] = str(plan.get("retry_after", 1))
    text = "rate_limited" if plan["status"] == 429 else "internal_error"
    return Reply(text, plan["status"], headers)


def _fail_plan(ctx, records: dict, key: str) -> Reply:
    body = _body(ctx)
    status = int(body.get("status", 500))
    if status not in (429, 500, 502, 503):
        raise ApiError(400, {"error": "status must be 429, 500, 502 or 503"})
    plan = {
        "status": status,
        "times": int(body.get("times", 1)),
        "retry_after": int(body.get("retry_after", 1)),
    }
    records["failures"][key] = plan
    return Reply({"fail": plan})


@SLACK.route("/services/<team>/<bot>/<token>", "incoming_webhook", methods=("POST",))
def _slack_post(ctx, team, bot, token) -> Reply:
    records = state(ctx.app)
    path = f"{team}/{bot}/{token}"
    if path not in records["slack_hooks"]:
        return Reply("no_service", 404)
    records.setdefault("slack_attempts", 0)
    records["slack_attempts"] += 1
    failed = _planned_failure(records, "slack")
    if failed is not None:
        return failed
    try:
        body = _body(ctx)
    except ApiError:
        return Reply("invalid_payload", 400)
    if not body.get("text") and not body.get("blocks"):
        return Reply("invalid_payload", 400)  # nothing is posted
    records["slack_messages"].append({"hook": path, "received_at": time.time(), "message": body})
    return Reply("ok")


@CONTROL.route("/_sandbox/slack/messages", "slack_messages", methods=("GET", "DELETE"))
def _slack_messages(ctx) -> Reply:
    records = state(ctx.app)
    if ctx.request.method == "DELETE":
        records["slack_messages"].clear()
    return Reply(
        {
            "messages": records["slack_messages"],
            "attempts": records.get("slack_attempts", 0),
        }
    )


@CONTROL.route("/_sandbox/slack/hooks", "slack_hooks", methods=("GET", "POST"))
def _slack_hooks(ctx) -> Reply:
    records = state(ctx.app)
    if ctx.request.method == "POST":
        path = str(_body(ctx).get("path", "")).strip("/")
        if path.count("/") != 2:
            raise ApiError(400, {"error": "path must look like T…/B…/token"})
        records["slack_hooks"].add(path)
    return Reply({"hooks": sorted(records["slack_hooks"])})


@CONTROL.route("/_sandbox/slack/fail", "slack_fail", methods=("POST",))
def _slack_fail(ctx) -> Reply:
    return _fail_plan(ctx, state(ctx.app), "slack")


@HOOKS.route("/hooks/<name>", "receive", methods=("POST",))
def _hook_post(ctx, name) -> Reply:
    records = state(ctx.app)
    hook = records["hooks"].setdefault(name, {"received": [], "attempts": 0})
    hook["attempts"] += 1
    failed = _planned_failure(records, f"hook:{name}")
    if failed is not None:
        return failed
    hook["received"].append(
        {
            "body": ctx.request.get_data().decode("utf-8", errors="replace"),
            "headers": dict(ctx.request.headers),
            "received_at": time.time(),
        }
    )
    return Reply({"ok": True})


@CONTROL.route("/_sandbox/hooks/<name>", "hook_records", methods=("GET", "DELETE"))
def _hook_records(ctx, name) -> Reply:
    records = state(ctx.app)
    if ctx.request.method == "DELETE":
        records["hooks"].pop(name, None)
        records["failures"].pop(f"hook:{name}", None)
    hook = records["hooks"].get(name, {"received": [], "attempts": 0})
    return Reply({"name": name, **hook})


@CONTROL.route("/_sandbox/hooks/<name>/fail", "hook_fail", methods=("POST",))
def _hook_fail(ctx, name) -> Reply:
    return _fail_plan(ctx, state(ctx.app), f"hook:{name}")
