"""The shell every team page shares: the team, the user's teams, the window and its filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from agreements.page_data import unresolved_alert_count
from integrations.models import Integration, Team
from integrations.providers import registry
from integrations.selectors import (
    IntegrationSyncStatus,
    list_sync_statuses,
    list_team_integrations,
    teams_for_user,
)
from integrations.status import data_as_of
from metrics.calculations.windows import window_presets
from metrics.scope import MetricScope, ScopeError, metric_scope


class WindowForm(forms.Form):
    """The date range and integrations a page shows; all optional (last 30 days, everything)."""

    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    integration = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        label="Integrations",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, integrations: list[Integration], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["integration"].choices = [  # type: ignore[attr-defined]
            (i.pk, f"{i.name} ({i.get_kind_display()})") for i in integrations
        ]


@dataclass
class TeamPage:
    """What every team page needs: the team, the user's teams, the window, the filters and the
    sync status of its integrations."""

    team: Team
    teams: QuerySet[Team]
    integrations: list[Integration]
    scope: MetricScope
    form: WindowForm
    query: str  # the filters as a query string, carried by the navigation links
    # Every integration of the team with its one status (integrations.status).
    statuses: list[IntegrationSyncStatus]
    # The window presets as links: (label, query string, whether it is the window shown).
    presets: list[tuple[str, str, bool]]

    def context(self, page: str, **extra: Any) -> dict[str, Any]:
        ids = set(self.scope.integration_ids)
        active = [i for i in self.integrations if i.pk in ids]
        shown = [row for row in self.statuses if row.integration.pk in ids]
        problems = [row for row in shown if row.status.is_problem]
        return {
            "team": self.team,
            "teams": self.teams,
            "integrations": self.integrations,
            "scope": self.scope,
            "form": self.form,
            "query": self.query,
            "page": page,
            "syncing": any(row.active_run for row in shown),
            "never_synced": bool(active) and all(i.last_success_at is None for i in active),
            # The live indicator, "data as of" and the failing banner of every team page.
            "sync_statuses": self.statuses,
            "sync_running": [row for row in self.statuses if row.active_run],
            "sync_status_url": reverse("team-sync-status", kwargs={"slug": self.team.slug}),
            "data_as_of": data_as_of(self.integrations),
            "problems": problems,
            "failing_names": ", ".join(row.integration.name for row in problems),
            # What the active integrations bring (deployments, work items, sprints...).
            "capabilities": registry.capabilities_of(i.kind for i in active),
            "presets": self.presets,
            # The nav badge: the team's unresolved alerts (one count query).
            "open_alerts": unresolved_alert_count(self.team),
            **extra,
        }


def team_page(request: HttpRequest, slug: str) -> TeamPage:
    """The team (404 unless the user may see it) and the window asked for in the URL. A bad
    filter is reported on the form and the default window is shown instead."""
    teams = teams_for_user(request.user)
    team = get_object_or_404(teams, slug=slug)
    integrations = list_team_integrations(team)
    form = WindowForm(request.GET or None, integrations=integrations)
    since = until = chosen = None
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
        chosen = form.cleaned_data["integration"] or None
    try:
        scope = metric_scope(team, since=since, until=until, integrations=chosen)
    except ScopeError as exc:
        form.add_error(None, str(exc))
        scope = metric_scope(team)
    params: list[tuple[str, Any]] = []
    if form.is_bound and not form.errors:
        params += [(key, request.GET[key]) for key in ("since", "until") if request.GET.get(key)]
        params += [("integration", pk) for pk in chosen or ()]
    statuses = list_sync_statuses(integrations)
    presets = preset_links(request, scope)
    return TeamPage(team, teams, integrations, scope, form, urlencode(params), statuses, presets)


def preset_links(request: HttpRequest, scope: MetricScope) -> list[tuple[str, str, bool]]:
    """Each window preset as a query string: its dates counted from today in the scope's time
    zone, with the page's other filters kept (and its page number dropped)."""
    kept = [
        (key, value)
        for key, values in request.GET.lists()
        if key not in ("since", "until", "page")
        for value in values
    ]
    today = scope.now.astimezone(scope.tz).date()
    return [
        (
            preset.label,
            urlencode([("since", preset.since), ("until", preset.until), *kept]),
            (preset.since, preset.until) == (scope.since, scope.until),
        )
        for preset in window_presets(today)
    ]
