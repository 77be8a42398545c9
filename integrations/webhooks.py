"""Webhook receivers: verify the provider's signature over the raw body, then debounce a sync.

A bad or missing signature answers 401 and changes nothing. A valid call invalidates the
integration's cached metrics and queues one quick incremental sync (unless one is already
queued), answering at once.
"""

import base64
import hashlib
import hmac
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from integrations import services, sync
from integrations.crypto import CredentialsError
from integrations.models import Integration, SyncRun
from metrics.cache import invalidate_integration

logger = logging.getLogger(__name__)


def _hex_hmac(secret: str, body: bytes, digest) -> str:
    return hmac.new(secret.encode(), body, digest).hexdigest()


def github_signature_ok(secret: str, request: HttpRequest) -> bool:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>."""
    given = request.headers.get("X-Hub-Signature-256", "")
    expected = "sha256=" + _hex_hmac(secret, request.body, hashlib.sha256)
    return hmac.compare_digest(given, expected)


def jira_signature_ok(secret: str, request: HttpRequest) -> bool:
    """Jira admin webhooks with a secret: X-Hub-Signature: sha256=<hex> (WebSub)."""
    given = request.headers.get("X-Hub-Signature", "")
    expected = "sha256=" + _hex_hmac(secret, request.body, hashlib.sha256)
    return hmac.compare_digest(given, expected)


def trello_signature_ok(secret: str, request: HttpRequest) -> bool:
    """X-Trello-Webhook: base64 HMAC-SHA1 of the body followed by the exact callback URL."""
    given = request.headers.get("X-Trello-Webhook", "")
    payload = request.body + request.build_absolute_uri().encode()
    digest = hmac.new(secret.encode(), payload, hashlib.sha1).digest()
    return hmac.compare_digest(given, base64.b64encode(digest).decode())


CHECKS = {"github": github_signature_ok, "jira": jira_signature_ok, "trello": trello_signature_ok}


def receive(request: HttpRequest, kind: str, integration_id: int) -> HttpResponse:
    """Verify, invalidate, debounce: the shared body of the three receivers."""
    integration = Integration.objects.filter(pk=integration_id, kind=kind).first()
    if integration is None:
        return JsonResponse({"error": "No such integration."}, status=404)
    try:
        secret = services.get_credentials(integration).get("webhook_secret", "")
    except CredentialsError:
        secret = ""
    if not secret or not CHECKS[kind](secret, request):
        logger.warning(
            "webhook refused integration=%s kind=%s reason=signature", integration.pk, kind
        )
        return JsonResponse({"error": "Invalid or missing signature."}, status=401)
    if kind == "github" and request.headers.get("X-GitHub-Event") == "ping":
        return JsonResponse({"ok": True})
    invalidate_integration(integration.pk)
    if not integration.is_active:
        return JsonResponse({"queued": False, "reason": "inactive"}, status=202)
    pending = SyncRun.objects.filter(
        integration=integration, trigger=SyncRun.Trigger.WEBHOOK, status=SyncRun.Status.QUEUED
    ).first()
    run = pending or sync.queue_sync(integration, SyncRun.Trigger.WEBHOOK)
    logger.info(
        "webhook accepted integration=%s kind=%s run=%s debounced=%s",
        integration.pk,
        kind,
        run.pk,
        pending is not None,
    )
    return JsonResponse({"queued": pending is None, "sync_run": run.pk}, status=202)


@csrf_exempt
@require_http_methods(["POST"])
def github_webhook(request: HttpRequest, integration_id: int) -> HttpResponse:
    """GitHub deliveries (push, pull_request, deployment_status, ...)."""
    return receive(request, "github", integration_id)


@csrf_exempt
@require_http_methods(["POST"])
def jira_webhook(request: HttpRequest, integration_id: int) -> HttpResponse:
    """Jira Cloud admin webhooks registered with a secret."""
    return receive(request, "jira", integration_id)


@csrf_exempt
@require_http_methods(["HEAD", "POST"])
def trello_webhook(request: HttpRequest, integration_id: int) -> HttpResponse:
    """Trello calls; Trello checks the callback URL with HEAD when the webhook is created."""
    if request.method == "HEAD":
        exists = Integration.objects.filter(pk=integration_id, kind="trello").exists()
        return HttpResponse(status=200 if exists else 404)
    return receive(request, "trello", integration_id)
