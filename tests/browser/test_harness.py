"""The browser-test harness itself: chromium, screenshots, the console-error check, static assets.

These use only pages that exist regardless of the dashboards (the admin login, a blank page).
"""

import asyncio
import json
import subprocess
import sys
import textwrap
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection, connections
from django.templatetags.static import static
from django_celery_beat.models import PeriodicTask

from tests.browser.conftest import (
    DESKTOP_VIEWPORT,
    PHONE_VIEWPORT,
    output_dir,
    screenshot,
    sign_in,
)
from tests.conftest import REPO_ROOT

CHART_JS = "vendor/chart.js/chart.umd.js"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A stand-in for the app's login page, answered inside the browser, so sign_in is checked without
# depending on the real page: the same labels and button.
LOGIN_FORM = """<!doctype html><title>Sign in</title>{message}
<form method="post" action="/accounts/login/">
  <label for="id_username">Username</label><input id="id_username" name="username">
  <label for="id_password">Password</label><input id="id_password" name="password" type="password">
  <button type="submit">Sign in</button>
</form>"""


def test_a_served_page_renders_and_is_screenshotted(page, live_server):
    response = page.goto(live_server.url + "/admin/login/")

    assert response is not None and response.status == 200
    assert page.get_by_role("link", name="AgileTrack administration").is_visible()
    assert page.get_by_label("Username").is_visible()
    assert page.evaluate("[innerWidth, innerHeight]") == [
        DESKTOP_VIEWPORT["width"],
        DESKTOP_VIEWPORT["height"],
    ]
    path = screenshot(page, "harness admin login")
    assert path == output_dir() / "screenshots" / "harness-admin-login.png"
    assert path.stat().st_size > 1000
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_the_phone_page_has_a_phone_viewport(phone_page, live_server, screenshot):
    phone_page.goto(live_server.url + "/admin/login/")

    assert phone_page.evaluate("innerWidth") == PHONE_VIEWPORT["width"]
    assert (
        screenshot(phone_page, "harness-admin-login-phone").read_bytes().startswith(PNG_SIGNATURE)
    )


def test_console_errors_and_uncaught_exceptions_are_collected(page, console_errors):
    assert console_errors is page.console_errors
    page.set_content("<p>harness</p>")
    with page.expect_console_message(lambda message: message.type == "error"):
        page.evaluate("console.error('x')")
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new TypeError('boom') })")
    # Other console levels are not errors.
    with page.expect_console_message(lambda message: message.type == "warning"):
        page.evaluate("console.warn('only a warning'); console.log('only a log')")

    assert console_errors[0].startswith("console.error: x")
    assert console_errors[1] == "uncaught TypeError: boom"
    assert len(console_errors) == 2
    # Provoked on purpose: clear them so the check after the test passes.
    console_errors.clear()


def test_a_test_whose_page_logs_an_error_fails(tmp_path):
    """Run a small suite in a separate pytest with this harness as a plugin: both tests fail."""
    suite = tmp_path / "test_logs_errors.py"
    suite.write_text(
        textwrap.dedent(
            """
            def test_console_error(page):
                page.set_content("<p>console</p>")
                with page.expect_console_message(lambda message: message.type == "error"):
                    page.evaluate("console.error('deliberate harness error')")

            def test_uncaught_exception(phone_page):
                phone_page.set_content("<script>throw new Error('deliberate uncaught')</script>")
            """
        )
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.browser.conftest",
            "-p",
            "no:cacheprovider",
            "-c",
            str(REPO_ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            str(suite),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = completed.stdout + completed.stderr

    assert completed.returncode == 1, output
    assert "2 failed" in output
    assert " error" not in output.splitlines()[-1]
    assert "console.error: deliberate harness error" in output
    assert "uncaught Error: deliberate uncaught" in output


def test_the_chart_library_is_served_as_a_static_file(page, live_server):
    url = static(CHART_JS)
    assert url == "/static/vendor/chart.js/chart.umd.js"

    response = page.request.get(live_server.url + url)
    assert response.status == 200
    assert "javascript" in response.headers["content-type"]
    assert "Chart" in response.text()


def test_the_chart_library_draws_in_the_browser(page, live_server):
    pinned = json.loads((REPO_ROOT / "package.json").read_text())["dependencies"]["chart.js"]
    page.goto(live_server.url + "/admin/login/")
    page.add_script_tag(url=live_server.url + static(CHART_JS))

    assert page.evaluate("Chart.version") == pinned
    drawn = page.evaluate(
        """() => {
            const canvas = document.createElement("canvas");
            document.body.append(canvas);
            const chart = new Chart(canvas, {
                type: "bar",
                data: {labels: ["a", "b"], datasets: [{label: "n", data: [3, 5]}]},
                options: {animation: false},
            });
            return chart.getDatasetMeta(0).data.length;
        }"""
    )
    assert drawn == 2


def stand_in_login_page(page, password: str) -> None:
    """Answer /accounts/login/ in the browser: a correct password redirects to /admin/login/."""

    def answer(route):
        if route.request.method == "POST":
            form = parse_qs(route.request.post_data or "")
            if form.get("password") == [password]:
                route.fulfill(status=302, headers={"Location": "/admin/login/"})
                return
            message = "<p>Please enter a correct username and password.</p>"
        else:
            message = ""
        route.fulfill(content_type="text/html", body=LOGIN_FORM.format(message=message))

    page.route("**/accounts/login/", answer)


def test_sign_in_fills_the_login_form_and_waits_to_leave_it(page, live_server, django_user_model):
    # The ORM works while Playwright's loop runs (DJANGO_ALLOW_ASYNC_UNSAFE).
    user = django_user_model.objects.create_user("ada", password="correct horse")
    stand_in_login_page(page, "correct horse")

    sign_in(page, live_server, user, "correct horse")

    assert urlsplit(page.url).path == "/admin/login/"


def test_sign_in_fails_with_the_login_pages_message(page, live_server, sign_in):
    stand_in_login_page(page, "correct horse")

    with pytest.raises(pytest.fail.Exception, match="Please enter a correct username"):
        sign_in(page, live_server, "ada", "wrong")


def test_browser_tests_keep_the_threads_database_connection_and_the_seeded_rows(
    page, live_server, request
):
    # Playwright's loop counts as running here, which makes asgiref keep connections per context;
    # the harness hands that context the thread's own connection, the one the test database was
    # set up on, with the rows saved for restoring.
    loop = asyncio.get_running_loop()
    in_context = connections["default"]
    asyncio._set_running_loop(None)
    try:
        in_thread = connections["default"]
    finally:
        asyncio._set_running_loop(loop)
    assert in_context is in_thread
    assert hasattr(connection, "_test_serialized_contents")
    marker = request.node.get_closest_marker("django_db")
    assert marker.kwargs == {"transaction": True, "serialized_rollback": True}
    # The migration-seeded schedule is there (restored after any earlier transactional test).
    assert PeriodicTask.objects.filter(name="Beat heartbeat").exists()
