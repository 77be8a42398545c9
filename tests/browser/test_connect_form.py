"""Connecting a provider in a real browser: only the chosen provider's fields show and its
settings template follows it, errors sit by their field in the API's words, the test before save
refuses an unknown repository and a wrong token, and a typed secret survives a failed save."""

import pytest
from playwright.sync_api import expect

from integrations.models import Integration
from tests.browser.conftest import sign_in
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def team(staff):
    return TeamFactory(members=[staff])


@pytest.fixture
def form_page(page, live_server, staff, team):
    sign_in(page, live_server, staff, PASSWORD)
    page.goto(f"{live_server.url}/teams/{team.slug}/integrations/new/")
    return page


def test_only_the_chosen_providers_fields_show_and_the_template_follows(form_page):
    page = form_page
    advanced = page.get_by_label("Settings as JSON (advanced)")

    expect(page.get_by_label("Repositories")).to_be_visible()
    expect(page.get_by_label("Atlassian email")).to_be_hidden()
    expect(page.get_by_label("Board id", exact=True)).to_be_hidden()
    assert '"repositories"' in advanced.get_attribute("placeholder")

    page.get_by_label("Provider").select_option("jira")

    expect(page.get_by_label("Repositories")).to_be_hidden()
    expect(page.get_by_label("Atlassian email")).to_be_visible()
    expect(page.get_by_label("Board id", exact=True)).to_be_visible()
    expect(page.get_by_label("Site url")).to_be_visible()
    assert '"site_url"' in advanced.get_attribute("placeholder")
    assert '"repositories"' not in advanced.get_attribute("placeholder")


def test_a_nested_error_shows_by_its_field_in_the_apis_words(form_page, team):
    page = form_page
    page.get_by_label("Name").fill("Web")
    page.get_by_label("Repositories").fill("acme/web\nnot a repository")
    page.get_by_label("Token (GitHub or Trello)").fill("ghp_typed_in_the_browser")
    page.get_by_role("button", name="Add integration").click()

    field = page.locator('[data-field="github__repositories"]')
    expect(field.get_by_role("alert")).to_have_text(
        "Line 2: Repository names look like owner/name."
    )
    page.console_errors.clear()  # the 400 answer is logged as a failed load
    assert "ghp_typed_in_the_browser" not in page.content()
    assert not Integration.objects.filter(team=team).exists()


def fill_github(page, sandbox, repository: str, token: str) -> None:
    github = sandbox.info["github"]
    page.get_by_label("Name").fill("Payments")
    page.locator("#id_github__api_url").fill(github["api_url"])
    page.get_by_label("Repositories").fill(repository)
    page.get_by_label("Token (GitHub or Trello)").fill(token)


def test_test_before_save_refuses_a_wrong_token_and_an_unknown_repository(form_page, sandbox, team):
    page = form_page
    fill_github(page, sandbox, sandbox.info["github"]["repositories"][0], "ghp_wrong_token_0000")
    page.get_by_role("button", name="Add integration").click()
    expect(page.locator('[data-field="token"]').get_by_role("alert")).to_have_text(
        "GitHub rejected the token"
    )

    fill_github(page, sandbox, "acme-eng/no-such-repository", sandbox.info["github"]["token"])
    page.get_by_role("button", name="Add integration").click()
    expect(page.get_by_text("not found or the token cannot see it")).to_be_visible()
    page.console_errors.clear()
    assert not Integration.objects.filter(team=team).exists()


def test_a_typed_secret_is_kept_after_a_failed_save(form_page, sandbox, team):
    page = form_page
    token = sandbox.info["github"]["token"]
    fill_github(page, sandbox, "acme-eng/no-such-repository", token)
    page.get_by_role("button", name="Add integration").click()

    token_field = page.locator('[data-field="token"]')
    expect(token_field).to_contain_text("Kept from your last try")
    assert page.get_by_label("Token (GitHub or Trello)").input_value() == ""
    assert token not in page.content()

    page.get_by_label("Repositories").fill(sandbox.info["github"]["repositories"][0])
    page.get_by_role("button", name="Add integration").click()

    expect(page.get_by_text("Payments added; its first sync is queued.")).to_be_visible()
    page.console_errors.clear()
    assert Integration.objects.filter(team=team, name="Payments").exists()


def test_repositories_are_picked_from_what_the_token_sees(form_page, sandbox, team):
    page = form_page
    github = sandbox.info["github"]
    wanted = github["repositories"][1]
    page.get_by_label("Name").fill("Picked")
    page.locator("#id_github__api_url").fill(github["api_url"])
    page.get_by_label("Repositories").fill("")
    page.get_by_label("Token (GitHub or Trello)").fill(github["token"])

    picker = page.locator('[data-field="github__repositories"]')
    picker.get_by_role("button", name="Choose from your account").click()
    picker.get_by_label(wanted).check()

    expect(page.get_by_label("Repositories")).to_have_value(wanted)
    page.get_by_role("button", name="Add integration").click()
    expect(page.get_by_text("Picked added; its first sync is queued.")).to_be_visible()
    assert Integration.objects.get(team=team, name="Picked").config["repositories"] == [wanted]


def test_the_admin_form_shows_only_the_chosen_providers_credentials(page, live_server):
    admin = UserFactory(is_staff=True, is_superuser=True)
    sign_in(page, live_server, admin, PASSWORD)
    page.goto(f"{live_server.url}/admin/integrations/integration/add/")
    kind = page.get_by_label("Kind")

    kind.select_option("github")
    expect(page.locator("#id_token")).to_be_visible()
    expect(page.locator("#id_email")).to_be_hidden()

    kind.select_option("jira")
    expect(page.locator("#id_email")).to_be_visible()
    expect(page.locator("#id_api_token")).to_be_visible()
    expect(page.locator("#id_token")).to_be_hidden()
    expect(page.locator("#id_key")).to_be_hidden()
