"""The integrations page of a team: status, last sync, recent runs and "sync now" for members;
test connection for staff (adding and editing: form_views.py)."""

from __future__ import annotations

import json
from datetime import datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from rest_framework import serializers

from integrations import scopes, services
from integrations.api.serializers import ScopePageSerializer, ScopeRequestSerializer
from integrations.models import Integration, SyncRun
from integrations.selectors import (
    IntegrationSyncStatus,
    find_team_integration,
    integration_runs,
    list_integration_statuses,
    list_sync_statuses,
    list_team_integrations,
    team_integrations,
    teams_for_user,
)
from integrations.status import ACTIVE_RUN_STATUSES, data_as_of, integration_status
from integrations.team_page import team_page

RECENT_RUNS = 5


def run_summary(run: SyncRun, now: datetime | None = None) -> dict[str, Any]:
    """A sync run as the page and its progress polls show it; `elapsed_seconds` counts from
    its start to its end, or to `now` while it runs."""
    duration = elapsed = None
    if run.started_at and run.finished_at:
        duration = elapsed = (run.finished_at - run.started_at).total_seconds()
    elif run.started_at:
        elapsed = max(0.0, ((now or timezone.now()) - run.started_at).total_seconds())
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
        "elapsed_seconds": elapsed,
        "current_stream": run.current_stream,
        "pages_read": run.pages_read,
        "api_requests": run.api_requests,
        "api_requests_not_modified": run.api_requests_not_modified,
        "records_created": run.records_created,
        "records_updated": run.records_updated,
        "error_message": run.error_message,
        "finished": run.status not in ACTIVE_RUN_STATUSES,
    }


@login_required
@require_GET
def integration_list(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    shown = [
        {
            **row,
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
    """Ask for a manual sync (any member); answers JSON to scripts, a redirect to browsers.

    A sync already queued or running answers with that run (200), and one asked for too
    recently answers 429 naming it, instead of queueing another."""
    integration = _team_integration(request, slug, pk)
    wants_json = request.headers.get("Accept") == "application/json"
    try:
        asked = services.request_sync(integration)
    except serializers.ValidationError as exc:
        message = " ".join(str(m) for value in exc.detail.values() for m in value)  # type: ignore[union-attr]
        if wants_json:
            return JsonResponse({"error": message}, status=409)
        messages.error(request, message)
        return redirect(_list_url(slug))
    message = services.asked_sync_message(integration, asked)
    if wants_json:
        return _asked_sync_json(slug, integration, asked, message)
    (messages.success if asked.queued else messages.info)(request, message)
    return redirect(_list_url(slug))


def _asked_sync_json(slug: str, integration: Integration, asked: Any, message: str) -> JsonResponse:
    body = {
        "sync_run": asked.run.pk,
        "queued": asked.queued,
        "message": message,
        "status_url": _run_url(slug, integration.pk, asked.run.pk),
    }
    if asked.outcome == "recent":
        response = JsonResponse({**body, "error": message}, status=429)
        response["Retry-After"] = str(asked.retry_after)
        return response
    return JsonResponse(body, status=202 if asked.queued else 200)


@login_required
@require_GET
def run_status(request: HttpRequest, slug: str, pk: int, run_pk: int) -> JsonResponse:
    """One run's progress, polled by the page until the run ends."""
    integration = _team_integration(request, slug, pk)
    run = get_object_or_404(integration_runs(integration), pk=run_pk)
    integration.refresh_from_db()
    active = run if run.status in ACTIVE_RUN_STATUSES else None
    status = integration_status(integration, active)
    return JsonResponse(
        {
            **run_summary(run),
            "integration_status": status.key,
            "integration_status_label": status.label,
            "last_error": integration.last_error if status.is_problem else "",
        }
    )


def _when(moment: datetime | None) -> dict[str, str | None]:
    return {"at": moment.isoformat() if moment else None, "display": _ago(moment)}


def _ago(moment: datetime | None) -> str:
    return str(naturaltime(moment)) if moment else "never"


def _status_row(row: IntegrationSyncStatus, now: datetime) -> dict[str, Any]:
    integration = row.integration
    return {
        "id": integration.pk,
        "name": integration.name,
        "is_active": integration.is_active,
        "status": row.status.as_dict(),
        "last_error": integration.last_error if row.status.is_problem else "",
        "last_sync": _when(integration.last_sync_at),
        "last_success": _when(integration.last_success_at),
        "succeeded_runs": row.succeeded_runs,
        "failed_runs": row.failed_runs,
        "active_run": run_summary(row.active_run, now) if row.active_run else None,
        "latest_run": run_summary(row.latest_run, now) if row.latest_run else None,
    }


@login_required
@require_GET
def sync_status(request: HttpRequest, slug: str) -> JsonResponse:
    """Every integration of the team with its one status and its current run's progress (the
    stream, pages, records and time so far), polled by the team pages while a sync runs."""
    team = get_object_or_404(teams_for_user(request.user), slug=slug)
    integrations = list_team_integrations(team)
    rows = list_sync_statuses(integrations)
    now = timezone.now()
    as_of = data_as_of(integrations)
    return JsonResponse(
        {
            "running": any(row.active_run for row in rows),
            "data_as_of": _when(as_of),
            "integrations": [_status_row(row, now) for row in rows],
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
        page = scopes.list_scopes_asked(data, integration)
    except scopes.ScopeListError as exc:
        return JsonResponse({"error": exc.message}, status=400)
    return JsonResponse(ScopePageSerializer(page).data)


def _first(problems: Any) -> str:
    while isinstance(problems, (list, dict)) and problems:
        problems = problems[0] if isinstance(problems, list) else next(iter(problems.values()))
    return str(problems)
