from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0007_sync_run_live_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="dora_bands",
            field=models.CharField(
                choices=[
                    ("dora-2023", "DORA 2023 (Accelerate State of DevOps 2023)"),
                    ("dora-2021", "DORA 2021 (Accelerate State of DevOps 2021)"),
                    ("dora-2024", "DORA 2024 (Accelerate State of DevOps 2024)"),
                ],
                default="dora-2023",
                help_text="The State of DevOps report whose table bands the team's DORA metrics.",
                max_length=16,
            ),
        ),
    ]
