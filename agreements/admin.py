"""Working agreements, channels, alerts and deliveries in the admin, limited to the user's teams
for staff who are not superusers. A channel's URL and secret are never shown (only its hint);
channels are created through the API or the agreements page, where their URL is checked."""

from django import forms
from django.contrib import admin, messages

from agreements import rules
from agreements.delivery import schedule_sending
from agreements.models import Alert, AlertPolicy, Channel, Delivery, WorkingAgreement
from integrations import selectors
from integrations.admin_scope import TeamScopedAdmin, only_present


class ReadOnlyMixin:
    """Rows written by evaluations and deliveries: viewed (and deleted), never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Channel)
class ChannelAdmin(ReadOnlyMixin, TeamScopedAdmin):
    team_path = "team"
    list_display = ("__str__", "team", "kind", "address", "url_hint", "created_at")
    list_filter = ("kind", only_present("team"))
    fields = ("team", "kind", "address", "url_hint", "created_at")
    readonly_fields = fields


class WorkingAgreementForm(forms.ModelForm):
    metric = forms.ChoiceField(
        choices=[
            (name, f"{spec.label} ({spec.unit}, {spec.kind})")
            for name, spec in rules.METRICS.items()
        ]
    )

    class Meta:
        model = WorkingAgreement
        fields = [
            "team",
            "name",
            "metric",
            "operator",
            "threshold",
            "window_days",
            "channels",
            "paused",
            "remind_after_hours",
        ]


@admin.register(WorkingAgreement)
class WorkingAgreementAdmin(TeamScopedAdmin):
    team_path = "team"
    form = WorkingAgreementForm
    list_display = (
        "name",
        "team",
        "metric",
        "operator",
        "threshold",
        "window_days",
        "paused",
        "last_evaluated_at",
    )
    list_filter = ("paused", "metric", only_present("team"))
    search_fields = ("name",)
    readonly_fields = ("created_by", "created_at", "updated_at", "last_evaluated_at")
    filter_horizontal = ("channels",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Channel:
            kwargs["queryset"] = selectors.rows_of_user_teams(
                Channel.objects.all(), request.user, "team"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = (
        "channel",
        "kind",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyMixin, TeamScopedAdmin):
    team_path = "agreement__team"
    list_display = ("agreement", "status", "opened_at", "value", "acknowledged_by", "resolved_at")
    list_filter = ("status", only_present("agreement__team"))
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, TeamScopedAdmin):
    team_path = "team"
    list_display = (
        "__str__",
        "team",
        "kind",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    )
    list_filter = ("status", "kind", "channel__kind", only_present("team"))
    search_fields = ("idempotency_key", "last_error")
    actions = ["retry_now"]

    @admin.action(description="Try the selected failed or waiting deliveries again now")
    def retry_now(self, request, queryset) -> None:
        """Failed rows start over with one more round of attempts; waiting rows go now."""
        rows = queryset.exclude(status=Delivery.Status.DELIVERED)
        count = rows.update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=None)
        if count:
            schedule_sending()
        messages.info(request, f"{count} deliveries will be tried again.")


@admin.register(AlertPolicy)
class AlertPolicyAdmin(TeamScopedAdmin):
    team_path = "team"
    list_display = ("team", "quiet_hours_start", "quiet_hours_end", "weekly_digest")
