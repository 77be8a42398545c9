"""Dashboard page of the work items a team finished in the window: the items behind the work
item throughput, lead and cycle time, and behind each bar of its time series (the same window
and integration filters)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from integrations.team_page import TeamPage, team_page
from metrics import selectors
from metrics.delivery_views import PAGE_SIZE, page_query
from metrics.list_pages import list_page


class PeriodForm(forms.Form):
    """One bar of a time series: the local day, week (its Monday) or month (its first day)."""

    period = forms.DateField(required=False, label="Period starting")
    interval = forms.ChoiceField(
        required=False, label="Period", choices=[(i, i) for i in selectors.INTERVALS]
    )


def _finished_links(page: TeamPage) -> Callable[[date, str], str]:
    """The link to the finished items of one period; each period's link is built once (the
    scatter's two thousand points fall on a few dozen days)."""
    base = reverse("team-finished-work-items", kwargs={"slug": page.team.slug})
    query = f"{page.query}&" if page.query else ""

    @cache
    def link(period: date, interval: str) -> str:
        return f"{base}?{query}{urlencode({'period': period.isoformat(), 'interval': interval})}"

    return link


def add_work_item_links(
    page: TeamPage, charts: dict, done: list[dict], finished, interval: str
) -> None:
    """Link each bar of the work items throughput chart to the items it counted (the same
    window, since a finish counts when its item is still done at the window's end, and the
    bar's period), and each point of the cycle-time scatter to the items finished on its local
    day (the point's item among them)."""
    link = _finished_links(page)
    charts["throughput"]["links"] = [link(point["period"], interval) for point in done]
    tz = page.scope.tz
    charts["scatter"]["links"] = [
        link(at.astimezone(tz).date(), "day") for _, at, _ in finished if at is not None
    ]
    charts["scatter"]["link_mode"] = "point"


@login_required
@require_GET
def finished_work_items(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    form = PeriodForm(request.GET or None)
    period, interval = None, "week"
    if form.is_bound and form.is_valid():
        period, interval = form.cleaned_data["period"], form.cleaned_data["interval"] or "week"
    rows = selectors.list_work_item_finishes(page.scope, period, interval)
    page_obj = list_page(rows, request.GET, PAGE_SIZE)
    return render(
        request,
        "dashboard/finished_work_items.html",
        page.context(
            "work_items",
            page_obj=page_obj,
            page_query=page_query(request),
            period=period,
            interval=interval,
            period_errors=form.errors if form.is_bound else {},
        ),
    )
