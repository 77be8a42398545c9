"""Sign-in lockout (django-axes): the page a client sees once its failures reach the limit."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def cooloff_minutes() -> int:
    """How long a lockout lasts after the last failed sign-in, in whole minutes."""
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """429 with a page that says what happened, for how long, and who can lift it (the same
    page for /accounts/login/ and /admin/login/; it never says whether the account exists)."""
    context = {"minutes": cooloff_minutes(), "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=429)
