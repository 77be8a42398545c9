"""Re-encrypt every stored credential with the first key of AGILETRACK_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand, CommandError

from integrations import services
from integrations.crypto import CredentialsError


class Command(BaseCommand):
    help = (
        "After prepending a new key to AGILETRACK_ENCRYPTION_KEYS, re-encrypt all credentials "
        "with it; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        try:
            count = services.rotate_encryption_keys()
        except CredentialsError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted the credentials of {count} integrations.")
        )
