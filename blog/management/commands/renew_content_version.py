"""`manage.py renew_content_version`: start a new content version now.

Every change made through Django renews the version by itself. Run this after
changes Django did not see: a database restore, a failover, raw SQL, `loaddata`.
`migrate` runs it too. Cached answers made before are never served again.
"""

from django.core.management.base import BaseCommand

from blog import versioning


class Command(BaseCommand):
    help = "Renew the content version, so that no earlier cached answer is served."

    def handle(self, *args, **options) -> None:
        version = versioning.renew()
        self.stdout.write(
            f"Content version {version.number} ({version.token}) is now current."
        )
