from django.db import migrations, models
from django.db.models import F


def fill(apps, schema_editor):
    """Mark the stored reviews review load counts (calculations.counts_in_review_load): by a
    human, not a thread reply, of another human's pull request."""
    Review = apps.get_model("metrics", "Review")
    Review.objects.filter(
        reviewer_is_bot=False, is_reply=False, pull_request__author_is_bot=False
    ).exclude(reviewer=F("pull_request__author")).update(counts_for_load=True)


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_webhook_deliveries"),
        ("metrics", "0019_flow_day_local_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="counts_for_load",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                condition=models.Q(("counts_for_load", True)),
                fields=["integration", "submitted_at"],
                include=("reviewer", "pull_request"),
                name="review_load_idx",
            ),
        ),
    ]
