"""Bind each integration's stored credentials to the origin it points at now (the host they were
last entered or used for), so that later a change of host needs them again."""

from django.db import migrations


def bind(apps, schema_editor):
    from integrations import crypto
    from integrations.credentials import ORIGIN_KEY, origin_of

    Integration = apps.get_model("integrations", "Integration")
    for integration in Integration.objects.exclude(credentials_encrypted="").iterator():
        try:
            stored = crypto.decrypt_credentials(integration.credentials_encrypted)
        except crypto.CredentialsError:
            continue  # unreadable with the current keys: the next save enters them anew
        if ORIGIN_KEY in stored:
            continue
        stored[ORIGIN_KEY] = origin_of(integration.kind, integration.config)
        Integration.objects.filter(pk=integration.pk).update(
            credentials_encrypted=crypto.encrypt_credentials(stored)
        )


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_integration_kind_from_registry")]

    operations = [migrations.RunPython(bind, migrations.RunPython.noop)]
