"""Generates the organisation's GitHub repositories, one seeded generator per repository.

Pull requests with their commits, reviews (and replies in review threads) and conversation
(comments, drafts turned ready), deployments, releases, issues and workflow runs.
"""

# Seeded generators here make stable fake data, not secrets.
# ruff: noqa: S311

from __future__ import annotations

import random
from dataclasses import dataclass

from .model import (
    BOTS,
    DAY,
    DEVELOPERS,
    HOUR,
    PR_TOPICS,
    REPO_NAMES,
    REVIEW_BOTS,
    Commit,
    Deployment,
    DeploymentStatus,
    Issue,
    IssueComment,
    PullRequest,
    Release,
    Repository,
    Review,
    Scale,
    User,
    WorkflowRun,
)
from .timefmt import sha


@dataclass
class RepoContext:
    """What each step of one repository's generation reads, and the id counters it advances."""

    rng: random.Random
    users: list[User]
    bots: list[User]
    review_bots: list[User]
    scale: Scale
    start: int
    now: int
    ids: dict[str, int]  # the last id given out per kind, shared by every repository
    # The conversation's own generator, so adding it left every other generated value as it was.
    talk: random.Random
    # The review threads' replies' own generator (and id counter), for the same reason.
    threads: random.Random


def github_records(seed: int, scale: Scale, start: int, now: int, ids: dict[str, int]) -> dict:
    """The Organisation's GitHub fields: developers, bots, the viewer and the repositories."""
    users = [User(login, 1000 + i, name) for i, (login, name) in enumerate(DEVELOPERS)]
    bots = [User(login, 49699000 + i, name, True) for i, (login, name) in enumerate(BOTS)]
    review_bots = [
        User(login, 22429000 + i, name, True) for i, (login, name) in enumerate(REVIEW_BOTS)
    ]
    repos = {}
    for index in range(scale.repos):
        name = REPO_NAMES[index] if index < len(REPO_NAMES) else f"service-{index}"
        repo = Repository(index, name, 700_000_000 + index * 17, start - 400 * DAY)
        ctx = RepoContext(
            rng=random.Random(f"{seed}:github:{name}"),
            users=users,
            bots=bots,
            review_bots=review_bots,
            scale=scale,
            start=start,
            now=now,
            ids=ids,
            talk=random.Random(f"{seed}:github:{name}:conversation"),
            threads=random.Random(f"{seed}:github:{name}:threads"),
        )
        _github_repo(repo, ctx)
        repos[name] = repo
    return {"users": users, "bots": bots, "viewer": users[0], "repos": repos}


def _github_repo(repo: Repository, ctx: RepoContext) -> None:
    rng = ctx.rng
    n = ctx.scale.prs_per_repo
    span = ctx.now - ctx.start
    main_sha = sha(repo.name, "root")
    merged = []
    for i in range(n):
        created = ctx.start + int((i + rng.random()) * span / n)
        bot = rng.random() < 0.08
        author = rng.choice(ctx.bots) if bot else rng.choice(ctx.users)
        topic = rng.choice(PR_TOPICS)
        title = "Bump lodash from 4.17.20 to 4.17.21" if bot else f"{topic} ({repo.name})"
        pr = _pull_request(ctx, repo, i + 1, title, author, created)
        repo.pulls[pr.number] = pr
        if pr.merged_at is not None:
            merged.append(pr)
    merged.sort(key=lambda p: p.merged_at)
    parent = main_sha
    for pr in merged:
        commit = Commit(
            pr.merge_commit_sha,
            f"{pr.title} (#{pr.number})",
            pr.author,
            pr.commits[0].authored_at,
            pr.merged_at,
            parent,
        )
        repo.commits.append(commit)
        parent = commit.sha
    _deployments(repo, ctx, merged)
    _issues(repo, ctx)
    _runs(repo, ctx)


def _pull_request(ctx: RepoContext, repo, number: int, title: str, author, created: int):
    rng, now = ctx.rng, ctx.now
    commits = _branch_commits(ctx, repo, number, author, created)
    roll = rng.random()
    recent = created > now - 2 * DAY
    draft = roll < 0.05 or (recent and roll < 0.3)
    outcome = (
        "open" if draft or (recent and roll < 0.6) else ("closed" if roll < 0.15 else "merged")
    )
    reviews = [] if draft else _review_rounds(ctx, repo, number, author, created, commits)
    closed_at = merged_at = merge_sha = merged_by = None
    if outcome == "merged":
        approved = [r.submitted_at for r in reviews if r.state == "APPROVED"]
        if approved:
            t = max(approved) + int(rng.uniform(0.2, 12) * HOUR)
            if t < now:
                closed_at = merged_at = t
                merge_sha = sha(repo.name, number, "merge")
                merged_by = rng.choice(ctx.users)
    elif outcome == "closed":
        t = created + int(rng.uniform(1, 200) * HOUR)
        if t < now:
            closed_at = t
    ready_at, comments = _conversation(ctx, author, created, draft, reviews)
    reviews = _thread_replies(ctx, author, reviews, merged_at or closed_at)
    events = [
        created,
        *(r.submitted_at for r in reviews),
        *(c.committed_at for c in commits),
        *(c.created_at for c in comments),
        ready_at or 0,
    ]
    adds = int(rng.paretovariate(1.2) * 20)
    return PullRequest(
        number=number,
        id=ctx.ids["pr_id"] + repo.index * 100_000 + number,
        title=title,
        author=author,
        branch=f"{author.login.split('[')[0]}/change-{number}",
        created_at=created,
        updated_at=max(e for e in [*events, closed_at or 0] if e <= now),
        draft=draft,
        closed_at=closed_at,
        merged_at=merged_at,
        merge_commit_sha=merge_sha,
        merged_by=merged_by,
        additions=adds,
        deletions=int(adds * rng.uniform(0.1, 0.9)),
        changed_files=max(1, adds // 40),
        commits=commits,
        reviews=reviews,
        base_sha=sha(repo.name, "base", number),
        comments=comments,
        ready_at=ready_at,
    )


def _conversation(ctx: RepoContext, author, created: int, draft: bool, reviews: list):
    """(ready-for-review time, conversation comments) of a pull request.

    Some were opened as drafts and marked ready before their first human review; some get a
    bot's comment, a note from their author, or a colleague's question before any review."""
    rng, now, ids = ctx.talk, ctx.now, ctx.ids
    human = [r.submitted_at for r in reviews if not r.user.is_bot]
    first_review = min(human) if human else None
    ready_at = None
    if not draft and rng.random() < 0.25:
        until = first_review if first_review is not None else created + 20 * HOUR
        ready_at = created + int((until - created) * rng.uniform(0.2, 0.7))
        if ready_at >= now:
            ready_at = None
    start = ready_at or created
    drafted: list[tuple[User, int, str]] = []
    if rng.random() < 0.3:
        bot = rng.choice(ctx.review_bots)
        drafted.append((bot, created + int(rng.uniform(120, 600)), "Coverage: 87.1% (+0.2%)."))
    if rng.random() < 0.25:
        drafted.append((author, start + int(rng.uniform(60, 900)), "Ready for a look."))
    if not draft and rng.random() < 0.35:
        colleague = rng.choice([u for u in ctx.users if u is not author])
        later = first_review if first_review is not None else start + 30 * HOUR
        at = start + int((later - start) * rng.uniform(0.1, 0.9))
        drafted.append((colleague, at, "Does this need a migration?"))
    comments = []
    for user, at, body in sorted(drafted, key=lambda d: d[1]):
        if at < now:
            ids["comment"] += 1
            comments.append(IssueComment(ids["comment"], user, at, body))
    return ready_at, comments


def _thread_replies(ctx: RepoContext, author, reviews: list, ended: int | None) -> list:
    """The reviews with, on some pull requests, replies in a review thread by its reviewer or
    author: GitHub records each as a review of its own, COMMENTED with an empty body."""
    rng, now, ids = ctx.threads, ctx.now, ctx.ids
    human = [r for r in reviews if not r.user.is_bot]
    if not human or rng.random() >= 0.2:
        return reviews
    first = min(human, key=lambda r: r.submitted_at)
    until = min(now, ended if ended is not None else first.submitted_at + 24 * HOUR)
    replies = []
    for _ in range(rng.randint(1, 3)):
        at = first.submitted_at + int((until - first.submitted_at) * rng.uniform(0.05, 0.95))
        user = first.user if rng.random() < 0.6 else author
        if first.submitted_at < at < now:
            ids["reply"] += 1
            replies.append(Review(ids["reply"], user, "COMMENTED", at, first.commit_id, ""))
    return sorted([*reviews, *replies], key=lambda r: r.submitted_at)


def _branch_commits(ctx: RepoContext, repo, number: int, author, created: int) -> list[Commit]:
    """One to five commits, all authored before the pull request was opened."""
    rng = ctx.rng
    commits = []
    t = created - int(rng.uniform(0.5, 72) * HOUR)
    parent = sha(repo.name, "base", number)
    for k in range(rng.randint(1, 5)):
        message = (
            "Initial implementation" if k == 0 else rng.choice(["Add tests", "Tidy up", "WIP"])
        )
        c = Commit(sha(repo.name, number, k), message, author, t, t + 30, parent)
        commits.append(c)
        parent = c.sha
        t = min(created - 60, t + int(rng.uniform(0.1, 8) * HOUR))
    return commits


def _review_rounds(ctx: RepoContext, repo, number: int, author, created: int, commits: list):
    """A bot's comment sometimes, then a developer's review; changes requested add a fix commit
    (to `commits`) before the approval."""
    rng, now, ids = ctx.rng, ctx.now, ctx.ids
    reviews = []
    if rng.random() < 0.3:
        t = created + int(rng.uniform(60, 900))
        reviews.append(_review(ids, rng.choice(ctx.review_bots), "COMMENTED", t, commits[-1]))
    reviewer = rng.choice([u for u in ctx.users if u is not author])
    t = created + int(rng.uniform(0.3, 30) * HOUR)
    first = rng.choices(["APPROVED", "CHANGES_REQUESTED", "COMMENTED"], [55, 25, 20])[0]
    if t >= now:
        return reviews
    reviews.append(_review(ids, reviewer, first, t, commits[-1]))
    if first == "APPROVED":
        return reviews
    t += int(rng.uniform(1, 24) * HOUR)
    if first == "CHANGES_REQUESTED" and t < now:
        fix = Commit(
            sha(repo.name, number, "fix"), "Address review", author, t, t + 30, commits[-1].sha
        )
        commits.append(fix)
    t += int(rng.uniform(0.5, 12) * HOUR)
    if t < now:
        reviews.append(_review(ids, reviewer, "APPROVED", t, commits[-1]))
    return reviews


def _review(ids, user, state, t, commit):
    ids["review"] += 1
    bodies = {"APPROVED": "Looks good to me.", "CHANGES_REQUESTED": "Please add a test for this."}
    return Review(ids["review"], user, state, t, commit.sha, bodies.get(state, "A few comments."))


def _deployments(repo: Repository, ctx: RepoContext, merged: list[PullRequest]) -> None:
    """Production deployments of batches of merged pull requests; some successes are released."""
    rng, now, ids = ctx.rng, ctx.now, ctx.ids
    step = max(1, len(merged) // max(1, ctx.scale.days // 2))
    cursor = 0
    for i in range(step, len(merged) + step, step):
        batch = merged[cursor:i]
        cursor = i
        if not batch:
            continue
        t = batch[-1].merged_at + int(rng.uniform(0.2, 20) * HOUR)
        last = i >= len(merged)
        if last:
            t = now - 1800
        elif t >= now - 3600:
            continue
        ids["deployment"] += 1
        ids["status"] += 1
        statuses = [DeploymentStatus(ids["status"], "in_progress", t + 60)]
        if not last:
            ids["status"] += 1
            state = "failure" if rng.random() < 0.15 else "success"
            statuses.append(
                DeploymentStatus(ids["status"], state, t + int(rng.uniform(4, 25) * 60))
            )
        repo.deployments.append(
            Deployment(
                id=ids["deployment"],
                sha=batch[-1].merge_commit_sha,
                created_at=t,
                creator=rng.choice(ctx.users),
                statuses=statuses,
                pr_numbers=[p.number for p in batch],
            )
        )
        if not last and statuses[-1].state == "success" and rng.random() < 0.3:
            ids["release"] += 1
            tag = f"v1.{len(repo.releases)}.0"
            repo.releases.append(
                Release(ids["release"], tag, batch[-1].merge_commit_sha, t, ctx.users[0])
            )


def _issues(repo: Repository, ctx: RepoContext) -> None:
    rng, now, ids = ctx.rng, ctx.now, ctx.ids
    drafts = []
    for d in repo.deployments:
        final = d.statuses[-1]
        if (final.state == "failure" and rng.random() < 0.7) or (
            final.state == "success" and rng.random() < 0.03
        ):
            opened = final.created_at + int(rng.uniform(10, 120) * 60)
            closed = opened + int(rng.uniform(1, 48) * HOUR)
            title = f"Incident: errors after deploying {d.sha[:7]} to production"
            drafts.append((opened, title, ["incident", "production"], closed))
    for _ in range(max(2, ctx.scale.prs_per_repo // 6)):
        opened = ctx.start + int(rng.random() * (now - ctx.start))
        closed = opened + int(rng.uniform(2, 400) * HOUR) if rng.random() < 0.6 else None
        kind = rng.choice(["bug", "enhancement"])
        drafts.append((opened, f"{rng.choice(PR_TOPICS)} ({kind})", [kind], closed))
    # Issues and pull requests share one number sequence ordered by creation time.
    pulls = sorted(repo.pulls.values(), key=lambda p: p.created_at)
    timeline = sorted(
        [(p.created_at, 0, p) for p in pulls] + [(d[0], 1, d) for d in drafts],
        key=lambda e: (e[0], e[1]),
    )
    renumbered = {}
    for number, (_t, kind, item) in enumerate(timeline, start=1):
        if kind == 0:
            item.number = number
            item.id = ids["pr_id"] + repo.index * 100_000 + number
            renumbered[number] = item
        else:
            opened, title, labels, closed = item
            closed = closed if closed is not None and closed < now else None
            ids["issue_id"] += 1
            repo.issues[number] = Issue(
                number=number,
                id=ids["issue_id"],
                title=title,
                author=rng.choice(ctx.users),
                labels=labels,
                created_at=opened,
                updated_at=closed or opened,
                closed_at=closed,
                body="Raised by the on-call engineer.",
            )
    _renumber_references(repo, renumbered)


def _renumber_references(repo: Repository, renumbered: dict[int, PullRequest]) -> None:
    """Point deployments and merge commit messages at the pull requests' new numbers."""
    old_to_new = {old: pr.number for old, pr in repo.pulls.items()}
    repo.pulls = renumbered
    for d in repo.deployments:
        d.pr_numbers = [old_to_new[n] for n in d.pr_numbers]
    by_sha = {p.merge_commit_sha: p for p in repo.pulls.values() if p.merge_commit_sha}
    for c in repo.commits:
        pr = by_sha.get(c.sha)
        if pr is not None:
            c.message = f"{pr.title} (#{pr.number})"


# Workflow number -> (name, path, event) of the two workflows every repository runs.
WORKFLOWS = {
    1: ("CI", ".github/workflows/ci.yml", "pull_request"),
    2: ("Deploy", ".github/workflows/deploy.yml", "push"),
}


def _runs(repo: Repository, ctx: RepoContext) -> None:
    """A CI run per pull request and a Deploy run per deployment, numbered in creation order."""
    runs = []
    for pr in repo.pulls.values():
        t = pr.created_at + 120
        conclusion = "failure" if ctx.rng.random() < 0.1 else "success"
        runs.append(
            {
                "workflow": 1,
                "created_at": t,
                "updated_at": t + 600,
                "branch": pr.branch,
                "head_sha": pr.head_sha,
                "conclusion": conclusion,
                "actor": pr.author,
                "pr_number": pr.number,
                "message": pr.title,
            }
        )
    for d in repo.deployments:
        final = d.statuses[-1]
        runs.append(
            {
                "workflow": 2,
                "created_at": d.created_at - 60,
                "updated_at": final.created_at,
                "branch": "main",
                "head_sha": d.sha,
                "conclusion": {"success": "success", "failure": "failure"}.get(final.state),
                "actor": d.creator,
                "pr_number": None,
                "message": "Deploy to production",
            }
        )
    runs.sort(key=lambda r: r["created_at"])
    numbers = {1: 0, 2: 0}
    for run in runs:
        workflow = run.pop("workflow")
        name, path, event = WORKFLOWS[workflow]
        ctx.ids["run"] += 1
        numbers[workflow] += 1
        repo.runs.append(
            WorkflowRun(
                id=ctx.ids["run"],
                name=name,
                workflow_id=161_000 + repo.index * 10 + workflow,
                path=path,
                event=event,
                run_number=numbers[workflow],
                **run,
            )
        )
