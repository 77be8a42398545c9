"""The sandbox's HTTP vocabulary (Reply, ApiError, Ctx, Window) and its one route table.

Each API module owns an `Api` (its paths, auth, rate limits and error bodies) and registers its
handlers with `@API.route(...)`; app.py reads `ROUTES`. This module imports none of its users.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from .faults import Fault
    from .model import Organisation

JSON = "application/json; charset=utf-8"
SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


class ApiError(Exception):
    """Raised by handlers to answer with an error status and body."""

    def __init__(self, status: int, body: Any, headers: dict | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Reply:
    body: Any
    status: int = 200
    headers: dict = field(default_factory=dict)


@dataclass
class Ctx:
    """One request as a handler sees it."""

    request: Request
    org: Organisation
    base: str
    app: Any  # the SandboxApp (app.py): its settings, windows, stats, faults and recorded data
    api: Api
    user: str | None = None

    @property
    def args(self):
        return self.request.args

    def json(self) -> dict:
        if not self.request.get_data():
            return {}
        try:
            body = json.loads(self.request.get_data())
        except ValueError as exc:
            raise ApiError(400, self.api.error_body(400, "Problems parsing JSON")) from exc
        if not isinstance(body, dict):
            raise ApiError(400, self.api.error_body(400, "Body should be a JSON object"))
        return body


class Window:
    """A fixed-window request counter (GitHub hourly budget, Jira burst, Trello 10 s window)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.used = 0
        self.started: float | None = None

    def _roll(self, now: float) -> None:
        if self.started is None or now >= self.started + self.seconds:
            self.started = now
            self.used = 0

    def reset_at(self, now: float) -> float:
        self._roll(now)
        return self.started + self.seconds

    def remaining(self, now: float) -> int:
        self._roll(now)
        return max(0, self.limit - self.used)

    def spend(self, now: float, points: int = 1) -> None:
        self._roll(now)
        self.used += points


@dataclass(frozen=True)
class Route:
    endpoint: str
    template: str
    methods: tuple[str, ...]
    handler: Callable[..., Reply]
    label: str  # the path template as /_sandbox/stats counts it, e.g. "/1/boards/{board_id}"


def label_of(template: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", template)


class Api:
    """One API's rules: the paths it owns, its auth, rate limits and error bodies.

    The base class is the /_sandbox control API's: no auth, no limits, not counted as usage.
    """

    def __init__(self, name: str, prefix: str, metered: bool = True) -> None:
        self.name = name
        self.prefix = prefix  # "" for the API that answers every path no other API owns
        self.metered = metered  # metered requests are slowed, faulted and counted in the stats

    def route(self, template: str, name: str, methods=("GET",), label: str | None = None):
        """Register the decorated handler as `<api>.<name>` in the sandbox's route table."""

        def wrap(fn):
            ROUTES.add_route(
                Route(
                    f"{self.name}.{name}", template, tuple(methods), fn, label or label_of(template)
                )
            )
            return fn

        return wrap

    def error_body(self, status: int, message: str) -> Any:
        return {"error": message}

    def authenticate(self, ctx: Ctx) -> Reply | None:
        """None lets the request through (and may set ctx.user); a Reply refuses it."""
        return None

    def limit(self, ctx: Ctx, endpoint: str) -> Reply | None:
        """None lets the request through (and spends from its windows); a Reply refuses it."""
        return None

    def finish(self, ctx: Ctx, status: int, data: bytes, headers: dict, label: str, charge: bool):
        """(status, body) after the API's own headers are added to `headers`."""
        return status, data

    def limited(self, fault: Fault, org: Organisation, headers: dict) -> Reply:
        """The answer to an injected rate_limit or secondary fault."""
        body = self.error_body(fault.status, SECONDARY_LIMIT_MESSAGE)
        return Reply(body, fault.status, headers)


class RouteTable:
    """Every route of every API; the API modules fill it when imported."""

    def __init__(self) -> None:
        self.apis: list[Api] = []
        self.routes: dict[str, Route] = {}

    def add_api(self, api: Api) -> Api:
        self.apis.append(api)
        return api

    def add_route(self, route: Route) -> None:
        if route.endpoint in self.routes:
            raise ValueError(f"{route.endpoint} is routed twice")
        self.routes[route.endpoint] = route

    def api_for(self, path: str) -> Api:
        """The API owning a path: the one whose prefix it starts with, else the catch-all."""
        for api in self.apis:
            if api.prefix and path.startswith(api.prefix):
                return api
        return next(api for api in self.apis if not api.prefix)

    def rules(self) -> list[Rule]:
        """Fresh werkzeug rules (a rule binds to one Map, and each app builds its own)."""
        return [
            Rule(r.template, endpoint=r.endpoint, methods=list(r.methods))
            for r in self.routes.values()
        ]


ROUTES = RouteTable()
