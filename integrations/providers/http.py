"""The HTTP layer every provider client shares.

One session per client that connects only to checked addresses (outbound.py), timeouts on every
call, an optional deadline for the whole client, bodies capped in size (after decompression),
requests capped per stream, at most a few redirects and only on the same host, conditional
requests (ETag / 304), request counting, and the mapping of every failure onto the provider error
family, with secrets redacted.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from agiletrack.observability import metrics as observability
from integrations import url_guard
from integrations.providers.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedResponseError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    TransientError,
)
from integrations.providers.outbound import InvalidIPAddress, session_for

USER_AGENT = "AgileTrack/1.0 (+https://github.com/agiletrack)"
LINK_PART = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')


@dataclass
class RequestStats:
    """What a client spent: every request, the free 304s, and counts per endpoint and status."""

    total: int = 0
    not_modified: int = 0
    by_endpoint: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    data: Any
    headers: dict[str, str]
    url: str
    etag: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def links(self) -> dict[str, str]:
        """The RFC 8288 `Link` header as {rel: url} (GitHub pagination)."""
        return {rel: url for url, rel in LINK_PART.findall(self.headers.get("link", ""))}


class Throttle:
    """At most `limit` requests in any `window` seconds (Trello's per-token window)."""

    def __init__(self, limit: int, window: float, sleep: Callable[[float], None] = time.sleep):
        self.limit = limit
        self.window = window
        self.sleep = sleep
        self.sent: deque[float] = deque()

    def wait(self) -> None:
        now = time.monotonic()
        while self.sent and now - self.sent[0] >= self.window:
            self.sent.popleft()
        if len(self.sent) >= self.limit:
            self.sleep(self.window - (now - self.sent[0]))
            self.sent.popleft()
        self.sent.append(time.monotonic())


@dataclass
class HttpOptions:
    """Tunables of the HTTP layer; tests shorten the waits."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    # Quick retries of one call on a transient failure before the task-level retry takes over.
    transient_retries: int = 2
    transient_backoff: float = 1.0
    # A rate limit resetting within this many seconds is waited out in place.
    max_inline_wait: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    # Largest body read, counted after decompression (a gzip bomb stops here).
    max_body_bytes: int = 50_000_000
    # Requests one stream may send (pages, probes, nested pages): a paging loop stops here.
    max_requests_per_stream: int = 10_000
    max_redirects: int = 5
    # Seconds the whole client may take (a connection test in the web process), or None.
    deadline_seconds: float | None = None


def options_from_settings(**overrides: Any) -> HttpOptions:
    """The bounds and tunables configured in settings (AGILETRACK_MAX_*, _HTTP_OPTIONS)."""
    configured = {
        "max_body_bytes": settings.AGILETRACK_MAX_RESPONSE_BYTES,
        "max_requests_per_stream": settings.AGILETRACK_MAX_REQUESTS_PER_STREAM,
        **settings.AGILETRACK_HTTP_OPTIONS,
    }
    return HttpOptions(**{**configured, **overrides})


class HttpClient:
    """A requests.Session bound to one provider API root, with the rules above."""

    def __init__(
        self,
        *,
        base_url: str,
        provider: str,
        headers: dict[str, str] | None = None,
        secrets: Iterable[str] = (),
        options: HttpOptions | None = None,
        throttle: Throttle | None = None,
        classify: Callable[[requests.Response], ProviderError | None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.provider = provider
        self.options = options or HttpOptions()
        self.throttle = throttle
        self.classify = classify
        self.secrets = [secret for secret in secrets if secret]
        self.stats = RequestStats()
        self.rate_limit: dict[str, str] = {}
        self.session = session_for(
            self.base_url, (self.options.connect_timeout, self.options.read_timeout)
        )
        self.stream_requests = 0
        self.deadline = (
            time.monotonic() + self.options.deadline_seconds
            if self.options.deadline_seconds is not None
            else None
        )
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self.session.headers.update(headers or {})

    # --- public ---------------------------------------------------------------------------

    def get(self, path: str, *, endpoint: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", path, endpoint=endpoint, **kwargs)

    def post(self, path: str, *, endpoint: str, **kwargs: Any) -> HttpResponse:
        return self.request("POST", path, endpoint=endpoint, **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        etag: str = "",
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        """Send one request (with quick retries of transient failures) and parse its JSON."""
        url = self._absolute(path)
        attempt = 0
        while True:
            try:
                return self._send(method, url, endpoint, params, json_body, etag, headers)
            except TransientError:
                attempt += 1
                if attempt > self.options.transient_retries:
                    raise
                self.options.sleep(self.options.transient_backoff * attempt)
            except RateLimitedError as exc:
                attempt += 1
                if exc.retry_after > self.options.max_inline_wait or attempt > 3:
                    raise
                self.options.sleep(exc.retry_after)

    def begin_stream(self) -> None:
        """Start counting the requests of a new stream against max_requests_per_stream."""
        self.stream_requests = 0

    def close(self) -> None:
        self.session.close()

    def redact(self, text: str) -> str:
        """Remove every known secret from a message."""
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    # --- internals --------------------------------------------------------------------------

    def _absolute(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            url = path
        else:
            url = urljoin(self.base_url, path.lstrip("/"))
        if urlsplit(url).netloc != urlsplit(self.base_url).netloc:
            raise ConfigurationError(
                f"{self.provider} pointed to another host ({urlsplit(url).hostname}); refused."
            )
        return url

    def _guard(self, url: str) -> None:
        """Check the URL's form and host before sending; the address it resolves to is checked
        by the session when it connects (DNS may have changed since the URL was saved)."""
        try:
            url_guard.check_url(url, resolve=False)
        except url_guard.UnsafeURLError as exc:
            raise ConfigurationError(f"Refused to connect: {exc}") from None
        self.stream_requests += 1
        if self.stream_requests > self.options.max_requests_per_stream:
            raise MalformedResponseError(
                f"{self.provider} kept answering with more pages: stopped after "
                f"{self.options.max_requests_per_stream} requests in one stream."
            )

    def _timeout(self, endpoint: str) -> tuple[float, float]:
        """The connect and read timeouts, shortened to what is left of the deadline."""
        connect, read = self.options.connect_timeout, self.options.read_timeout
        if self.deadline is None:
            return connect, read
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TransientError(
                f"{self.provider} did not finish within {self.options.deadline_seconds:.0f} s "
                f"({endpoint})."
            )
        return min(connect, left), min(read, left)

    def _send(
        self,
        method: str,
        url: str,
        endpoint: str,
        params: dict[str, Any] | None,
        json_body: Any,
        etag: str,
        extra_headers: dict[str, str] | None,
        hops: int = 0,
    ) -> HttpResponse:
        self._guard(url)
        if self.throttle:
            self.throttle.wait()
        headers = dict(extra_headers or {})
        if etag:
            headers["If-None-Match"] = etag
        response = self._exchange(method, url, endpoint, params, json_body, headers)
        self._count(endpoint, response.status_code)
        self._remember_rate_limit(response)
        headers = {key.lower(): value for key, value in response.headers.items()}
        if response.is_redirect:
            return self._follow_redirect(method, response, endpoint, json_body, etag, hops)
        if response.status_code == 304:
            self.stats.not_modified += 1
            return HttpResponse(304, None, headers, url, etag)
        error = self._error_for(response, endpoint)
        if error:
            raise error
        data = self._parse(response, endpoint)
        return HttpResponse(response.status_code, data, headers, url, headers.get("etag", ""))

    def _timeout_seconds(self) -> float:
        if self.deadline is None:
            return self.options.read_timeout
        return min(self.options.read_timeout, self.options.deadline_seconds or 0)

    def _connection_failure(self, url: str, endpoint: str, exc: Exception) -> str:
        """A failed connection in plain words: an unknown host (DNS), a refused port, ..."""
        host = urlsplit(url).hostname
        text = f"{exc!r} {exc.__cause__!r}"
        if "resolve" in text or "NameResolution" in text or "gaierror" in text:
            return f"The host {host} could not be found (DNS): check the address for typos."
        if "Connection refused" in text or "ConnectionRefused" in text:
            return f"{host} refused the connection ({endpoint}): is the address and port right?"
        return f"{self.provider} connection failed ({endpoint}): {type(exc).__name__}."

    def _read_body(self, response: requests.Response, endpoint: str) -> None:
        """Read the body, decompressed, refusing more than max_body_bytes."""
        cap = self.options.max_body_bytes
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > cap:
                response.close()
                self._count(endpoint, "too_large")
                raise MalformedResponseError(
                    f"{self.provider} sent more than {cap:,} bytes ({endpoint}); refused."
                )
            chunks.append(chunk)
        # What response.content, .text and .json() read from now on.
        response._content = b"".join(chunks)

    def _exchange(self, method, url, endpoint, params, json_body, headers) -> requests.Response:
        """Send one request and read its body, every failure mapped onto the error family."""
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json_body,
                headers=headers,
                timeout=self._timeout(endpoint),
                allow_redirects=False,
                stream=True,
            )
            self._read_body(response, endpoint)
            return response
        except InvalidIPAddress as exc:
            self._count(endpoint, "refused_address")
            host = urlsplit(url).hostname
            raise ConfigurationError(
                f"Refused to connect: {host} resolved to {exc}; integrations reach only public "
                "addresses unless the host is in AGILETRACK_ALLOWED_API_HOSTS."
            ) from None
        except requests.Timeout:
            self._count(endpoint, "timeout")
            seconds = self._timeout_seconds()
            raise TransientError(
                f"{self.provider} did not answer within {seconds:g} s ({endpoint})."
            ) from None
        except requests.exceptions.SSLError as exc:
            self._count(endpoint, "tls_error")
            raise ConfigurationError(
                f"The TLS certificate of {urlsplit(url).hostname} could not be verified "
                f"({_tls_reason(exc)}); check the address, or the server's certificate."
            ) from None
        except requests.RequestException as exc:
            self._count(endpoint, "connection_error")
            raise TransientError(self._connection_failure(url, endpoint, exc)) from None

    def _follow_redirect(self, method, response, endpoint, json_body, etag, hops):
        if hops >= self.options.max_redirects:
            raise ConfigurationError(
                f"{self.provider} redirected more than {self.options.max_redirects} times "
                f"({endpoint}); refused."
            )
        location = urljoin(response.url, response.headers.get("Location", ""))
        if urlsplit(location).netloc != urlsplit(response.url).netloc:
            raise ConfigurationError(
                f"{self.provider} redirected to another host ({urlsplit(location).hostname}); "
                "redirects are only followed on the same host."
            )
        # GitHub answers 301 for renamed repositories; the target carries the query already.
        return self._send(method, location, endpoint, None, json_body, etag, None, hops + 1)

    def _count(self, endpoint: str, status: int | str) -> None:
        self.stats.total += 1
        self.stats.by_endpoint[endpoint] += 1
        self.stats.by_status[status] += 1
        observability.count_api_request(self.provider, status)

    def _remember_rate_limit(self, response: requests.Response) -> None:
        for name in ("x-ratelimit-remaining", "x-ratelimit-limit", "x-ratelimit-reset"):
            if name in response.headers:
                self.rate_limit[name] = response.headers[name]
        observability.record_rate_limit(self.provider, response.headers)

    def _parse(self, response: requests.Response, endpoint: str) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError):
            raise MalformedResponseError(
                f"{self.provider} sent a response that is not valid JSON ({endpoint}, "
                f"HTTP {response.status_code}, {response.headers.get('Content-Type', 'no type')})."
            ) from None

    def _provider_message(self, response: requests.Response) -> str:
        """The provider's own short error text, redacted and cut, for the user."""
        try:
            body = response.json()
        except ValueError:
            return ""
        message = ""
        if isinstance(body, dict):
            message = body.get("message") or ""
            messages = body.get("errorMessages")
            if not message and isinstance(messages, list) and messages:
                message = "; ".join(str(item) for item in messages[:3])
        return self.redact(str(message))[:200]

    def _error_for(self, response: requests.Response, endpoint: str) -> ProviderError | None:
        status = response.status_code
        if status < 400:
            return None
        if self.classify:
            special = self.classify(response)
            if special is not None:
                return special
        detail = self._provider_message(response)
        suffix = f": {detail}" if detail else ""
        name = self.provider
        if status == 429:
            return RateLimitedError(
                f"{name} rate limit reached ({endpoint}){suffix}", retry_after_of(response)
            )
        if status == 401:
            return AuthenticationError(f"{name} rejected the credentials (HTTP 401){suffix}")
        if status == 403:
            return AuthenticationError(
                f"{name} refused access to {endpoint} (HTTP 403): the credentials lack a "
                f"permission{suffix}"
            )
        if status == 404:
            return NotFoundError(f"{name} has no {endpoint} here, or it is not visible (404).")
        if status == 410:
            return ConfigurationError(f"{name} removed {endpoint} (HTTP 410){suffix}")
        if status >= 500:
            return TransientError(f"{name} failed with HTTP {status} ({endpoint}).")
        return ConfigurationError(f"{name} refused the request (HTTP {status}, {endpoint}){suffix}")


def retry_after_of(response: requests.Response, default: float = 60.0) -> float:
    """Seconds to wait from Retry-After (seconds or HTTP date) or x-ratelimit-reset (epoch)."""
    value = response.headers.get("Retry-After")
    if value:
        if value.strip().isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    reset = response.headers.get("x-ratelimit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - time.time())
    return default


def _tls_reason(exc: Exception) -> str:
    """The certificate problem in a few words (expired, self-signed, wrong name...)."""
    text = str(exc)
    for needle, words in (
        ("certificate has expired", "the certificate has expired"),
        ("self-signed", "the certificate is self-signed"),
        ("self signed", "the certificate is self-signed"),
        ("Hostname mismatch", "the certificate is for another name"),
        ("doesn't match", "the certificate is for another name"),
        ("unable to get local issuer", "the certificate's issuer is not trusted"),
    ):
        if needle in text:
            return words
    return "the TLS handshake failed"
