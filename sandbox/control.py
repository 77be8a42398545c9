"""The /_sandbox control API: connection info, request stats, faults, limits and data changes.

It needs no credentials and is not counted as API usage.
"""

from __future__ import annotations

import time

from . import mutate
from .faults import Fault
from .github_rest import github_window
from .model import Organisation
from .routing import ROUTES, Api, ApiError, Reply

CONTROL = ROUTES.add_api(Api("sandbox", "/_sandbox", metered=False))
LIMIT_SETTINGS = (
    "github_budget",
    "github_graphql_budget",
    "github_window_seconds",
    "github_exhausted_status",
    "jira_limit",
    "jira_window_seconds",
    "trello_token_limit",
    "trello_key_limit",
    "trello_window_seconds",
)


def info(org: Organisation, base: str) -> dict:
    """What a person or test needs to point integrations at this sandbox."""
    creds = org.credentials
    return {
        "base_url": base,
        "seed": org.seed,
        "scale": org.scale.__dict__,
        "github": {
            "api_url": base,
            "graphql_url": base + "/graphql",
            "token": creds["github"]["token"],
            # Acts as a GitHub App installation token: /installation/repositories, not /user.
            "installation_token": creds["github"]["installation_token"],
            "viewer": org.viewer.login,
            "repositories": [r.full_name for r in org.repos.values()],
        },
        "jira": {
            "site_url": base,
            "email": creds["jira"]["email"],
            "api_token": creds["jira"]["api_token"],
            "project_keys": list(org.projects),
            "boards": [
                {"id": b.id, "name": b.name, "project_key": b.project} for b in org.boards.values()
            ],
            "story_points_field": "customfield_10016",
        },
        "trello": {
            "api_url": base + "/1",
            "key": creds["trello"]["key"],
            "token": creds["trello"]["token"],
            "boards": [{"id": b.id, "name": b.name} for b in org.trello_boards.values()],
        },
    }


@CONTROL.route("/_sandbox/info", "info")
def _info(ctx) -> Reply:
    body = info(ctx.org, ctx.base)
    if ctx.app.recorded is not None:
        body["github"]["repositories"] = [ctx.app.recorded.full_name]
        body["recorded"] = True
    return Reply(body)


@CONTROL.route("/_sandbox/stats", "stats", methods=("GET", "DELETE"))
def _stats(ctx) -> Reply:
    app = ctx.app
    if ctx.request.method == "DELETE":
        app.stats.clear()
    endpoints: dict[str, dict[str, int]] = {}
    total = not_modified = 0
    for (label, status), count in sorted(app.stats.items(), key=lambda e: (e[0][0], str(e[0][1]))):
        endpoints.setdefault(label, {})[str(status)] = count
        if status == 304:
            not_modified += count
        else:
            total += count
    return Reply({"requests": total, "not_modified": not_modified, "endpoints": endpoints})


@CONTROL.route("/_sandbox/faults", "faults", methods=("GET", "POST", "PUT", "DELETE"))
def _faults(ctx) -> Reply:
    app = ctx.app
    method = ctx.request.method
    if method == "DELETE":
        app.faults.replace([])
    elif method in ("POST", "PUT"):
        body = ctx.json() if ctx.request.get_data() else {}
        raw = body.get("faults", [])
        try:
            rules = [Fault.from_dict(item) for item in raw]
        except (TypeError, ValueError) as exc:
            raise ApiError(400, {"error": str(exc)}) from exc
        if method == "PUT" or body.get("replace", True):
            app.faults.replace(rules)
        else:
            app.faults.add(rules)
    return Reply({"faults": app.faults.describe()})


@CONTROL.route("/_sandbox/limits", "limits", methods=("GET", "POST"))
def _limits(ctx) -> Reply:
    app = ctx.app
    s = app.settings
    if ctx.request.method == "POST":
        body = ctx.json()
        for key in LIMIT_SETTINGS:
            if key in body:
                setattr(s, key, int(body[key]))
        if body.get("reset", True):
            app.windows.clear()
    now = time.time()
    core, gql = github_window(app, "core"), github_window(app, "graphql")
    return Reply(
        {
            "github_budget": s.github_budget,
            "github_remaining": core.remaining(now),
            "github_graphql_budget": s.github_graphql_budget,
            "github_graphql_remaining": gql.remaining(now),
            "github_window_seconds": s.github_window_seconds,
            "jira_limit": s.jira_limit,
            "jira_window_seconds": s.jira_window_seconds,
            "trello_token_limit": s.trello_token_limit,
            "trello_window_seconds": s.trello_window_seconds,
        }
    )


@CONTROL.route("/_sandbox/mutate", "mutate", methods=("POST",))
def _mutate(ctx) -> Reply:
    body = ctx.json()
    try:
        result = mutate.apply(ctx.org, body)
    except (KeyError, ValueError) as exc:
        raise ApiError(400, {"error": str(exc)}) from exc
    return Reply(result)
