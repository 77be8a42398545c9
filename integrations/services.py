"""Writes for teams and integrations. Views, serializers, admin and tasks call these."""

import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import serializers

from agiletrack.observability.logs import bind_context
from integrations import config as integration_config
from integrations import crypto, queueing
from integrations.credentials import origin_of, seal, unseal
from integrations.crypto import CredentialsError
from integrations.models import Integration, SyncRun, Team, WebhookDelivery
from integrations.providers import registry
from integrations.providers.errors import ProviderError
from integrations.providers.http import options_from_settings
from integrations.providers.records import ConnectionCheck
from integrations.providers.registry import build_provider
from metrics.cache import invalidate_integration
from metrics.rederive import rederive_work_items

# Providers retry and redeliver within days (GitHub redelivers up to three days back).
WEBHOOK_DELIVERIES_KEPT = timedelta(days=30)


def _clean(field: str, clean: Callable[[str, Any], dict], kind: str, value: Any) -> dict:
    """Run a validator, nesting its per-key errors under the integration field they belong to."""
    try:
        return clean(kind, value)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({field: exc.detail}) from None


def _full_clean(integration: Integration) -> None:
    try:
        integration.full_clean(exclude=["credentials_encrypted"])
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from None


def create_integration(
    *,
    team: Team,
    kind: str,
    name: str,
    config: dict,
    credentials: dict,
    is_active: bool = True,
) -> Integration:
    """Validate and store a new integration with encrypted credentials.

    Invalid input raises a ValidationError keyed by field (config and credentials nested by key).
    """
    cleaned_config = _clean("config", integration_config.clean_config, kind, config)
    cleaned_credentials = _clean(
        "credentials", integration_config.clean_credentials, kind, credentials
    )
    with transaction.atomic():
        integration = Integration(
            team=team,
            kind=kind,
            name=name,
            config=cleaned_config,
            credentials_encrypted=seal(cleaned_credentials, kind, cleaned_config),
            is_active=is_active,
        )
        _full_clean(integration)
        integration.save()
        if integration.is_active:
            # The first sync starts once the integration is committed (never before).
            queueing.queue_sync(integration, SyncRun.Trigger.INITIAL)
    return integration


def update_integration(
    integration: Integration,
    *,
    name: str | None = None,
    config: dict | None = None,
    credentials: dict | None = None,
    keep_stored_credentials: bool = False,
    is_active: bool | None = None,
) -> Integration:
    """Change an integration. Credentials, when given, replace the stored ones whole; with
    `keep_stored_credentials` (the forms, whose secret fields start empty) the fields left out
    keep their stored values. A new API origin (scheme, host or port) needs the credentials again,
    whole, in the same call: stored ones never go to a host they were not entered for."""
    config_before = dict(integration.config)
    origin_before = origin_of(integration.kind, integration.config)
    if name is not None:
        integration.name = name
    if config is not None:
        integration.config = _clean(
            "config", integration_config.clean_config, integration.kind, config
        )
    origin_now = origin_of(integration.kind, integration.config)
    moved = origin_now != origin_before
    if moved and credentials is None:
        raise serializers.ValidationError(
            {"credentials": [enter_again_message(integration, origin_now)]}
        )
    if credentials is not None:
        given = credentials
        if keep_stored_credentials and not moved:
            with contextlib.suppress(CredentialsError):
                given = {**unseal(integration), **credentials}
        cleaned = _clean(
            "credentials", integration_config.clean_credentials, integration.kind, given
        )
        integration.credentials_encrypted = seal(cleaned, integration.kind, integration.config)
    if is_active is not None:
        integration.is_active = is_active
    _full_clean(integration)
    integration.save()
    if config is not None:
        # Metrics read some settings live (the production environments): drop cached numbers.
        invalidate_integration(integration.pk)
    rederive, refetch = changed_settings(integration.kind, config_before, integration.config)
    if rederive:
        # How stored rows are read changed: derive them again, with no provider request.
        rederive_work_items(integration)
    if integration.is_active and refetch:
        # What is fetched changed (a filter the provider applies): read everything again.
        queueing.queue_sync(integration, SyncRun.Trigger.RECONCILE)
    return integration


def enter_again_message(integration: Integration, origin: str) -> str:
    """Why a change of API address needs the credentials again, naming them."""
    spec = registry.get(integration.kind)
    names = ", ".join(spec.required_credentials()) if spec else "the credentials"
    return (
        f"The API address changed to {origin}: enter the credentials again ({names}). Stored "
        "credentials are only sent to the host they were entered for."
    )


def changed_settings(kind: str, before: dict, after: dict) -> tuple[list[str], list[str]]:
    """(settings that re-derive stored rows, settings that re-fetch) changed between two configs,
    as the provider's ProviderSpec sorts them."""
    spec = registry.get(kind)
    if spec is None:
        return [], []

    def changed(keys: tuple[str, ...]) -> list[str]:
        return [key for key in keys if before.get(key) != after.get(key)]

    return changed(spec.rederive_on_change), changed(spec.refetch_on_change)


def settings_change_note(kind: str, before: dict, after: dict) -> str:
    """What a settings change does to the data, in words for the page ("" when nothing)."""
    rederive, refetch = changed_settings(kind, before, after)
    notes = []
    if rederive:
        notes.append(
            f"Stored items were read again with the new {', '.join(rederive)}: no sync needed."
        )
    if refetch:
        notes.append(
            f"A full sync is queued: {', '.join(refetch)} change what is read from the provider."
        )
    return " ".join(notes)


def get_credentials(integration: Integration) -> dict[str, str]:
    """Decrypt an integration's credentials for a provider client (never for display), only
    while it points at the host they were entered for."""
    return unseal(integration)


@transaction.atomic
def rotate_encryption_keys() -> int:
    """Re-encrypt every stored credential with the first configured key; return how many.
    One transaction: a credential no configured key opens leaves every row as it was."""
    count = 0
    pending = Integration.objects.filter(~Q(credentials_encrypted="")).only(
        "pk", "credentials_encrypted"
    )
    for integration in pending.iterator(chunk_size=500):
        token = crypto.reencrypt(integration.credentials_encrypted)
        Integration.objects.filter(pk=integration.pk).update(credentials_encrypted=token)
        count += 1
    return count


def record_webhook_delivery(integration: Integration, delivery_id: str) -> bool:
    """Note a webhook delivery by its provider id; False when it was handled before. Deliveries
    older than WEBHOOK_DELIVERIES_KEPT are forgotten."""
    WebhookDelivery.objects.filter(
        integration=integration, received_at__lt=timezone.now() - WEBHOOK_DELIVERIES_KEPT
    ).delete()
    _, created = WebhookDelivery.objects.get_or_create(
        integration=integration, delivery_id=delivery_id
    )
    return created


def request_sync(
    integration: Integration, trigger: str = SyncRun.Trigger.MANUAL
) -> queueing.AskedSync:
    """Queue a sync of an active integration that a person asked for ("Sync now" on the page,
    the API, the admin); the task is sent after the transaction commits.

    A sync already queued or running answers instead of a new one, and so does one asked for
    less than AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS ago (see `asked_sync_message`)."""
    if not integration.is_active:
        raise serializers.ValidationError(
            {"is_active": ["This integration is inactive; activate it to sync."]}
        )
    interval = settings.AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS
    return queueing.queue_asked_sync(integration, trigger, interval)


def _utc(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def asked_sync_message(integration: Integration, asked: queueing.AskedSync) -> str:
    """What the person who asked for a sync is told, in plain words."""
    run = asked.run
    if asked.outcome == "queued":
        return f"Sync of {integration.name} queued."
    if asked.outcome == "active" and run.status == SyncRun.Status.RUNNING:
        return (
            f"A sync of {integration.name} is already running (run {run.pk}, started "
            f"{_utc(run.started_at or run.queued_at)}); it was not queued again."
        )
    if asked.outcome == "active":
        return (
            f"A sync of {integration.name} is already queued (run {run.pk}, queued "
            f"{_utc(run.queued_at)}); it was not queued again."
        )
    return (
        f"A sync of {integration.name} was asked for at {_utc(run.queued_at)} (run {run.pk}, "
        f"{run.get_status_display().lower()}); ask again in {asked.retry_after} s."
    )


def test_connection(integration: Integration) -> ConnectionCheck:
    """Ask the provider whether the credentials work and the configured scope is reachable."""
    try:
        # Bounded in time: it runs in the web process, while a person waits.
        options = options_from_settings(
            deadline_seconds=settings.AGILETRACK_TEST_CONNECTION_SECONDS,
            transient_retries=0,
            max_inline_wait=0,
        )
        provider = build_provider(
            integration.kind, integration.config, get_credentials(integration), options=options
        )
    except crypto.CredentialsError as exc:
        return ConnectionCheck(ok=False, message=str(exc))
    try:
        # Bound like a sync: its log lines and the rate-limit gauges name the integration.
        with bind_context(integration=integration.pk):
            return provider.check_connection()
    except ProviderError as exc:
        return ConnectionCheck(ok=False, message=exc.message, details={"error": exc.category})
    finally:
        provider.close()
