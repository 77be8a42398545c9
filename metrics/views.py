"""Dashboard pages of a team: overview, pull requests, work items and sprints.

Every page reads its window and integration filters from the URL (`?since=&until=&integration=`),
so a link or a reload shows the same numbers. The team, window and filters come from
integrations.team_page, the numbers and lists from metrics.selectors; templates only format
them. A user sees only their teams' pages (404 otherwise).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_GET

from integrations.selectors import teams_for_user
from integrations.team_page import team_page
from metrics import selectors
from metrics.charts import chart, utc_offset_minutes, work_item_charts
from metrics.comparison import trends_only_with_data
from metrics.delivery_views import period_links, with_lists
from metrics.flow_views import add_flow_links
from metrics.item_views import add_work_item_links
from metrics.list_pages import PAGE_PARAMS, first_rows, list_page
from metrics.page_reads import overview_reads, work_item_reads
from metrics.parallel import side_by_side
from metrics.scope import MetricScope
from metrics.selectors import PR_SORTS
from metrics.sprint_views import add_sprint_links


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the first team's overview, or a page saying there is no team yet."""
    team = teams_for_user(request.user).first()
    if team is not None:
        return redirect("team-overview", slug=team.slug)
    return render(request, "dashboard/no_team.html")


# --- Chart data --------------------------------------------------------------------------------


def interval_for(scope: MetricScope) -> str:
    if scope.days <= 14:
        return "day"
    if scope.days <= 200:
        return "week"
    return "month"


# --- Overview ----------------------------------------------------------------------------------

LOWER_IS_BETTER = {"lead_time": True, "failure_rate": True, "restore": True, "frequency": False}


def _trend(key: str, now: float | None, before: float | None) -> dict | None:
    """The change against the previous window, and whether it is an improvement."""
    if now is None or before is None:
        return None
    if now == before:
        return {"direction": "flat", "better": None, "change": 0.0}
    better = (now < before) == LOWER_IS_BETTER[key]
    change = (now - before) / before if before else None
    return {"direction": "up" if now > before else "down", "better": better, "change": change}


def failure_detail(failure: dict) -> str:
    detail = f"{failure['failed']} of {failure['deployments']} deployments failed"
    if unlinked := len(failure["unlinked_incidents"]):
        days = settings.AGILETRACK_INCIDENT_LINK_WINDOW_DAYS
        within = f" within {days} days" if days else ""
        detail += f"; {unlinked} incident{pluralize(unlinked)} linked to no deployment{within}"
    return detail


def recovery_tile(key: str, title: str, metric: dict, before: dict, counted: str) -> dict:
    """A tile of one of the two recovery metrics: the median, lower is better."""
    return {
        "key": key,
        "title": title,
        "value": metric["summary"]["median"],
        "format": "duration",
        "detail": f"median of {metric['summary']['count']} {counted}",
        "band": metric["band"],
        "reason": metric["reason"],
        "trend": _trend("restore", metric["summary"]["median"], before["summary"]["median"]),
        "empty": not metric["summary"]["count"],
    }


def dora_tiles(dora: dict, previous: dict) -> list[dict]:
    frequency, before_frequency = dora["deployment_frequency"], previous["deployment_frequency"]
    lead, before_lead = dora["lead_time_for_changes"], previous["lead_time_for_changes"]
    failure, before_failure = dora["change_failure_rate"], previous["change_failure_rate"]
    restore, before_restore = dora["time_to_restore"], previous["time_to_restore"]
    recovery = dora["failed_deployment_recovery_time"]
    before_recovery = previous["failed_deployment_recovery_time"]
    return [
        {
            "key": "frequency",
            "title": "Deployment frequency",
            "value": frequency["per_week"],
            "format": "per_week",
            "detail": (
                f"{frequency['deployments']} deployments on {frequency['deployment_days']} days"
            ),
            "band": frequency["band"],
            "reason": frequency["reason"],
            "trend": _trend("frequency", frequency["per_week"], before_frequency["per_week"]),
            "empty": not frequency["deployments"],
        },
        {
            "key": "lead_time",
            "title": "Lead time for changes",
            "value": lead["summary"]["median"],
            "format": "duration",
            "detail": f"median of {lead['summary']['count']} deployed pull requests",
            "band": lead["band"],
            "reason": lead["reason"],
            "trend": _trend(
                "lead_time", lead["summary"]["median"], before_lead["summary"]["median"]
            ),
            "empty": not lead["summary"]["count"],
        },
        {
            "key": "failure_rate",
            "title": "Change failure rate",
            "value": failure["rate"],
            "format": "percent",
            "detail": failure_detail(failure),
            "band": failure["band"],
            "reason": failure["reason"],
            "trend": _trend("failure_rate", failure["rate"], before_failure["rate"]),
            "empty": failure["rate"] is None,
        },
        recovery_tile("restore", "Time to restore", restore, before_restore, "resolved incidents"),
        recovery_tile(
            "recovery",
            "Failed deployment recovery time",
            recovery,
            before_recovery,
            "recovered failed deployments",
        ),
    ]


def compared_with(scope: MetricScope) -> str:
    """What the trends compare with: the previous window of the same (elapsed) length."""
    before = scope.previous()
    days = round((before.end - before.start).total_seconds() / 86400, 1)
    length = f"{days:g} day{pluralize(days)}"
    return f"the previous {length}" if before.bounds is None else f"the {length} before it"


STAGE_LABELS = {"coding": "Coding", "pickup": "Pickup", "review": "Review", "deploy": "Deploy"}


@login_required
@require_GET
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    scope = page.scope
    before = scope.previous()
    interval = interval_for(scope)
    read = overview_reads(scope, interval)
    stages, merged = read.stages, read.merged
    periods = [point["period"] for point in stages]
    merged_links = period_links(page, "team-pull-requests", periods, interval, "merged")
    charts = {
        "stages": chart(
            "bar",
            periods,
            [
                {"label": label, "data": [point[stage] for point in stages], "stack": "cycle"}
                for stage, label in STAGE_LABELS.items()
            ]
            + read.previous_cycle,
            stacked=True,
            unit="minutes",
            title=f"Median pull request cycle time by stage, per {interval}",
            partial=[point["partial"] for point in stages],
            links=merged_links,
        ),
        "throughput": chart(
            "bar",
            periods,
            [
                {"label": "Pull requests merged", "data": [p["value"] for p in merged]},
                {"label": "Work items done", "data": [p["value"] for p in read.done]},
                *read.previous_throughput,
            ],
            title=f"Throughput per {interval}",
            partial=[point["partial"] for point in merged],
        ),
    }
    return render(
        request,
        "dashboard/overview.html",
        page.context(
            "overview",
            tiles=with_lists(
                trends_only_with_data(dora_tiles(read.dora, read.previous_dora), before),
                page.team.slug,
                page.query,
            ),
            bands=read.dora,
            compared_with=compared_with(scope),
            pull_requests=read.pull_requests,
            work_items=read.work_items,
            charts=charts,
            interval=interval,
            stage_rows=list(zip(periods, stages, merged_links, strict=True)),
        ),
    )


# --- Pull requests -----------------------------------------------------------------------------

PR_STATES = [("", "Any state"), ("open", "Open"), ("merged", "Merged"), ("closed", "Closed")]


# The pull request page's short lists: its slowest merged and its oldest open pull requests.
SHORT_LIST = 5

PR_LIST_CHOICES = [
    ("", "In the window"),
    ("deployed", "Deployed (lead time)"),
    ("merged", "Merged"),
]


class PullRequestFilterForm(forms.Form):
    show = forms.ChoiceField(required=False, choices=PR_LIST_CHOICES, label="Show")
    state = forms.ChoiceField(required=False, choices=PR_STATES, label="State")
    repository = forms.ChoiceField(required=False, label="Repository")
    author = forms.CharField(required=False, label="Author", max_length=200)
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[(f"-{key}", f"{key.title()} (highest first)") for key in PR_SORTS]
        + [(key, f"{key.title()} (lowest first)") for key in PR_SORTS],
    )

    def __init__(self, *args, repositories: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repository"].choices = [("", "All repositories")] + [  # type: ignore[attr-defined]
            (name, name) for name in repositories
        ]


@login_required
@require_GET
def pull_requests(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    scope = page.scope
    # A repository asked for is checked against the filter's choices before the list is read;
    # otherwise the choices are read beside the list and the numbers, side by side
    # (metrics.parallel).
    asked = bool(request.GET.get("repository"))
    known = selectors.list_pull_request_repositories(scope) if asked else []
    filters = PullRequestFilterForm(request.GET or None, repositories=known)
    chosen: dict[str, str] = {}
    sort = "-merged"
    if filters.is_bound and filters.is_valid():
        data = filters.cleaned_data
        chosen = {name: data[name] for name in ("show", "state", "repository", "author")}
        sort = data["sort"] or sort
    listing = selectors.list_pull_requests(scope, sort=sort, **chosen)
    lists = side_by_side(
        page=lambda: list_page(listing.rows, request.GET),
        metrics=lambda: selectors.pull_request_page_numbers(scope),
        repositories=lambda: known if asked else selectors.list_pull_request_repositories(scope),
        slowest=lambda: first_rows(listing.slowest, SHORT_LIST),
        oldest_open=lambda: list(listing.oldest_open[:SHORT_LIST]),
    )
    if not asked:  # the same answers (no repository to check), with the choices to show
        filters = PullRequestFilterForm(request.GET or None, repositories=lists["repositories"])
    page_obj = lists["page"]
    for pr in page_obj:
        reviewers = {r.reviewer for r in pr.reviews.all() if r.reviewer != pr.author}
        pr.reviewer_names = sorted(reviewers)  # type: ignore[attr-defined]
    sort_query = urlencode(
        [(k, v) for k, v in request.GET.items() if k not in ("sort", *PAGE_PARAMS)]
    )
    return render(
        request,
        "dashboard/pull_requests.html",
        page.context(
            "pull_requests",
            filters=filters,
            page_obj=page_obj,
            sort=sort,
            sort_query=sort_query,
            page_query=urlencode([(k, v) for k, v in request.GET.items() if k not in PAGE_PARAMS]),
            slowest=lists["slowest"],
            oldest_open=[
                (pr, minutes_between(pr.created_at, scope.moment)) for pr in lists["oldest_open"]
            ],
            metrics=lists["metrics"],
            sortable=PR_SORTS,
        ),
    )


# --- Work items --------------------------------------------------------------------------------


@login_required
@require_GET
def work_items(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    scope = page.scope
    interval = interval_for(scope)
    read = work_item_reads(scope, interval)
    metrics, finished, done = read.metrics, read.finished, read.done
    flow = metrics["cumulative_flow"]
    now = timezone.now()
    charts = work_item_charts(
        metrics, finished, done, interval, read.previous_done, utc_offset_minutes(scope)
    )
    add_work_item_links(page, charts, done, finished, interval)
    flow_links = add_flow_links(page, charts, flow)
    return render(
        request,
        "dashboard/work_items.html",
        page.context(
            "work_items",
            metrics=metrics,
            charts=charts,
            aging=[(item, minutes_between(item.since, now)) for item in read.aging],
            scatter_count=len(finished),
            flow_last=flow[-1] if flow else None,
            flow_links=flow_links,
            reading_notes=read.reading_notes,
        ),
    )


# --- Sprints -----------------------------------------------------------------------------------


# The velocity table's columns, from the lists of the sprints family's velocity.
VELOCITY_COLUMNS = (
    "names", "committed_points", "completed_points", "completed_items", "say_do",
    "carry_over_items", "carry_over_points",
)  # fmt: skip


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _burndown_chart(active: dict, scope: MetricScope) -> dict:
    """The running sprint's burndown on a time axis: from its start at the committed points,
    the remaining points at the end of each local day (the last read now), the ideal line to
    its planned end, and the points added and removed drawn on the day they moved."""

    def end_of(day: date) -> int:
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=scope.tz)
        return _ms(min(next_midnight, scope.moment))

    def noon(day: date) -> int:
        return _ms(datetime.combine(day, time(12), tzinfo=scope.tz))

    start = active["burndown_start"]
    top = max([start["remaining_points"], *(p["remaining_points"] for p in active["burndown"])])
    changes = active["scope_changes"]
    remaining = [{"x": _ms(start["at"]), "y": start["remaining_points"]}] + [
        {"x": end_of(point["day"]), "y": point["remaining_points"]} for point in active["burndown"]
    ]
    marks = {"pointRadius": 6, "showLine": False}
    return chart(
        "line",
        [],
        [
            {"label": "Points remaining", "data": remaining, "stepped": "after"},
            {
                "label": "Ideal",
                "data": [{"x": _ms(p["at"]), "y": p["remaining_points"]} for p in active["ideal"]],
                "borderDash": [6, 4],
                "pointRadius": 0,
            },
            {
                "label": "Sprint end",
                "data": [{"x": _ms(active["end_at"]), "y": y} for y in (0, top)],
                "pointRadius": 0,
            },
            {
                "label": "Scope added",
                "data": [{"x": noon(c["day"]), "y": c["added_points"]} for c in changes
                         if c["added_points"]],
                "pointStyle": "triangle",
                **marks,
            },
            {
                "label": "Scope removed",
                "data": [{"x": noon(c["day"]), "y": c["removed_points"]} for c in changes
                         if c["removed_points"]],
                "pointStyle": "rectRot",
                **marks,
            },
        ],
        unit="points",
        time_x=True,
        utc_offset_minutes=utc_offset_minutes(scope),
        title=f"Burndown of {active['name']}",
    )  # fmt: skip


@login_required
@require_GET
def sprints(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    boards = selectors.family_metrics(page.scope, "sprints")["boards"]
    names = {i.pk: i.name for i in page.integrations}
    shown = []
    for board in boards:
        velocity = board["velocity"]
        charts = {
            "velocity": chart(
                "bar",
                velocity["names"],
                [{"label": "Completed", "data": velocity["completed_points"]}],
                unit="points",
                title="Completed points of the last closed sprints (velocity)",
            )
        }
        active = board["active_sprint"]
        if active:
            charts["burndown"] = _burndown_chart(active, page.scope)
        ids = {
            f"{name}{suffix}": f"chart-{name}-{board['integration']}{suffix.replace('_', '-')}"
            for name in ("velocity", "burndown")
            for suffix in ("", "_data")
        }
        columns = VELOCITY_COLUMNS
        rows = [
            dict(zip(columns, row, strict=True))
            for row in zip(*(velocity[c] for c in columns), strict=True)
        ]
        add_sprint_links(page, board, charts, rows)
        shown.append(
            {
                **board,
                "name": names.get(board["integration"], ""),
                "charts": charts,
                "ids": ids,
                "velocity_rows": rows,
            }
        )
    return render(request, "dashboard/sprints.html", page.context("sprints", boards=shown))


def minutes_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60
