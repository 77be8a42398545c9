"""Jira Cloud platform REST v3 endpoints: myself, fields, statuses, search, issues, changelogs.

Search is `/rest/api/3/search/jql` with `nextPageToken` paging (no total, no startAt); the removed
`/rest/api/3/search` answers 410 with Atlassian's body. `expand=changelog` is truncated to the
newest CHANGELOG_IN_SEARCH histories like the real service, so clients must fetch the rest from
`/issue/{key}/changelog` (oldest first) or `/changelog/bulkfetch`.
"""

# Seeded hashes here make stable page tokens, not secrets.
# ruff: noqa: S324

from __future__ import annotations

import base64
import hashlib
import json

from .jira_objects import history_obj, issue_obj, select_fields, status_obj, user_obj
from .jira_rest import JIRA, compile_jql, error, int_arg, reply
from .model import JIRA_STATUSES, JiraIssue
from .timefmt import jira_time

REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


def run_jql(org, jql: str, cache: dict) -> list[JiraIssue]:
    """Matching issues in the query's order; cached per data version so pages slice a list."""
    key = (jql, org.version)
    if key not in cache:
        tests, keys = compile_jql(jql, org)
        issues = [i for i in org.jira_issues.values() if all(t(i) for t in tests)]
        for getter, desc in reversed(keys):
            issues.sort(key=getter, reverse=desc)
        if len(cache) > 64:
            cache.clear()
        cache[key] = issues
    return cache[key]


def _token(jql: str, offset: int) -> str:
    digest = hashlib.sha1(jql.encode()).hexdigest()[:8]
    return base64.urlsafe_b64encode(json.dumps([digest, offset]).encode()).decode().rstrip("=")


def _untoken(jql: str, token: str) -> int:
    try:
        digest, offset = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError as exc:
        raise error(400, "The provided next page token is invalid or expired.") from exc
    if digest != hashlib.sha1(jql.encode()).hexdigest()[:8]:
        raise error(400, "The provided next page token is invalid or expired.")
    return int(offset)


@JIRA.route("/rest/api/3/myself", "myself")
def myself(ctx):
    body = user_obj(ctx.org.jira_me, ctx.base)
    body.update(
        {
            "key": "",
            "name": "",
            "locale": "en_US",
            "groups": {"size": 2, "items": []},
            "applicationRoles": {"size": 1, "items": []},
            "expand": "groups,applicationRoles",
        }
    )
    return reply(body)


@JIRA.route("/rest/api/3/serverInfo", "server_info")
def server_info(ctx):
    return reply(
        {
            "baseUrl": ctx.base,
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": 100280,
            "buildDate": jira_time(ctx.org.now - 86400),
            "serverTime": jira_time(ctx.org.now),
            "scmInfo": "sandbox",
            "serverTitle": "AgileTrack sandbox",
        }
    )


@JIRA.route("/rest/api/3/field", "fields")
def list_fields(ctx):
    def system(fid, name, ftype, items=None):
        schema = {"type": ftype, "system": fid} | ({"items": items} if items else {})
        return {
            "id": fid,
            "key": fid,
            "name": name,
            "custom": False,
            "orderable": True,
            "navigable": True,
            "searchable": True,
            "clauseNames": [fid],
            "schema": schema,
        }

    def custom(num, name, ftype, custom_type, items=None):
        fid = f"customfield_{num}"
        schema = {"type": ftype, "custom": custom_type, "customId": num} | (
            {"items": items} if items else {}
        )
        return {
            "id": fid,
            "key": fid,
            "name": name,
            "untranslatedName": name,
            "custom": True,
            "orderable": True,
            "navigable": True,
            "searchable": True,
            "clauseNames": [f"cf[{num}]", name],
            "schema": schema,
        }

    body = [
        system("summary", "Summary", "string"),
        system("status", "Status", "status"),
        system("issuetype", "Issue Type", "issuetype"),
        system("created", "Created", "datetime"),
        system("updated", "Updated", "datetime"),
        system("resolutiondate", "Resolved", "datetime"),
        system("assignee", "Assignee", "user"),
        system("reporter", "Reporter", "user"),
        system("project", "Project", "project"),
        system("labels", "Labels", "array", "string"),
        system("description", "Description", "string"),
        custom(
            10016, "Story point estimate", "number", "com.pyxis.greenhopper.jira:jsw-story-points"
        ),
        custom(10020, "Sprint", "array", "com.pyxis.greenhopper.jira:gh-sprint", "json"),
        custom(10019, "Rank", "any", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
    ]
    return reply(body)


@JIRA.route("/rest/api/3/status", "statuses")
def list_statuses(ctx):
    return reply([status_obj(sid, ctx.base) for sid in JIRA_STATUSES])


def _search(ctx, params: dict):
    jql = params.get("jql") or ""
    max_results = max(
        1,
        min(
            5000 if params.get("fields") in (["id"], ["key"]) else 100,
            int_arg(ctx, "maxResults", 50, params),
        ),
    )
    token = params.get("nextPageToken")
    issues = run_jql(ctx.org, jql, ctx.app.state.setdefault("jql", {}))
    offset = _untoken(jql, token) if token else 0
    page = issues[offset : offset + max_results]
    fields_req = select_fields(params.get("fields"))
    expand = params.get("expand") or ""
    body = {"issues": [issue_obj(i, ctx.org, ctx.base, fields_req, expand) for i in page]}
    if offset + max_results < len(issues):
        body["nextPageToken"] = _token(jql, offset + max_results)
        body["isLast"] = False
    else:
        body["isLast"] = True
    return reply(body)


@JIRA.route("/rest/api/3/search/jql", "search_jql", methods=("GET", "POST"))
def search_jql(ctx):
    if ctx.request.method == "POST":
        params = ctx.json()
        if isinstance(params.get("expand"), list):
            params["expand"] = ",".join(params["expand"])
        return _search(ctx, params)
    args = ctx.args
    params = {
        "jql": args.get("jql"),
        "nextPageToken": args.get("nextPageToken"),
        "maxResults": args.get("maxResults", 50),
        "fields": args.getlist("fields") or None,
        "expand": args.get("expand"),
    }
    return _search(ctx, params)


@JIRA.route("/rest/api/3/search/approximate-count", "approximate_count", methods=("POST",))
def approximate_count(ctx):
    jql = ctx.json().get("jql") or ""
    return reply({"count": len(run_jql(ctx.org, jql, ctx.app.state.setdefault("jql", {})))})


@JIRA.route("/rest/api/3/search", "search_removed", methods=("GET", "POST"))
def search_removed(ctx):
    raise error(410, REMOVED_SEARCH)


def _issue(ctx, key: str) -> JiraIssue:
    issue = ctx.org.jira_issues.get(key.upper())
    if issue is None and key.isdigit():
        issue = next((i for i in ctx.org.jira_issues.values() if i.id == int(key)), None)
    if issue is None:
        raise error(404, "Issue does not exist or you do not have permission to see it.")
    return issue


@JIRA.route("/rest/api/3/issue/<key>", "issue")
def get_issue(ctx, key):
    issue = _issue(ctx, key)
    requested = ctx.args.getlist("fields") or ["*all"]
    return reply(
        issue_obj(issue, ctx.org, ctx.base, select_fields(requested), ctx.args.get("expand", ""))
    )


@JIRA.route("/rest/api/3/issue/<key>/changelog", "issue_changelog")
def issue_changelog(ctx, key):
    issue = _issue(ctx, key)
    start = max(0, int_arg(ctx, "startAt", 0))
    size = max(1, min(100, int_arg(ctx, "maxResults", 100)))
    values = issue.histories[start : start + size]
    url = f"{ctx.base}/rest/api/3/issue/{issue.key}/changelog"
    body = {
        "self": f"{url}?startAt={start}&maxResults={size}",
        "maxResults": size,
        "startAt": start,
        "total": len(issue.histories),
        "isLast": start + size >= len(issue.histories),
        "values": [history_obj(h, ctx.base) for h in values],
    }
    if not body["isLast"]:
        body["nextPage"] = f"{url}?startAt={start + size}&maxResults={size}"
    return reply(body)


@JIRA.route("/rest/api/3/changelog/bulkfetch", "changelog_bulkfetch", methods=("POST",))
def changelog_bulkfetch(ctx):
    params = ctx.json()
    keys = params.get("issueIdsOrKeys") or []
    if not keys or len(keys) > 1000:
        raise error(400, "issueIdsOrKeys must contain between 1 and 1000 issues.")
    field_ids = params.get("fieldIds") or []
    if len(field_ids) > 10:
        raise error(400, "fieldIds must contain at most 10 fields.")
    size = max(1, min(10000, int_arg(ctx, "maxResults", 1000, params)))
    rows = []
    for key in keys:
        issue = _issue(ctx, str(key))
        for h in issue.histories:
            view = history_obj(h, ctx.base)
            if field_ids:
                view["items"] = [i for i in view["items"] if i["fieldId"] in field_ids]
                if not view["items"]:
                    continue
            rows.append((issue.id, view))
    token_key = json.dumps([keys, field_ids])
    offset = _untoken(token_key, params["nextPageToken"]) if params.get("nextPageToken") else 0
    page = rows[offset : offset + size]
    logs: list[dict] = []
    for issue_id, view in page:
        if not logs or logs[-1]["issueId"] != str(issue_id):
            logs.append({"issueId": str(issue_id), "changeHistories": []})
        logs[-1]["changeHistories"].append(view)
    body: dict = {"issueChangeLogs": logs}
    if offset + size < len(rows):
        body["nextPageToken"] = _token(token_key, offset + size)
    return reply(body)
