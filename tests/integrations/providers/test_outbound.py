"""Outbound bounds of the provider HTTP layer: connections go to the address that was checked
(DNS rebinding fails), the address rules have no IPv6 gaps, the allowlist names ports, and
bodies, redirects, pages and connection tests are bounded."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from integrations import services, url_guard
from integrations.providers.errors import ConfigurationError, MalformedResponseError
from integrations.providers.http import HttpClient, HttpOptions
from integrations.providers.outbound import (
    GuardedAdapter,
    InvalidIPAddress,
    RefusedAddress,
    session_for,
)
from tests.factories import TeamFactory

REAL_GETADDRINFO = socket.getaddrinfo


class LocalServer:
    """A loopback HTTP server whose handler the test chooses; counts the requests it got."""

    def __init__(self, answer) -> None:
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests += 1
                status, headers, body = answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def serve():
    servers = []

    def start(answer) -> LocalServer:
        server = LocalServer(answer)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def rebinding_dns(monkeypatch):
    """A resolver under an attacker's control: `rebind.example` first resolves to a public
    address (the check when the URL is saved), then to loopback (when the client connects)."""
    answers = {
        "rebind.example": ["93.184.216.34", "127.0.0.1"],
        "public.example": ["93.184.216.34"],
    }
    asked = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        asked.append(host)
        queue = answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 443))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def client_for(url: str, **options) -> HttpClient:
    return HttpClient(base_url=url, provider="GitHub", options=HttpOptions(**options))


def test_dns_rebinding_after_the_check_is_refused_at_connect(rebinding_dns, serve, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = []
    server = serve(lambda path: (200, {}, b"{}"))
    url = f"https://rebind.example:{server.port}"

    url_guard.check_url(url)  # when saved, the name resolved to a public address
    with pytest.raises(ConfigurationError, match=r"resolved to 127\.0\.0\.1"):
        client_for(url).get("/user", endpoint="user")

    assert server.requests == 0
    assert rebinding_dns == ["rebind.example", "rebind.example"]


def test_the_connection_is_pinned_to_the_checked_address_and_tls_checks_the_name(rebinding_dns):
    adapter = GuardedAdapter(is_https_proto=True)
    request = requests.Request("GET", "https://public.example/user").prepare()

    host_params, pool_kwargs = adapter.build_connection_pool_key_attributes(request, True)

    assert host_params["host"] == "93.184.216.34"
    assert pool_kwargs["server_hostname"] == "public.example"
    assert pool_kwargs["assert_hostname"] == "public.example"
    assert request.headers["Host"] == "public.example"


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:10.0.0.1",  # IPv4-mapped
        "::ffff:0:10.0.0.1",  # IPv4-translated
        "64:ff9b::7f00:1",  # NAT64 of loopback
        "64:ff9b:1::808:808",  # local-use NAT64, whatever it carries
        "fec0::1",  # site-local
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "169.254.169.254",  # cloud metadata
    ],
)
def test_addresses_that_hide_a_private_one_are_refused(address):
    with pytest.raises(url_guard.UnsafeURLError):
        url_guard.check_address(address)
    # requests-hardened's own filter, or AgileTrack's rules after it (RefusedAddress).
    with pytest.raises(InvalidIPAddress):
        GuardedAdapter(is_https_proto=True).build_connection_pool_key_attributes(
            requests.Request("GET", f"https://[{address}]/").prepare()
            if ":" in address
            else requests.Request("GET", f"https://{address}/").prepare(),
            True,
        )


@pytest.mark.parametrize("address", ["::8.8.8.8", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address):
    url_guard.check_address(address)


def test_an_allowlisted_host_without_a_port_allows_only_its_default_port(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["ghe.internal", "127.0.0.1:8123", "10.1.2.3:*"]

    assert url_guard.is_allowlisted("ghe.internal", None, "https")
    assert url_guard.is_allowlisted("ghe.internal", 443, "https")
    assert not url_guard.is_allowlisted("ghe.internal", 8443, "https")
    assert not url_guard.is_allowlisted("127.0.0.1", 9000, "http")
    assert url_guard.is_allowlisted("127.0.0.1", 8123, "http")
    assert url_guard.is_allowlisted("10.1.2.3", 6543, "http")
    # Another port of an allowlisted name gets the guarded session, like any other host.
    default = session_for("https://ghe.internal/api/v3", (1, 1))
    other = session_for("https://ghe.internal:8443/api/v3", (1, 1))
    assert not isinstance(default.get_adapter("https://ghe.internal/"), GuardedAdapter)
    assert isinstance(other.get_adapter("https://ghe.internal:8443/"), GuardedAdapter)


def test_a_body_larger_than_the_cap_is_refused_also_when_compressed(serve, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    big = json.dumps({"padding": "x" * 5000}).encode()
    bomb = gzip.compress(b'{"zeros": "' + b"0" * 200_000 + b'"}')
    answers = {
        "/small": (200, {"Content-Type": "application/json"}, b'{"ok": true}'),
        "/big": (200, {"Content-Type": "application/json"}, big),
        "/bomb": (200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, bomb),
    }
    server = serve(lambda path: answers[path])
    client = client_for(server.url, max_body_bytes=4000)

    assert client.get("/small", endpoint="small").data == {"ok": True}
    assert len(bomb) < 4000
    for path in ("/big", "/bomb"):
        with pytest.raises(MalformedResponseError, match="more than 4,000 bytes"):
            client.get(path, endpoint=path)


def test_a_redirect_loop_on_the_same_host_stops(serve, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    server = serve(lambda path: (302, {"Location": "/again"}, b""))

    with pytest.raises(ConfigurationError, match="redirected more than 5 times"):
        client_for(server.url).get("/start", endpoint="loop")
    assert server.requests == 6


def test_a_stream_that_keeps_paging_stops_at_the_cap(serve, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    server = serve(lambda path: (200, {}, b"[]"))
    client = client_for(server.url, max_requests_per_stream=3)

    for _ in range(3):
        client.get("/page", endpoint="page")
    with pytest.raises(MalformedResponseError, match="stopped after 3 requests"):
        client.get("/page", endpoint="page")
    client.begin_stream()  # the next stream starts counting afresh
    client.get("/page", endpoint="page")
    assert server.requests == 4


@pytest.mark.django_db
def test_test_connection_is_bounded_in_time(fresh_sandbox, settings):
    box = fresh_sandbox("--seed", "5")
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.AGILETRACK_TEST_CONNECTION_SECONDS = 2
    github = box.info["github"]
    integration = services.create_integration(
        team=TeamFactory(),
        kind="github",
        name="slow",
        config={"api_url": github["api_url"], "repositories": github["repositories"][:1]},
        credentials={"token": github["token"]},
    )
    requests.post(
        box.base + "/_sandbox/faults",
        json={"faults": [{"kind": "hang", "path": "/*", "hang_seconds": 60}]},
        timeout=5,
    )
    started = time.monotonic()

    check = services.test_connection(integration)

    assert time.monotonic() - started < 6
    assert not check.ok
    assert "GitHub" in check.message


@pytest.mark.parametrize("address", ["::127.0.0.1", "::ffff:0:10.0.0.1", "fec0::1"])
def test_agiletrack_rules_refuse_what_the_library_filter_lets_through(address):
    request = requests.Request("GET", f"https://[{address}]/").prepare()
    with pytest.raises(RefusedAddress, match="private, loopback"):
        GuardedAdapter(is_https_proto=True).build_connection_pool_key_attributes(request, True)
