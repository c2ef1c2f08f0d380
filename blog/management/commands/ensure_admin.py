"""`manage.py ensure_admin`: make sure an editor can log in to the admin."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the admin account if no superuser exists yet. The username is "
        "DJANGO_ADMIN_USERNAME (default 'admin'); the password is "
        "DJANGO_ADMIN_PASSWORD, or a generated one printed once."
    )

    def handle(self, *args, **options) -> None:
        users = get_user_model()
        username = os.environ.get("DJANGO_ADMIN_USERNAME", "admin")
        prefix = "DJANGO_DEBUG=true " if settings.DEBUG else ""
        existing = users.objects.filter(is_superuser=True).first()
        if existing:
            self.stdout.write(
                f"Admin account: {existing.get_username()} (password unchanged; "
                f"reset it with: {prefix}.venv/bin/python manage.py changepassword "
                f"{existing.get_username()})"
            )
            return
        password = os.environ.get("DJANGO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)
        shown = (
            "from DJANGO_ADMIN_PASSWORD"
            if os.environ.get("DJANGO_ADMIN_PASSWORD")
            else password
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin account created: username {username!r}, password {shown} "
                f"(shown once; change it with: {prefix}.venv/bin/python manage.py "
                f"changepassword {username})."
            )
        )
