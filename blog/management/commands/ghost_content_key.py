"""`manage.py ghost_content_key [--name NAME]`: make a Content API key for a Ghost
front-end (`/ghost/api/content/`) and print it."""

from django.core.management.base import BaseCommand, CommandError

from blog.content_keys import ContentApiKey


class Command(BaseCommand):
    help = "Make a Ghost Content API key and print it."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--name",
            default="Ghost front-end",
            help="Who uses the key (at most 100 characters).",
        )

    def handle(self, *args, name: str, **options) -> None:
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters.")
        key = ContentApiKey.objects.create(name=name)
        self.stdout.write(key.secret)
