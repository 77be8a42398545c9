"""The facts the DORA and pull request calculations share: deployments, incidents and pull
requests as plain values, and a pull request's timings (DevLake's per-PR spans)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

SUCCESS = "success"
FAILED_STATUSES = frozenset({"failure", "error"})


class DeploymentFacts(NamedTuple):
    """One deployment, as a tuple: a year's 17,000 of them are built per cold DORA read, in
    about half the time of a frozen dataclass."""

    id: str
    status: str  # success | failure | error | in_progress | queued | inactive
    created_at: datetime
    finished_at: datetime | None = None
    is_production: bool = True
    sha: str = ""
    # Commits this deployment shipped that the previous successful one had not; empty for a
    # scope's first deployment, whose baseline is unknown (DevLake links no PR to it either).
    shipped_shas: tuple[str, ...] = ()
    repository: str = ""

    @property
    def at(self) -> datetime:
        """When the deployment counts as happened: finished, else created."""
        return self.finished_at or self.created_at

    @property
    def succeeded(self) -> bool:
        return self.status.lower() == SUCCESS

    @property
    def failed(self) -> bool:
        return self.status.lower() in FAILED_STATUSES


@dataclass(frozen=True)
class IncidentFacts:
    id: str
    created_at: datetime
    resolved_at: datetime | None = None
    repository: str = ""


@dataclass(frozen=True)
class ReviewFacts:
    """A review, or a conversation comment (state COMMENTED), on a pull request."""

    reviewer: str
    submitted_at: datetime
    state: str = "COMMENTED"  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED
    is_bot: bool = False
    id: str = ""
    # A reply in a review thread (or a single line comment), not a submitted review: it answers
    # the pull request (pickup) but is neither review load nor a review before the merge.
    is_reply: bool = False


@dataclass(frozen=True)
class CommitFacts:
    sha: str
    authored_at: datetime


@dataclass(frozen=True)
class PullRequestFacts:
    id: str
    author: str
    created_at: datetime
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    # The earliest authored commit wins; first_commit_at is used when `commits` is empty.
    first_commit_at: datetime | None = None
    commits: tuple[CommitFacts, ...] = ()
    reviews: tuple[ReviewFacts, ...] = ()
    # Conversation comments: they answer a pull request (pickup) but are not reviews.
    comments: tuple[ReviewFacts, ...] = ()
    # When it was marked ready for review (left draft); empty when it never was a draft.
    ready_for_review_times: tuple[datetime, ...] = ()
    merge_commit_sha: str = ""
    author_is_bot: bool = False
    is_draft: bool = False
    additions: int | None = None
    deletions: int | None = None
    repository: str = ""


@dataclass(frozen=True)
class PullRequestTimings:
    """One row of DevLake's project_pr_metrics; every span in whole minutes or None."""

    pull_request_id: str
    first_commit_sha: str | None
    first_commit_at: datetime | None
    first_review_id: str | None
    first_review_at: datetime | None
    deployment_id: str | None
    deployed_at: datetime | None
    coding_minutes: int | None
    pickup_minutes: int | None
    review_minutes: int | None
    deploy_minutes: int | None
    cycle_minutes: int | None
