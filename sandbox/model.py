"""The generated organisation's records, scale knobs and the names the generators draw from.

Records are small slotted dataclasses; the API modules build the full JSON objects only for the
page being served.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
class IssueComment:
    """A conversation comment on a pull request (GitHub keeps them with the issue)."""

    id: int
    user: User
    created_at: int
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
    comments: list[IssueComment] = field(default_factory=list)
    ready_at: int | None = None  # marked ready for review (it was opened as a draft)

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
