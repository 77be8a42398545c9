"""The request id: taken from X-Request-ID (or made), bound to every log line, sent back."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("agiletrack.request")

# An incoming id is kept only when it is short and plain, so it cannot forge log fields.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    """Bind the request id to the request's log lines and log one line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.monotonic()
        # Bound until the response is closed (see below), not only inside this middleware:
        # Django logs errors ("django.request") after every middleware has returned.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        # The path only: query strings may carry what should not be stored.
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def _forget_request(**kwargs: object) -> None:
    """The response is closed: later lines of this thread belong to no request."""
    structlog.contextvars.clear_contextvars()


request_finished.connect(_forget_request, dispatch_uid="agiletrack.observability.request_id")
