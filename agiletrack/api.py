"""The API's shared parts: one error shape, token throttling and the schema hook that documents
the error answers of every operation. (The router is in agiletrack/api_urls.py: this module is
imported by REST framework's settings and must not import views.)"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]):
    """Every API error as {"code", "detail"} plus "fields" (per-field messages) for bad input."""
    if isinstance(exc, Http404):
        exc = NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        fields = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = {"code": "invalid", "detail": "Invalid input.", "fields": fields}
        return response
    data = response.data if isinstance(response.data, dict) else {"detail": response.data}
    codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
    response.data = {
        "code": codes if isinstance(codes, str) else "error",
        "detail": str(data.get("detail", "Error.")),
    }
    return response


class Pagination(PageNumberPagination):
    """50 rows a page by default; `page_size` (up to 500) asks for more."""

    page_size_query_param = "page_size"
    max_page_size = 500


class TokenRateThrottle(UserRateThrottle):
    """Limits clients that sign in with an API token (scripts); browser sessions are not."""

    scope = "token"

    def get_rate(self) -> str | None:
        # Read at request time, so a changed setting (and the tests) take effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.successful_authenticator, TokenAuthentication):
            return True
        return super().allow_request(request, view)


ERROR_STATUSES = {
    "400": "Invalid input: `fields` has a message per field.",
    "401": "Not signed in (send `Authorization: Token <key>`).",
    "403": "Signed in, but not allowed (writes need staff).",
    "404": "Not found, or not one of your teams'.",
    "429": "Too many requests from this token; retry after `Retry-After` seconds.",
}


def document_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: every operation may answer the error shape."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "example": "not_found"},
            "detail": {"type": "string", "example": "Not found."},
            "fields": {
                "type": "object",
                "additionalProperties": {},
                "description": "Per-field messages (400 only).",
            },
        },
        "required": ["code", "detail"],
    }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
    return result
