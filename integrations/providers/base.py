"""What every provider client shares: the records it returns, its errors, and its interface.

A provider speaks HTTP to one API and returns frozen dataclasses; it never touches the ORM. The
sync engine reads a provider stream by stream (`streams()`), page by page (`fetch()`), stores each
batch, and moves the stream's cursor only after the batch is committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from integrations.providers.http import HttpClient, RequestStats

# --- Errors: the one family nothing else escapes ------------------------------------------------


class ProviderError(Exception):
    """A provider call failed. `retryable` says whether trying again later can help."""

    category: ClassVar[str] = "error"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(ProviderError):
    """The integration's settings are wrong (bad URL, unknown repository field, removed API)."""

    category = "config"


class AuthenticationError(ProviderError):
    """The credentials were refused or lack a permission."""

    category = "auth"


class NotFoundError(ProviderError):
    """A configured repository, project or board does not exist or is not visible."""

    category = "not_found"


class RateLimitedError(ProviderError):
    """The provider's rate limit is spent; `retry_after` seconds until it resets."""

    category = "rate_limited"
    retryable = True

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


class TransientError(ProviderError):
    """A timeout, dropped connection or 5xx: the same call may well succeed later."""

    category = "transient"
    retryable = True


class MalformedResponseError(ProviderError):
    """The provider answered with something we cannot parse (bad JSON, missing fields)."""

    category = "malformed"


# --- Records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    external_id: str
    repository: str
    pull_request_number: int
    reviewer: str
    reviewer_is_bot: bool
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    submitted_at: datetime


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


class Provider:
    """Base class of provider clients; each holds one HttpClient as `http`."""

    kind: ClassVar[str] = ""
    http: HttpClient

    @property
    def stats(self) -> RequestStats:
        """Requests this client sent, per endpoint and status, with the free 304s apart."""
        return self.http.stats

    @property
    def rate_limit(self) -> dict:
        """The last rate-limit headers the provider sent."""
        return dict(self.http.rate_limit)

    def check_connection(self) -> ConnectionCheck:
        """Check the credentials and that every configured scope is reachable."""
        raise NotImplementedError

    def streams(self) -> list[str]:
        """Names of the streams a sync reads, e.g. "pull_requests:acme/web"."""
        raise NotImplementedError

    def fetch(self, stream: str, cursor: Cursor) -> Iterator[Batch]:
        """Yield the stream's changes since `cursor`, page by page."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the HTTP session."""
        self.http.close()
