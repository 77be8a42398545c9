"""Jira Cloud platform REST v3 and Jira Software (Agile) 1.0 endpoints.

Search is `/rest/api/3/search/jql` with `nextPageToken` paging (no total, no startAt); the removed
`/rest/api/3/search` answers 410 with Atlassian's body. `expand=changelog` is truncated to the
newest CHANGELOG_IN_SEARCH histories like the real service, so clients must fetch the rest from
`/issue/{key}/changelog` (oldest first) or `/changelog/bulkfetch`.
"""

# Seeded generators and hashes here make stable fake data and ids, not secrets.
# ruff: noqa: S324

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache

from .generate import (
    ISSUE_TYPES,
    JIRA_STATUSES,
    SPRINT_FIELD,
    STORY_POINTS_FIELD,
    Board,
    History,
    JiraIssue,
    JiraUser,
    Sprint,
)
from .jira_rest import JIRA, error, int_arg, reply
from .jql import JqlError
from .jql import compile_jql as jql_compile
from .timefmt import agile_time, jira_time

CHANGELOG_IN_SEARCH = 20
REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


# ---------------------------------------------------------------------- objects


@lru_cache(maxsize=1024)
def _avatars(account_id: str) -> dict:
    url = f"https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/{account_id}/48"
    return {
        size: f"{url}?size={size.split('x')[0]}" for size in ("48x48", "24x24", "16x16", "32x32")
    }


def user_obj(u: JiraUser | None, base: str, email: bool = True) -> dict | None:
    if u is None:
        return None
    body = {
        "self": f"{base}/rest/api/3/user?accountId={u.account_id}",
        "accountId": u.account_id,
        "avatarUrls": _avatars(u.account_id),
        "displayName": u.name,
        "active": True,
        "timeZone": "UTC",
        "accountType": "atlassian",
    }
    if email:
        body["emailAddress"] = u.email
    return body


def status_obj(status_id: str, base: str) -> dict:
    name, cat_id, cat_key, cat_name, colour = JIRA_STATUSES[status_id]
    return {
        "self": f"{base}/rest/api/3/status/{status_id}",
        "description": "",
        "iconUrl": f"{base}/images/icons/statuses/generic.png",
        "name": name,
        "id": status_id,
        "statusCategory": {
            "self": f"{base}/rest/api/3/statuscategory/{cat_id}",
            "id": cat_id,
            "key": cat_key,
            "colorName": colour,
            "name": cat_name,
        },
    }


def sprint_obj(s: Sprint, base: str, with_board: bool = True) -> dict:
    body = {
        "id": s.id,
        "self": f"{base}/rest/agile/1.0/sprint/{s.id}",
        "state": s.state,
        "name": s.name,
    }
    if s.state != "future":
        body["startDate"] = agile_time(s.start)
        body["endDate"] = agile_time(s.end)
    if s.complete is not None:
        body["completeDate"] = agile_time(s.complete)
    body["createdDate"] = agile_time(s.start - 3 * 86400)
    if with_board:
        body["originBoardId"] = s.board_id
    body["goal"] = s.goal
    return body


def project_obj(org, key: str, base: str) -> dict:
    pid = org.projects[key]
    avatar = f"{base}/rest/api/3/universal_avatar/view/type/project/avatar/{pid}"
    return {
        "self": f"{base}/rest/api/3/project/{pid}",
        "id": str(pid),
        "key": key,
        "name": next(b.name for b in org.boards.values() if b.project == key).replace(" board", ""),
        "projectTypeKey": "software",
        "simplified": False,
        "style": "classic",
        "avatarUrls": {
            s: f"{avatar}?size={n}"
            for s, n in (
                ("48x48", "large"),
                ("24x24", "small"),
                ("16x16", "xsmall"),
                ("32x32", "medium"),
            )
        },
        "projectCategory": {
            "self": f"{base}/rest/api/3/projectCategory/10000",
            "id": "10000",
            "name": "Engineering",
            "description": "Engineering projects",
        },
        "insight": {
            "totalIssueCount": sum(1 for i in org.jira_issues.values() if i.project == key),
            "lastIssueUpdateTime": jira_time(org.now),
        },
    }


def issuetype_obj(name: str, base: str) -> dict:
    tid, subtask, level = ISSUE_TYPES[name]
    return {
        "self": f"{base}/rest/api/3/issuetype/{tid}",
        "id": tid,
        "description": f"A {name.lower()}.",
        "iconUrl": f"{base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{tid}"
        "?size=medium",
        "name": name,
        "subtask": subtask,
        "avatarId": int(tid),
        "hierarchyLevel": level,
    }


def _adf(text: str) -> dict:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def history_obj(h: History, base: str) -> dict:
    items = []
    for item in h.items:
        field_id = {"status": "status", "resolution": "resolution", "Sprint": SPRINT_FIELD}[
            item.field
        ]
        items.append(
            {
                "field": item.field,
                "fieldtype": "custom" if item.field == "Sprint" else "jira",
                "fieldId": field_id,
                "from": item.from_id,
                "fromString": item.from_string,
                "to": item.to_id,
                "toString": item.to_string,
            }
        )
    return {
        "id": str(h.id),
        "author": user_obj(h.author, base),
        "created": jira_time(h.created),
        "items": items,
    }


def all_fields(issue: JiraIssue, org, base: str, agile: bool) -> dict:
    sprints = [org.sprints[s] for s in issue.sprint_ids]
    done = issue.status == "10002"
    fields = {
        "summary": issue.summary,
        "issuetype": issuetype_obj(issue.issue_type, base),
        "project": project_obj(org, issue.project, base),
        "status": status_obj(issue.status, base),
        "statuscategorychangedate": jira_time(
            issue.histories[-1].created if issue.histories else issue.created
        ),
        "created": jira_time(issue.created),
        "updated": jira_time(issue.updated),
        "resolutiondate": jira_time(issue.resolution_date),
        "resolution": (
            {
                "self": f"{base}/rest/api/3/resolution/10000",
                "id": "10000",
                "description": "Work has been done on this issue.",
                "name": "Done",
            }
            if done
            else None
        ),
        "priority": {
            "self": f"{base}/rest/api/3/priority/3",
            "iconUrl": f"{base}/images/icons/priorities/medium.svg",
            "name": "Medium",
            "id": "3",
        },
        "labels": ["backend"] if issue.id % 3 == 0 else [],
        "reporter": user_obj(issue.reporter, base),
        "creator": user_obj(issue.reporter, base),
        "assignee": user_obj(issue.assignee, base),
        "description": _adf(f"{issue.summary}. Generated by the AgileTrack sandbox."),
        STORY_POINTS_FIELD: issue.points,
        SPRINT_FIELD: [
            {
                "id": s.id,
                "name": s.name,
                "state": s.state,
                "boardId": s.board_id,
                "goal": s.goal,
                **(
                    {"startDate": agile_time(s.start), "endDate": agile_time(s.end)}
                    if s.state != "future"
                    else {}
                ),
                **({"completeDate": agile_time(s.complete)} if s.complete else {}),
            }
            for s in sprints
        ]
        or None,
        "watcher": {
            "self": f"{base}/rest/api/3/issue/{issue.key}/watchers",
            "isWatching": False,
            "watchCount": 1,
        },
        "watches": {
            "self": f"{base}/rest/api/3/issue/{issue.key}/watchers",
            "isWatching": False,
            "watchCount": 1,
        },
        "attachment": [],
        "sub-tasks": [],
        "subtasks": [],
        "issuelinks": [],
        "comment": {
            "comments": [],
            "self": f"{base}/rest/api/3/issue/{issue.id}/comment",
            "maxResults": 0,
            "total": 0,
            "startAt": 0,
        },
        "worklog": {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
        "timetracking": _timetracking(issue),
    }
    if agile:
        current = sprints[-1] if sprints and sprints[-1].state != "closed" else None
        fields["sprint"] = sprint_obj(current, base) if current else None
        fields["closedSprints"] = [sprint_obj(s, base) for s in sprints if s.state == "closed"]
        fields["flagged"] = False
        fields["epic"] = _epic_of(issue, org, base)
    return fields


def _timetracking(issue: JiraIssue) -> dict:
    """Estimates of four hours a story point; time spent grows as the work moves on."""
    if not issue.points:
        return {}
    original = int(issue.points * 4 * 3600)
    spent = {"10000": 0, "3": original // 3, "10001": original * 2 // 3, "10002": original}[
        issue.status
    ]

    def text(seconds: int) -> str:
        return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"

    return {
        "originalEstimate": text(original),
        "remainingEstimate": text(original - spent),
        "timeSpent": text(spent),
        "originalEstimateSeconds": original,
        "remainingEstimateSeconds": original - spent,
        "timeSpentSeconds": spent,
    }


def _epic_of(issue: JiraIssue, org, base: str) -> dict | None:
    """Stories and tasks of a project hang under the project's first epic, every third one."""
    if issue.issue_type == "Epic" or issue.id % 3:
        return None
    epic = next(
        (
            i
            for i in org.jira_issues.values()
            if i.project == issue.project and i.issue_type == "Epic"
        ),
        None,
    )
    if epic is None:
        return None
    return {
        "id": epic.id,
        "key": epic.key,
        "self": f"{base}/rest/agile/1.0/epic/{epic.id}",
        "name": epic.summary,
        "summary": epic.summary,
        "color": {"key": "color_4"},
        "done": epic.status == "10002",
    }


NAVIGABLE_EXCLUDED = {"comment", "worklog", "watcher", "sub-tasks", "attachment"}


def select_fields(requested: list[str] | None) -> tuple[set[str] | None, set[str]]:
    """Parse `fields`: None means every field; the second set holds `-field` exclusions."""
    if not requested:
        return {"id"}, set()
    include: set[str] | None = set()
    exclude = set()
    for raw in requested:
        for name in raw.split(","):
            name = name.strip()
            if name in ("*all", "*navigable"):
                include = None
            elif name.startswith("-"):
                exclude.add(name[1:])
            elif name and include is not None:
                include.add(name)
    return include, exclude


def issue_obj(
    issue: JiraIssue, org, base: str, fields_req, expand: str, agile: bool = False
) -> dict:
    include, exclude = fields_req
    api = "agile/1.0" if agile else "api/3"
    body = {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": str(issue.id),
        "self": f"{base}/rest/{api}/issue/{issue.id}",
        "key": issue.key,
    }
    if include != {"id"}:
        full = all_fields(issue, org, base, agile)
        body["fields"] = {
            k: v for k, v in full.items() if (include is None or k in include) and k not in exclude
        }
    if "changelog" in expand.split(","):
        newest = list(reversed(issue.histories))[:CHANGELOG_IN_SEARCH]
        body["changelog"] = {
            "startAt": 0,
            "maxResults": len(newest),
            "total": len(issue.histories),
            "histories": [history_obj(h, base) for h in newest],
        }
    return body


# ---------------------------------------------------------------------- JQL


def compile_jql(jql: str, org):
    """(tests, sort keys) of a JQL query (see jql.py); a query Jira refuses is a 400."""
    try:
        return jql_compile(jql, org)
    except JqlError as exc:
        raise error(400, str(exc)) from exc


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


# ---------------------------------------------------------------------- platform endpoints


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


# ---------------------------------------------------------------------- Agile 1.0


def _board(ctx, board_id: int) -> Board:
    board = ctx.org.boards.get(board_id)
    if board is None:
        raise error(404, "Board does not exist or you do not have permission to see it.")
    return board


def board_obj(board: Board, org, base: str) -> dict:
    return {
        "id": board.id,
        "self": f"{base}/rest/agile/1.0/board/{board.id}",
        "name": board.name,
        "type": "scrum",
        "isPrivate": False,
        "location": {
            "projectId": board.project_id,
            "displayName": f"{board.name} ({board.project})",
            "projectName": board.name.replace(" board", ""),
            "projectKey": board.project,
            "projectTypeKey": "software",
            "avatarURI": f"{base}/rest/api/2/universal_avatar/view/type/project/avatar/"
            f"{board.project_id}?size=small",
            "name": f"{board.name} ({board.project})",
        },
    }


def _agile_page(ctx, items: list, default: int = 50):
    start = max(0, int_arg(ctx, "startAt", 0))
    size = max(1, min(default if default > 50 else 50, int_arg(ctx, "maxResults", default)))
    page = items[start : start + size]
    return page, {
        "maxResults": size,
        "startAt": start,
        "total": len(items),
        "isLast": start + size >= len(items),
    }


@JIRA.route("/rest/agile/1.0/board", "boards")
def list_boards(ctx):
    boards = list(ctx.org.boards.values())
    project = ctx.args.get("projectKeyOrId")
    if project:
        boards = [b for b in boards if project in (b.project, str(b.project_id))]
    types = ctx.args.get("type")
    if types and "scrum" not in types.split(","):
        boards = []
    if ctx.args.get("name"):
        boards = [b for b in boards if ctx.args["name"].lower() in b.name.lower()]
    page, envelope = _agile_page(ctx, boards)
    return reply(envelope | {"values": [board_obj(b, ctx.org, ctx.base) for b in page]})


@JIRA.route("/rest/agile/1.0/board/<int:board_id>", "board")
def get_board(ctx, board_id):
    return reply(board_obj(_board(ctx, board_id), ctx.org, ctx.base))


@JIRA.route("/rest/agile/1.0/board/<int:board_id>/configuration", "board_configuration")
def board_configuration(ctx, board_id):
    board = _board(ctx, board_id)
    base = ctx.base

    def column(name, ids):
        return {
            "name": name,
            "statuses": [{"id": i, "self": f"{base}/rest/api/3/status/{i}"} for i in ids],
        }

    return reply(
        {
            "id": board.id,
            "name": board.name,
            "type": "scrum",
            "self": f"{base}/rest/agile/1.0/board/{board.id}/configuration",
            "location": {"type": "project", "projectKeyOrId": str(board.project_id)},
            "filter": {
                "id": str(10000 + board.id),
                "self": f"{base}/rest/api/3/filter/{10000 + board.id}",
            },
            "subQuery": {"query": "fixVersion in unreleasedVersions() OR fixVersion is EMPTY"},
            "columnConfig": {
                "columns": [
                    column("To Do", ["10000"]),
                    column("In Progress", ["3"]) | {"min": 1, "max": 6},
                    column("In Review", ["10001"]),
                    column("Done", ["10002"]),
                ],
                "constraintType": "issueCount",
            },
            "estimation": {
                "type": "field",
                "field": {"fieldId": STORY_POINTS_FIELD, "displayName": "Story point estimate"},
            },
            "ranking": {"rankCustomFieldId": 10019},
        }
    )


@JIRA.route("/rest/agile/1.0/board/<int:board_id>/sprint", "board_sprints")
def board_sprints(ctx, board_id):
    board = _board(ctx, board_id)
    sprints = board.sprints
    states = ctx.args.get("state")
    if states:
        wanted = {s.strip() for s in states.split(",")}
        sprints = [s for s in sprints if s.state in wanted]
    page, envelope = _agile_page(ctx, sprints)
    return reply(envelope | {"values": [sprint_obj(s, ctx.base) for s in page]})


@JIRA.route("/rest/agile/1.0/sprint/<int:sprint_id>", "sprint")
def get_sprint(ctx, sprint_id):
    sprint = ctx.org.sprints.get(sprint_id)
    if sprint is None:
        raise error(404, "Sprint does not exist or you do not have permission to see it.")
    return reply(sprint_obj(sprint, ctx.base))


def _agile_issues(ctx, issues: list[JiraIssue]):
    extra = ctx.args.get("jql")
    if extra:
        tests, _keys = compile_jql(extra, ctx.org) if extra.strip() else ([], [])
        issues = [i for i in issues if all(t(i) for t in tests)]
    issues = sorted(issues, key=lambda i: i.id)  # rank order: creation order here
    page, envelope = _agile_page(ctx, issues)
    del envelope["isLast"]
    requested = ctx.args.getlist("fields") or ["*navigable"]
    fields_req = select_fields(requested)
    expand = ctx.args.get("expand", "")
    body = {"expand": "schema,names"} | envelope
    body["issues"] = [issue_obj(i, ctx.org, ctx.base, fields_req, expand, agile=True) for i in page]
    return reply(body)


@JIRA.route("/rest/agile/1.0/sprint/<int:sprint_id>/issue", "sprint_issues")
def sprint_issues(ctx, sprint_id):
    if sprint_id not in ctx.org.sprints:
        raise error(404, "Sprint does not exist or you do not have permission to see it.")
    return _agile_issues(
        ctx, [i for i in ctx.org.jira_issues.values() if sprint_id in i.sprint_ids]
    )


@JIRA.route(
    "/rest/agile/1.0/board/<int:board_id>/sprint/<int:sprint_id>/issue", "board_sprint_issues"
)
def board_sprint_issues(ctx, board_id, sprint_id):
    _board(ctx, board_id)
    return sprint_issues(ctx, sprint_id)


@JIRA.route("/rest/agile/1.0/board/<int:board_id>/issue", "board_issues")
def board_issues(ctx, board_id):
    board = _board(ctx, board_id)
    return _agile_issues(
        ctx, [i for i in ctx.org.jira_issues.values() if i.project == board.project]
    )
