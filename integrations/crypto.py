"""Encryption of integration credentials at rest (MultiFernet over AGILETRACK_ENCRYPTION_KEYS)."""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsError(Exception):
    """Stored credentials cannot be read with the configured keys."""


def _fernet() -> MultiFernet:
    # Built per call: settings can change (tests, key rotation) and building is microseconds.
    return MultiFernet([Fernet(key) for key in settings.AGILETRACK_ENCRYPTION_KEYS])


def encrypt_credentials(credentials: dict[str, str]) -> str:
    """Encrypt a credentials mapping with the first configured key."""
    return _fernet().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


def decrypt_credentials(token: str) -> dict[str, str]:
    """Decrypt stored credentials; raise CredentialsError when no configured key matches."""
    if not token:
        raise CredentialsError("No credentials are stored for this integration.")
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsError(
            "Stored credentials cannot be decrypted with any key in AGILETRACK_ENCRYPTION_KEYS; "
            "add back the key they were encrypted with, or enter the credentials again."
        ) from None


def reencrypt(token: str) -> str:
    """Re-encrypt a stored token with the first configured key (after a key rotation)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise CredentialsError(
            "Stored credentials cannot be decrypted with any key in AGILETRACK_ENCRYPTION_KEYS."
        ) from None
