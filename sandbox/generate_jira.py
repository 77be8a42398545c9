"""Generates the organisation's Jira projects, one seeded generator per project.

A board per project with two-week sprints, and issues that walk the workflow (with their change
histories) and roll over unfinished sprints.
"""

# Seeded generators and hashes here make stable fake data and ids, not secrets.
# ruff: noqa: S311, S324

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from .model import (
    DAY,
    DEVELOPERS,
    HOUR,
    ISSUE_TYPES,
    JIRA_PROJECTS,
    JIRA_STATUSES,
    JIRA_SUMMARIES,
    Board,
    ChangeItem,
    History,
    JiraIssue,
    JiraUser,
    Scale,
    Sprint,
)


@dataclass
class ProjectContext:
    """What each step of one project's generation reads, and the records and ids it adds to."""

    rng: random.Random
    users: list[JiraUser]
    scale: Scale
    start: int
    now: int
    ids: dict[str, int]  # the last id given out per kind, shared by every project
    sprints: dict[int, Sprint]
    issues: dict[str, JiraIssue]


def jira_records(seed: int, scale: Scale, start: int, now: int, ids: dict[str, int]) -> dict:
    """The Organisation's Jira fields: users, projects, boards, sprints and issues."""
    jira_users = [
        JiraUser(hashlib.md5(login.encode()).hexdigest()[:24], name, f"{login}@acme-eng.example")
        for login, name in DEVELOPERS
    ]
    jira_me = JiraUser("5b10ac8d82e05b22cc7d4ef5", "AgileTrack Sandbox", "sandbox@acme-eng.example")
    projects, boards, sprints, issues = {}, {}, {}, {}
    for index in range(scale.projects):
        key, _title = JIRA_PROJECTS[index]
        projects[key] = 10000 + index
        board = Board(index + 1, f"{key} board", key, 10000 + index, [])
        boards[board.id] = board
        ctx = ProjectContext(
            rng=random.Random(f"{seed}:jira:{key}"),
            users=jira_users,
            scale=scale,
            start=start,
            now=now,
            ids=ids,
            sprints=sprints,
            issues=issues,
        )
        _plan_sprints(board, ctx)
        _project_issues(board, ctx)
    return {
        "jira_users": jira_users,
        "jira_me": jira_me,
        "projects": projects,
        "boards": boards,
        "sprints": sprints,
        "jira_issues": issues,
    }


def _plan_sprints(board: Board, ctx: ProjectContext) -> None:
    """Two-week sprints from the start of history to two sprints past 'now'."""
    length = 14 * DAY
    first = ctx.start - ctx.start % DAY
    k = 0
    while True:
        s_start = first + k * length
        if s_start > ctx.now + 2 * length:
            break
        s_end = s_start + length
        if s_end <= ctx.now:
            # Completed an hour before the next sprint starts, unfinished work moved into it.
            state, complete = "closed", s_end - HOUR
        elif s_start <= ctx.now:
            state, complete = "active", None
        else:
            state, complete = "future", None
        ctx.ids["sprint"] += 1
        sprint = Sprint(
            id=ctx.ids["sprint"],
            name=f"{board.project} Sprint {k + 1}",
            board_id=board.id,
            state=state,
            start=s_start,
            end=s_end,
            complete=complete,
            goal=f"Ship sprint {k + 1} scope",
        )
        board.sprints.append(sprint)
        ctx.sprints[sprint.id] = sprint
        k += 1


def _project_issues(board: Board, ctx: ProjectContext) -> None:
    rng, start, now = ctx.rng, ctx.start, ctx.now
    n = ctx.scale.issues_per_project
    for i in range(n):
        created = start + int((i + rng.random()) * (now - start) / n)
        ctx.ids["issue"] += 1
        issue_type = rng.choices(list(ISSUE_TYPES), [50, 25, 20, 5])[0]
        points = None
        if issue_type in ("Story", "Task") or (issue_type == "Bug" and rng.random() < 0.5):
            points = float(rng.choice([1, 2, 3, 5, 8, 13] if issue_type == "Story" else [1, 2, 3]))
        issue = JiraIssue(
            id=ctx.ids["issue"],
            key=f"{board.project}-{i + 1}",
            project=board.project,
            issue_type=issue_type,
            summary=f"{rng.choice(JIRA_SUMMARIES)} #{i + 1}",
            created=created,
            updated=created,
            status="10000",
            resolution_date=None,
            points=points,
            sprint_ids=[],
            reporter=rng.choice(ctx.users),
            assignee=rng.choice(ctx.users) if rng.random() < 0.85 else None,
            histories=[],
        )
        _walk_workflow(issue, board, ctx)
        ctx.issues[issue.key] = issue


def _sprint_at(board, t):
    for sprint in board.sprints:
        if sprint.start <= t < sprint.end:
            return sprint
    return None


def _walk_workflow(issue: JiraIssue, board: Board, ctx: ProjectContext) -> None:
    rng, now = ctx.rng, ctx.now
    work_from = _commit_to_sprint(issue, board, ctx)
    t = work_from + int(rng.uniform(0.1, 5) * DAY)
    path = ["3", "10001", "10002"]
    if rng.random() < 0.08:
        path += ["10000", "3", "10001", "10002"]  # re-opened after being done
    if rng.random() < 0.04:
        path = ["3", "10001"] * 12 + ["10002"]  # churny: more histories than search returns
    for to in path:
        if t >= now:
            break
        _move(issue, ctx, t, to)
        t += int(rng.uniform(0.2, 4) * DAY) if to != "10001" else int(rng.uniform(1, 30) * HOUR)
    _roll_over(issue, board, ctx)
    issue.histories.sort(key=lambda h: (h.created, h.id))
    # Jira history ids grow with time; sprint moves were added late, so number them in order.
    first_id = ctx.ids["history"] - len(issue.histories) + 1
    for offset, history in enumerate(issue.histories):
        history.id = first_id + offset
    issue.updated = max([issue.created, *(h.created for h in issue.histories)])


def _commit_to_sprint(issue: JiraIssue, board: Board, ctx: ProjectContext) -> int:
    """Put the issue in a sprint (most are); returns when work on it can start."""
    rng, now = ctx.rng, ctx.now
    if issue.issue_type == "Epic":
        return issue.created
    work_from = issue.created
    sprint = _sprint_at(board, issue.created)
    if sprint is not None and rng.random() < 0.9:
        following = next((s for s in board.sprints if s.start >= sprint.end), None)
        if following is not None and following.start <= now and rng.random() < 0.6:
            # Refined in the backlog and planned into the next sprint: committed at its start.
            sprint = following
            work_from = sprint.start
        issue.sprint_ids.append(sprint.id)
    elif issue.created > now - 3 * DAY:
        future = [s for s in board.sprints if s.state == "future"]
        if future:
            issue.sprint_ids.append(future[0].id)
    return work_from


def _change(issue: JiraIssue, ctx: ProjectContext, t: int, items: list[ChangeItem]) -> None:
    ctx.ids["history"] += 1
    author = issue.assignee or ctx.users[0]
    issue.histories.append(History(ctx.ids["history"], author, t, items))
    issue.updated = t


def _move(issue: JiraIssue, ctx: ProjectContext, t: int, to: str) -> None:
    frm = issue.status
    _change(
        issue, ctx, t, [ChangeItem("status", frm, JIRA_STATUSES[frm][0], to, JIRA_STATUSES[to][0])]
    )
    if to == "10002":
        issue.resolution_date = t
        change_items = issue.histories[-1].items
        change_items.append(ChangeItem("resolution", None, None, "10000", "Done"))
    elif frm == "10002":
        issue.resolution_date = None
        issue.histories[-1].items.append(ChangeItem("resolution", "10000", "Done", None, None))
    issue.status = to


def _roll_over(issue: JiraIssue, board: Board, ctx: ProjectContext) -> None:
    """Unfinished work rolls into the next sprint when its sprint closes."""

    def names(ids_):
        return ", ".join(s.name for s in board.sprints if s.id in ids_)

    while issue.sprint_ids:
        current = next(s for s in board.sprints if s.id == issue.sprint_ids[-1])
        if current.complete is None or (
            issue.status == "10002" and issue.resolution_date < current.end
        ):
            break
        following = [s for s in board.sprints if s.start >= current.end]
        if not following or current.complete > ctx.now:
            break
        old = list(issue.sprint_ids)
        issue.sprint_ids.append(following[0].id)
        item = ChangeItem(
            "Sprint",
            ", ".join(map(str, old)),
            names(old),
            ", ".join(map(str, issue.sprint_ids)),
            names(issue.sprint_ids),
        )
        _change(issue, ctx, current.complete, [item])
