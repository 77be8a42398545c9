"""Operational state of AgileTrack itself."""

from django.conf import settings
from django.db import models
from rest_framework.authtoken.models import TokenProxy


class Heartbeat(models.Model):
    """The last time a scheduled heartbeat ran: proof that beat sends and a worker executes."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class ApiKey(TokenProxy):
    """A user's API token as the admin shows it: named by its user, never by its key.

    The key is the token's primary key and DRF's str(); the admin's log, titles, breadcrumbs and
    delete page print str(), so this proxy (addressed by the user's id) names the user instead."""

    class Meta:
        proxy = True
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    def __str__(self) -> str:
        created = f" (created {self.created:%Y-%m-%d %H:%M})" if self.created else ""
        return f"API key of {self.user}{created}"


class UserPreference(models.Model):
    """What one user chose for how pages look; a user without a row follows the defaults.

    theme: "system" follows the browser's prefers-color-scheme; "light" and "dark" override it.
    """

    class Theme(models.TextChoices):
        SYSTEM = "system", "System"
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.SYSTEM)

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
