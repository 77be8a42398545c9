"""Dashboard page of the work items behind one band of the cumulative flow on one day: those in
that status category at the end of that local day (the same window and integration filters)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from integrations.team_page import TeamPage, team_page
from metrics import calculations as calc
from metrics import selectors
from metrics.delivery_views import PAGE_SIZE, page_query
from metrics.models import WorkItem

# The bands of the cumulative flow chart, bottom to top (metrics.charts.work_item_charts).
BANDS = {calc.DONE: "Done", calc.IN_PROGRESS: "In progress", calc.TODO: "To do"}


class FlowBandForm(forms.Form):
    day = forms.DateField(label="Day")
    category = forms.ChoiceField(label="Status category", choices=list(BANDS.items()))


def flow_band_links(page: TeamPage, days: list[date], category: str) -> list[str]:
    """For each local day of `days`, the list of the items in `category` at the day's end, with
    the page's filters (the page's address worked out once: a year's chart has 1,095 points)."""
    base = reverse("team-flow-work-items", kwargs={"slug": page.team.slug})
    query = f"{page.query}&" if page.query else ""
    named = urlencode({"category": category})
    # An ISO date needs no escaping: the same as urlencode({"day": ..., "category": ...}).
    return [f"{base}?{query}day={day.isoformat()}&{named}" for day in days]


def add_flow_links(page: TeamPage, charts: dict, flow: list[dict]) -> dict[str, str]:
    """Link each point of each band of the cumulative flow chart (a dataset per category, in
    BANDS order) to the items that band counted that day; return the last day's links by
    category (the page's line under the chart, for the keyboard)."""
    days = [row["day"] for row in flow]
    links = [flow_band_links(page, days, category) for category in BANDS]
    charts["flow"]["links"] = links
    charts["flow"]["link_mode"] = "band"
    return {category: band[-1] for category, band in zip(BANDS, links, strict=True) if band}


@login_required
@require_GET
def flow_work_items(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    form = FlowBandForm(request.GET or None)
    day = category = None
    rows: QuerySet[WorkItem] = WorkItem.objects.none().order_by("pk")
    if form.is_bound and form.is_valid():
        day, category = form.cleaned_data["day"], form.cleaned_data["category"]
        rows = selectors.list_flow_band(page.scope, day, category)
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/flow_work_items.html",
        page.context(
            "work_items",
            page_obj=page_obj,
            page_query=page_query(request),
            extra_filters=[("day", day.isoformat()), ("category", category)] if day else [],
            day=day,
            category=BANDS.get(category or "", ""),
            band_errors=form.errors if form.is_bound else {},
            asked=form.is_bound and form.is_valid(),
        ),
    )
