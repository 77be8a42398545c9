"""Platform views: the home page and the health endpoint."""

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from agiletrack import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and beat heartbeat status: 200 when all are healthy, 503 otherwise."""
    report = health.run_checks()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def home(request: HttpRequest) -> HttpResponse:
    """The landing page with links to the admin and the health report."""
    return render(request, "home.html")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: the API's error shape under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def favicon(request: HttpRequest) -> HttpResponse:
    """The icon every page links, for browsers asking /favicon.ico (the admin, the API pages)."""
    return HttpResponsePermanentRedirect(static("agiletrack/favicon.svg"))
