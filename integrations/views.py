"""The integrations page of a team: status, last sync, recent runs and "sync now" for members;
add, edit and test connection for staff, validated exactly as the API validates."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework import serializers

from integrations import scopes, services
from integrations.api.serializers import ScopePageSerializer, ScopeRequestSerializer
from integrations.forms import IntegrationForm, field_kinds, provider_guide
from integrations.models import Integration, SyncRun
from integrations.providers import registry
from integrations.selectors import (
    find_team_integration,
    integration_runs,
    list_integration_statuses,
    team_integrations,
    teams_for_user,
)
from integrations.team_page import TeamPage, team_page

RECENT_RUNS = 5

# What a person should read for each integration status, beside the provider's own message.
STATUS_HEADLINES: dict[str, str] = {
    Integration.Status.PENDING: "Waiting for its first sync.",
    Integration.Status.OK: "Synced.",
    Integration.Status.ERROR: "The last sync failed; it is retried at the next hourly sync.",
    Integration.Status.CONFIG_ERROR: "The settings need attention: the provider could not find "
    "what they name.",
    Integration.Status.AUTH_FAILED: "The provider refused the credentials: enter new ones.",
    Integration.Status.RATE_LIMITED: "The provider's rate limit was reached; the sync resumes "
    "when it resets.",
}


def run_summary(run: SyncRun) -> dict[str, Any]:
    """A sync run as the page and its progress poll show it."""
    duration = None
    if run.started_at and run.finished_at:
        duration = (run.finished_at - run.started_at).total_seconds()
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "trigger": run.get_trigger_display(),
        "queued_at": run.queued_at.isoformat() if run.queued_at else None,
        "queued_display": run.queued_at.strftime("%Y-%m-%d %H:%M UTC") if run.queued_at else "—",
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "duration_seconds": duration,
        "api_requests": run.api_requests,
        "api_requests_not_modified": run.api_requests_not_modified,
        "records_created": run.records_created,
        "records_updated": run.records_updated,
        "error_message": run.error_message,
        "finished": run.status not in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING),
    }


@login_required
@require_GET
def integration_list(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    shown = [
        {
            **row,
            "headline": STATUS_HEADLINES.get(row["integration"].status, ""),
            "runs": [run_summary(run) for run in row["runs"]],
        }
        for row in list_integration_statuses(page.team, page.scope, RECENT_RUNS)
    ]
    return render(request, "dashboard/integrations.html", page.context("integrations", rows=shown))


def _team_integration(request: HttpRequest, slug: str, pk: int) -> Integration:
    page = team_page(request, slug)
    return get_object_or_404(team_integrations(page.team), pk=pk)


@login_required
@require_POST
def sync_now(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Queue a manual sync (any member); answers JSON to scripts, a redirect to browsers."""
    integration = _team_integration(request, slug, pk)
    try:
        run = services.request_sync(integration)
    except serializers.ValidationError as exc:
        message = " ".join(str(m) for value in exc.detail.values() for m in value)  # type: ignore[union-attr]
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"error": message}, status=409)
        messages.error(request, message)
        return redirect(_list_url(slug))
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(
            {"sync_run": run.pk, "status_url": _run_url(slug, integration.pk, run.pk)},
            status=202,
        )
    messages.success(request, f"Sync of {integration.name} queued.")
    return redirect(_list_url(slug))


@login_required
@require_GET
def run_status(request: HttpRequest, slug: str, pk: int, run_pk: int) -> JsonResponse:
    """One run's progress, polled by the page until the run ends."""
    integration = _team_integration(request, slug, pk)
    run = get_object_or_404(integration_runs(integration), pk=run_pk)
    integration.refresh_from_db()
    return JsonResponse(
        {
            **run_summary(run),
            "integration_status": integration.status,
            "integration_status_label": integration.get_status_display(),
            "last_error": integration.last_error,
        }
    )


def _list_url(slug: str) -> str:
    return reverse("team-integrations", kwargs={"slug": slug})


def _run_url(slug: str, pk: int, run_pk: int) -> str:
    return reverse("team-integration-run", kwargs={"slug": slug, "pk": pk, "run_pk": run_pk})


# --- Staff: add, edit, test --------------------------------------------------------------------


def staff_member_required(view):
    """Signed-in staff only: others are sent to sign in, or refused (403) when signed in."""

    @login_required
    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only staff can change integrations.")
        return view(request, *args, **kwargs)

    return guarded


def _form_context(page, form: IntegrationForm, integration: Integration | None) -> dict:
    return page.context(
        "integrations",
        integration_form=form,
        editing=integration,
        providers=provider_guide(),
        field_kinds=field_kinds(),
    )


def _form_view(
    request: HttpRequest,
    page: TeamPage,
    form: IntegrationForm,
    integration: Integration | None,
    save: Callable[[], str],
) -> HttpResponse:
    """The integration form: on a valid POST, `save` stores it and returns the message to show,
    then back to the list; the service's validation errors land on the form's fields."""
    if request.method == "POST" and form.is_valid():
        try:
            message = save()
        except serializers.ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, message)
            return redirect(_list_url(page.team.slug))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dashboard/integration_form.html",
        _form_context(page, form, integration),
        status=status,
    )


@staff_member_required
@require_http_methods(["GET", "POST"])
def integration_add(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    first = registry.providers()[0]
    form = IntegrationForm(
        request.POST or None,
        initial={"kind": first.kind, "config": json.dumps(first.config_example, indent=2)},
    )

    def save() -> str:
        kind = form.cleaned_data["kind"]
        integration = services.create_integration(
            team=page.team,
            kind=kind,
            name=form.cleaned_data["name"],
            config=form.cleaned_data["config"],
            credentials=form.credentials(kind),
            is_active=form.cleaned_data["is_active"],
        )
        return f"{integration.name} added; its first sync is queued."

    return _form_view(request, page, form, None, save)


@staff_member_required
@require_http_methods(["GET", "POST"])
def integration_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    page = team_page(request, slug)
    integration = get_object_or_404(team_integrations(page.team), pk=pk)
    form = IntegrationForm(
        request.POST or None,
        editing=True,
        initial={
            "name": integration.name,
            "kind": integration.kind,
            "config": json.dumps(integration.config, indent=2),
            "is_active": integration.is_active,
        },
    )

    def save() -> str:
        services.update_integration(
            integration,
            name=form.cleaned_data["name"],
            config=form.cleaned_data["config"],
            credentials=form.credentials(integration.kind) or None,
            keep_stored_credentials=True,
            is_active=form.cleaned_data["is_active"],
        )
        return f"{integration.name} saved."

    return _form_view(request, page, form, integration, save)


@staff_member_required
@require_POST
def integration_test(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    integration = _team_integration(request, slug, pk)
    check = services.test_connection(integration)
    if check.ok:
        messages.success(request, f"{integration.name}: {check.message}")
    else:
        messages.error(request, f"{integration.name}: {check.message}")
    return redirect(_list_url(slug))


@staff_member_required
@require_POST
def integration_scopes(request: HttpRequest, slug: str) -> JsonResponse:
    """The form's picker: the repositories or boards the entered (or stored) credentials can
    read, as JSON; a 400 with {"error"} in plain words otherwise. Credentials never come back."""
    team = get_object_or_404(teams_for_user(request.user), slug=slug)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "Send the request as a JSON object."}, status=400)
    ask = ScopeRequestSerializer(data=body)
    if not ask.is_valid():
        field, problems = next(iter(ask.errors.items()))
        return JsonResponse({"error": f"{field}: {_first(problems)}"}, status=400)
    data = ask.validated_data
    integration = None
    if data["integration"] is not None:
        integration = find_team_integration(team, data["integration"])
        if integration is None:
            return JsonResponse({"error": "No such integration in this team."}, status=404)
    try:
        page = scopes.list_scopes(
            kind=data["kind"],
            config=data["config"],
            credentials=data["credentials"],
            query=data["query"],
            cursor=data["cursor"],
            integration=integration,
        )
    except scopes.ScopeListError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(ScopePageSerializer(page).data)


def _first(problems: Any) -> str:
    while isinstance(problems, (list, dict)) and problems:
        problems = problems[0] if isinstance(problems, list) else next(iter(problems.values()))
    return str(problems)
