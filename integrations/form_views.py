"""The add and edit pages of an integration (staff): the chosen provider's fields, a test before
save (the checks a sync starts with), and the secrets of a failed save kept for the next try."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from rest_framework import serializers

from integrations import config as integration_config
from integrations import pending_secrets, preflight, services
from integrations.credentials import origin_of
from integrations.crypto import CredentialsError
from integrations.form_fields import field_name, initial_from
from integrations.forms import IntegrationForm, field_kinds, provider_guide
from integrations.models import Integration
from integrations.providers import registry
from integrations.selectors import team_integrations
from integrations.team_page import TeamPage, team_page
from integrations.views import staff_member_required

# store(settings, credentials typed or kept) -> the message to show once saved.
Store = Callable[[dict, dict], str]


def _origin(kind: str, settings: dict) -> str:
    """The origin the settings point at, defaults filled in when they are valid."""
    with contextlib.suppress(serializers.ValidationError):
        settings = integration_config.clean_config(kind, settings)
    return origin_of(kind, settings)


def _stored_for(integration: Integration | None, origin: str) -> dict[str, str]:
    """The stored credentials, for the test before save, only while the origin is unchanged."""
    if integration is None or origin != origin_of(integration.kind, integration.config):
        return {}
    try:
        return services.get_credentials(integration)
    except CredentialsError:
        return {}


def _test_before_save(form: IntegrationForm, kind: str, settings: dict, credentials: dict):
    """Refuse the save when the provider refuses; offer "save anyway" when it cannot answer."""
    check = preflight.check_before_save(kind, settings, credentials)
    if check.refuses_save:
        spec = registry.get(kind)
        required = spec.required_credentials() if spec else []
        if check.error == "auth" and required:
            raise serializers.ValidationError({"credentials": {required[0]: [check.message]}})
        raise serializers.ValidationError({"__all__": [f"Not saved: {check.message}"]})
    if check.unavailable and not form.cleaned_data.get("save_anyway"):
        form.offer_save_anyway = True
        raise serializers.ValidationError(
            {"__all__": [f"Not saved yet: {check.message} Try again, or save anyway below."]}
        )


def _refuse_new_origin_without_credentials(integration: Integration, origin: str) -> None:
    """A new API address needs the credentials again; say so by the first credential field."""
    if origin == origin_of(integration.kind, integration.config):
        return
    spec = registry.get(integration.kind)
    first = spec.required_credentials()[0] if spec and spec.required_credentials() else "__all__"
    message = services.enter_again_message(integration, origin)
    raise serializers.ValidationError({"credentials": {first: [message]}})


def _submit(request: HttpRequest, form: IntegrationForm, kind: str, integration, store: Store):
    """Test and store what the form holds; on any refusal keep the typed secrets and re-raise."""
    settings = form.settings(kind)
    origin = _origin(kind, settings)
    token = form.cleaned_data.get("form_token") or ""
    user_id = int(request.user.pk or 0)
    secrets = {
        **pending_secrets.recall(user_id, token, kind, origin),
        **form.credentials(kind),
    }
    try:
        if integration is not None and not secrets:
            _refuse_new_origin_without_credentials(integration, origin)
        credentials = {**_stored_for(integration, origin), **secrets}
        _test_before_save(form, kind, settings, credentials)
        message = store(settings, secrets)
    except serializers.ValidationError:
        pending_secrets.keep(user_id, token, kind, origin, secrets)
        form.mark_kept(secrets)
        raise
    pending_secrets.forget(user_id, token)
    return message


def _form_view(
    request: HttpRequest,
    page: TeamPage,
    form: IntegrationForm,
    integration: Integration | None,
    store: Store,
) -> HttpResponse:
    """The form: a valid POST is tested and stored, then back to the list; what the checks or
    the services refuse lands on the form's fields, and typed secrets are kept for the retry."""
    if request.method == "POST" and form.is_valid():
        kind = integration.kind if integration else form.cleaned_data["kind"]
        try:
            message = _submit(request, form, kind, integration, store)
        except serializers.ValidationError as exc:
            form.add_service_errors(exc, kind)
        else:
            messages.success(request, message)
            return redirect(reverse("team-integrations", kwargs={"slug": page.team.slug}))
    context = page.context(
        "integrations",
        integration_form=form,
        editing=integration,
        providers=provider_guide(),
        field_kinds=field_kinds(),
        examples={spec.kind: spec.config_example for spec in registry.providers()},
        pickers=[
            {
                "kind": spec.kind,
                "target": field_name(spec.kind, spec.scope_setting),
                "multiple": spec.scope_multiple,
            }
            for spec in registry.providers()
            if spec.scope_setting
        ],
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/integration_form.html", context, status=status)


@staff_member_required
@require_http_methods(["GET", "POST"])
def integration_add(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    first = registry.providers()[0]
    initial = {"kind": first.kind, "form_token": pending_secrets.new_token()}
    form = IntegrationForm(request.POST or None, initial=initial)

    def store(settings: dict, credentials: dict) -> str:
        integration = services.create_integration(
            team=page.team,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            config=settings,
            credentials=credentials,
            is_active=form.cleaned_data["is_active"],
        )
        return f"{integration.name} added; its first sync is queued."

    return _form_view(request, page, form, None, store)


@staff_member_required
@require_http_methods(["GET", "POST"])
def integration_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    page = team_page(request, slug)
    integration = get_object_or_404(team_integrations(page.team), pk=pk)
    initial = {
        "name": integration.name,
        "kind": integration.kind,
        "is_active": integration.is_active,
        "form_token": pending_secrets.new_token(),
        **initial_from(integration.kind, integration.config),
    }
    form = IntegrationForm(
        request.POST or None, editing=True, stored=integration.config, initial=initial
    )

    def store(settings: dict, credentials: dict) -> str:
        before = dict(integration.config)
        services.update_integration(
            integration,
            name=form.cleaned_data["name"],
            config=settings,
            credentials=credentials or None,
            keep_stored_credentials=True,
            is_active=form.cleaned_data["is_active"],
        )
        note = services.settings_change_note(integration.kind, before, integration.config)
        return f"{integration.name} saved. {note}".strip()

    return _form_view(request, page, form, integration, store)
