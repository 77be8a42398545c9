"""The theme switch in the header: kept per user, validated, and only back to this site."""

import pytest

from agiletrack.models import UserPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_chosen_theme_is_kept_for_the_user_and_set_on_every_page(client):
    user = UserFactory()
    client.force_login(user)
    assert 'data-theme="system"' in client.get("/about/").content.decode()

    response = client.post("/accounts/theme/", {"theme": "dark", "next": "/about/"})

    assert response.status_code == 302 and response["Location"] == "/about/"
    assert UserPreference.objects.get(user=user).theme == "dark"
    assert '<html lang="en" data-theme="dark">' in client.get("/about/").content.decode()
    client.force_login(UserFactory())
    assert 'data-theme="system"' in client.get("/about/").content.decode()


@pytest.mark.parametrize("theme", ["", "blue", "DARK", "x" * 200])
def test_an_unknown_theme_is_a_400_that_stores_nothing(client, theme):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/accounts/theme/", {"theme": theme})
    assert response.status_code == 400
    assert "Choose a theme" in response.content.decode()
    assert not UserPreference.objects.exists()


def test_the_switch_goes_back_only_to_this_site_and_needs_a_user(client):
    response = client.post("/accounts/theme/", {"theme": "dark"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not UserPreference.objects.exists()

    client.force_login(UserFactory())
    response = client.post("/accounts/theme/", {"theme": "light", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/accounts/theme/").status_code == 405
