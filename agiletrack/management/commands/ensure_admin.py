"""Create the first admin user with a generated password, printed once and kept in a file that
only its owner can read (`make run` shows it again once everything is up)."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a superuser with a generated password if it does not exist yet."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")
        parser.add_argument(
            "--password-file",
            default=None,
            help="Where to keep a new admin's password (default: VAR_DIR/admin-password).",
        )

    def handle(self, *args, **options):
        User = get_user_model()
        username = options["username"]
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Admin user '{username}' already exists "
                f"(new password: python manage.py changepassword {username})."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=options["email"], password=password)
        path = Path(options["password_file"] or settings.VAR_DIR / "admin-password")
        write_private(path, password + "\n")
        # A new admin's password is shown again by the next `make run`.
        path.with_name(path.name + ".shown").unlink(missing_ok=True)
        self.stdout.write(
            self.style.SUCCESS(f"Created admin user '{username}' with password: {password}")
        )
        self.stdout.write(f"It is also in {path}, readable only by you.")


def write_private(path: Path, text: str) -> None:
    """Write a file that only its owner can read, whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
