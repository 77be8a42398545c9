"""Open pull request age reads the pull requests open at a moment as one range of an index
(merged after the moment, or not merged: NOT_MERGED), holding what it filters and summarises."""

import datetime

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_webhook_deliveries"),
        ("metrics", "0026_oldest_open_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pullrequest",
            index=models.Index(
                models.F("integration"),
                django.db.models.functions.comparison.Coalesce(
                    "merged_at",
                    models.Value(datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC)),
                ),
                include=("merged_at", "created_at", "closed_at", "is_draft", "author_is_bot"),
                name="metrics_pr_open_age_idx",
            ),
        ),
    ]
