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
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


def _render_as_json_not_csv(request) -> None:
    """An export (`?format=csv`) that fails answers its error as JSON, as the schema documents,
    not as a CSV table."""
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is not None and renderer.format == "csv":
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def exception_handler(exc: Exception, context: dict[str, Any]):
    """Every API error as {"code", "detail"} plus "fields" (per-field messages) for bad input."""
    # Imported here: rest_framework.views reads the throttle classes of this module as it loads.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Http404):
        exc = NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    _render_as_json_not_csv(context.get("request"))
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


# The id segment of detail routes: any segment reaches the view, so an id that is no id (`1.5`,
# `abc`) answers the API's JSON 404 rather than Django's HTML page (the router's default,
# `[^/.]+`, leaves dotted segments to the format suffixes, which `?format=` covers).
LOOKUP_VALUE_REGEX = r"[^/]+"


class Pagination(PageNumberPagination):
    """50 rows a page by default; `page_size` (1 to 500) asks for another size. A size that is
    no whole number in that range is a 400, not silently the default."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int | None:
        text = request.query_params.get(self.page_size_query_param, "").strip()
        if not text:
            return self.page_size
        try:
            size = int(text)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            message = f"A whole number from 1 to {self.max_page_size}."
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
                parameter["description"] = (
                    f"Rows per page (default {self.page_size}); more than "
                    f"{self.max_page_size} or less than 1 is a 400."
                )
        return parameters


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


def _document_ids(operation: dict) -> None:
    """Ids in paths are numbers: drf-spectacular, seeing LOOKUP_VALUE_REGEX, says any string."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "path" and schema.get("pattern") == f"^{LOOKUP_VALUE_REGEX}$":
            parameter["schema"] = {"type": "integer"}
            parameter.setdefault("description", "Id (anything else answers 404).")


CSV_SCHEMA = {
    "type": "string",
    "description": "CSV text: a header row, then one row per result (a list exports every "
    "matching row, not a page).",
}


def _document_csv(operation: dict) -> None:
    """`?format=csv` answers text, not the JSON object drf-spectacular lists under text/csv."""
    for response in operation.get("responses", {}).values():
        csv = response.get("content", {}).get("text/csv")
        if csv is not None:
            csv["schema"] = dict(CSV_SCHEMA)


def _document_empty_filters(operation: dict) -> None:
    """A list's query parameters may be sent empty (`?status=`), as the browsable API's filter
    form sends the fields left blank: an empty one filters nothing. An empty `format` is JSON."""
    parameters = operation.get("parameters", [])
    is_list = any(parameter.get("name") == "page" for parameter in parameters)
    for parameter in parameters:
        if parameter.get("in") != "query" or parameter.get("required"):
            continue
        if is_list or parameter.get("name") == "format":
            parameter["allowEmptyValue"] = True


def document_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: every operation may answer the error shape (and
    its ids are integers, its CSV is text)."""
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
            _document_ids(operation)
            _document_empty_filters(operation)
            _document_csv(operation)
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
