"""Platform views: the health endpoint."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from agiletrack import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and beat heartbeat status: 200 when all are healthy, 503 otherwise."""
    report = health.run_checks()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
