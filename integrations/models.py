"""Teams, the integrations that feed them, and the record of every sync run."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from integrations.providers import registry


def validate_time_zone(value: str) -> None:
    """An IANA time zone name, as the metric windows and daily buckets read it."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            "%(value)s is not an IANA time zone name (such as Europe/Berlin or UTC).",
            params={"value": value},
            code="invalid_time_zone",
        ) from exc


class Team(models.Model):
    """A group of people whose integrations are measured together."""

    class DoraBands(models.TextChoices):
        """The DORA band tables (metrics.calculations.dora_bands, same keys)."""

        DORA_2023 = "dora-2023", "DORA 2023 (Accelerate State of DevOps 2023)"
        DORA_2021 = "dora-2021", "DORA 2021 (Accelerate State of DevOps 2021)"
        DORA_2024 = "dora-2024", "DORA 2024 (Accelerate State of DevOps 2024)"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA time zone for the team's metric windows and daily buckets.",
    )
    dora_bands = models.CharField(
        max_length=16,
        choices=DoraBands.choices,
        default=DoraBands.DORA_2023,
        help_text="The State of DevOps report whose table bands the team's DORA metrics.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Integration(models.Model):
    """A connection to one provider account (see integrations.providers), scoped by its config."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for its first sync"
        OK = "ok", "Last sync succeeded"
        ERROR = "error", "Last sync failed"
        CONFIG_ERROR = "config_error", "Configuration needs fixing"
        AUTH_FAILED = "auth_failed", "Credentials were rejected"
        RATE_LIMITED = "rate_limited", "Waiting for the provider's rate limit"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="integrations")
    # The provider: choices come from the registry, so a new provider needs no migration.
    kind = models.CharField(max_length=16, choices=registry.kind_choices)
    name = models.CharField(max_length=100)
    config = models.JSONField(default=dict, blank=True)
    # A MultiFernet token of the credentials JSON; see integrations.crypto. Never plaintext.
    credentials_encrypted = models.TextField(blank=True, default="", editable=False)
    is_active = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    # Single-flight lease of a running sync, claimed by a conditional UPDATE (integrations.sync).
    lease_owner = models.CharField(max_length=64, blank=True, default="", editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Rows were stored since the derived values (metrics.derived) were last refreshed: set with
    # the first page a sync changes, cleared by the refresh, so a run that fails in between
    # leaves the refresh to the next run even if that one reads nothing new.
    derived_stale = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"], name="unique_integration_name_per_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


class SyncRun(models.Model):
    """One attempt to sync one integration: what triggered it, what it cost, what it stored."""

    class Trigger(models.TextChoices):
        INITIAL = "initial", "Initial sync"
        SCHEDULED = "scheduled", "Hourly schedule"
        MANUAL = "manual", "Sync now"
        WEBHOOK = "webhook", "Webhook"
        RECONCILE = "reconcile", "Full reconcile"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partly succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=255, blank=True, default="")
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    api_requests = models.PositiveIntegerField(default=0)
    api_requests_not_modified = models.PositiveIntegerField(
        default=0, help_text="Conditional requests answered 304: free of rate-limit budget."
    )
    records_created = models.PositiveIntegerField(default=0)
    records_updated = models.PositiveIntegerField(default=0)
    records_by_kind = models.JSONField(
        default=dict, blank=True, help_text='Per kind: {"pull_request": {"created": 3, ...}}.'
    )
    # Live progress, written with the records of each page (integrations.sync): the stream being
    # read (the last one read once the run ended) and the pages stored so far.
    current_stream = models.CharField(max_length=200, blank=True, default="")
    pages_read = models.PositiveIntegerField(default=0)
    error_type = models.CharField(max_length=32, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    # Which delivery of the task this run is (0 = first); a run that keeps killing its worker is
    # given up after a few (the poison guard).
    attempt = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["integration", "-queued_at"])]

    def __str__(self) -> str:
        return f"{self.integration} {self.trigger} run #{self.pk}: {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SyncCursor(models.Model):
    """Where an integration's stream (e.g. one repository's pull requests) was last read up to."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=200)
    watermark = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True, default="")
    state = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["integration", "stream"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "stream"], name="unique_cursor_per_stream"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.integration} / {self.stream}"


class WebhookDelivery(models.Model):
    """A webhook delivery already handled, by the provider's delivery id: a repeat of the same
    delivery (a provider's retry or redelivery, or a replayed request) is answered once."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    delivery_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "delivery_id"], name="unique_webhook_delivery"
            ),
        ]
        indexes = [models.Index(fields=["integration", "received_at"])]

    def __str__(self) -> str:
        return f"{self.integration} / {self.delivery_id}"
