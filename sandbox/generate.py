"""Deterministic generated organisation: GitHub repositories, a Jira site and Trello boards.

Everything comes from `random.Random` seeded with strings derived from the seed (string seeds are
hashed with SHA-512, so they do not depend on PYTHONHASHSEED) and from a fixed "now"; the wall
clock is never read. Records are small slotted dataclasses; the API modules build the full JSON
objects only for the page being served.
"""

# Seeded generators and hashes here make stable fake data and ids, not secrets.
# ruff: noqa: S311, S324

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from .timefmt import object_id, sha

HOUR = 3600
DAY = 86400

SCALES = {
    # repos, PRs per repo, Jira projects, issues per project, Trello boards, cards per board, days
    "small": (3, 120, 2, 150, 2, 40, 120),
    "medium": (4, 250, 2, 600, 3, 150, 180),
    "large": (10, 1000, 4, 5000, 4, 1000, 365),
}

ORG = "acme-eng"
REPO_NAMES = [
    "payments-api",
    "web-frontend",
    "mobile-app",
    "data-pipeline",
    "auth-service",
    "search-service",
    "billing-worker",
    "infra-terraform",
    "notifications",
    "admin-console",
    "reporting",
    "gateway",
]
JIRA_PROJECTS = [("PAY", "Payments"), ("WEB", "Web"), ("OPS", "Operations"), ("MOB", "Mobile")]
JIRA_PROJECTS += [(f"P{i}", f"Project {i}") for i in range(5, 30)]
TRELLO_BOARDS = ["Design Board", "Marketing Launch", "Support Escalations", "Hiring Pipeline"]
TRELLO_BOARDS += [f"Team Board {i}" for i in range(5, 30)]
DEVELOPERS = [
    ("alice-dev", "Alice Martin"),
    ("bob-codes", "Bob Okafor"),
    ("carol-k", "Carol Kim"),
    ("dan-ops", "Dan Novak"),
    ("erin-fe", "Erin Walsh"),
    ("farid-h", "Farid Haddad"),
    ("gina-qa", "Gina Rossi"),
    ("hiro-t", "Hiro Tanaka"),
]
BOTS = [("dependabot[bot]", "dependabot"), ("renovate[bot]", "renovate")]
REVIEW_BOTS = [("codecov[bot]", "codecov")]
PR_TOPICS = [
    "Add retry to payment webhook",
    "Fix race in session refresh",
    "Refactor invoice totals",
    "Bump dependencies",
    "Add dark mode toggle",
    "Speed up search indexing",
    "Handle empty cart on checkout",
    "Add audit log for admin actions",
    "Fix flaky export test",
    "Migrate settings page to new API",
    "Cache exchange rates",
    "Add pagination to orders list",
]
JIRA_SUMMARIES = [
    "Customer can export invoices",
    "Login fails with SSO",
    "Improve onboarding emails",
    "Reduce checkout latency",
    "Broken link on pricing page",
    "Add MFA for admins",
    "Report shows wrong totals",
    "Upgrade database driver",
    "Archive old projects",
]


@dataclass(frozen=True)
class Scale:
    repos: int
    prs_per_repo: int
    projects: int
    issues_per_project: int
    boards: int
    cards_per_board: int
    days: int

    @classmethod
    def named(cls, name: str) -> Scale:
        return cls(*SCALES[name])


# ---------------------------------------------------------------- GitHub records


@dataclass(slots=True)
class User:
    login: str
    id: int
    name: str
    is_bot: bool = False

    @property
    def email(self) -> str:
        if self.is_bot:
            return f"{self.id}+{self.login}@users.noreply.github.com"
        return f"{self.login}@acme-eng.example"


@dataclass(slots=True)
class Commit:
    sha: str
    message: str
    author: User
    authored_at: int
    committed_at: int
    parent: str


@dataclass(slots=True)
class Review:
    id: int
    user: User
    state: str
    submitted_at: int
    commit_id: str
    body: str


@dataclass(slots=True)
class PullRequest:
    number: int
    id: int
    title: str
    author: User
    branch: str
    created_at: int
    updated_at: int
    draft: bool
    closed_at: int | None
    merged_at: int | None
    merge_commit_sha: str | None
    merged_by: User | None
    additions: int
    deletions: int
    changed_files: int
    commits: list[Commit]
    reviews: list[Review]
    base_sha: str

    @property
    def state(self) -> str:
        return "closed" if self.closed_at is not None else "open"

    @property
    def head_sha(self) -> str:
        return self.commits[-1].sha


@dataclass(slots=True)
class DeploymentStatus:
    id: int
    state: str
    created_at: int


@dataclass(slots=True)
class Deployment:
    id: int
    sha: str
    created_at: int
    creator: User
    statuses: list[DeploymentStatus]
    pr_numbers: list[int]

    @property
    def updated_at(self) -> int:
        return self.statuses[-1].created_at if self.statuses else self.created_at


@dataclass(slots=True)
class Issue:
    number: int
    id: int
    title: str
    author: User
    labels: list[str]
    created_at: int
    updated_at: int
    closed_at: int | None
    body: str


@dataclass(slots=True)
class Release:
    id: int
    tag: str
    sha: str
    created_at: int
    author: User


@dataclass(slots=True)
class WorkflowRun:
    id: int
    name: str
    workflow_id: int
    path: str
    event: str
    branch: str
    head_sha: str
    created_at: int
    updated_at: int
    conclusion: str | None
    run_number: int
    actor: User
    pr_number: int | None
    message: str


@dataclass(slots=True)
class Repository:
    index: int
    name: str
    id: int
    created_at: int
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    commits: list[Commit] = field(default_factory=list)  # default branch, oldest first
    deployments: list[Deployment] = field(default_factory=list)
    issues: dict[int, Issue] = field(default_factory=dict)
    releases: list[Release] = field(default_factory=list)
    runs: list[WorkflowRun] = field(default_factory=list)
    version: int = 0

    @property
    def full_name(self) -> str:
        return f"{ORG}/{self.name}"

    def next_number(self) -> int:
        return max([0, *self.pulls, *self.issues]) + 1


# ---------------------------------------------------------------- Jira records

JIRA_STATUSES = {
    # id: (name, category id, category key, category name, colour)
    "10000": ("To Do", 2, "new", "To Do", "blue-gray"),
    "3": ("In Progress", 4, "indeterminate", "In Progress", "yellow"),
    "10001": ("In Review", 4, "indeterminate", "In Progress", "yellow"),
    "10002": ("Done", 3, "done", "Done", "green"),
}
WORKFLOW = ["10000", "3", "10001", "10002"]
ISSUE_TYPES = {
    # name: (id, subtask, hierarchy level)
    "Story": ("10001", False, 0),
    "Bug": ("10002", False, 0),
    "Task": ("10003", False, 0),
    "Epic": ("10000", False, 1),
}
STORY_POINTS_FIELD = "customfield_10016"
SPRINT_FIELD = "customfield_10020"


@dataclass(slots=True)
class JiraUser:
    account_id: str
    name: str
    email: str


@dataclass(slots=True)
class ChangeItem:
    field: str
    from_id: str | None
    from_string: str | None
    to_id: str | None
    to_string: str | None


@dataclass(slots=True)
class History:
    id: int
    author: JiraUser
    created: int
    items: list[ChangeItem]


@dataclass(slots=True)
class Sprint:
    id: int
    name: str
    board_id: int
    state: str
    start: int
    end: int
    complete: int | None
    goal: str


@dataclass(slots=True)
class JiraIssue:
    id: int
    key: str
    project: str
    issue_type: str
    summary: str
    created: int
    updated: int
    status: str
    resolution_date: int | None
    points: float | None
    sprint_ids: list[int]
    reporter: JiraUser
    assignee: JiraUser | None
    histories: list[History]  # oldest first


@dataclass(slots=True)
class Board:
    id: int
    name: str
    project: str
    project_id: int
    sprints: list[Sprint]


# ---------------------------------------------------------------- Trello records


@dataclass(slots=True)
class TrelloMember:
    id: str
    username: str
    full_name: str


@dataclass(slots=True)
class TrelloList:
    id: str
    name: str
    pos: int


@dataclass(slots=True)
class TrelloAction:
    id: str
    type: str
    date: int
    member: TrelloMember
    card_id: str
    list_before: TrelloList | None
    list_after: TrelloList


@dataclass(slots=True)
class TrelloCard:
    id: str
    id_short: int
    name: str
    short_link: str
    list: TrelloList
    created: int
    last_activity: int
    labels: list[str]
    members: list[TrelloMember]


@dataclass(slots=True)
class TrelloBoard:
    id: str
    name: str
    short_link: str
    created: int
    lists: list[TrelloList]
    cards: list[TrelloCard]
    actions: list[TrelloAction]  # oldest first; ids sort like dates


@dataclass
class Organisation:
    seed: int
    now: int
    scale: Scale
    users: list[User]
    bots: list[User]
    viewer: User
    repos: dict[str, Repository]
    jira_users: list[JiraUser]
    jira_me: JiraUser
    projects: dict[str, int]  # key -> project id
    boards: dict[int, Board]
    sprints: dict[int, Sprint]
    jira_issues: dict[str, JiraIssue]  # key -> issue, in creation order
    trello_me: TrelloMember
    trello_members: list[TrelloMember]
    trello_boards: dict[str, TrelloBoard]
    credentials: dict = field(default_factory=dict)
    version: int = 0
    next_ids: dict = field(default_factory=dict)

    def new_id(self, kind: str) -> int:
        self.next_ids[kind] += 1
        return self.next_ids[kind]


def credentials_for(seed: int) -> dict:
    digest = hashlib.sha256(f"agiletrack-sandbox:{seed}".encode()).hexdigest()
    return {
        "github": {"token": f"ghp_sandbox{digest[:29]}"},
        "jira": {"email": "sandbox@acme-eng.example", "api_token": f"ATATT-sandbox-{digest[:24]}"},
        "trello": {
            "key": hashlib.md5(f"key:{seed}".encode()).hexdigest(),
            "token": hashlib.sha256(f"token:{seed}".encode()).hexdigest(),
        },
    }


def generate(seed: int, scale: Scale, now: int) -> Organisation:
    """Build the whole organisation for a seed, a scale and a fixed 'now'."""
    users = [User(login, 1000 + i, name) for i, (login, name) in enumerate(DEVELOPERS)]
    bots = [User(login, 49699000 + i, name, True) for i, (login, name) in enumerate(BOTS)]
    review_bots = [
        User(login, 22429000 + i, name, True) for i, (login, name) in enumerate(REVIEW_BOTS)
    ]
    start = now - scale.days * DAY
    repos = {}
    ids = {"review": 80_000_000, "deployment": 500_000, "status": 9_000_000, "run": 30_000_000}
    ids |= {"issue_id": 1_500_000_000, "release": 100_000, "pr_id": 1_200_000_000}
    for index in range(scale.repos):
        name = REPO_NAMES[index] if index < len(REPO_NAMES) else f"service-{index}"
        repo = Repository(index, name, 700_000_000 + index * 17, start - 400 * DAY)
        _github_repo(
            repo,
            random.Random(f"{seed}:github:{name}"),
            users,
            bots,
            review_bots,
            scale,
            start,
            now,
            ids,
        )
        repos[name] = repo
    jira_users = [
        JiraUser(hashlib.md5(login.encode()).hexdigest()[:24], name, f"{login}@acme-eng.example")
        for login, name in DEVELOPERS
    ]
    jira_me = JiraUser("5b10ac8d82e05b22cc7d4ef5", "AgileTrack Sandbox", "sandbox@acme-eng.example")
    projects, boards, sprints, issues = {}, {}, {}, {}
    jids = {"issue": 10000, "history": 100000, "sprint": 0}
    for index in range(scale.projects):
        key, _title = JIRA_PROJECTS[index]
        projects[key] = 10000 + index
        board = Board(index + 1, f"{key} board", key, 10000 + index, [])
        boards[board.id] = board
        _jira_project(
            board,
            random.Random(f"{seed}:jira:{key}"),
            jira_users,
            scale,
            start,
            now,
            jids,
            sprints,
            issues,
        )
    trello_members = [
        TrelloMember(object_id(start - 500 * DAY, "member", login), login.replace("-", ""), name)
        for login, name in DEVELOPERS
    ]
    trello_me = TrelloMember(object_id(start - 600 * DAY, "me"), "agiletracksandbox", "Sandbox")
    trello_boards = {}
    for index in range(scale.boards):
        name = TRELLO_BOARDS[index]
        board = _trello_board(
            random.Random(f"{seed}:trello:{name}"), name, index, trello_members, scale, start, now
        )
        trello_boards[board.id] = board
    org = Organisation(
        seed,
        now,
        scale,
        users,
        bots,
        users[0],
        repos,
        jira_users,
        jira_me,
        projects,
        boards,
        sprints,
        issues,
        trello_me,
        trello_members,
        trello_boards,
        credentials_for(seed),
    )
    org.next_ids = ids | {"jira_issue": jids["issue"], "history": jids["history"]}
    return org


def _github_repo(repo, rng, users, bots, review_bots, scale, start, now, ids):
    n = scale.prs_per_repo
    span = now - start
    main_sha = sha(repo.name, "root")
    merged = []
    for i in range(n):
        created = start + int((i + rng.random()) * span / n)
        bot = rng.random() < 0.08
        author = rng.choice(bots) if bot else rng.choice(users)
        topic = rng.choice(PR_TOPICS)
        title = "Bump lodash from 4.17.20 to 4.17.21" if bot else f"{topic} ({repo.name})"
        pr = _pull_request(rng, repo, i + 1, title, author, created, now, users, review_bots, ids)
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
    _deployments(repo, rng, merged, users, scale, start, now, ids)
    _issues(repo, rng, users, scale, start, now, ids)
    _runs(repo, rng, ids)


def _pull_request(rng, repo, number, title, author, created, now, users, review_bots, ids):
    branch = f"{author.login.split('[')[0]}/change-{number}"
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
    roll = rng.random()
    recent = created > now - 2 * DAY
    draft = roll < 0.05 or (recent and roll < 0.3)
    outcome = (
        "open" if draft or (recent and roll < 0.6) else ("closed" if roll < 0.15 else "merged")
    )
    reviews = []
    t = created
    if not draft:
        if rng.random() < 0.3:
            t = created + int(rng.uniform(60, 900))
            reviews.append(_review(ids, rng.choice(review_bots), "COMMENTED", t, commits[-1]))
        reviewer = rng.choice([u for u in users if u is not author])
        t = created + int(rng.uniform(0.3, 30) * HOUR)
        first = rng.choices(["APPROVED", "CHANGES_REQUESTED", "COMMENTED"], [55, 25, 20])[0]
        if t < now:
            reviews.append(_review(ids, reviewer, first, t, commits[-1]))
            if first != "APPROVED":
                t += int(rng.uniform(1, 24) * HOUR)
                if first == "CHANGES_REQUESTED" and t < now:
                    fix = Commit(
                        sha(repo.name, number, "fix"),
                        "Address review",
                        author,
                        t,
                        t + 30,
                        commits[-1].sha,
                    )
                    commits.append(fix)
                t += int(rng.uniform(0.5, 12) * HOUR)
                if t < now:
                    reviews.append(_review(ids, reviewer, "APPROVED", t, commits[-1]))
    closed_at = merged_at = merge_sha = merged_by = None
    if outcome == "merged":
        approved = [r.submitted_at for r in reviews if r.state == "APPROVED"]
        if approved:
            t = max(approved) + int(rng.uniform(0.2, 12) * HOUR)
            if t < now:
                closed_at = merged_at = t
                merge_sha = sha(repo.name, number, "merge")
                merged_by = rng.choice(users)
    elif outcome == "closed":
        t = created + int(rng.uniform(1, 200) * HOUR)
        if t < now:
            closed_at = t
    events = [created, *(r.submitted_at for r in reviews), *(c.committed_at for c in commits)]
    updated = max(e for e in [*events, closed_at or 0] if e <= now)
    adds = int(rng.paretovariate(1.2) * 20)
    return PullRequest(
        number,
        ids["pr_id"] + repo.index * 100_000 + number,
        title,
        author,
        branch,
        created,
        updated,
        draft,
        closed_at,
        merged_at,
        merge_sha,
        merged_by,
        adds,
        int(adds * rng.uniform(0.1, 0.9)),
        max(1, adds // 40),
        commits,
        reviews,
        sha(repo.name, "base", number),
    )


def _review(ids, user, state, t, commit):
    ids["review"] += 1
    bodies = {"APPROVED": "Looks good to me.", "CHANGES_REQUESTED": "Please add a test for this."}
    return Review(ids["review"], user, state, t, commit.sha, bodies.get(state, "A few comments."))


def _deployments(repo, rng, merged, users, scale, start, now, ids):
    step = max(1, len(merged) // max(1, scale.days // 2))
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
                ids["deployment"],
                batch[-1].merge_commit_sha,
                t,
                rng.choice(users),
                statuses,
                [p.number for p in batch],
            )
        )
        if not last and statuses[-1].state == "success" and rng.random() < 0.3:
            ids["release"] += 1
            tag = f"v1.{len(repo.releases)}.0"
            repo.releases.append(
                Release(ids["release"], tag, batch[-1].merge_commit_sha, t, users[0])
            )


def _issues(repo, rng, users, scale, start, now, ids):
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
    for _ in range(max(2, scale.prs_per_repo // 6)):
        opened = start + int(rng.random() * (now - start))
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
                number,
                ids["issue_id"],
                title,
                rng.choice(users),
                labels,
                opened,
                closed or opened,
                closed,
                "Raised by the on-call engineer.",
            )
    old_to_new = {old: pr.number for old, pr in repo.pulls.items()}
    repo.pulls = renumbered
    for d in repo.deployments:
        d.pr_numbers = [old_to_new[n] for n in d.pr_numbers]
    by_sha = {p.merge_commit_sha: p for p in repo.pulls.values() if p.merge_commit_sha}
    for c in repo.commits:
        pr = by_sha.get(c.sha)
        if pr is not None:
            c.message = f"{pr.title} (#{pr.number})"


def _runs(repo, rng, ids):
    runs = []
    for pr in repo.pulls.values():
        t = pr.created_at + 120
        conclusion = "failure" if rng.random() < 0.1 else "success"
        runs.append(
            (
                t,
                "CI",
                1,
                ".github/workflows/ci.yml",
                "pull_request",
                pr.branch,
                pr.head_sha,
                t + 600,
                conclusion,
                pr.author,
                pr.number,
                pr.title,
            )
        )
    for d in repo.deployments:
        final = d.statuses[-1]
        conclusion = {"success": "success", "failure": "failure"}.get(final.state)
        runs.append(
            (
                d.created_at - 60,
                "Deploy",
                2,
                ".github/workflows/deploy.yml",
                "push",
                "main",
                d.sha,
                final.created_at,
                conclusion,
                d.creator,
                None,
                "Deploy to production",
            )
        )
    runs.sort(key=lambda r: r[0])
    numbers = {1: 0, 2: 0}
    for r in runs:
        ids["run"] += 1
        numbers[r[2]] += 1
        wf = 161_000 + repo.index * 10 + r[2]
        repo.runs.append(
            WorkflowRun(
                ids["run"],
                r[1],
                wf,
                r[3],
                r[4],
                r[5],
                r[6],
                r[0],
                r[7],
                r[8],
                numbers[r[2]],
                r[9],
                r[10],
                r[11],
            )
        )


def _jira_project(board, rng, users, scale, start, now, jids, sprints, issues):
    length = 14 * DAY
    first = start - start % DAY
    k = 0
    while True:
        s_start = first + k * length
        if s_start > now + 2 * length:
            break
        s_end = s_start + length
        if s_end <= now:
            # Completed an hour before the next sprint starts, unfinished work moved into it.
            state, complete = "closed", s_end - HOUR
        elif s_start <= now:
            state, complete = "active", None
        else:
            state, complete = "future", None
        jids["sprint"] += 1
        sprint = Sprint(
            jids["sprint"],
            f"{board.project} Sprint {k + 1}",
            board.id,
            state,
            s_start,
            s_end,
            complete,
            f"Ship sprint {k + 1} scope",
        )
        board.sprints.append(sprint)
        sprints[sprint.id] = sprint
        k += 1
    n = scale.issues_per_project
    for i in range(n):
        created = start + int((i + rng.random()) * (now - start) / n)
        jids["issue"] += 1
        issue_type = rng.choices(list(ISSUE_TYPES), [50, 25, 20, 5])[0]
        points = None
        if issue_type in ("Story", "Task") or (issue_type == "Bug" and rng.random() < 0.5):
            points = float(rng.choice([1, 2, 3, 5, 8, 13] if issue_type == "Story" else [1, 2, 3]))
        issue = JiraIssue(
            jids["issue"],
            f"{board.project}-{i + 1}",
            board.project,
            issue_type,
            f"{rng.choice(JIRA_SUMMARIES)} #{i + 1}",
            created,
            created,
            "10000",
            None,
            points,
            [],
            rng.choice(users),
            rng.choice(users) if rng.random() < 0.85 else None,
            [],
        )
        _walk_workflow(issue, rng, board, users, now, jids)
        issues[issue.key] = issue


def _sprint_at(board, t):
    for sprint in board.sprints:
        if sprint.start <= t < sprint.end:
            return sprint
    return None


def _walk_workflow(issue, rng, board, users, now, jids):
    def change(t, items):
        jids["history"] += 1
        issue.histories.append(History(jids["history"], issue.assignee or users[0], t, items))
        issue.updated = t

    def move(t, to):
        frm = issue.status
        change(t, [ChangeItem("status", frm, JIRA_STATUSES[frm][0], to, JIRA_STATUSES[to][0])])
        if to == "10002":
            issue.resolution_date = t
            change_items = issue.histories[-1].items
            change_items.append(ChangeItem("resolution", None, None, "10000", "Done"))
        elif frm == "10002":
            issue.resolution_date = None
            issue.histories[-1].items.append(ChangeItem("resolution", "10000", "Done", None, None))
        issue.status = to

    work_from = issue.created
    if issue.issue_type != "Epic":
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
    t = work_from + int(rng.uniform(0.1, 5) * DAY)
    path = ["3", "10001", "10002"]
    if rng.random() < 0.08:
        path += ["10000", "3", "10001", "10002"]  # re-opened after being done
    if rng.random() < 0.04:
        path = ["3", "10001"] * 12 + ["10002"]  # churny: more histories than search returns
    for to in path:
        if t >= now:
            break
        move(t, to)
        t += int(rng.uniform(0.2, 4) * DAY) if to != "10001" else int(rng.uniform(1, 30) * HOUR)
    # Unfinished work rolls into the next sprint when its sprint closes.
    while issue.sprint_ids:
        current = next(s for s in board.sprints if s.id == issue.sprint_ids[-1])
        if current.complete is None or (
            issue.status == "10002" and issue.resolution_date < current.end
        ):
            break
        following = [s for s in board.sprints if s.start >= current.end]
        if not following or current.complete > now:
            break
        nxt = following[0]

        def names(ids_):
            return ", ".join(s.name for s in board.sprints if s.id in ids_)

        old = list(issue.sprint_ids)
        issue.sprint_ids.append(nxt.id)
        change(
            current.complete,
            [
                ChangeItem(
                    "Sprint",
                    ", ".join(map(str, old)),
                    names(old),
                    ", ".join(map(str, issue.sprint_ids)),
                    names(issue.sprint_ids),
                )
            ],
        )
    issue.histories.sort(key=lambda h: (h.created, h.id))
    # Jira history ids grow with time; sprint moves were added late, so number them in order.
    first_id = jids["history"] - len(issue.histories) + 1
    for offset, history in enumerate(issue.histories):
        history.id = first_id + offset
    issue.updated = max([issue.created, *(h.created for h in issue.histories)])


def _trello_board(rng, name, index, members, scale, start, now):
    created = start - 30 * DAY + index * 3600
    board_id = object_id(created, "board", name)
    list_names = ["Backlog", "To Do", "Doing", "Review", "Done"]
    lists = [
        TrelloList(object_id(created + k, "list", name, n), n, 16384 * (k + 1))
        for k, n in enumerate(list_names)
    ]
    cards, actions = [], []
    n = scale.cards_per_board
    for i in range(n):
        t = start + int((i + rng.random()) * (now - start) / n)
        member = rng.choice(members)
        card_id = object_id(t, "card", name, i)
        pos = 0 if rng.random() < 0.5 else 1
        card = TrelloCard(
            card_id,
            i + 1,
            f"{rng.choice(JIRA_SUMMARIES)} (card {i + 1})",
            hashlib.md5(card_id.encode()).hexdigest()[:8],
            lists[pos],
            t,
            t,
            [rng.choice(["Task", "Bug", "Feature"])],
            [member],
        )
        actions.append(
            TrelloAction(
                object_id(t, "act", card_id, 0), "createCard", t, member, card_id, None, lists[pos]
            )
        )
        path = list(range(pos + 1, len(lists)))
        if rng.random() < 0.12:
            path = [pos + 1, 2, 3, 2, 3, 4] if pos == 0 else [2, 3, 2, 3, 4]
        for k, target in enumerate(path, start=1):
            t += int(rng.uniform(0.2, 5) * DAY)
            if t >= now:
                break
            actions.append(
                TrelloAction(
                    object_id(t, "act", card_id, k),
                    "updateCard",
                    t,
                    member,
                    card_id,
                    card.list,
                    lists[target],
                )
            )
            card.list = lists[target]
            card.last_activity = t
        cards.append(card)
    actions.sort(key=lambda a: a.id)
    short = hashlib.md5(board_id.encode()).hexdigest()[:8]
    return TrelloBoard(board_id, name, short, created, lists, cards, actions)
