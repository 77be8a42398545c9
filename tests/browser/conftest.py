"""Real-browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Fixtures and helpers:

- ``browser``: one headless chromium for all browser tests (``/usr/bin/chromium``, or the path in
  ``AGILETRACK_CHROMIUM``). Playwright never downloads a browser here; when chromium is missing
  the tests fail and say to ``apt-get install chromium`` (``.ci/run`` installs it).
- ``page``: a fresh browser context per test, viewport 1280x800. ``phone_page``: the same at
  390x844 with a mobile viewport (``<meta name="viewport">`` is honoured, touch events on).
  Each collects ``console.error`` messages, failed resource loads and uncaught exceptions into
  ``page.console_errors`` (also the ``console_errors`` fixture, for ``page``); a test that leaves
  any there fails. A test that provokes errors on purpose clears the list. (Every page links an
  icon, and /favicon.ico answers too, so no page logs the browser's own request for it.)
- ``screenshot(page, name) -> Path``: a full-page PNG under ``$AGILETRACK_TEST_OUTPUT/screenshots/``
  (default ``var/test-output/screenshots/``). Import it from here or request the fixture.
- ``sign_in(page, live_server, user, password)``: signs in through ``/accounts/login/``. Import it
  from here or request the fixture.

Data: the live server runs in a thread of this process and uses the same test database, but its
own connection, so it sees only committed rows. Browser tests that need data must use
``transactional_db`` (pytest-django adds it to any test that requests ``live_server``; say so
explicitly with ``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``); rows
created under plain ``db`` sit in the test's open transaction, invisible to the server.
A transactional test empties the database afterwards, and the e2e tests that run later need the
rows the migrations seed (periodic tasks, content types), so every browser test here that uses
the database gets ``serialized_rollback=True`` added to its ``django_db`` mark: those rows are
restored after it.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

from tests.conftest import REPO_ROOT

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
PHONE_VIEWPORT = {"width": 390, "height": 844}
# Milliseconds a locator action, an expectation or a navigation waits before failing.
DEFAULT_TIMEOUT_MS = 15_000
LOGIN_PATH = "/accounts/login/"

# The console-error lists of the pages a test opened, checked when its body has run.
_PAGE_ERRORS = pytest.StashKey[list[list[str]]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests on the database are transactional and restore the migration-seeded rows."""
    here = Path(__file__).parent
    for item in items:
        if here not in item.path.parents:
            continue
        fixtures = getattr(item, "fixturenames", ())
        marker = item.get_closest_marker("django_db")
        if marker is None and not {"live_server", "transactional_db"} & set(fixtures):
            continue
        options = dict(marker.kwargs) if marker else {}
        if options.get("serialized_rollback") and options.get("transaction"):
            continue
        options.update(transaction=True, serialized_rollback=True)
        args = marker.args if marker else ()
        item.add_marker(pytest.mark.django_db(*args, **options), append=False)


def chromium_path() -> str:
    return os.environ.get("AGILETRACK_CHROMIUM", "/usr/bin/chromium")


def output_dir() -> Path:
    """Where a test run writes what it produces: $AGILETRACK_TEST_OUTPUT or var/test-output/."""
    return Path(os.environ.get("AGILETRACK_TEST_OUTPUT") or REPO_ROOT / "var" / "test-output")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless chromium for the browser tests.

    Package-scoped rather than session-scoped: while Playwright runs, this thread has a running
    event loop, so it is stopped when the last browser test is done instead of lingering under
    the rest of the suite.
    """
    executable = chromium_path()
    if not os.access(executable, os.X_OK):
        pytest.fail(
            f"No chromium at {executable}: browser tests drive Debian's chromium. Install it with "
            "`apt-get install chromium` (or point AGILETRACK_CHROMIUM at a chromium binary).",
            pytrace=False,
        )
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API runs an asyncio event loop in this thread while the browser is up,
        # and Django refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation).
        # Browser tests call the ORM synchronously between browser steps, which is safe, so allow
        # it, but only while the browser runs: set for the whole session, the variable would
        # reach every process the suite starts, and `check --deploy` rejects it (async.E001).
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # While that loop counts as running, asgiref keeps Django's connections per context instead
        # of per thread, so this thread would get new connection objects that lack the test
        # database's state (the rows saved for serialized_rollback): keep using the same ones.
        thread_connections = {alias: connections[alias] for alias in connections}
        playwright = sync_playwright().start()
        for alias, connection in thread_connections.items():
            connections[alias] = connection
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
        finally:
            playwright.stop()


def _describe_console_error(message: ConsoleMessage) -> str:
    location = message.location
    where = f" ({location['url']}:{location['lineNumber']})" if location.get("url") else ""
    return f"console.error: {message.text}{where}"


def _describe_page_error(error: Error) -> str:
    return f"uncaught {error.name or 'exception'}: {error.message}"


def _open_page(
    browser: Browser, request: pytest.FixtureRequest, **context_options
) -> Iterator[Page]:
    context = browser.new_context(**context_options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(_describe_console_error(message))

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(_describe_page_error(error)))
    page.console_errors = errors  # type: ignore[attr-defined]
    request.node.stash.setdefault(_PAGE_ERRORS, []).append(errors)
    yield page
    context.close()
    if errors:
        # Errors that came after the test body (or with a test that failed for another reason).
        pytest.fail(_console_errors_report(errors), pytrace=False)


def _console_errors_report(errors: list[str]) -> str:
    listed = "\n".join(f"  {error}" for error in errors)
    return f"The page logged {len(errors)} browser console error(s):\n{listed}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Fail the test itself, not only its teardown, when its pages logged console errors."""
    result = yield
    pending = [error for errors in item.stash.get(_PAGE_ERRORS, []) for error in errors]
    if pending:
        for errors in item.stash[_PAGE_ERRORS]:
            errors.clear()
        pytest.fail(_console_errors_report(pending), pytrace=False)
    return result


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A desktop-sized page (1280x800) in its own context; console errors fail the test."""
    yield from _open_page(browser, request, viewport=DESKTOP_VIEWPORT)


@pytest.fixture
def phone_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A phone-sized page (390x844, mobile viewport, touch) in its own context."""
    yield from _open_page(browser, request, viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """The console errors ``page`` collected so far; clear it after provoking errors on purpose."""
    return page.console_errors  # type: ignore[attr-defined]


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG of ``page`` as screenshots/NAME.png under the test output folder."""
    folder = output_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name.removesuffix(".png")).strip("-.") or "screenshot"
    path = folder / f"{stem}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, live_server, user, password: str) -> None:
    """Sign in through the login page as ``user`` (a User or a username) and leave it.

    Fails with the login page's text when the credentials are refused.
    """
    username = user.get_username() if hasattr(user, "get_username") else str(user)
    page.goto(live_server.url + LOGIN_PATH)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if urlsplit(page.url).path == LOGIN_PATH:
        pytest.fail(
            f"Signing in as {username!r} failed; the login page says:\n"
            + page.locator("body").inner_text()[:1000],
            pytrace=False,
        )


@pytest.fixture(name="screenshot")
def screenshot_fixture():
    """The ``screenshot(page, name)`` helper as a fixture."""
    return screenshot


@pytest.fixture(name="sign_in")
def sign_in_fixture():
    """The ``sign_in(page, live_server, user, password)`` helper as a fixture."""
    return sign_in


# The pages' tests share one signed-in member of a team synced from the shared sandbox (UTC).
# Imported here, not at the top: this file is also loaded as a plugin before Django is set up.
@pytest.fixture
def member():
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def demo(sandbox, member):
    from tests.metrics.test_sandbox_metrics import synced_team

    team = synced_team(sandbox, "UTC")
    team.members.add(member)
    return team
