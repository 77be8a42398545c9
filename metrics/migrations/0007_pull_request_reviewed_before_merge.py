from django.db import migrations, models
from django.db.models import Exists, OuterRef


def fill(apps, schema_editor):
    """Set the flag of every merged pull request stored so far, by the rule of
    metrics.calculations.reviewed_before_merge, in one UPDATE."""
    PullRequest = apps.get_model("metrics", "PullRequest")
    Review = apps.get_model("metrics", "Review")
    reviewed = Exists(
        Review.objects.filter(
            pull_request=OuterRef("pk"),
            reviewer_is_bot=False,
            submitted_at__lte=OuterRef("merged_at"),
        )
        .exclude(reviewer=OuterRef("author"))
        .exclude(state__iexact="PENDING")
    )
    PullRequest.objects.filter(merged_at__isnull=False).update(reviewed_before_merge=reviewed)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0006_metric_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="pullrequest",
            name="reviewed_before_merge",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
