"""Before a DORA window, each repository's deployments since its last success are read as a short
range of an index by repository and time."""

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_webhook_deliveries"),
        ("metrics", "0027_open_age_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deployment",
            index=models.Index(
                models.F("integration"),
                models.F("repository"),
                django.db.models.functions.comparison.Coalesce("finished_at", "created_at"),
                name="metrics_deploy_repo_at_idx",
            ),
        ),
    ]
