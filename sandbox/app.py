"""The generic WSGI server: route, authenticate, rate-limit, fault, count and encode answers.

Each step asks the request's Api (routing.py) for its provider's rules.

GitHub lives at root paths (/repos/..., /graphql, /rate_limit, /user), Jira under /rest/ and
Trello under /1/, so one process on one port serves every integration of the demo.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from . import (
    control,
    github_compare,
    github_delivery,
    github_issues,
    github_pulls,
    github_repos,
    graphql_api,
    jira_agile,
    jira_platform,
    receivers,
    trello,
)
from .faults import CORRUPTING, Fault, FaultSet
from .model import Organisation
from .routing import JSON, ROUTES, Api, ApiError, Ctx, Reply, Window

# Importing the API modules registers their routes in ROUTES.
API_MODULES = (
    control,
    github_repos,
    github_pulls,
    github_delivery,
    github_compare,
    github_issues,
    graphql_api,
    jira_agile,
    jira_platform,
    trello,
    receivers,
)


@dataclass
class Settings:
    seed: int = 1
    scale: str = "small"
    now: str = "2026-11-01T00:00:00Z"
    latency_ms: int = 0
    github_budget: int = 5000
    github_graphql_budget: int = 5000
    github_window_seconds: int = 3600
    github_exhausted_status: int = 403
    jira_limit: int = 1000
    jira_window_seconds: int = 10
    trello_token_limit: int = 100
    trello_key_limit: int = 300
    trello_window_seconds: int = 10
    data_dir: str | None = None
    slack_hooks: tuple[str, ...] = ()  # live Slack incoming-webhook paths besides the demo's


class SandboxApp:
    def __init__(self, org: Organisation, settings: Settings, faults: FaultSet | None = None):
        self.org = org
        self.settings = settings
        self.faults = faults or FaultSet(settings.seed)
        self.lock = threading.RLock()
        self.stats: Counter = Counter()
        self.windows: dict[tuple, Window] = {}
        self.state: dict = {}  # per-API caches that live as long as the app (GraphQL schema, JQL)
        self.recorded = None
        if settings.data_dir:
            from .recorded import RecordedData

            self.recorded = RecordedData.load(settings.data_dir)
        self.url_map = Map(ROUTES.rules(), strict_slashes=False, merge_slashes=False)

    def window(self, key: tuple, limit: int, seconds: float) -> Window:
        win = self.windows.get(key)
        if win is None:
            win = self.windows[key] = Window(limit, seconds)
        win.limit, win.seconds = limit, seconds
        return win

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request, environ)
        if response is None:  # the connection was dropped on purpose
            return []
        return response(environ, start_response)

    def dispatch(self, request: Request, environ) -> Response | None:
        api = ROUTES.api_for(request.path)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            endpoint, url_args = adapter.match()
        except MethodNotAllowed:
            reply = Reply(api.error_body(405, "Method Not Allowed"), 405)
            return self.finish(api, "unrouted", reply)
        except (NotFound, HTTPException):
            return self.finish(api, "unrouted", Reply(api.error_body(404, "Not Found"), 404))
        label = f"{request.method} {ROUTES.routes[endpoint].label}"
        fault = None
        if api.metered:
            if self.settings.latency_ms:
                time.sleep(self.settings.latency_ms / 1000)
            fault = self.faults.pick(request.method, request.path)
            if fault is not None:
                early = self.apply_fault(fault, api, label, environ)
                if early is not False:
                    return early
        ctx = Ctx(request, self.org, request.host_url.rstrip("/"), self, api)
        try:
            refused = api.authenticate(ctx) or api.limit(ctx, endpoint)
            if refused is not None:
                return self.finish(api, label, refused)
            with self.lock:
                reply = ROUTES.routes[endpoint].handler(ctx, **url_args)
        except ApiError as err:
            reply = Reply(err.body, err.status, err.headers)
        except Exception:  # noqa: BLE001 (a sandbox bug must still answer, and say so on stderr)
            traceback.print_exc()
            reply = Reply(api.error_body(500, "Sandbox error (see its log)"), 500)
        response = self.finish(api, label, reply, ctx=ctx, charge=True)
        if fault is not None and fault.kind in CORRUPTING:
            return self.corrupt(response, fault, environ)
        return response

    def finish(
        self, api: Api, label: str, reply: Reply, ctx: Ctx | None = None, charge: bool = False
    ):
        headers = dict(reply.headers)
        if isinstance(reply.body, (bytes, str)):
            data = reply.body.encode() if isinstance(reply.body, str) else reply.body
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(reply.body, separators=(",", ":"), ensure_ascii=False).encode()
            content_type = JSON
        status = reply.status
        if ctx is not None:
            status, data = api.finish(ctx, status, data, headers, label, charge)
        if api.metered:  # control calls are not API usage
            self.stats[(label, status)] += 1
        response = Response(data, status=status, content_type=content_type if data else None)
        for key, value in headers.items():
            response.headers[key] = value
        return response

    # ------------------------------------------------------------------ faults

    def apply_fault(self, fault: Fault, api: Api, label: str, environ):
        """Answer or disturb the request; False means carry on with the normal answer."""
        if fault.kind == "slow":
            time.sleep(fault.delay_ms / 1000)
            return False
        if fault.kind in CORRUPTING:
            return False
        if fault.kind == "hang":
            self.stats[(label, "hang")] += 1
            fault_release = self.faults.release
            fault_release.wait(fault.hang_seconds)
            _drop(environ)
            return None
        if fault.kind == "drop":
            self.stats[(label, "dropped")] += 1
            _drop(environ)
            return None
        headers = {"Retry-After": str(fault.retry_after)}
        if fault.kind == "status":
            names = {
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
                504: "Gateway Timeout",
            }
            body = api.error_body(fault.status, names[fault.status])
            if fault.status != 503:
                headers = {}
            return self.finish(api, label, Reply(body, fault.status, headers))
        return self.finish(api, label, api.limited(fault, self.org, headers))

    def corrupt(self, response: Response, fault: Fault, environ):
        data = response.get_data()
        if fault.kind == "malformed":
            response.set_data(data[: max(1, len(data) // 2)] + b'"}]},,')
            return response
        if fault.kind == "html":
            response.set_data(HTML_PAGE)
            response.headers["Content-Type"] = "text/html; charset=utf-8"
            response.headers.pop("ETag", None)
            return response
        if fault.kind == "drift" and data:
            response.set_data(json.dumps(_drifted(json.loads(data))).encode())
            response.headers.pop("ETag", None)
            return response
        if fault.kind == "drift":
            return response
        cut = data[: len(data) // 2]

        def body():
            yield cut
            _drop(environ)

        broken = Response(body(), status=response.status_code, headers=response.headers)
        broken.headers["Content-Length"] = str(len(data))
        return broken


HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
    b"<body><h1>Sign in to continue</h1><form method=post><input name=user></form></body></html>"
)
DRIFTED_KEYS = {"id": "identifier", "databaseId": "database_identifier"}


def _drifted(value):
    """The same answer with its id keys renamed, as a provider's breaking change would."""
    if isinstance(value, dict):
        return {DRIFTED_KEYS.get(k, k): _drifted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drifted(v) for v in value]
    return value


def _drop(environ) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
