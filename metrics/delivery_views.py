"""Dashboard pages of a team's delivery: its production deployments and its incidents, the
lists behind the DORA tiles of the overview (the same window and integration filters)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from integrations.team_page import TeamPage, team_page
from metrics import calculations as calc
from metrics.list_pages import PAGE_PARAMS, PAGE_SIZE, ListPage, list_page
from metrics.selectors import delivery
from metrics.selectors.dora import dora_results

# The list behind each tile: its page and the `show` that lists what the tile counted.
TILE_LISTS = {
    "frequency": ("team-deployments", "deployed"),
    "lead_time": ("team-pull-requests", "deployed"),
    "failure_rate": ("team-deployments", "failed"),
    "restore": ("team-incidents", "resolved"),
    "recovery": ("team-deployments", "recovered"),
}


def with_lists(tiles: list[dict], slug: str, query: str) -> list[dict]:
    """Each tile with `href`, the link to the list of what it counted (same filters)."""
    for tile in tiles:
        if tile["key"] in TILE_LISTS:
            name, show = TILE_LISTS[tile["key"]]
            tile["href"] = f"{reverse(name, kwargs={'slug': slug})}?{query}&show={show}".replace(
                "?&", "?"
            )
    return tiles


class DeploymentListForm(forms.Form):
    show = forms.ChoiceField(
        required=False,
        label="Show",
        choices=[(k, v[0]) for k, v in delivery.DEPLOYMENT_LISTS.items()],
    )


class IncidentListForm(forms.Form):
    show = forms.ChoiceField(
        required=False,
        label="Show",
        choices=[(k, v[0]) for k, v in delivery.INCIDENT_LISTS.items()],
    )


def _show(form: forms.Form) -> str:
    """The list asked for; an unknown one is reported on the form and the default shown."""
    if form.is_bound and form.is_valid():
        return form.cleaned_data["show"] or ""
    return ""


def page_query(request: HttpRequest) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k not in PAGE_PARAMS])


def period_links(page: TeamPage, name: str, periods: list, interval: str, show: str) -> list[str]:
    """For each local day, week or month of the window, the link to page `name`'s `show` list
    over that period (cut by the window), with the page's integrations: what a bar counted."""
    scope = page.scope
    base = reverse(name, kwargs={"slug": page.team.slug})
    kept = [(key, value) for key, value in parse_qsl(page.query) if key not in ("since", "until")]
    links = []
    for period in periods:
        last = calc.next_period_start(period, interval) - timedelta(days=1)
        since, until = max(period, scope.since), min(last, scope.until)
        query = [("since", since.isoformat()), ("until", until.isoformat()), *kept]
        query += [("show", show)] if show else []
        links.append(f"{base}?{urlencode(query)}")
    return links


@login_required
@require_GET
def deployments(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    form = DeploymentListForm(request.GET or None)
    show = _show(form)
    page_obj: Page | ListPage
    if show == "recovered":
        # One row per recovery: a deployment linked to two resolved incidents recovered twice.
        results = dora_results(page.scope)
        recoveries = Paginator(delivery.list_recoveries(results), PAGE_SIZE)
        page_obj = recoveries.get_page(request.GET.get("page"))
        rows = delivery.recovery_rows(page.scope, list(page_obj), results)
    else:
        page_obj = list_page(delivery.list_deployments(page.scope, show), request.GET, PAGE_SIZE)
        listed = list(page_obj)
        details = delivery.deployment_details(page.scope, listed)
        rows = [(row, details[row.pk]) for row in listed]
    return render(
        request,
        "dashboard/deployments.html",
        page.context(
            "deployments",
            list_form=form,
            extra_filters=[("show", show)] if show else [],
            shown=delivery.DEPLOYMENT_LISTS[show][1],
            page_obj=page_obj,
            rows=rows,
            recoveries=show == "recovered",
            page_query=page_query(request),
        ),
    )


@login_required
@require_GET
def incidents(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    form = IncidentListForm(request.GET or None)
    show = _show(form)
    page_obj = list_page(delivery.list_incidents(page.scope, show), request.GET, PAGE_SIZE)
    rows = list(page_obj)
    details = delivery.incident_details(page.scope, rows)
    return render(
        request,
        "dashboard/incidents.html",
        page.context(
            "incidents",
            list_form=form,
            extra_filters=[("show", show)] if show else [],
            shown=delivery.INCIDENT_LISTS[show][1],
            page_obj=page_obj,
            rows=[(row, details[row.pk]) for row in rows],
            page_query=page_query(request),
            link_days=settings.AGILETRACK_INCIDENT_LINK_WINDOW_DAYS,
        ),
    )
