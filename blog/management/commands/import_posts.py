"""`manage.py import_posts PATH`: tags and posts from JSON Lines, all or nothing.

The whole file is checked first (`blog.importing`); then every tag and post is
created or updated by slug in one transaction, derived fields and search vectors
included (`blog.bulk`). Posts and tags that the file does not name are left alone.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, transaction

from blog.bulk import upsert_posts, upsert_tags
from blog.importing import (
    ImportFile,
    refresh_planner_statistics,
    statement_timeout_lifted,
)


class Command(BaseCommand):
    help = (
        "Import tags and posts from a JSON Lines file (the format of "
        "shared/bench/dataset.py), creating or updating them by slug. The whole file "
        "is checked first: any bad line and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The .jsonl file to import.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file (against the database too) and write nothing.",
        )

    def handle(self, *args, path: Path, dry_run: bool, **options) -> None:
        started = time.monotonic()
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        content = ImportFile()
        content.read(path)
        with statement_timeout_lifted():
            written = self.write(content, path, dry_run)
            if written is None:
                return
            refresh_planner_statistics()
        tags, posts = written
        self.stdout.write(
            f"Imported {tags} tags and {posts} posts from {path} "
            f"in {time.monotonic() - started:.1f}s"
        )

    def write(
        self, content: ImportFile, path: Path, dry_run: bool
    ) -> tuple[int, int] | None:
        """(tags, posts) written, or None for a dry run."""
        try:
            # The database checks and the writes share one transaction: whatever
            # fails, from a tag deleted meanwhile to a constraint, nothing stays.
            with transaction.atomic():
                content.check_against_database()
                if content.problems:
                    raise CommandError(content.problem_summary(path))
                if dry_run:
                    self.stdout.write(
                        f"{path} is valid: {len(content.tags)} tags and "
                        f"{len(content.posts)} posts (nothing written)."
                    )
                    return None
                tags = upsert_tags(content.tags.values())
                posts = upsert_posts(content.posts.values())
        except DatabaseError as error:
            raise CommandError(
                f"{path}: the database refused the import; nothing was imported. "
                f"{error}"
            ) from error
        return tags, posts
