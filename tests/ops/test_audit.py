"""`make audit` (scripts/audit.py) runs the real pip-audit over a pinned requirements file. The
advisory service here is a small OSV-shaped server on loopback (`--osv-url`), so each outcome is
checked without the internet: a known vulnerability fails the build, an unreachable service
prints NOT CHECKED and does not, a clean report passes."""

import json
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.conftest import REPO_ROOT

ADVISORY = {
    "id": "GHSA-test-0000-0001",
    "summary": "A made-up advisory for the audit test.",
    "affected": [
        {
            "package": {"name": "django", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.2.99"}]}],
        }
    ],
}


@pytest.fixture
def advisories():
    """An OSV /v1/query stand-in: Django below 5.2.99 is vulnerable, everything else clean."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            package, version = query["package"]["name"], query["version"]
            vulnerable = package == "django" and version.startswith("5.2.")
            body = json.dumps({"vulns": [ADVISORY]} if vulnerable else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1/query"
    server.shutdown()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def audit(python, tmp_path, pins: str, osv_url: str) -> subprocess.CompletedProcess:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(pins)
    return subprocess.run(
        [
            *(python, "scripts/audit.py", "-r", str(requirements), "--"),
            *("--vulnerability-service", "osv", "--osv-url", osv_url, "--timeout", "5"),
            *("--no-deps", "--disable-pip", "--cache-dir", str(tmp_path / "cache")),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_known_vulnerability_fails_the_audit_and_names_it(python, tmp_path, advisories):
    completed = audit(python, tmp_path, "Django==5.2.19\nrequests==2.34.2\n", advisories)

    assert completed.returncode == 1, completed.stderr
    assert "1 known vulnerabilities in 2 pinned packages" in completed.stdout
    assert "django==5.2.19  GHSA-test-0000-0001  (fixed in: 5.2.99)" in completed.stdout


def test_clean_pins_pass(python, tmp_path, advisories):
    completed = audit(python, tmp_path, "requests==2.34.2\n", advisories)

    assert completed.returncode == 0, completed.stderr
    assert "1 pinned packages checked, no known vulnerabilities." in completed.stdout


def test_an_unreachable_advisory_service_is_not_checked_loudly_and_does_not_fail(python, tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1/query"

    completed = audit(python, tmp_path, "Django==5.2.19\n", url)

    assert completed.returncode == 0
    assert "NOT CHECKED" in completed.stderr


def test_a_requirement_that_cannot_be_read_fails_the_audit(python, tmp_path, advisories):
    completed = audit(python, tmp_path, "Django>=5\n", advisories)  # not pinned: --no-deps refuses

    assert completed.returncode == 2
    assert "NOT CHECKED" not in completed.stderr
