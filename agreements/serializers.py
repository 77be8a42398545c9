"""API shapes of working agreements, their channels, back-tests and alerts. A channel's URL and
secret are accepted and never answered: a channel reads as its kind and address or URL hint."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements import rules
from agreements.evaluation import PeriodResult
from agreements.models import Alert, Channel, Delivery, WorkingAgreement
from integrations.models import Team

MAX_WINDOW_DAYS = 365
MAX_BACKTEST_DAYS = 366


@extend_schema_field({"type": "number"})
class NumberField(serializers.FloatField):
    """A JSON number: a string ("24") or a boolean is refused, not read as one."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise serializers.ValidationError("Enter a number (in the metric's unit).")
        return super().to_internal_value(data)


class ChannelSerializer(serializers.ModelSerializer):
    """Given: kind and url (Slack, webhook) or address (email), and a webhook's signing secret.
    Answered: kind, address, url_hint; never the URL or the secret."""

    kind = serializers.ChoiceField(choices=Channel.Kind.choices)
    url = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=2000,
        help_text="Slack incoming-webhook or webhook URL; a secret, never returned.",
    )  # fmt: skip
    address = serializers.CharField(required=False, allow_blank=True, max_length=254)
    secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500,
        help_text="Webhook signing secret (HMAC-SHA256); never returned.",
    )  # fmt: skip

    class Meta:
        model = Channel
        fields = ["id", "kind", "address", "url", "secret", "url_hint"]
        read_only_fields = ["id", "url_hint"]


class WorkingAgreementSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.none(), help_text="Id of a team you belong to; fixed once created."
    )
    metric = serializers.ChoiceField(
        choices=sorted(rules.METRICS), help_text="A name from /api/working-agreements/metrics/."
    )
    operator = serializers.ChoiceField(choices=WorkingAgreement.Operator.choices)
    threshold = NumberField(help_text="In the metric's unit.")
    window_days = serializers.IntegerField(
        min_value=1, max_value=MAX_WINDOW_DAYS, required=False,
        help_text="Window rules: the days measured, up to the evaluation (default 30).",
    )  # fmt: skip
    channels = ChannelSerializer(many=True, required=False)
    open_alert = serializers.SerializerMethodField(help_text="Id of the unresolved alert, if any.")

    class Meta:
        model = WorkingAgreement
        fields = [
            "id",
            "team",
            "name",
            "metric",
            "operator",
            "threshold",
            "window_days",
            "remind_after_hours",
            "paused",
            "channels",
            "open_alert",
            "created_at",
            "updated_at",
            "last_evaluated_at",
        ]
        read_only_fields = ["created_at", "updated_at", "last_evaluated_at"]

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams

    def validate_team(self, team: Team) -> Team:
        if self.instance is not None and team.pk != self.instance.team_id:
            raise serializers.ValidationError("An agreement stays with its team.")
        return team

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_open_alert(self, agreement: WorkingAgreement) -> int | None:
        found = [a.pk for a in agreement.alerts.all() if a.status != Alert.Status.RESOLVED]
        return found[0] if found else None


class MetricSpecSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.ChoiceField(choices=rules.UNITS)
    kind = serializers.ChoiceField(choices=[rules.ITEM, rules.WINDOW])
    description = serializers.CharField()


class BreachItemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='"pr:<id>" or "item:<id>".')
    label = serializers.CharField()
    url = serializers.CharField()
    value = serializers.FloatField(help_text="In the metric's unit.")


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    value = serializers.FloatField(
        allow_null=True,
        help_text="Window rules: the metric; item rules: how many items broke the rule.",
    )
    breached = serializers.BooleanField()
    items = BreachItemSerializer(many=True, help_text="Item rules: the items that broke it.")


def period_data(result: PeriodResult) -> dict:
    return {**asdict(result), "items": [asdict(item) for item in result.items]}


class BacktestQuerySerializer(serializers.Serializer):
    since = serializers.DateField(
        required=False,
        help_text=f"First day (default: 90 days up to `until`); not after `until`, and at most "
        f"{MAX_BACKTEST_DAYS} days before it.",
    )
    until = serializers.DateField(required=False, help_text="Last day (default: today).")


class BacktestSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    time_zone = serializers.CharField()
    breached_periods = serializers.IntegerField()
    periods = PeriodSerializer(many=True)


class DeliverySerializer(serializers.ModelSerializer):
    channel_kind = serializers.CharField(source="channel.kind", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "channel_kind",
            "kind",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        ]


class AlertSerializer(serializers.ModelSerializer):
    team = serializers.IntegerField(source="agreement.team_id", read_only=True)
    agreement_name = serializers.CharField(source="agreement.name", read_only=True)
    acknowledged_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who acknowledged it."
    )
    resolved_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who resolved it (empty when it resolved itself).",
    )
    deliveries = DeliverySerializer(many=True, read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "agreement",
            "agreement_name",
            "team",
            "status",
            "opened_at",
            "value",
            "details",
            "acknowledged_at",
            "acknowledged_by",
            "snoozed_until",
            "last_notified_at",
            "reminders_sent",
            "resolved_at",
            "resolved_by",
            "deliveries",
        ]
        read_only_fields = fields


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateTimeField(help_text="No reminders until then.")


class EvaluationSerializer(serializers.Serializer):
    result = PeriodSerializer()
    alert = AlertSerializer(allow_null=True)
