"""Jira objects shaped like Jira Cloud's, built for the page being served.

Users, statuses, sprints, projects, issue types, change histories, issues (with `fields`
selection and `expand=changelog`) and boards.
"""

from __future__ import annotations

from functools import lru_cache

from .model import (
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
from .timefmt import agile_time, jira_time

CHANGELOG_IN_SEARCH = 20


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


def _resolution(base: str) -> dict:
    return {
        "self": f"{base}/rest/api/3/resolution/10000",
        "id": "10000",
        "description": "Work has been done on this issue.",
        "name": "Done",
    }


def _sprint_ref(s: Sprint) -> dict:
    """A sprint as the Sprint custom field lists it."""
    return {
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


def _watchers(issue: JiraIssue, base: str) -> dict:
    return {
        "self": f"{base}/rest/api/3/issue/{issue.key}/watchers",
        "isWatching": False,
        "watchCount": 1,
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
        "resolution": _resolution(base) if done else None,
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
        SPRINT_FIELD: [_sprint_ref(s) for s in sprints] or None,
        "watcher": _watchers(issue, base),
        "watches": _watchers(issue, base),
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
