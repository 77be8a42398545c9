"""The integration form's "Choose from your account" picker (scope_picker.js) in a real browser,
against the real endpoint on the live server and the sandbox.

The product has no page of its own for this markup yet (the integration form is being rebuilt
with it elsewhere), and product code gets no test-only URL: the test serves a minimal form with
the picker markup at a path of the live server through Playwright's `page.route`, so the page
is same-origin with the endpoint and loads the real static file. The staff member's session
(made with Django's test client) and a csrftoken cookie are put in the browser, the way a signed-
in browser holds them; the script sends the cookie's token back in X-CSRFToken and Django checks
it. Everything after the HTML (script, JSON endpoint, provider calls) is real.
"""

import json

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from integrations import services
from tests.factories import TeamFactory, UserFactory

FORM_PATH = "/picker-under-test/"
CSRF_SECRET = "pickerpickerpickerpickerpicker12"  # any 32 letters: the double-submit cookie


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


@pytest.fixture
def staff_team():
    team = TeamFactory()
    staff = UserFactory(is_staff=True)
    team.members.add(staff)
    return team, staff


def sign_in(page: Page, live_server, user) -> None:
    """The browser holds the user's session and a csrftoken cookie for the live server."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
            {"name": settings.CSRF_COOKIE_NAME, "value": CSRF_SECRET, "url": live_server.url},
        ]
    )


def serve_form(page: Page, live_server, html: str) -> None:
    """Answer FORM_PATH on the live server's origin with `html`, then open it."""
    page.route(
        live_server.url + FORM_PATH,
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    page.goto(live_server.url + FORM_PATH)


def form_html(team, picker: str, fields: str) -> str:
    return f"""<!doctype html><html><head><title>picker</title></head><body>
<form method="post">{fields}
{picker}
</form>
<script src="/static/agiletrack/scope_picker.js"></script></body></html>"""


def github_form(team, box, token: str, integration: str = "") -> str:
    info = box.info["github"]
    fields = f"""
<input data-kind="github" data-config-key="api_url" name="api_url" value="{info["api_url"]}">
<div data-kinds="github trello"><label>Token
  <input type="password" name="token" data-credential="token" value="{token}"></label></div>
<div data-kinds="jira"><input name="jira_token" data-credential="token" value="wrong"></div>
<textarea name="repositories">keep/me</textarea>"""
    picker = (
        f'<div class="scope-picker" data-kind="github" '
        f'data-endpoint="/teams/{team.slug}/integrations/scopes/" data-target="repositories" '
        f'data-multiple="true" data-integration="{integration}"></div>'
    )
    return form_html(team, picker, fields)


def test_github_repositories_load_page_by_page_filter_and_fill_the_textarea(
    page: Page, live_server, fresh_sandbox, staff_team
):
    box = fresh_sandbox("--repos", "105", "--prs-per-repo", "1", "--cards-per-board", "2")
    team, staff = staff_team
    sign_in(page, live_server, staff)
    serve_form(page, live_server, github_form(team, box, box.info["github"]["token"]))
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.method == "POST" else None)

    page.get_by_role("button", name="Choose from your account").click()
    boxes = page.locator(".scope-picker-list input[type=checkbox]")
    expect(boxes).to_have_count(100)
    expect(page.get_by_role("status")).to_have_text("100 items loaded.")
    page.get_by_role("button", name="Load more").click()
    expect(boxes).to_have_count(105)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    # GitHub's inputs only: the Jira credential field of the same name is left out.
    assert sent[0]["credentials"] == {"token": box.info["github"]["token"]}
    assert (sent[0]["cursor"], sent[1]["cursor"]) == (None, "user:2")

    page.get_by_role("searchbox", name="Search").fill("SERVICE-10")
    matching = [r for r in box.info["github"]["repositories"] if "service-10" in r]
    expect(boxes).to_have_count(len(matching))  # filtered as loaded: no request
    page.get_by_label("acme-eng/service-103").check()
    page.get_by_label("acme-eng/service-101").check()
    page.get_by_label("acme-eng/service-103").uncheck()

    textarea = page.locator("textarea[name=repositories]")
    expect(textarea).to_have_value("keep/me\nacme-eng/service-101")
    # The picker shows what was listed, never the credentials it was listed with.
    assert box.info["github"]["token"] not in page.locator(".scope-picker").inner_html()


def test_a_single_jira_board_is_searched_on_the_server_and_written_to_the_input(
    page: Page, live_server, sandbox, staff_team
):
    team, staff = staff_team
    jira = sandbox.info["jira"]
    wanted = jira["boards"][1]
    fields = f"""
<input data-kind="jira" data-config-key="site_url" value="{jira["site_url"]}">
<input data-kind="github" data-config-key="site_url" value="http://10.0.0.1">
<input name="email" data-credential="email" value="{jira["email"]}">
<input type="password" name="api_token" data-credential value="{jira["api_token"]}">
<input name="board_id" value="">"""
    picker = (
        f'<div class="scope-picker" data-kind="jira" '
        f'data-endpoint="/teams/{team.slug}/integrations/scopes/" data-target="board_id" '
        f'data-multiple="false" data-integration=""></div>'
    )
    sign_in(page, live_server, staff)
    serve_form(page, live_server, form_html(team, picker, fields))
    asked: list[dict] = []
    page.on(
        "request",
        lambda r: asked.append(json.loads(r.post_data or "{}")) if r.method == "POST" else None,
    )

    page.get_by_role("button", name="Choose from your account").click()
    radios = page.locator(".scope-picker-list input[type=radio]")
    expect(radios).to_have_count(len(jira["boards"]))
    page.get_by_role("searchbox", name="Search").fill(wanted["project_key"].lower())
    expect(radios).to_have_count(1)
    page.get_by_label(wanted["name"]).check()

    expect(page.locator("input[name=board_id]")).to_have_value(str(wanted["id"]))
    assert asked[-1]["query"] == wanted["project_key"].lower()  # searched by Jira, not here
    assert asked[-1]["config"] == {"site_url": jira["site_url"]}


def test_stored_credentials_are_used_when_editing_and_errors_are_shown_in_words(
    page: Page, live_server, sandbox, staff_team, console_errors
):
    team, staff = staff_team
    info = sandbox.info["github"]
    integration = services.create_integration(
        team=team,
        kind="github",
        name="gh",
        config={"api_url": info["api_url"], "repositories": info["repositories"][:1]},
        credentials={"token": info["token"]},
        is_active=False,
    )
    sign_in(page, live_server, staff)
    serve_form(page, live_server, github_form(team, sandbox, "", str(integration.pk)))

    page.get_by_role("button", name="Choose from your account").click()
    expect(page.locator(".scope-picker-list input")).to_have_count(len(info["repositories"]))

    page.locator("input[name=token]").fill("ghp_revoked_value")
    page.get_by_role("button", name="Choose from your account").click()  # close
    page.get_by_role("button", name="Choose from your account").click()  # and ask again
    expect(page.get_by_role("alert")).to_contain_text("GitHub rejected the credentials")
    expect(page.locator(".scope-picker-list input")).to_have_count(0)
    # The browser logs the refused (400) request itself: provoked on purpose.
    assert [e for e in console_errors if "400 (Bad Request)" not in e] == []
    console_errors.clear()
