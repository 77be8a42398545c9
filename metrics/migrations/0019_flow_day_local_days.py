from collections import Counter
from zoneinfo import ZoneInfo

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncDate


def rebuild_in_team_zones(apps, schema_editor):
    """Rebuild the FlowDay rows of every integration whose team is not on UTC in the team's
    local days (as metrics.derived.refresh_flow_days now does); rows of UTC teams already are."""
    Integration = apps.get_model("integrations", "Integration")
    WorkItem = apps.get_model("metrics", "WorkItem")
    WorkItemChange = apps.get_model("metrics", "WorkItemChange")
    FlowDay = apps.get_model("metrics", "FlowDay")
    for integration_id, zone in Integration.objects.exclude(team__time_zone="UTC").values_list(
        "pk", "team__time_zone"
    ):
        zone = zone or "UTC"
        tz = ZoneInfo(zone)
        counts = Counter()
        for day, entered, n in (
            WorkItem.objects.filter(integration_id=integration_id, left_out=False)
            .annotate(day=TruncDate("created_at", tzinfo=tz))
            .order_by()
            .values("day", "initial_category")
            .annotate(n=Count("pk"))
            .values_list("day", "initial_category", "n")
        ):
            counts[(day, "", entered)] += n
        for day, left, entered, n in (
            WorkItemChange.objects.filter(
                integration_id=integration_id, field="status", work_item__left_out=False
            )
            .annotate(day=TruncDate("changed_at", tzinfo=tz))
            .order_by()
            .values("day", "previous_category", "to_category")
            .annotate(n=Count("pk"))
            .values_list("day", "previous_category", "to_category", "n")
        ):
            counts[(day, left, entered)] += n
        FlowDay.objects.filter(integration_id=integration_id).delete()
        FlowDay.objects.bulk_create(
            [
                FlowDay(
                    integration_id=integration_id,
                    day=day,
                    time_zone=zone,
                    left_category=left,
                    entered_category=entered,
                    items=n,
                )
                for (day, left, entered), n in counts.items()
            ],
            batch_size=500,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_webhook_deliveries"),
        ("metrics", "0018_blank_non_http_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="flowday",
            name="time_zone",
            field=models.CharField(default="UTC", max_length=64),
        ),
        migrations.RunPython(rebuild_in_team_zones, migrations.RunPython.noop, elidable=True),
    ]
