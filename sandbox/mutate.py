"""Run-time changes to the generated data, so incremental sync can be tested.

Each change moves the sandbox's clock forward one minute and happens at the new "now", so
updated timestamps and watermarks always advance. Kinds: new_pr, merge_pr, deploy,
transition, move_card.
"""

from __future__ import annotations

from .model import (
    JIRA_STATUSES,
    WORKFLOW,
    ChangeItem,
    Commit,
    Deployment,
    DeploymentStatus,
    History,
    PullRequest,
    Review,
    TrelloAction,
)
from .timefmt import github_time, jira_time, object_id, sha, trello_time

KINDS = ("new_pr", "merge_pr", "deploy", "transition", "move_card")


def apply(org, body: dict) -> dict:
    kind = body.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    org.now += 60
    org.version += 1
    return {
        "new_pr": _new_pr,
        "merge_pr": _merge_pr,
        "deploy": _deploy,
        "transition": _transition,
        "move_card": _move_card,
    }[kind](org, body)


def _repo(org, body):
    name = body.get("repo") or next(iter(org.repos))
    name = name.split("/")[-1]
    if name not in org.repos:
        raise ValueError(f"unknown repository {name}")
    return org.repos[name]


def _new_pr(org, body):
    repo = _repo(org, body)
    number = repo.next_number()
    author = org.users[number % len(org.users)]
    t = org.now
    commit = Commit(
        sha(repo.name, "mutate", number),
        "Implement change",
        author,
        t - 3600,
        t - 3500,
        sha(repo.name, "base", number),
    )
    pr = PullRequest(
        number,
        org.new_id("pr_id") + 50_000_000,
        body.get("title", f"Sandbox change {number}"),
        author,
        f"{author.login}/sandbox-{number}",
        t,
        t,
        False,
        None,
        None,
        None,
        None,
        12,
        3,
        1,
        [commit],
        [],
        commit.parent,
    )
    repo.pulls[number] = pr
    return {
        "kind": "new_pr",
        "repository": repo.full_name,
        "number": number,
        "created_at": github_time(t),
    }


def _merge_pr(org, body):
    repo = _repo(org, body)
    if body.get("number") is not None:
        pr = repo.pulls[int(body["number"])]
        if pr.state != "open":
            raise ValueError(f"pull request {pr.number} is not open")
    else:
        candidates = [p for p in repo.pulls.values() if p.state == "open"]
        if not candidates:
            raise ValueError("no open pull request to merge")
        pr = min(candidates, key=lambda p: p.number)
    t = org.now
    reviewer = next(u for u in org.users if u is not pr.author)
    if pr.draft:
        pr.ready_at = t - 60
    pr.draft = False
    pr.reviews.append(
        Review(org.new_id("review"), reviewer, "APPROVED", t - 30, pr.head_sha, "Ship it.")
    )
    pr.merged_at = pr.closed_at = pr.updated_at = t
    pr.merge_commit_sha = sha(repo.name, pr.number, "merge", t)
    pr.merged_by = reviewer
    parent = repo.commits[-1].sha if repo.commits else sha(repo.name, "root")
    repo.commits.append(
        Commit(
            pr.merge_commit_sha,
            f"{pr.title} (#{pr.number})",
            pr.author,
            pr.commits[0].authored_at,
            t,
            parent,
        )
    )
    return {
        "kind": "merge_pr",
        "repository": repo.full_name,
        "number": pr.number,
        "merged_at": github_time(t),
        "merge_commit_sha": pr.merge_commit_sha,
    }


def _deploy(org, body):
    repo = _repo(org, body)
    if not repo.commits:
        raise ValueError("nothing to deploy")
    state = body.get("state", "success")
    if state not in ("success", "failure", "in_progress"):
        raise ValueError("state must be success, failure or in_progress")
    t = org.now
    statuses = [DeploymentStatus(org.new_id("status"), "in_progress", t)]
    if state != "in_progress":
        statuses.append(DeploymentStatus(org.new_id("status"), state, t + 1))
    d = Deployment(org.new_id("deployment"), repo.commits[-1].sha, t, org.users[0], statuses, [])
    repo.deployments.append(d)
    return {
        "kind": "deploy",
        "repository": repo.full_name,
        "deployment_id": d.id,
        "sha": d.sha,
        "state": state,
    }


def _transition(org, body):
    if body.get("key"):
        issue = org.jira_issues[body["key"]]
    else:
        issue = next((i for i in reversed(org.jira_issues.values()) if i.status != "10002"), None)
        if issue is None:
            raise ValueError("every issue is done")
    to = body.get("to")
    if to is None:
        to = WORKFLOW[(WORKFLOW.index(issue.status) + 1) % len(WORKFLOW)]
    else:
        to = next((sid for sid, v in JIRA_STATUSES.items() if to in (sid, v[0])), None)
        if to is None:
            raise ValueError("unknown status")
    t = org.now
    items = [
        ChangeItem("status", issue.status, JIRA_STATUSES[issue.status][0], to, JIRA_STATUSES[to][0])
    ]
    if to == "10002":
        issue.resolution_date = t
        items.append(ChangeItem("resolution", None, None, "10000", "Done"))
    elif issue.status == "10002":
        issue.resolution_date = None
        items.append(ChangeItem("resolution", "10000", "Done", None, None))
    issue.histories.append(History(org.new_id("history"), issue.assignee or org.jira_me, t, items))
    issue.status = to
    issue.updated = t
    return {
        "kind": "transition",
        "key": issue.key,
        "status": JIRA_STATUSES[to][0],
        "updated": jira_time(t),
    }


def _move_card(org, body):
    board = (
        org.trello_boards[body["board"]]
        if body.get("board")
        else next(iter(org.trello_boards.values()))
    )
    if body.get("card"):
        card = next(c for c in board.cards if c.id == body["card"])
    else:
        card = next((c for c in reversed(board.cards) if c.list is not board.lists[-1]), None)
        if card is None:
            raise ValueError("every card is done")
    if body.get("list"):
        target = next(lst for lst in board.lists if body["list"] in (lst.id, lst.name))
    else:
        target = board.lists[min(len(board.lists) - 1, board.lists.index(card.list) + 1)]
    t = org.now
    action = TrelloAction(
        object_id(t, "mutate", card.id, len(board.actions)),
        "updateCard",
        t,
        card.members[0],
        card.id,
        card.list,
        target,
    )
    board.actions.append(action)
    card.list = target
    card.last_activity = t
    return {
        "kind": "move_card",
        "board": board.id,
        "card": card.id,
        "list": target.name,
        "action_id": action.id,
        "date": trello_time(t),
    }
