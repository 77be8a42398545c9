"""GET /api/metrics/teams/: the organisation overview as JSON, one row per team the user may see
(members: their teams; superusers: every team), each with the numbers of `/api/metrics/?team=`
for the same window."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics.api.serializers import BANDS, WindowSerializer, reason_field
from metrics.calculations import BAND_TABLES
from metrics.scope import MAX_WINDOW_DAYS, ScopeError
from metrics.selectors.organisation import (
    SORTS,
    STALE_AFTER,
    SYNC_HEALTH,
    organisation_overview,
)

STALE_HOURS = int(STALE_AFTER.total_seconds() // 3600)


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField(help_text="The team's pages are under /teams/<slug>/.")


class BandedValueSerializer(serializers.Serializer):
    band = serializers.ChoiceField(choices=BANDS, allow_null=True)
    reason = reason_field()


class FrequencyValueSerializer(BandedValueSerializer):
    value = serializers.FloatField(
        help_text="Deployments per 7 days of the window elapsed by now "
        "(dora.deployment_frequency.per_week)."
    )


class MedianValueSerializer(BandedValueSerializer):
    value = serializers.FloatField(allow_null=True, help_text="The median, in minutes.")


class RateValueSerializer(BandedValueSerializer):
    value = serializers.FloatField(
        allow_null=True, help_text="dora.change_failure_rate.rate, 0 to 1."
    )


class TeamDoraSerializer(serializers.Serializer):
    bands_table = serializers.ChoiceField(choices=sorted(BAND_TABLES))
    deployment_frequency = FrequencyValueSerializer()
    lead_time_for_changes = MedianValueSerializer()
    change_failure_rate = RateValueSerializer()
    time_to_restore = MedianValueSerializer()
    failed_deployment_recovery_time = MedianValueSerializer()


class TeamPullRequestsSerializer(serializers.Serializer):
    cycle_time_median = serializers.FloatField(
        allow_null=True, help_text="pull_requests.stages.cycle.median, minutes."
    )
    merged = serializers.IntegerField(help_text="pull_requests.throughput.merged.")


class TeamWorkItemsSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="work_items.throughput.done.")
    per_week = serializers.FloatField(help_text="work_items.throughput.per_week.")
    wip = serializers.IntegerField(help_text="work_items.wip.at_window_end.")


class TeamSyncSerializer(serializers.Serializer):
    health = serializers.ChoiceField(
        choices=list(SYNC_HEALTH),
        help_text="failing: an active integration's last sync failed or it needs fixing; "
        f"stale: one has not synced successfully for {STALE_HOURS} hours (or never); ok; none: "
        "no active integration. A sync queued or running counts as neither failing nor stale "
        "(the team's integrations page says the same).",
    )
    integrations = serializers.IntegerField(help_text="Active integrations.")
    failing = serializers.ListField(child=serializers.CharField())
    stale = serializers.ListField(child=serializers.CharField())
    data_as_of = serializers.DateTimeField(
        allow_null=True, help_text="The oldest last successful sync of its active integrations."
    )


class TeamRowSerializer(serializers.Serializer):
    team = TeamRefSerializer()
    window = WindowSerializer()
    dora = TeamDoraSerializer()
    pull_requests = TeamPullRequestsSerializer()
    work_items = TeamWorkItemsSerializer()
    sync = TeamSyncSerializer()


class OrganisationSerializer(serializers.Serializer):
    teams = TeamRowSerializer(many=True)


class WindowQuerySerializer(serializers.Serializer):
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    sort = serializers.ChoiceField(choices=[*SORTS, *(f"-{key}" for key in SORTS)], required=False)


class TeamsMetricsView(APIView):
    """Every team of yours (every team for a superuser) side by side for one window."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATE,
                description="First local day of each team (default: 30 days before `until`). "
                f"Must not be after `until`, and the window spans at most {MAX_WINDOW_DAYS} "
                "days; else 400.",
            ),
            OpenApiParameter(
                "until",
                OpenApiTypes.DATE,
                description="Last local day, inclusive (default: today).",
            ),
            OpenApiParameter(
                "sort",
                OpenApiTypes.STR,
                enum=[*SORTS, *(f"-{key}" for key in SORTS)],
                description="Order of the teams (default `team`, by name); `-` for highest "
                "first. Teams without a value come last.",
            ),
        ],
        responses={200: OrganisationSerializer},
    )
    def get(self, request: Request) -> Response:
        # A plain dict: from a QueryDict, DRF reads an empty optional value as "not given".
        params = request.query_params
        query = WindowQuerySerializer(
            data={k: params[k] for k in ("since", "until", "sort") if k in params}
        )
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            rows = organisation_overview(
                request.user,
                since=data.get("since"),
                until=data.get("until"),
                sort=data.get("sort") or "team",
            )
        except ScopeError as exc:
            raise serializers.ValidationError({"since": [str(exc)]}) from None
        return Response(OrganisationSerializer({"teams": rows}).data)
