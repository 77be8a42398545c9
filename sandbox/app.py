"""The WSGI application: routing, auth, rate limits, ETags, faults, stats and /_sandbox control.

GitHub lives at root paths (/repos/..., /graphql, /rate_limit, /user), Jira under /rest/ and
Trello under /1/, so one process on one port serves every integration of the demo.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from . import github, graphql_api, jira, mutate, trello
from .faults import CORRUPTING, Fault, FaultSet
from .generate import Organisation

JSON = "application/json; charset=utf-8"
GITHUB_DOCS = "https://docs.github.com/rest"


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
    request: Request
    org: Organisation
    base: str
    app: SandboxApp
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
            raise ApiError(
                400, self.app.error_body(self.api, 400, "Problems parsing JSON")
            ) from exc
        if not isinstance(body, dict):
            raise ApiError(400, self.app.error_body(self.api, 400, "Body should be a JSON object"))
        return body

    @property
    def api(self) -> str:
        return api_of(self.request.path)


def api_of(path: str) -> str:
    if path.startswith("/_sandbox"):
        return "sandbox"
    if path.startswith("/rest/"):
        return "jira"
    if path.startswith("/1/"):
        return "trello"
    return "github"


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


class SandboxApp:
    def __init__(self, org: Organisation, settings: Settings, faults: FaultSet | None = None):
        self.org = org
        self.settings = settings
        self.faults = faults or FaultSet(settings.seed)
        self.lock = threading.RLock()
        self.stats: Counter = Counter()
        self.windows: dict[tuple, Window] = {}
        self.recorded = None
        if settings.data_dir:
            from .recorded import RecordedData

            self.recorded = RecordedData.load(settings.data_dir)
        rules = github.rules() + jira.rules() + trello.rules() + graphql_api.rules()
        rules += sandbox_rules()
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)
        self.handlers = {
            **github.HANDLERS,
            **jira.HANDLERS,
            **trello.HANDLERS,
            **graphql_api.HANDLERS,
            **SANDBOX_HANDLERS,
        }
        self.graphql = graphql_api.GraphQLEndpoint()
        for module in (github, jira, trello, graphql_api):
            ENDPOINT_LABELS.update(module.LABELS)

    # ------------------------------------------------------------------ limits

    def window(self, key: tuple, limit: int, seconds: float) -> Window:
        win = self.windows.get(key)
        if win is None:
            win = self.windows[key] = Window(limit, seconds)
        win.limit, win.seconds = limit, seconds
        return win

    def github_window(self, resource: str) -> Window:
        s = self.settings
        limit = s.github_graphql_budget if resource == "graphql" else s.github_budget
        return self.window(("github", resource), limit, s.github_window_seconds)

    def github_rate_headers(self, resource: str) -> dict:
        win = self.github_window(resource)
        now = time.time()
        return {
            "x-ratelimit-limit": str(win.limit),
            "x-ratelimit-remaining": str(win.remaining(now)),
            "x-ratelimit-reset": str(int(win.reset_at(now))),
            "x-ratelimit-used": str(min(win.used, win.limit)),
            "x-ratelimit-resource": resource,
        }

    # ------------------------------------------------------------------ bodies

    def error_body(self, api: str, status: int, message: str) -> Any:
        if api == "github":
            return {"message": message, "documentation_url": GITHUB_DOCS, "status": str(status)}
        if api == "jira":
            return {"errorMessages": [message], "errors": {}}
        if api == "trello":
            return message
        return {"error": message}

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request, environ)
        if response is None:  # the connection was dropped on purpose
            return []
        return response(environ, start_response)

    def dispatch(self, request: Request, environ) -> Response | None:
        api = api_of(request.path)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            endpoint, url_args = adapter.match()
        except MethodNotAllowed:
            return self.finish(
                api, "unrouted", Reply(self.error_body(api, 405, "Method Not Allowed"), 405)
            )
        except (NotFound, HTTPException):
            return self.finish(api, "unrouted", Reply(self.error_body(api, 404, "Not Found"), 404))
        label = ENDPOINT_LABELS.get(endpoint, request.path if api == "sandbox" else endpoint)
        label = f"{request.method} {label}"
        if api != "sandbox":
            if self.settings.latency_ms:
                time.sleep(self.settings.latency_ms / 1000)
            fault = self.faults.pick(request.method, request.path)
            if fault is not None:
                early = self.apply_fault(fault, api, label, environ)
                if early is not False:
                    return early
            else:
                fault = None
        else:
            fault = None
        ctx = Ctx(request, self.org, request.host_url.rstrip("/"), self)
        try:
            denied = self.check_auth(api, ctx)
            if denied is not None:
                return self.finish(api, label, denied)
            limited = self.check_limits(api, ctx, endpoint)
            if limited is not None:
                return self.finish(api, label, limited)
            with self.lock:
                reply = self.handlers[endpoint](ctx, **url_args)
        except ApiError as err:
            reply = Reply(err.body, err.status, err.headers)
        except Exception:  # noqa: BLE001 (a sandbox bug must still answer, and say so on stderr)
            traceback.print_exc()
            reply = Reply(self.error_body(api, 500, "Sandbox error (see its log)"), 500)
        response = self.finish(api, label, reply, ctx=ctx, charge=True)
        if fault is not None and fault.kind in CORRUPTING:
            return self.corrupt(response, fault, environ)
        return response

    def check_auth(self, api: str, ctx: Ctx) -> Reply | None:
        creds = self.org.credentials
        request = ctx.request
        if api == "github":
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if (
                scheme.lower() not in ("token", "bearer")
                or token.strip() != creds["github"]["token"]
            ):
                return Reply(
                    self.error_body("github", 401, "Bad credentials"),
                    401,
                    self.github_rate_headers("core"),
                )
            ctx.user = self.org.viewer.login
        elif api == "jira":
            header = request.headers.get("Authorization", "")
            scheme, _, value = header.partition(" ")
            expected = f"{creds['jira']['email']}:{creds['jira']['api_token']}"
            try:
                given = base64.b64decode(value.strip()).decode()
            except ValueError:
                given = ""
            if scheme.lower() != "basic" or given != expected:
                body = {
                    "errorMessages": ["You are not authenticated. Authentication required."],
                    "errors": {},
                }
                return Reply(body, 401, {"WWW-Authenticate": 'Basic realm="protected-area"'})
            ctx.user = creds["jira"]["email"]
        elif api == "trello":
            key, token = trello.credentials_from(request)
            if key != creds["trello"]["key"]:
                return Reply("invalid key", 401)
            if token != creds["trello"]["token"]:
                return Reply("invalid token", 401)
            ctx.user = token
        return None

    def check_limits(self, api: str, ctx: Ctx, endpoint: str) -> Reply | None:
        now = time.time()
        s = self.settings
        if api == "github" and endpoint not in ("github.rate_limit", "graphql.query"):
            win = self.github_window("core")
            if win.remaining(now) <= 0:
                headers = self.github_rate_headers("core")
                headers["retry-after"] = str(max(1, int(win.reset_at(now) - now)))
                message = f"API rate limit exceeded for user ID {self.org.viewer.id}."
                body = {
                    "message": message,
                    "documentation_url": GITHUB_DOCS + "/overview/rate-limits-for-the-rest-api",
                }
                return Reply(body, s.github_exhausted_status, headers)
        elif api == "jira":
            win = self.window(("jira", ctx.user), s.jira_limit, s.jira_window_seconds)
            if win.remaining(now) <= 0:
                wait = max(1, int(win.reset_at(now) - now + 0.999))
                body = {"errorMessages": ["Rate limit exceeded."], "errors": {}}
                return Reply(
                    body, 429, {"Retry-After": str(wait), "RateLimit-Reason": "jira-burst-based"}
                )
            win.spend(now)
        elif api == "trello":
            key, token = trello.credentials_from(ctx.request)
            tok = self.window(
                ("trello-token", token), s.trello_token_limit, s.trello_window_seconds
            )
            keyw = self.window(("trello-key", key), s.trello_key_limit, s.trello_window_seconds)
            if tok.remaining(now) <= 0:
                return Reply(
                    {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}, 429
                )
            if keyw.remaining(now) <= 0:
                return Reply(
                    {"error": "API_KEY_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}, 429
                )
            tok.spend(now)
            keyw.spend(now)
        return None

    def finish(
        self, api: str, label: str, reply: Reply, ctx: Ctx | None = None, charge: bool = False
    ):
        headers = dict(reply.headers)
        if isinstance(reply.body, (bytes, str)):
            data = reply.body.encode() if isinstance(reply.body, str) else reply.body
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(reply.body, separators=(",", ":"), ensure_ascii=False).encode()
            content_type = JSON
        status = reply.status
        if api == "github" and ctx is not None:
            resource = headers.pop("_resource", "core")
            if status == 200 and ctx.request.method == "GET":
                etag = '"{}"'.format(
                    hashlib.sha256(data + (ctx.user or "").encode()).hexdigest()[:40]
                )
                headers["ETag"] = etag
                headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
                headers["Vary"] = "Accept, Authorization, Cookie, X-GitHub-OTP"
                if etag in _etags(ctx.request.headers.get("If-None-Match", "")):
                    status, data = 304, b""
            if charge and status != 304 and resource == "core" and label != "GET /rate_limit":
                self.github_window("core").spend(time.time())
            headers.update(self.github_rate_headers(resource))
            headers.setdefault("X-GitHub-Media-Type", "github.v3; format=json")
        if api != "sandbox":  # control calls are not API usage
            self.stats[(label, status)] += 1
        response = Response(data, status=status, content_type=content_type if data else None)
        for key, value in headers.items():
            response.headers[key] = value
        return response

    # ------------------------------------------------------------------ faults

    def apply_fault(self, fault: Fault, api: str, label: str, environ):
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
            body = self.error_body(api, fault.status, names[fault.status])
            if fault.status != 503:
                headers = {}
            return self.finish(api, label, Reply(body, fault.status, headers))
        if fault.kind == "secondary" or api == "github":
            message = (
                "You have exceeded a secondary rate limit. "
                "Please wait a few minutes before you try again."
            )
            if fault.kind == "rate_limit":
                message = f"API rate limit exceeded for user ID {self.org.viewer.id}."
                headers |= {"x-ratelimit-remaining": "0"}
            if api == "github":
                body = {"message": message, "documentation_url": GITHUB_DOCS}
            else:
                body = self.error_body(api, fault.status, message)
            return self.finish(api, label, Reply(body, fault.status, headers))
        if api == "trello":
            body = {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}
        else:
            body = {"errorMessages": ["Rate limit exceeded."], "errors": {}}
            headers["RateLimit-Reason"] = "jira-burst-based"
        return self.finish(api, label, Reply(body, fault.status, headers))

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


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


# ---------------------------------------------------------------------- /_sandbox control

ENDPOINT_LABELS: dict[str, str] = {}


def sandbox_rules():
    from werkzeug.routing import Rule

    return [
        Rule("/_sandbox/info", endpoint="sandbox.info", methods=["GET"]),
        Rule("/_sandbox/stats", endpoint="sandbox.stats", methods=["GET", "DELETE"]),
        Rule(
            "/_sandbox/faults", endpoint="sandbox.faults", methods=["GET", "POST", "PUT", "DELETE"]
        ),
        Rule("/_sandbox/limits", endpoint="sandbox.limits", methods=["GET", "POST"]),
        Rule("/_sandbox/mutate", endpoint="sandbox.mutate", methods=["POST"]),
    ]


def info(org: Organisation, base: str) -> dict:
    """What a person or test needs to point integrations at this sandbox."""
    creds = org.credentials
    return {
        "base_url": base,
        "seed": org.seed,
        "scale": org.scale.__dict__,
        "github": {
            "api_url": base,
            "graphql_url": base + "/graphql",
            "token": creds["github"]["token"],
            "viewer": org.viewer.login,
            "repositories": [r.full_name for r in org.repos.values()],
        },
        "jira": {
            "site_url": base,
            "email": creds["jira"]["email"],
            "api_token": creds["jira"]["api_token"],
            "project_keys": list(org.projects),
            "boards": [
                {"id": b.id, "name": b.name, "project_key": b.project} for b in org.boards.values()
            ],
            "story_points_field": "customfield_10016",
        },
        "trello": {
            "api_url": base + "/1",
            "key": creds["trello"]["key"],
            "token": creds["trello"]["token"],
            "boards": [{"id": b.id, "name": b.name} for b in org.trello_boards.values()],
        },
    }


def _info(ctx: Ctx) -> Reply:
    body = info(ctx.org, ctx.base)
    if ctx.app.recorded is not None:
        body["github"]["repositories"] = [ctx.app.recorded.full_name]
        body["recorded"] = True
    return Reply(body)


def _stats(ctx: Ctx) -> Reply:
    app = ctx.app
    if ctx.request.method == "DELETE":
        app.stats.clear()
    endpoints: dict[str, dict[str, int]] = {}
    total = not_modified = 0
    for (label, status), count in sorted(app.stats.items(), key=lambda e: (e[0][0], str(e[0][1]))):
        endpoints.setdefault(label, {})[str(status)] = count
        if status == 304:
            not_modified += count
        else:
            total += count
    return Reply({"requests": total, "not_modified": not_modified, "endpoints": endpoints})


def _faults(ctx: Ctx) -> Reply:
    app = ctx.app
    method = ctx.request.method
    if method == "DELETE":
        app.faults.replace([])
    elif method in ("POST", "PUT"):
        body = ctx.json() if ctx.request.get_data() else {}
        raw = body.get("faults", [])
        try:
            rules = [Fault.from_dict(item) for item in raw]
        except (TypeError, ValueError) as exc:
            raise ApiError(400, {"error": str(exc)}) from exc
        if method == "PUT" or body.get("replace", True):
            app.faults.replace(rules)
        else:
            app.faults.add(rules)
    return Reply({"faults": app.faults.describe()})


def _limits(ctx: Ctx) -> Reply:
    app = ctx.app
    s = app.settings
    if ctx.request.method == "POST":
        body = ctx.json()
        for key in (
            "github_budget",
            "github_graphql_budget",
            "github_window_seconds",
            "github_exhausted_status",
            "jira_limit",
            "jira_window_seconds",
            "trello_token_limit",
            "trello_key_limit",
            "trello_window_seconds",
        ):
            if key in body:
                setattr(s, key, int(body[key]))
        if body.get("reset", True):
            app.windows.clear()
    now = time.time()
    core, gql = app.github_window("core"), app.github_window("graphql")
    return Reply(
        {
            "github_budget": s.github_budget,
            "github_remaining": core.remaining(now),
            "github_graphql_budget": s.github_graphql_budget,
            "github_graphql_remaining": gql.remaining(now),
            "github_window_seconds": s.github_window_seconds,
            "jira_limit": s.jira_limit,
            "jira_window_seconds": s.jira_window_seconds,
            "trello_token_limit": s.trello_token_limit,
            "trello_window_seconds": s.trello_window_seconds,
        }
    )


def _mutate(ctx: Ctx) -> Reply:
    body = ctx.json()
    try:
        result = mutate.apply(ctx.org, body)
    except (KeyError, ValueError) as exc:
        raise ApiError(400, {"error": str(exc)}) from exc
    return Reply(result)


SANDBOX_HANDLERS = {
    "sandbox.info": _info,
    "sandbox.stats": _stats,
    "sandbox.faults": _faults,
    "sandbox.limits": _limits,
    "sandbox.mutate": _mutate,
}
