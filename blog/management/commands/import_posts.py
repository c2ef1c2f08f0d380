"""`manage.py import_posts PATH`: tags and posts from JSON Lines, all or nothing.

The whole file is checked first (`blog.importing`); then every tag and post is
created or updated by slug in one transaction, derived fields and search vectors
included (`blog.bulk`). A record is merged over the post it names: fields it leaves
out keep their stored value, and emptying a body, summary or tag list needs
`--replace` (`blog.import_changes`). Every change gets a history entry. Posts and
tags that the file does not name are left alone.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, transaction
from django.utils import timezone

from blog import events
from blog.bulk import upsert_tags, write_post_batch
from blog.import_changes import (
    ImportPlan,
    changed_tags,
    plan_batches,
    record_history,
)
from blog.importing import (
    ImportFile,
    refresh_planner_statistics,
    statement_timeout_lifted,
)
from blog.models import Tag
from blog.progress import Progress
from blog.versioning import content_changed


class _DryRun(Exception):
    """Rolls the dry run's transaction back."""


class Command(BaseCommand):
    help = (
        "Import tags and posts from a JSON Lines file (the format of "
        "shared/bench/dataset.py), creating or updating them by slug. The whole file "
        "is checked first: any bad line and nothing is written. A record updates "
        "the fields it carries; emptying a body, summary or tag list needs --replace."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The .jsonl file to import.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file (against the database too), report what would "
            "change, and write nothing.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="A record replaces the whole post: fields it leaves out are "
            "emptied, and emptying a body, summary or tag list is allowed.",
        )

    def handle(
        self, *args, path: Path, dry_run: bool, replace: bool, **options
    ) -> None:
        started = time.monotonic()
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        content = ImportFile()
        content.read(path)
        with statement_timeout_lifted():
            plan = self.write(content, path, dry_run=dry_run, replace=replace)
            if not dry_run:
                refresh_planner_statistics()
        # The slugs are worth reading before writing; after, the counts are enough.
        for line in plan.describe(limit=20 if dry_run else 0):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(
                f"{path} is valid: {len(content.tags)} tags and "
                f"{len(content.posts)} posts (dry run: nothing written)."
            )
            return
        self.stdout.write(
            f"Imported {len(content.tags)} tags and "
            f"{len(plan.created) + len(plan.changed)} posts from {path} "
            f"in {time.monotonic() - started:.1f}s"
        )

    def write(
        self, content: ImportFile, path: Path, *, dry_run: bool, replace: bool
    ) -> ImportPlan:
        plan = ImportPlan()
        try:
            # The database checks and the writes share one transaction: whatever
            # fails, from a tag deleted meanwhile to a refused record, nothing stays.
            with transaction.atomic():
                content.check_against_database()
                if content.problems:
                    raise CommandError(content.problem_summary(path))
                tags = changed_tags(list(content.tags.values()))
                plan.tags_changed = upsert_tags(tags)
                tag_ids = dict(Tag.objects.values_list("slug", "id"))
                now = timezone.now()
                progress = Progress(len(content.posts), "import_posts", self.stderr)
                batches = plan_batches(
                    content.posts, content.post_fields,
                    replace_posts=replace, plan=plan,
                )  # fmt: skip
                written: list[int] = []
                for records, changes in batches:
                    if changes and not dry_run and not plan.refused:
                        ids = write_post_batch([c.data for c in changes], tag_ids, now)
                        written += ids.values()
                        record_history(changes)
                    progress.advance(records)
                progress.close()
                if plan.refused:
                    raise CommandError(self.refusal(path, plan))
                if dry_run:
                    raise _DryRun
                if plan.changes_anything:  # else every cached answer still holds
                    content_changed()
                    events.bulk_change(written)
        except _DryRun:
            pass
        except DatabaseError as error:
            raise CommandError(
                f"{path}: the database refused the import; nothing was imported. "
                f"{error}"
            ) from error
        return plan

    @staticmethod
    def refusal(path: Path, plan: ImportPlan) -> str:
        lines = [
            f"post {slug!r}: the record would empty its {names}"
            for slug, names in plan.refused[:20]
        ]
        if len(plan.refused) > 20:
            lines.append(f"... and {len(plan.refused) - 20} more")
        return (
            f"{path}: {len(plan.refused)} record(s) would empty writing that is "
            "stored; nothing was imported. Give the fields, or run again with "
            "--replace if emptying them is meant.\n" + "\n".join(lines)
        )
