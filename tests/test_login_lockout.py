"""Sign-in lockout (django-axes): failed sign-ins on /accounts/login/ and /admin/login/ lock the
username and the client address, the page says so, admins see and lift lockouts, and the client
address is the one the configured trusted proxies pass on, never the proxy's own."""

import re

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from werkzeug.test import Client as WsgiClient

from agiletrack.wsgi import behind_proxies
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LOCKED = "Too many failed sign-ins; try again in 15 minutes or ask an admin to lift the lockout."


@pytest.fixture
def ada(settings):
    settings.AXES_FAILURE_LIMIT = 5
    user = UserFactory(username="ada", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, path, username, password, address="192.0.2.10"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client, ada, path):
    for _ in range(4):
        assert sign_in(client, path, "ada", "wrong").status_code == 200  # the form again

    fifth = sign_in(client, path, "ada", "wrong")
    right_password = sign_in(client, path, "ada", PASSWORD)

    assert fifth.status_code == 429
    assert right_password.status_code == 429
    assert LOCKED in right_password.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_account_stays_locked_from_another_address(client, ada):
    for _ in range(5):
        sign_in(client, "/accounts/login/", "ada", "wrong", address="192.0.2.10")

    elsewhere = sign_in(client, "/accounts/login/", "ada", PASSWORD, address="198.51.100.20")

    assert elsewhere.status_code == 429


def test_one_address_guessing_many_usernames_is_locked_out(client, ada):
    for number in range(5):
        sign_in(client, "/accounts/login/", f"guess{number}", "wrong", address="192.0.2.66")

    from_there = sign_in(client, "/accounts/login/", "ada", PASSWORD, address="192.0.2.66")
    from_elsewhere = sign_in(client, "/accounts/login/", "ada", PASSWORD, address="192.0.2.67")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302  # signed in


def test_admins_see_lockouts_and_lifting_one_lets_the_user_in(client, admin_client, ada):
    for _ in range(5):
        sign_in(client, "/accounts/login/", "ada", "wrong")

    listed = admin_client.get("/admin/axes/accessattempt/")
    assert listed.status_code == 200
    assert "ada" in listed.content.decode()

    call_command("axes_reset_username", "ada")
    call_command("axes_reset_ip", "192.0.2.10")

    assert sign_in(client, "/accounts/login/", "ada", PASSWORD).status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, ada):
    for _ in range(4):
        sign_in(client, "/accounts/login/", "ada", "wrong")
    assert sign_in(client, "/accounts/login/", "ada", PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        sign_in(client, "/accounts/login/", "ada", "wrong")

    assert sign_in(client, "/accounts/login/", "ada", PASSWORD).status_code == 302


def test_api_tokens_keep_working_for_a_locked_out_account(client, ada):
    token = Token.objects.create(user=ada)
    for _ in range(5):
        sign_in(client, "/accounts/login/", "ada", "wrong")

    response = client.get(
        "/api/teams/", HTTP_AUTHORIZATION=f"Token {token.key}", REMOTE_ADDR="192.0.2.10"
    )

    assert response.status_code == 200


@pytest.fixture
def wsgi_app():
    """The WSGI application as gunicorn serves it, on the test's database connection (which
    the end of each request must not close, as Django's own test client arranges)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield lambda proxies: behind_proxies(get_wsgi_application(), proxies)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def wsgi_sign_in(app, forwarded_for: str, username: str, password: str) -> int:
    """Through the WSGI application as gunicorn serves it, from a proxy at 10.0.0.2 that
    appended the client's address to X-Forwarded-For."""
    client = WsgiClient(app)
    page = client.get("/accounts/login/", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    response = client.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token[1], "username": username, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    return response.status_code


def test_behind_one_proxy_the_client_address_counts_never_the_proxys(ada, wsgi_app):
    app = wsgi_app(1)

    # The left entry is what the client sent itself (spoofed); the proxy appended the right one.
    for number in range(5):
        wsgi_sign_in(app, f"1.2.3.{number}, 203.0.113.5", f"guess{number}", "wrong")

    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"203.0.113.5"}
    assert wsgi_sign_in(app, "203.0.113.5", "ada", PASSWORD) == 429
    # Another client through the same proxy is not locked out.
    assert wsgi_sign_in(app, "198.51.100.9", "ada", PASSWORD) == 302


def test_without_trusted_proxies_x_forwarded_for_is_ignored(ada, wsgi_app):
    app = wsgi_app(0)

    wsgi_sign_in(app, "203.0.113.5", "nobody", "wrong")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.2"}
