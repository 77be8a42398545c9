"""Credentials are encrypted at rest, decrypt only with the right key, and rotate."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from integrations import services
from integrations.crypto import CredentialsError
from integrations.models import Integration
from tests.conftest import manage_check
from tests.factories import SENTINEL_TOKEN, TeamFactory, make_integration

pytestmark = pytest.mark.django_db


def raw_column(integration: Integration) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_encrypted, config FROM integrations_integration WHERE id = %s",
            [integration.pk],
        )
        encrypted, config = cursor.fetchone()
    return f"{encrypted} {config}"


def test_the_database_holds_no_plaintext_token():
    integration = make_integration(TeamFactory())

    stored = raw_column(integration)

    assert SENTINEL_TOKEN not in stored
    assert services.get_credentials(integration) == {"token": SENTINEL_TOKEN}


def test_a_wrong_key_fails_loudly_instead_of_returning_ciphertext(settings):
    integration = make_integration(TeamFactory())
    settings.AGILETRACK_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CredentialsError, match="cannot be decrypted") as raised:
        services.get_credentials(Integration.objects.get(pk=integration.pk))
    assert integration.credentials_encrypted not in str(raised.value)


def test_rotation_reencrypts_with_the_new_key_so_the_old_one_can_go(settings, capsys):
    old_key = settings.AGILETRACK_ENCRYPTION_KEYS[0]
    first = make_integration(TeamFactory(), name="one")
    second = make_integration(TeamFactory(), kind="jira", name="two")
    new_key = Fernet.generate_key().decode()
    settings.AGILETRACK_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_encryption_keys")

    assert "Re-encrypted the credentials of 2 integrations" in capsys.readouterr().out
    settings.AGILETRACK_ENCRYPTION_KEYS = [new_key]
    assert services.get_credentials(Integration.objects.get(pk=first.pk))["token"] == SENTINEL_TOKEN
    assert services.get_credentials(Integration.objects.get(pk=second.pk))["email"]
    assert SENTINEL_TOKEN not in raw_column(first)


def test_rotation_without_the_old_key_stops_with_a_clear_error(settings):
    make_integration(TeamFactory())
    settings.AGILETRACK_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(Exception, match="cannot be decrypted"):
        call_command("rotate_encryption_keys")


def test_a_rotation_that_stops_midway_leaves_every_row_as_it_was(settings):
    old_key = settings.AGILETRACK_ENCRYPTION_KEYS[0]
    readable = make_integration(TeamFactory(), name="readable")
    settings.AGILETRACK_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    # Sealed with a key the rotation will not be given: it stops on this row, after the first.
    unreadable = make_integration(TeamFactory(), name="unreadable")
    before = raw_column(readable)
    new_key = Fernet.generate_key().decode()
    settings.AGILETRACK_ENCRYPTION_KEYS = [new_key, old_key]

    with pytest.raises(Exception, match="cannot be decrypted"):
        call_command("rotate_encryption_keys")

    assert raw_column(readable) == before
    assert Integration.objects.get(pk=unreadable.pk).credentials_encrypted


def test_an_invalid_key_in_the_environment_stops_start_up_without_echoing_it(python, tmp_path):
    completed = manage_check(
        python,
        tmp_path,
        AGILETRACK_ENCRYPTION_KEYS=f"{Fernet.generate_key().decode()},not-a-key-secret",
    )

    assert completed.returncode != 0
    assert "AGILETRACK_ENCRYPTION_KEYS entry 2 is not a valid Fernet key" in completed.stderr
    assert "not-a-key-secret" not in completed.stderr


def test_production_without_keys_refuses_to_start(python, tmp_path):
    completed = manage_check(
        python, tmp_path, AGILETRACK_HTTPS="true", DJANGO_SECRET_KEY="a-production-signing-key"
    )

    assert completed.returncode != 0
    assert "AGILETRACK_ENCRYPTION_KEYS is required in production" in completed.stderr


def test_embedded_mode_generates_a_local_key_once_and_says_so(python, tmp_path):
    first = manage_check(python, tmp_path)
    key = (tmp_path / "encryption_key").read_text()
    second = manage_check(python, tmp_path)

    assert "generated a local credentials encryption key" in first.stderr
    assert "generated" not in second.stderr
    assert (tmp_path / "encryption_key").read_text() == key
    Fernet(key)  # a usable key
