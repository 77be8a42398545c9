"""Pull request reads: the family's numbers (stage times, size, throughput, review load, merged
without review, open PR age) and the pull request page's lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from metrics.aggregates import minutes_until_summary, summaries_and_counts
from metrics.calculations import Summary
from metrics.models import PullRequest, Review
from metrics.parallel import side_by_side
from metrics.scope import MetricScope, window_filter
from metrics.selectors.common import (
    merged_pull_requests,
    open_pull_requests,
    per_week,
    scope_pull_requests,
    summary_dict,
)
from metrics.selectors.dora import lead_time_pull_requests

STAGES = ("coding", "pickup", "review", "deploy", "cycle")

# The pull request page's sort keys and the column each one orders by.
PR_SORTS = {
    "number": "number",
    "created": "created_at",
    "merged": "merged_at",
    "size": "size",
    "coding": "coding_time_minutes",
    "pickup": "pickup_time_minutes",
    "review": "review_time_minutes",
    "deploy": "deploy_time_minutes",
    "cycle": "cycle_time_minutes",
}


def _size():
    return F("additions") + F("deletions")


def _review_load(scope: MetricScope) -> QuerySet:
    """Reviews submitted in the window per reviewer, of those review load counts
    (Review.counts_for_load: calculations.counts_in_review_load)."""
    return (
        scope_pull_requests(
            scope,
            Review.objects.filter(window_filter("submitted_at", scope), counts_for_load=True),
        )
        .order_by()
        .values("reviewer")
        .annotate(reviews=Count("*"), pull_requests=Count("pull_request", distinct=True))
        .order_by("-reviews", "reviewer")
    )


def _merged_numbers(
    scope: MetricScope, stages: tuple[str, ...], size: bool
) -> tuple[dict[str, Summary], dict[str, int]]:
    """The merged pull requests' summaries of these stages (and size), and how many were merged
    and merged without review, in one read of them."""
    values: dict = {stage: f"{stage}_time_minutes" for stage in stages}
    if size:
        values["size"] = _size()
    return summaries_and_counts(
        merged_pull_requests(scope),
        values,
        {"merged": None, "unreviewed": Q(reviewed_before_merge=False)},
    )


def _open_age(scope: MetricScope) -> Summary:
    return minutes_until_summary(
        open_pull_requests(scope), "created_at", scope.moment, round_up=True
    )


def _counted(scope: MetricScope, counts: dict[str, int], open_age: Summary) -> dict:
    """Throughput, merged without review and open pull requests, from what was read."""
    merged_count, unreviewed = counts["merged"], counts["unreviewed"]
    return {
        "throughput": {"merged": merged_count, "per_week": per_week(merged_count, scope)},
        "merged_without_review": {
            "merged": merged_count,
            "without_review": unreviewed,
            "rate": unreviewed / merged_count if merged_count else None,
        },
        "open": {"count": open_age.count, "age": summary_dict(open_age)},
    }


def pull_request_metrics(scope: MetricScope) -> dict:
    """Stage times, size, throughput, review load, merged without review and open PR age."""
    # Three reads side by side (metrics.parallel): the merged pull requests' stage times, size
    # and counts in one read of them, the reviews per reviewer, the open ones' ages.
    read = side_by_side(
        merged=lambda: _merged_numbers(scope, STAGES, size=True),
        reviews=lambda: list(_review_load(scope)),
        open_age=lambda: _open_age(scope),
    )
    found, counts = read["merged"]
    counted = _counted(scope, counts, read["open_age"])
    return {
        "stages": {stage: summary_dict(found[stage]) for stage in STAGES},
        "size": summary_dict(found["size"]),
        "throughput": counted["throughput"],
        "review_load": [
            {
                "reviewer": row["reviewer"],
                "reviews": row["reviews"],
                "pull_requests": row["pull_requests"],
            }
            for row in read["reviews"]
        ],
        "merged_without_review": counted["merged_without_review"],
        "open": counted["open"],
    }


# The stages the pull request page shows beside its list.
PAGE_STAGES = ("cycle",)


def pull_request_page_metrics(scope: MetricScope) -> dict:
    """The numbers of the pull request family the pull request page shows beside its list
    (merged, merged without review, cycle time, open), computed as pull_request_metrics computes
    them, without the rest of the family (review load, the other stages, size): the same keys,
    fewer of them."""
    read = side_by_side(
        merged=lambda: _merged_numbers(scope, PAGE_STAGES, size=False),
        open_age=lambda: _open_age(scope),
    )
    found, counts = read["merged"]
    return {
        "stages": {stage: summary_dict(found[stage]) for stage in PAGE_STAGES},
        **_counted(scope, counts, read["open_age"]),
    }


# --- The pull request page --------------------------------------------------------------------


def pull_requests_in_window(scope: MetricScope) -> QuerySet[PullRequest]:
    """PRs created or merged in the window, or still open at its end."""
    end = scope.moment
    open_at_end = (
        Q(created_at__lt=end)
        & (Q(merged_at__isnull=True) | Q(merged_at__gte=end))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    )
    return scope_pull_requests(scope).filter(
        window_filter("created_at", scope) | window_filter("merged_at", scope) | open_at_end
    )


# The lists behind numbers the pull request page can show instead of its default list.
PR_LISTS = {"deployed": lead_time_pull_requests, "merged": merged_pull_requests}


def _listed(scope: MetricScope, show: str = "") -> QuerySet[PullRequest]:
    """The page's pull requests (`show`: a PR_LISTS list behind a number), with
    their size (a missing count taken as 0) to sort by."""
    rows = pull_requests_in_window(scope)
    if show in PR_LISTS:
        rows = PR_LISTS[show](scope)
    return rows.annotate(size=Coalesce(F("additions"), 0) + Coalesce(F("deletions"), 0))


def list_pull_request_repositories(scope: MetricScope) -> list[str]:
    """The repositories of the scope's pull requests (any time: the filter's choices stay the
    same as the window moves), read from an index by integration and repository."""
    rows = scope_pull_requests(scope)
    return sorted(rows.order_by().values_list("repository", flat=True).distinct())


def _order(sort: str) -> list:
    descending = sort.startswith("-")
    column = F(PR_SORTS[sort.lstrip("-")])
    first = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    return [first, "-pk"]


@dataclass(frozen=True)
class PullRequestListing:
    """The pull request page's rows (lazy querysets, read when shown)."""

    rows: QuerySet[PullRequest]  # sorted, with human reviews prefetched
    # Not sliced: the page shows the first five of each.
    slowest: QuerySet[PullRequest]  # human PRs merged in the window, longest cycle first
    oldest_open: QuerySet[PullRequest]  # human, non-draft open PRs, oldest first


def list_pull_requests(
    scope: MetricScope,
    *,
    show: str = "",
    state: str = "",
    repository: str = "",
    author: str = "",
    sort: str,
) -> PullRequestListing:
    """The page's pull requests, filtered and sorted, with the slowest merged and the oldest
    open among them."""
    rows = _listed(scope, show)
    if state:
        rows = rows.filter(state=state)
    if repository:
        rows = rows.filter(repository=repository)
    if author:
        rows = rows.filter(author__icontains=author)
    human_reviews = Prefetch(
        "reviews", queryset=Review.objects.filter(reviewer_is_bot=False).order_by("submitted_at")
    )
    merged = rows.filter(window_filter("merged_at", scope), author_is_bot=False)
    open_rows = rows.filter(state="open", is_draft=False, author_is_bot=False)
    if show in PR_LISTS:
        # A list behind a number holds merged pull requests only: none of them is open, and
        # the database is not asked (its index of every team's open ones would be walked).
        open_rows = open_rows.none()
    return PullRequestListing(
        rows=rows.order_by(*_order(sort)).prefetch_related(human_reviews),
        slowest=merged.filter(cycle_time_minutes__isnull=False).order_by(
            "-cycle_time_minutes", "-pk"
        ),
        oldest_open=open_rows.order_by("created_at"),
    )
