"""Jira's Api (basic auth, burst rate limit, error bodies) and the helpers its endpoints share."""

from __future__ import annotations

import base64
import time

from .jql import JqlError
from .jql import compile_jql as jql_compile
from .routing import ROUTES, Api, ApiError, Reply


class JiraApi(Api):
    """Everything under /rest/: platform REST v3 and Agile 1.0."""

    def error_body(self, status: int, message: str):
        return {"errorMessages": [message], "errors": {}}

    def authenticate(self, ctx):
        creds = ctx.org.credentials["jira"]
        header = ctx.request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        try:
            given = base64.b64decode(value.strip()).decode()
        except ValueError:
            given = ""
        if scheme.lower() != "basic" or given != f"{creds['email']}:{creds['api_token']}":
            body = {
                "errorMessages": ["You are not authenticated. Authentication required."],
                "errors": {},
            }
            return Reply(body, 401, {"WWW-Authenticate": 'Basic realm="protected-area"'})
        ctx.user = creds["email"]
        return None

    def limit(self, ctx, endpoint):
        s = ctx.app.settings
        now = time.time()
        win = ctx.app.window(("jira", ctx.user), s.jira_limit, s.jira_window_seconds)
        if win.remaining(now) <= 0:
            wait = max(1, int(win.reset_at(now) - now + 0.999))
            return Reply(_rate_limited(), 429, {"Retry-After": str(wait)} | _BURST)
        win.spend(now)
        return None

    def limited(self, fault, org, headers):
        if fault.kind == "secondary":
            return super().limited(fault, org, headers)
        return Reply(_rate_limited(), fault.status, headers | _BURST)


_BURST = {"RateLimit-Reason": "jira-burst-based"}


def _rate_limited() -> dict:
    return {"errorMessages": ["Rate limit exceeded."], "errors": {}}


JIRA = ROUTES.add_api(JiraApi("jira", "/rest/"))


def error(status: int, *messages: str, errors: dict | None = None) -> ApiError:
    return ApiError(status, {"errorMessages": list(messages), "errors": errors or {}})


def reply(body, status: int = 200) -> Reply:
    return Reply(body, status)


def int_arg(ctx, name: str, default: int, body: dict | None = None) -> int:
    raw = (body or {}).get(name, ctx.args.get(name, default))
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise error(400, f"The value '{raw}' is invalid for {name}.") from exc


def compile_jql(jql: str, org):
    """(tests, sort keys) of a JQL query (see jql.py); a query Jira refuses is a 400."""
    try:
        return jql_compile(jql, org)
    except JqlError as exc:
        raise error(400, str(exc)) from exc
