"""Live sync status in a real browser (issue 18, point 4): while a slow sandbox run goes on a real
Celery worker, the integrations page and the header indicator count pages and records up without
a reload, then the card, last sync and runs table show the finished run; a team page whose
integration failed names it, says the error in plain words and links to the fix."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from integrations import services, sync
from integrations.models import Integration, SyncRun
from tests.browser.conftest import LOGIN_PATH, screenshot
from tests.e2e.conftest import CeleryProcesses
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"
PROGRESS = re.compile(r"(\d+) pages? read, (\d+) records? stored, \d+ s elapsed")


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.AGILETRACK_HTTP_OPTIONS = {"transient_backoff": 0.01, "read_timeout": 5}
    queue = f"agiletrack-browser-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    settings.AGILETRACK_PRIORITY_QUEUE = f"{queue}-priority"


@pytest.fixture
def member():
    return UserFactory()


def github_integration(box, team, token: str | None = None) -> Integration:
    info = box.info["github"]
    return services.create_integration(
        team=team,
        kind="github",
        name="GitHub",
        config={"api_url": info["api_url"], "repositories": info["repositories"]},
        credentials={"token": token or info["token"]},
    )


def sign_in_to(page: Page, live_server, user, path: str) -> None:
    """Sign in through the login page and land on `path` (not on the overview, whose charts
    need the vendored Chart.js that `make assets` installs)."""
    page.goto(f"{live_server.url}{LOGIN_PATH}?next={path}")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith(path), page.url


def counts(text: str) -> tuple[int, int]:
    """(pages read, records stored) from a progress line."""
    found = PROGRESS.search(text)
    assert found, text
    return int(found[1]), int(found[2])


def wait_for_more(page: Page, selector: str, pages: int, records: int) -> None:
    """Wait until the progress line under `selector` counts more pages and more records."""
    page.wait_for_function(
        """([selector, pages, records]) => {
            const node = document.querySelector(selector);
            const counts = /(\\d+) pages? read, (\\d+) records? stored/;
            const found = node && node.textContent.match(counts);
            return found && Number(found[1]) > pages && Number(found[2]) > records;
        }""",
        arg=[selector, pages, records],
        timeout=90_000,
    )


def test_a_slow_runs_progress_counts_up_live_and_the_card_updates_when_it_ends(
    page, live_server, member, fresh_sandbox, tmp_path, settings
):
    box = fresh_sandbox("--seed", "7", "--latency-ms", "120")
    celery = CeleryProcesses(tmp_path)
    settings.CELERY_TASK_DEFAULT_QUEUE = celery.queue
    settings.AGILETRACK_PRIORITY_QUEUE = celery.priority_queue
    team = TeamFactory(members=[member])
    try:
        # Its initial sync is queued for the worker, which reads the slow sandbox.
        github = github_integration(box, team)
        run = github.sync_runs.get(trigger="initial")
        sign_in_to(page, live_server, member, f"/teams/{team.slug}/integrations/")
        page.evaluate("window.notReloaded = true")
        card = f"section[data-integration='{github.pk}']"
        section = page.locator(card)
        expect(section.locator("[data-role=last-sync]")).to_have_text("never")
        celery.start_worker()

        progress = section.locator("[data-role=progress]")
        expect(progress).to_contain_text(PROGRESS, timeout=90_000)
        expect(section.locator("[data-role=status]")).to_have_text("Syncing")
        expect(progress).to_contain_text(re.compile(r"Syncing \S+: \d+ pages? read"))  # its stream
        first = counts(progress.inner_text())
        wait_for_more(page, f"{card} [data-role=progress]", *first)
        assert counts(progress.inner_text()) > first
        # The header indicator, on every team page, says the same.
        indicator = page.locator(".sync-indicator [data-role=live]")
        expect(indicator).to_contain_text(re.compile(r"GitHub: Syncing .*pages? read"))
        expect(section.locator(f"tr[data-run='{run.pk}']")).to_contain_text("Running")
        screenshot(page, "live-status-running")

        expect(progress).to_have_attribute("data-run-status", "succeeded", timeout=120_000)
        expect(progress).to_contain_text(re.compile(r"Sync succeeded in [\d.]+ s"))
        expect(section.locator("[data-role=status]")).to_have_text("Synced")
        expect(section.locator("[data-role=last-sync]")).not_to_have_text("never")
        expect(section.locator(f"tr[data-run='{run.pk}']")).to_contain_text("Succeeded")
        expect(section.locator("[data-role=run-counts]")).to_have_text("1 succeeded, 0 failed")
        expect(page.locator(".sync-indicator [data-role=data-as-of]")).to_contain_text("Data as of")
        assert page.evaluate("window.notReloaded") is True
        run.refresh_from_db()
        assert run.status == SyncRun.Status.SUCCEEDED and run.pages_read > first[0]
        screenshot(page, "live-status-finished")
    finally:
        celery.stop()


def test_a_team_page_names_the_failing_integration_its_error_and_the_fix(
    page, live_server, member, sandbox
):
    team = TeamFactory(members=[member])
    github = github_integration(sandbox, team, token="ghp_revoked_token_0000")
    queued = github.sync_runs.get(trigger="initial")
    assert sync.sync_integration(github.pk, "initial", queued.pk).run.status == "failed"
    github.refresh_from_db()
    assert github.status == Integration.Status.AUTH_FAILED and github.last_error

    sign_in_to(page, live_server, member, f"/teams/{team.slug}/pull-requests/")
    banner = page.locator(f"[data-problem='{github.pk}']")
    expect(banner).to_contain_text("GitHub: Credentials need fixing.")
    expect(banner).to_contain_text(github.last_error)
    expect(banner).not_to_contain_text("Traceback")
    empty = page.get_by_text("No pull requests match.")
    expect(empty).to_contain_text("GitHub did not finish its last sync")
    expect(empty).not_to_contain_text("wider date range")
    screenshot(page, "live-status-failing-banner")

    # A member is sent to the integration's card, where its status and error are the same.
    banner.get_by_role("link", name="See GitHub on the integrations page").click()
    card = page.locator(f"section[data-integration='{github.pk}']")
    expect(card.locator("[data-role=status]")).to_have_text("Credentials need fixing")
    expect(card.locator("[data-role=last-error]")).to_contain_text(github.last_error)

    # Staff are sent straight to the form where new credentials go.
    member.is_staff = True
    member.save()
    page.goto(f"{live_server.url}/teams/{team.slug}/pull-requests/")
    page.get_by_role("link", name="Enter new credentials for GitHub").click()
    assert page.url.endswith(f"/integrations/{github.pk}/edit/")
    expect(page.get_by_label("Settings as JSON (advanced)")).to_be_visible()
