"""Admin of alert deliveries: each message to each channel, its status, attempts and last error.

Read-only: a delivery is written by agreements.delivery only. Channels show their URL hint
(scheme and host), never the URL or secret; a failed delivery can be tried again from here.
"""

from django.contrib import admin, messages
from django.utils import timezone

from agreements.delivery import schedule_sending
from agreements.models import Delivery
from integrations.admin_scope import TeamScopedAdmin, only_present


@admin.register(Delivery)
class DeliveryAdmin(TeamScopedAdmin):
    team_path = "team"
    list_display = (
        "id",
        "team",
        "kind",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )
    list_filter = ("status", "kind", "channel__kind", only_present("team"))
    search_fields = ("idempotency_key", "last_error")
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Try the selected failed or waiting deliveries again now")
    def retry_now(self, request, queryset) -> None:
        """Failed rows start over with one more round of attempts; waiting rows go now."""
        rows = queryset.exclude(status=Delivery.Status.DELIVERED)
        count = rows.update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=None)
        if count:
            schedule_sending()
        messages.info(request, f"{count} deliveries will be tried again ({timezone.now():%H:%M}).")
