"""The plain records a provider returns (frozen dataclasses, no ORM), and the stream vocabulary
the sync engine and providers share: cursors, batches, connection checks, and the scopes
(repositories, boards) the integration form offers to choose from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# A work item's status category: what every mapping of statuses or lists resolves to.
STATUS_CATEGORIES = ("todo", "in_progress", "done")


@dataclass(frozen=True)
class Review:
    external_id: str
    repository: str
    pull_request_number: int
    reviewer: str
    reviewer_is_bot: bool
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    submitted_at: datetime
    # A reply in a review thread (or a single line comment) made outside a submitted review,
    # which the forge records as a review of its own: a response, but not a submitted review.
    is_reply: bool = False


@dataclass(frozen=True)
class Comment:
    """A conversation comment on a pull request (not part of a review)."""

    external_id: str
    author: str
    author_is_bot: bool
    created_at: datetime


@dataclass(frozen=True)
class Commit:
    sha: str
    repository: str
    author: str
    message: str
    authored_at: datetime
    committed_at: datetime
    pull_request_number: int | None = None


@dataclass(frozen=True)
class PullRequest:
    external_id: str
    repository: str
    number: int
    title: str
    author: str
    author_is_bot: bool
    state: str  # open | closed | merged
    is_draft: bool
    url: str
    created_at: datetime
    updated_at: datetime
    merged_at: datetime | None
    closed_at: datetime | None
    first_commit_at: datetime | None
    additions: int | None
    deletions: int | None
    changed_files: int | None
    merge_commit_sha: str | None
    base_branch: str = ""
    head_branch: str = ""
    reviews: tuple[Review, ...] = ()
    commits: tuple[Commit, ...] = ()
    # The first conversation comments (enough to find the first response, not all of them).
    comments: tuple[Comment, ...] = ()
    # Every time the pull request was marked ready for review (left draft), oldest first.
    ready_for_review_times: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Deployment:
    external_id: str
    repository: str
    source: str  # deployments | releases | workflow_runs
    environment: str
    name: str
    status: str  # success | failure | in_progress | queued | inactive | error
    sha: str | None
    created_at: datetime
    finished_at: datetime | None
    url: str = ""


@dataclass(frozen=True)
class CommitRange:
    """The commits reachable from `head_sha` and not from `base_sha` (oldest first): what a
    production deployment of `head_sha` shipped after one of `base_sha`. `status` is ahead,
    behind (a rollback: nothing new), identical or diverged."""

    repository: str
    base_sha: str
    head_sha: str
    status: str
    shas: tuple[str, ...] = ()


@dataclass(frozen=True)
class DefaultBranch:
    """A repository's default branch: only pull requests merged into it are deployed."""

    repository: str
    name: str

    @property
    def external_id(self) -> str:
        return self.repository


@dataclass(frozen=True)
class Incident:
    external_id: str
    repository: str
    number: int
    title: str
    url: str
    created_at: datetime
    resolved_at: datetime | None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkItemChange:
    """One change of a tracked field of a work item: status, sprint or story points."""

    external_id: str
    work_item_external_id: str
    field: str  # status | sprint | story_points
    from_value: str | None
    to_value: str | None
    changed_at: datetime
    author: str = ""
    # For status changes: the categories (todo | in_progress | done) of both statuses.
    from_category: str | None = None
    to_category: str | None = None
    # The provider's own categories, before the integration's mapping (re-derivation reads them).
    from_source_category: str | None = None
    to_source_category: str | None = None


@dataclass(frozen=True)
class WorkItem:
    """A Jira issue or a Trello card."""

    external_id: str
    key: str
    title: str
    kind: str  # story | bug | task | epic | card | ...
    status: str
    status_category: str  # todo | in_progress | done
    url: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    story_points: float | None = None
    assignee: str = ""
    container: str = ""  # Jira project key or Trello board id
    sprint_ids: tuple[str, ...] = ()
    changes: tuple[WorkItemChange, ...] = ()
    source_category: str = ""  # the provider's own category of `status`, before the mapping


@dataclass(frozen=True)
class Sprint:
    external_id: str
    board_id: str
    name: str
    state: str  # closed | active | future
    start_at: datetime | None
    end_at: datetime | None
    completed_at: datetime | None
    goal: str = ""


# --- Streams and the provider interface -----------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a stream was read up to: the newest change time seen and the ETag of its head."""

    watermark: datetime | None = None
    etag: str = ""
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Batch:
    """Records from one page of a stream, with the cursor to store once they are committed.

    `cursor` is None for every page but the last: a stream read newest-first can only move its
    watermark when it has reached the old one.
    """

    records: tuple[Any, ...]
    cursor: Cursor | None = None


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    # Why it failed, as a provider error category (auth, not_found, transient...); "" when ok.
    error: str = ""


# --- Scopes: what the credentials see, for the integration form's pickers --------------------

# Provider pages one call of a scope lister may read before it hands back a cursor ("load more").
SCOPE_PAGES_PER_CALL = 3


@dataclass(frozen=True)
class Scope:
    """One thing to choose: `value` goes into the config (e.g. "owner/name", a board id)."""

    value: str
    label: str
    detail: str = ""

    def matches(self, query: str) -> bool:
        """Whether the query (case-insensitive) is part of its label or value; "" matches all."""
        needle = query.strip().casefold()
        return not needle or needle in self.label.casefold() or needle in self.value.casefold()


@dataclass(frozen=True)
class ScopePage:
    """One call's scopes; `next_cursor` continues the list ("load more"), None at its end.
    `searched_on_server`: the provider filtered by the query (else only loaded ones were)."""

    items: tuple[Scope, ...]
    next_cursor: str | None
    searched_on_server: bool
