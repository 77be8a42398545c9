"""GET /metrics: the Prometheus text exposition, behind a bearer token or loopback only."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from agiletrack.observability.collectors import render_metrics


def is_loopback(request: HttpRequest) -> bool:
    """A request made on this machine, not forwarded by a proxy."""
    # Behind a proxy on the same host every client looks local: a forwarded request is not.
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def bearer_token_matches(request: HttpRequest, token: str) -> bool:
    """Authorization: Bearer <token>, compared in constant time."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Every series of web, worker and beat plus heartbeat ages and queue lengths."""
    token = settings.AGILETRACK_METRICS_TOKEN
    if token and not bearer_token_matches(request, token):
        response = HttpResponse("A valid bearer token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not token and not is_loopback(request):
        return HttpResponse(
            "/metrics answers loopback only; set AGILETRACK_METRICS_TOKEN to scrape it from "
            "elsewhere.\n",
            status=403,
        )
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
