"""Throughput per period is summed from a daily rollup of the finishes (FinishDay), built here
for what is stored, in each team's time zone, so no number waits for the next sync."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncDate


def build(apps, schema_editor):
    """Per integration, its finishes whose item is still done counted per local day of its
    team's zone (as metrics.derived.refresh_finish_days builds them after each sync)."""
    Integration = apps.get_model("integrations", "Integration")
    WorkItemFinish = apps.get_model("metrics", "WorkItemFinish")
    FinishDay = apps.get_model("metrics", "FinishDay")
    for integration_id, zone in Integration.objects.values_list("pk", "team__time_zone"):
        zone = zone or "UTC"
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            # No window is read in an unknown zone. Marked stale, the integration's numbers are
            # counted from the rows, and its next sync rebuilds its rollups.
            Integration.objects.filter(pk=integration_id).update(derived_stale=True)
            continue
        finished = (
            WorkItemFinish.objects.filter(integration_id=integration_id, left_at__isnull=True)
            .annotate(local_day=TruncDate("done_at", tzinfo=tz))
            .order_by()
            .values("local_day")
            .annotate(finished=Count("pk"))
        )
        FinishDay.objects.bulk_create(
            [
                FinishDay(
                    integration_id=integration_id,
                    day=row["local_day"],
                    time_zone=zone,
                    finishes=row["finished"],
                )
                for row in finished
            ],
            batch_size=500,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_webhook_deliveries"),
        ("metrics", "0029_pull_request_list_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="FinishDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("time_zone", models.CharField(default="UTC", max_length=64)),
                ("finishes", models.PositiveIntegerField()),
                (
                    "integration",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="integrations.integration",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("integration", "day"), name="unique_finish_day")
                ],
            },
        ),
        migrations.AddIndex(
            model_name="workitemfinish",
            index=models.Index(
                condition=models.Q(("left_at__isnull", False)),
                fields=["integration", "done_at"],
                name="metrics_finish_left_idx",
            ),
        ),
        migrations.RunPython(build, migrations.RunPython.noop, elidable=True),
    ]
