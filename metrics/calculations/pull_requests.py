"""Pull request metrics: DevLake's coding/pickup/review/deploy/cycle times, size, throughput,
review load, merged without review and open PR age."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from metrics.calculations._common import (
    Period,
    Summary,
    bucket_counts,
    in_window,
    span_minutes,
    summarize,
    utc,
)
from metrics.calculations.dora import deployments_by_commit
from metrics.calculations.facts import (
    DeploymentFacts,
    PullRequestFacts,
    PullRequestTimings,
    ReviewFacts,
)


def first_commit(pr: PullRequestFacts) -> tuple[str | None, datetime | None]:
    """The earliest authored commit of the PR (sha, time); ties keep the first listed."""
    if pr.commits:
        earliest = min(pr.commits, key=lambda c: utc(c.authored_at))
        return earliest.sha, earliest.authored_at
    return None, pr.first_commit_at


def first_review(pr: PullRequestFacts) -> ReviewFacts | None:
    """The first response: the earliest review or conversation comment by someone other than
    the author and not a bot (a review comment comes with its review)."""
    candidates = [
        r for r in (*pr.reviews, *pr.comments) if r.reviewer != pr.author and not r.is_bot
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (utc(r.submitted_at), r.id))


def ready_for_review_at(pr: PullRequestFacts, response_at: datetime | None) -> datetime:
    """When pickup starts: the last time the PR was marked ready for review at or before its
    first response (every such time when there is none yet), else its creation."""
    times = [
        t for t in pr.ready_for_review_times if response_at is None or utc(t) <= utc(response_at)
    ]
    return max(times, key=utc) if times else pr.created_at


def pull_request_timings(
    pr: PullRequestFacts,
    deployment: DeploymentFacts | None = None,
    *,
    weekends_off_in: ZoneInfo | None = None,
) -> PullRequestTimings:
    """DevLake's per-PR spans; `deployment` is the one that shipped the merge commit."""
    sha, first_commit_at = first_commit(pr)
    review = first_review(pr)
    review_at = review.submitted_at if review else None
    deployed_at = deployment.finished_at if deployment else None
    w = weekends_off_in
    coding = span_minutes(first_commit_at, pr.created_at, w)
    open_to_merge = span_minutes(pr.created_at, pr.merged_at, w)
    deploy = span_minutes(pr.merged_at, deployed_at, w)
    parts = [p for p in (coding, open_to_merge, deploy) if p is not None]
    return PullRequestTimings(
        pull_request_id=pr.id,
        first_commit_sha=sha,
        first_commit_at=first_commit_at,
        first_review_id=review.id if review else None,
        first_review_at=review_at,
        deployment_id=deployment.id if deployment else None,
        deployed_at=deployed_at,
        coding_minutes=coding,
        pickup_minutes=span_minutes(ready_for_review_at(pr, review_at), review_at, w),
        review_minutes=span_minutes(review_at, pr.merged_at, w),
        deploy_minutes=deploy,
        # DevLake: coding + (merged - created) + deploy, a missing part counting as 0.
        cycle_minutes=sum(parts) if pr.merged_at is not None and parts else None,
    )


def counted(prs: Iterable[PullRequestFacts]) -> list[PullRequestFacts]:
    """The PRs metrics count: bot-authored PRs are left out everywhere."""
    return [pr for pr in prs if not pr.author_is_bot]


def merged_pull_request_timings(
    prs: Iterable[PullRequestFacts],
    deployments: Iterable[DeploymentFacts] = (),
    *,
    weekends_off_in: ZoneInfo | None = None,
) -> list[PullRequestTimings]:
    """Timings of every merged, human-authored PR, each matched to the deployment that shipped
    its merge commit (see dora.deployments_by_commit)."""
    shipped = deployments_by_commit(deployments)
    return [
        pull_request_timings(pr, shipped.get(pr.merge_commit_sha), weekends_off_in=weekends_off_in)
        for pr in counted(prs)
        if pr.merged_at is not None
    ]


def summarize_timings(timings: Iterable[PullRequestTimings]) -> dict[str, Summary]:
    """Median/p75/p90 (and mean, min, max) of each stage; None spans are left out."""
    rows = list(timings)
    return {
        stage: summarize(getattr(t, f"{stage}_minutes") for t in rows)
        for stage in ("coding", "pickup", "review", "deploy", "cycle")
    }


def pull_request_size(pr: PullRequestFacts) -> int | None:
    """Lines changed: additions + deletions; None when the provider did not say."""
    if pr.additions is None or pr.deletions is None:
        return None
    return pr.additions + pr.deletions


def size_summary(prs: Iterable[PullRequestFacts], start: datetime, end: datetime) -> Summary:
    """Sizes (lines, not minutes) of the human PRs merged in [start, end)."""
    return summarize(
        pull_request_size(pr) for pr in counted(prs) if in_window(pr.merged_at, start, end)
    )


def throughput(
    prs: Iterable[PullRequestFacts],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    period: Period = "week",
) -> dict[date, int]:
    """Human PRs merged per local day/week/month in [start, end), empty buckets included."""
    return bucket_counts(
        (pr.merged_at for pr in counted(prs) if pr.merged_at is not None), start, end, tz, period
    )


@dataclass(frozen=True)
class ReviewLoad:
    reviews: int
    pull_requests: int


def counts_in_review_load(
    reviewer: str, reviewer_is_bot: bool, is_reply: bool, author: str, author_is_bot: bool
) -> bool:
    """Whether review load counts a review: a submitted review (not a thread reply) by a human
    of another human's pull request. Stored per review (Review.counts_for_load) for SQL."""
    return not (reviewer_is_bot or is_reply or author_is_bot or reviewer == author)


def review_load(
    prs: Iterable[PullRequestFacts], start: datetime, end: datetime
) -> dict[str, ReviewLoad]:
    """Per reviewer: reviews submitted in [start, end) and distinct PRs they reviewed.

    Bot reviewers, reviews of one's own PR, reviews of bot-authored PRs and thread replies (not
    submitted reviews) are not counted."""
    reviews: dict[str, int] = {}
    touched: dict[str, set[str]] = {}
    for pr in prs:
        for review in pr.reviews:
            if not counts_in_review_load(
                review.reviewer, review.is_bot, review.is_reply, pr.author, pr.author_is_bot
            ):
                continue
            if not in_window(review.submitted_at, start, end):
                continue
            reviews[review.reviewer] = reviews.get(review.reviewer, 0) + 1
            touched.setdefault(review.reviewer, set()).add(pr.id)
    return {
        name: ReviewLoad(reviews=reviews[name], pull_requests=len(touched[name]))
        for name in sorted(reviews)
    }


@dataclass(frozen=True)
class MergedWithoutReview:
    merged: int
    without_review: int
    rate: float | None  # without_review / merged, None when nothing was merged
    pull_request_ids: tuple[str, ...]


def reviewed_before_merge(pr: PullRequestFacts) -> bool | None:
    """Whether another human reviewed the PR before it was merged (None while unmerged).

    Any submitted review but PENDING counts (a COMMENTED review with a body is still a look); a
    thread reply or single line comment is not a submitted review and does not."""
    if pr.merged_at is None:
        return None
    merged_at = utc(pr.merged_at)
    return any(
        not r.is_bot
        and not r.is_reply
        and r.reviewer != pr.author
        and r.state.upper() != "PENDING"
        and utc(r.submitted_at) <= merged_at
        for r in pr.reviews
    )


def merged_without_review(
    prs: Iterable[PullRequestFacts], start: datetime, end: datetime
) -> MergedWithoutReview:
    """Human PRs merged in [start, end) with no review by another human before the merge."""
    merged = [pr for pr in counted(prs) if in_window(pr.merged_at, start, end)]
    unreviewed = tuple(pr.id for pr in merged if reviewed_before_merge(pr) is False)
    return MergedWithoutReview(
        merged=len(merged),
        without_review=len(unreviewed),
        rate=len(unreviewed) / len(merged) if merged else None,
        pull_request_ids=unreviewed,
    )


def open_pull_request_ages(
    prs: Iterable[PullRequestFacts], now: datetime, *, include_drafts: bool = False
) -> dict[str, int]:
    """Age in whole minutes (rounded up) of every human PR open at `now`, by PR id."""
    ages: dict[str, int] = {}
    for pr in counted(prs):
        if pr.is_draft and not include_drafts:
            continue
        if utc(pr.created_at) > utc(now):
            continue
        ended = [t for t in (pr.merged_at, pr.closed_at) if t is not None]
        if any(utc(t) <= utc(now) for t in ended):
            continue
        age = span_minutes(pr.created_at, now)
        if age is not None:
            ages[pr.id] = age
    return ages
