"""The organisation overview page: every team the user may see, side by side, sortable.

The window (`?since=&until=`) and the order (`?sort=`, a column key, `-` for highest first) live
in the URL, so the column headers are plain links and sorting works without JavaScript. The rows
come from metrics.selectors.organisation.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from metrics.scope import ScopeError
from metrics.selectors.organisation import SORTS, STALE_AFTER, organisation_overview

# The table's columns in order: (sort key, heading).
COLUMNS = [
    ("team", "Team"),
    ("deployment_frequency", "Deployment frequency"),
    ("lead_time_for_changes", "Lead time for changes"),
    ("change_failure_rate", "Change failure rate"),
    ("time_to_restore", "Time to restore"),
    ("failed_deployment_recovery_time", "Failed deployment recovery"),
    ("cycle_time", "PR cycle time (median)"),
    ("pull_requests_merged", "PRs merged"),
    ("work_items_done", "Work items done"),
    ("wip", "Work in progress"),
    ("sync", "Sync"),
]
SORT_CHOICES = [(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS]


class OrganisationForm(forms.Form):
    """The window and order of the organisation overview; all optional."""

    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)


def _headers(sort: str, window: list[tuple[str, str]]) -> list[dict]:
    """Each column's heading with the link that sorts by it: ascending first, then the reverse
    of the current order; `aria-sort` for the column sorted by now."""
    headers = []
    for key, title in COLUMNS:
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        following = key if not current or descending else f"-{key}"
        headers.append(
            {
                "key": key,
                "title": title,
                "href": "?" + urlencode([*window, ("sort", following)]),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return headers


@login_required
@require_GET
def organisation(request: HttpRequest) -> HttpResponse:
    """Every team of the user's (every team for a superuser) for one window, side by side."""
    form = OrganisationForm(request.GET or None)
    since: date | None = None
    until: date | None = None
    sort = "team"
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
        sort = form.cleaned_data["sort"] or sort
    try:
        rows = organisation_overview(request.user, since=since, until=until, sort=sort)
    except ScopeError as exc:
        form.add_error(None, str(exc))
        since = until = None
        rows = organisation_overview(request.user, sort=sort)
    window = [(k, str(v)) for k, v in (("since", since), ("until", until)) if v is not None]
    return render(
        request,
        "dashboard/organisation.html",
        {
            "form": form,
            "rows": rows,
            "headers": _headers(sort, window),
            "sort": sort,
            "window": rows[0]["window"] if rows else None,
            "team_query": urlencode(window),
            "stale_hours": int(STALE_AFTER.total_seconds() // 3600),
        },
    )
