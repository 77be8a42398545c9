"""A team's time zone must be an IANA name: the admin refuses any other with a clear error."""

from django.db import migrations, models

import integrations.models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_webhook_deliveries"),
    ]

    operations = [
        migrations.AlterField(
            model_name="team",
            name="time_zone",
            field=models.CharField(
                default="UTC",
                help_text="IANA time zone for the team's metric windows and daily buckets.",
                max_length=64,
                validators=[integrations.models.validate_time_zone],
            ),
        ),
    ]
