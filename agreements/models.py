"""Working agreements (team rules on items or on a window metric), the channels alerts go to,
the alerts a breach opens and the delivery of each alert to each channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from integrations.models import Team


class Channel(models.Model):
    """Where a team's alerts and weekly digest go. The Slack URL and the webhook URL and secret
    are secrets: encrypted at rest (integrations.crypto), write-only in forms and the API."""

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack (incoming webhook)"
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "JSON webhook (signed)"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Email: the address (not a secret). Slack and webhook: blank (the URL is in `secrets`).
    address = models.EmailField(blank=True, default="")
    # A MultiFernet token of {"url": ..., "secret": ...} (integrations.crypto); never plaintext.
    secrets_encrypted = models.TextField(blank=True, default="", editable=False)
    # What a user may see of the URL: scheme and host only (e.g. "https://hooks.slack.com/…").
    url_hint = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.address or self.url_hint}"


class AlertPolicy(models.Model):
    """A team's alerting settings: quiet hours (in the team's time zone; deliveries wait until
    they end, nothing is dropped) and whether the weekly digest goes out (Monday 09:00, team
    time)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="alert_policy")
    quiet_hours_start = models.TimeField(null=True, blank=True)  # e.g. 20:00
    quiet_hours_end = models.TimeField(null=True, blank=True)  # e.g. 08:00 (the next morning)
    weekly_digest = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"Alert policy of {self.team}"


class WorkingAgreement(models.Model):
    """A team's rule: `metric` `operator` `threshold`, either per item (each PR or work item,
    checked over the items open or finished in the window) or over a window metric of the last
    `window_days` days. agreements.rules lists the metrics, their kinds and units."""

    class Operator(models.TextChoices):
        AT_MOST = "<=", "at most"
        AT_LEAST = ">=", "at least"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="agreements")
    name = models.CharField(max_length=200)
    metric = models.CharField(max_length=64)  # a name from agreements.rules.METRICS
    operator = models.CharField(max_length=2, choices=Operator.choices)
    threshold = models.FloatField()  # in the metric's unit
    window_days = models.PositiveIntegerField(default=30)  # window rules: days measured
    channels = models.ManyToManyField(Channel, related_name="agreements", blank=True)
    paused = models.BooleanField(default=False)
    # While an alert stays open, a reminder goes out after this many hours (0: never).
    remind_after_hours = models.PositiveIntegerField(default=24)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """One breach of an agreement: open until the rule holds again (resolved automatically) or
    someone resolves it; acknowledged stops reminders. The items or the value that broke it are
    kept in `details`."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    agreement = models.ForeignKey(WorkingAgreement, on_delete=models.CASCADE, related_name="alerts")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    value = models.FloatField(null=True, blank=True)  # the metric's value when it broke
    # {"items": [{"id", "label", "url", "value"}...], "window": {"since", "until"}}
    details = models.JSONField(default=dict, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    snoozed_until = models.DateTimeField(null=True, blank=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(default=0)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            # One alert at a time per agreement: a breach while one is open adds nothing.
            models.UniqueConstraint(
                fields=["agreement"],
                condition=~models.Q(status="resolved"),
                name="one_unresolved_alert_per_agreement",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement} ({self.status})"


class Delivery(models.Model):
    """One message to one channel: an alert, a reminder of it, or a weekly digest. The
    idempotency key (unique) makes a retried or re-run evaluation never send it twice; webhooks
    carry it as the Idempotency-Key header."""

    class Kind(models.TextChoices):
        ALERT = "alert", "Alert"
        REMINDER = "reminder", "Reminder"
        RESOLVED = "resolved", "Resolved"
        DIGEST = "digest", "Weekly digest"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # to send (or held back by quiet hours / a Retry-After)
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"  # gave up after the last attempt

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=120, unique=True)
    payload = models.JSONField(default=dict, blank=True)  # what was (or will be) sent
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.channel} ({self.status})"
