"""Platform views: the home page, the health endpoint and the theme switch."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from agiletrack import health, preferences
from agiletrack.observability.views import bearer_token_matches, is_loopback


def _may_see_health_details(request: HttpRequest) -> bool:
    # Probes on the machine, Prometheus with its token, staff: the rest learn only ok / not ok.
    token = settings.AGILETRACK_METRICS_TOKEN
    return (
        is_loopback(request)
        or bool(token and bearer_token_matches(request, token))
        or (request.user.is_authenticated and request.user.is_staff)
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and beat heartbeat status: 200 when all are healthy, 503 otherwise. Only
    loopback callers, the metrics token and staff see each check; others get the status alone."""
    report = health.run_checks()
    status = 200 if report["status"] == "ok" else 503
    if not _may_see_health_details(request):
        return JsonResponse({"status": report["status"]}, status=status)
    return JsonResponse(report, status=status)


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


@login_required
@require_POST
def set_theme(request: HttpRequest) -> HttpResponse:
    """Keep the signed-in user's theme (light, dark or system) and go back to the page."""
    chosen = request.POST.get("theme", "")
    if chosen not in preferences.THEMES.values:
        return HttpResponseBadRequest("Choose a theme: light, dark or system.")
    preferences.set_theme(request.user, chosen)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("home")
    return redirect(back)
