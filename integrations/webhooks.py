"""The webhook receiver: verify the provider's signature over the raw body (each provider's
check is in its package), then debounce a sync.

A bad or missing signature, and an integration that does not exist, answer 401 and change
nothing. A delivery whose provider id was seen before answers 200 and changes nothing. A valid
call invalidates the integration's cached metrics and queues one quick incremental sync (unless
one is already queued), answering at once.
"""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from integrations import queueing, services
from integrations.crypto import CredentialsError
from integrations.models import Integration, SyncRun
from integrations.providers import registry
from metrics.cache import invalidate_integration

logger = logging.getLogger(__name__)


REFUSED = {"error": "Invalid or missing signature."}
MAX_DELIVERY_ID = 200  # WebhookDelivery.delivery_id


def _refused(integration_id: int, kind: str, reason: str) -> JsonResponse:
    # An unknown integration answers as a bad signature does: ids cannot be probed.
    logger.warning("webhook refused integration=%s kind=%s reason=%s", integration_id, kind, reason)
    return JsonResponse(REFUSED, status=401)


@csrf_exempt
def receive(request: HttpRequest, kind: str, integration_id: int) -> HttpResponse:
    """/webhooks/<kind>/<id>/: verify, drop repeats, invalidate, debounce, for every provider."""
    spec = registry.get(kind)
    if spec is None:
        return JsonResponse({"error": "No such webhook endpoint."}, status=404)
    if request.method not in spec.webhook_methods:
        return HttpResponseNotAllowed(spec.webhook_methods)
    if request.method == "HEAD":
        # The provider checks that the callback URL answers before it registers it; the answer
        # is the same for every id, so it tells nothing about which integrations exist.
        return HttpResponse(status=200)
    integration = Integration.objects.filter(pk=integration_id, kind=kind).first()
    if integration is None:
        return _refused(integration_id, kind, "unknown")
    try:
        secret = services.get_credentials(integration).get("webhook_secret", "")
    except CredentialsError:
        secret = ""
    if not secret or not spec.verify_webhook(secret, request):
        return _refused(integration.pk, kind, "signature")
    if spec.is_webhook_ping(request):
        return JsonResponse({"ok": True})
    delivery = spec.webhook_delivery_id(request)
    if len(delivery) > MAX_DELIVERY_ID:
        return JsonResponse({"error": "The delivery id is too long."}, status=400)
    if delivery and not services.record_webhook_delivery(integration, delivery):
        logger.info("webhook repeated integration=%s kind=%s", integration.pk, kind)
        return JsonResponse({"queued": False, "reason": "repeated delivery"})
    invalidate_integration(integration.pk)
    if not integration.is_active:
        return JsonResponse({"queued": False, "reason": "inactive"}, status=202)
    pending = SyncRun.objects.filter(
        integration=integration, trigger=SyncRun.Trigger.WEBHOOK, status=SyncRun.Status.QUEUED
    ).first()
    run = pending or queueing.queue_sync(integration, SyncRun.Trigger.WEBHOOK)
    logger.info(
        "webhook accepted integration=%s kind=%s run=%s debounced=%s",
        integration.pk,
        kind,
        run.pk,
        pending is not None,
    )
    return JsonResponse({"queued": pending is None, "sync_run": run.pk}, status=202)
