"""The webhook receiver: verify the provider's signature over the raw body (each provider's
check is in its package), then debounce a sync.

A bad or missing signature answers 401 and changes nothing. A valid call invalidates the
integration's cached metrics and queues one quick incremental sync (unless one is already
queued), answering at once.
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


@csrf_exempt
def receive(request: HttpRequest, kind: str, integration_id: int) -> HttpResponse:
    """/webhooks/<kind>/<id>/: verify, invalidate, debounce, for every provider."""
    spec = registry.get(kind)
    if spec is None:
        return JsonResponse({"error": "No such integration."}, status=404)
    if request.method not in spec.webhook_methods:
        return HttpResponseNotAllowed(spec.webhook_methods)
    if request.method == "HEAD":
        # The provider checks that the callback URL exists before it registers it.
        exists = Integration.objects.filter(pk=integration_id, kind=kind).exists()
        return HttpResponse(status=200 if exists else 404)
    integration = Integration.objects.filter(pk=integration_id, kind=kind).first()
    if integration is None:
        return JsonResponse({"error": "No such integration."}, status=404)
    try:
        secret = services.get_credentials(integration).get("webhook_secret", "")
    except CredentialsError:
        secret = ""
    if not secret or not spec.verify_webhook(secret, request):
        logger.warning(
            "webhook refused integration=%s kind=%s reason=signature", integration.pk, kind
        )
        return JsonResponse({"error": "Invalid or missing signature."}, status=401)
    if spec.is_webhook_ping(request):
        return JsonResponse({"ok": True})
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
