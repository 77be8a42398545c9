"""The shared HTTP layer against the real sandbox server: guard, counting, 304s, error family."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from integrations.providers.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from integrations.providers.http import HttpClient, HttpOptions, Throttle


@pytest.fixture(autouse=True)
def _allow_loopback(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


class Sleeps(list):
    """Records the waits the client asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def github_client(box, sleeps=None, **options) -> HttpClient:
    token = box.info["github"]["token"]
    return HttpClient(
        base_url=box.info["github"]["api_url"],
        provider="GitHub",
        headers={"Authorization": f"Bearer {token}", "X-GitHub-Api-Version": "2022-11-28"},
        secrets=[token],
        options=HttpOptions(sleep=sleeps if sleeps is not None else Sleeps(), **options),
    )


def set_faults(box, *faults: dict) -> None:
    requests.post(box.base + "/_sandbox/faults", json={"faults": list(faults)}, timeout=5)


def test_a_loopback_api_is_refused_unless_allowlisted(sandbox, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = []
    client = github_client(sandbox)

    with pytest.raises(ConfigurationError, match="Refused to connect"):
        client.get("/user", endpoint="user")
    assert client.stats.total == 0  # nothing was sent


def test_requests_are_counted_and_a_matching_etag_is_a_free_304(sandbox):
    client = github_client(sandbox)
    repo = sandbox.info["github"]["repositories"][0]

    first = client.get(f"/repos/{repo}/pulls", endpoint="pulls", params={"per_page": 5})
    second = client.get(
        f"/repos/{repo}/pulls", endpoint="pulls", params={"per_page": 5}, etag=first.etag
    )

    assert first.status == 200 and len(first.data) == 5 and first.etag
    assert second.not_modified and second.data is None
    assert client.stats.total == 2
    assert client.stats.not_modified == 1
    assert client.stats.by_endpoint["pulls"] == 2
    assert client.rate_limit["x-ratelimit-remaining"].isdigit()
    assert "next" in first.links()


def test_user_agent_and_timeouts_go_with_every_request(sandbox):
    client = github_client(sandbox)

    assert client.session.headers["User-Agent"].startswith("AgileTrack/")
    assert client.options.connect_timeout > 0 and client.options.read_timeout > 0


def test_a_bad_token_is_an_authentication_error_without_the_token(sandbox):
    client = HttpClient(
        base_url=sandbox.info["github"]["api_url"],
        provider="GitHub",
        headers={"Authorization": "Bearer ghp_wrong_secret_value"},
        secrets=["ghp_wrong_secret_value"],
    )

    with pytest.raises(AuthenticationError) as raised:
        client.get("/user", endpoint="user")
    assert "Bad credentials" in raised.value.message
    assert "ghp_wrong_secret_value" not in raised.value.message


def test_an_unknown_repository_is_not_found(sandbox):
    with pytest.raises(NotFoundError):
        github_client(sandbox).get("/repos/acme/no-such-repo/pulls", endpoint="pulls")


def test_a_server_error_burst_shorter_than_the_quick_retries_succeeds(fresh_sandbox):
    box = fresh_sandbox()
    set_faults(box, {"kind": "status", "status": 502, "path": "/user", "count": 2})
    sleeps = Sleeps()

    response = github_client(box, sleeps).get("/user", endpoint="user")

    assert response.status == 200
    assert sleeps == [1.0, 2.0]


def test_a_longer_server_error_burst_is_a_transient_error(fresh_sandbox):
    box = fresh_sandbox()
    set_faults(box, {"kind": "status", "status": 503, "path": "/user"})

    with pytest.raises(TransientError, match="HTTP 503"):
        github_client(box).get("/user", endpoint="user")


def test_a_rate_limit_is_waited_out_in_place_when_short_and_raised_when_long(fresh_sandbox):
    box = fresh_sandbox()
    set_faults(box, {"kind": "rate_limit", "path": "/user", "retry_after": 3, "count": 1})
    sleeps = Sleeps()

    assert github_client(box, sleeps).get("/user", endpoint="user").status == 200
    assert sleeps == [3.0]

    set_faults(box, {"kind": "rate_limit", "path": "/user", "retry_after": 120})
    with pytest.raises(RateLimitedError) as raised:
        github_client(box).get("/user", endpoint="user")
    assert raised.value.retry_after == 120


@pytest.mark.parametrize("kind", ["drop", "hang"])
def test_dropped_and_hung_connections_are_transient(fresh_sandbox, kind):
    box = fresh_sandbox()
    set_faults(box, {"kind": kind, "path": "/user", "hang_seconds": 5})

    with pytest.raises(TransientError):
        github_client(box, read_timeout=0.5, transient_retries=0).get("/user", endpoint="user")
    requests.delete(box.base + "/_sandbox/faults", timeout=5)


def test_a_body_that_is_not_json_is_malformed(fresh_sandbox):
    box = fresh_sandbox()
    set_faults(box, {"kind": "malformed", "path": "/user"})

    with pytest.raises(MalformedResponseError, match="not valid JSON"):
        github_client(box).get("/user", endpoint="user")


def test_absolute_urls_to_another_host_are_refused(sandbox):
    client = github_client(sandbox)

    with pytest.raises(ConfigurationError, match="another host"):
        client.get("https://evil.example.com/steal", endpoint="pulls")


def test_throttle_spaces_a_burst_to_the_window():
    waits = Sleeps()
    throttle = Throttle(limit=3, window=10.0, sleep=waits)

    for _ in range(4):
        throttle.wait()

    assert len(waits) == 1
    assert 9.0 < waits[0] <= 10.0


class Redirects(BaseHTTPRequestHandler):
    """Answers /moved with a same-host redirect and /away with one to another host."""

    def do_GET(self):
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/repositories/1")
        elif self.path == "/away":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        else:
            body = json.dumps({"path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def redirect_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirects)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_redirects_are_followed_only_on_the_same_host(redirect_server):
    client = HttpClient(base_url=redirect_server, provider="GitHub")

    assert client.get("/moved", endpoint="repo").data == {"path": "/repositories/1"}
    with pytest.raises(ConfigurationError, match="redirected to another host"):
        client.get("/away", endpoint="repo")
