"""API keys in the admin: shown once, right after creation, and never again."""

import importlib

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEYS = "/admin/agiletrack/apikey/"


def test_the_key_is_shown_once_right_after_creation_and_never_again(admin_client):
    owner = UserFactory(username="key-owner")

    created = admin_client.post(f"{KEYS}add/", {"user": owner.pk})

    key = Token.objects.get(user=owner).key
    assert created.status_code == 200
    assert created.content.decode().count(key) == 1
    assert "no-store" in created["Cache-Control"]
    pages = [
        KEYS,
        f"{KEYS}{owner.pk}/change/",
        f"{KEYS}{owner.pk}/delete/",
        f"{KEYS}{owner.pk}/history/",
        "/admin/",  # recent actions
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert key not in response.content.decode(), url
        assert "key-owner" in response.content.decode(), url
    assert not LogEntry.objects.filter(object_repr__contains=key).exists()
    assert not LogEntry.objects.filter(object_id__contains=key).exists()

    deleted = admin_client.post(f"{KEYS}{owner.pk}/delete/", {"post": "yes"}, follow=True)
    assert key not in deleted.content.decode()
    assert not Token.objects.filter(user=owner).exists()
    assert not LogEntry.objects.filter(object_repr__contains=key).exists()


def test_a_key_is_not_edited(admin_client):
    owner = UserFactory()
    key = Token.objects.create(user=owner).key

    page = admin_client.get(f"{KEYS}{owner.pk}/change/").content.decode()
    admin_client.post(f"{KEYS}{owner.pk}/change/", {"user": UserFactory().pk})

    assert 'name="user"' not in page
    assert Token.objects.get(key=key).user == owner


def test_the_token_admin_that_showed_keys_is_gone(admin_client):
    assert admin_client.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_staff_who_are_not_superusers_manage_only_their_own_key(client):
    staff = UserFactory(username="plain-staff", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__model="apikey"))
    other = UserFactory(username="somebody-else")
    Token.objects.create(user=other)
    client.force_login(staff)

    add_page = client.get(f"{KEYS}add/").content.decode()
    refused = client.post(f"{KEYS}add/", {"user": other.pk})
    listing = client.get(KEYS).content.decode()
    theirs = client.get(f"{KEYS}{other.pk}/change/")
    mine = client.post(f"{KEYS}add/", {"user": staff.pk})

    assert "somebody-else" not in add_page
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert "somebody-else" not in listing
    assert theirs.status_code == 302
    assert theirs["Location"] == "/admin/"
    assert mine.status_code == 200
    assert Token.objects.get(user=staff).key in mine.content.decode()


def test_earlier_admin_log_lines_no_longer_name_keys():
    owner = UserFactory()
    token = Token.objects.create(user=owner)
    proxy_type = ContentType.objects.get(app_label="authtoken", model="tokenproxy")
    LogEntry.objects.create(
        user=owner,
        content_type=proxy_type,
        object_id=str(owner.pk),
        object_repr=token.key,
        action_flag=1,
    )
    migration = importlib.import_module("agiletrack.migrations.0003_api_key")

    migration.hide_keys_in_the_admin_log(apps, None)

    assert LogEntry.objects.get(content_type=proxy_type).object_repr == "API key"
