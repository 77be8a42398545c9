"""An index on when a deployment counts as happened (finished, else created), which the DORA
reads of a window filter by: a range of it instead of reading every deployment."""

from django.db import migrations, models
from django.db.models.functions import Coalesce


class Migration(migrations.Migration):
    dependencies = [("metrics", "0022_unplaced_status_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="deployment",
            index=models.Index(
                models.F("integration"),
                Coalesce("finished_at", "created_at"),
                name="metrics_deploy_at_idx",
            ),
        ),
    ]
