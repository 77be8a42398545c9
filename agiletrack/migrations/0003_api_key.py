from django.db import migrations

# Every admin log line about a token: DRF's admin logged the key itself as the object's name.
TOKEN_MODELS = ("token", "tokenproxy")


def hide_keys_in_the_admin_log(apps, schema_editor):
    """Earlier log lines of the token admin named the key; they name "API key" now."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    types = ContentType.objects.filter(app_label="authtoken", model__in=TOKEN_MODELS)
    LogEntry.objects.filter(content_type__in=types).update(object_repr="API key")


class Migration(migrations.Migration):
    dependencies = [
        ("agiletrack", "0002_seed_beat_heartbeat_schedule"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiKey",
            fields=[],
            options={
                "verbose_name": "API key",
                "verbose_name_plural": "API keys",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("authtoken.tokenproxy",),
        ),
        migrations.RunPython(hide_keys_in_the_admin_log, migrations.RunPython.noop),
    ]
