"""The aging WIP index holds only the items flow metrics count (not left out), the rows its
query asks for, so PostgreSQL reads them from the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("metrics", "0023_deployment_at_index")]

    operations = [
        migrations.RemoveIndex(model_name="workitem", name="metrics_item_category_idx"),
        migrations.AddIndex(
            model_name="workitem",
            index=models.Index(
                condition=models.Q(left_out=False),
                fields=["integration", "status_category"],
                include=["started_at", "created_at", "id"],
                name="metrics_item_aging_idx",
            ),
        ),
    ]
