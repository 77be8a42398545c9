"""Jira Software (Agile) 1.0 endpoints: boards, their configuration, sprints and issues."""

from __future__ import annotations

from .jira_objects import board_obj, issue_obj, select_fields, sprint_obj
from .jira_rest import JIRA, compile_jql, error, int_arg, reply
from .model import STORY_POINTS_FIELD, Board, JiraIssue


def _board(ctx, board_id: int) -> Board:
    board = ctx.org.boards.get(board_id)
    if board is None:
        raise error(404, "Board does not exist or you do not have permission to see it.")
    return board


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
