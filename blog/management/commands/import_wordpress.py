"""`manage.py import_wordpress EXPORT.xml [--dry-run]`: posts, pages, categories,
tags, authors and attachments from a WordPress export (WXR), all or nothing.

The file is streamed (`blog.wordpress_export`): read once to check everything,
then again to write, in one transaction (`blog.import_writer`), matched on the
WordPress post ids so a second run changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blog.import_records import ImportError_
from blog.import_writer import ImportWriter
from blog.wordpress_export import WxrReader


class Command(BaseCommand):
    help = (
        "Import posts, pages, categories and tags (as tags), authors and "
        "attachments (as images to download) from a WordPress export (WXR). The "
        "file is streamed and checked whole first; any problem and nothing is "
        "written. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The WordPress export (.xml).")
        parser.add_argument(
            "--keep-uncategorized",
            action="store_true",
            help="Keep WordPress's default category, 'uncategorized', as a tag.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything and report what would change; write nothing.",
        )

    def handle(self, *args, path: Path, dry_run: bool, **options) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        reader = WxrReader(path, keep_uncategorized=options["keep_uncategorized"])
        try:
            scan = reader.check()
            writer = ImportWriter("wordpress", str(path), reason="import_wordpress")
            writer.report.skipped += scan.skipped
            writer.report.notes += scan.notes
            report = writer.run(
                index=scan.index,
                tags=list(scan.tags.values()),
                authors=list(scan.authors.values()),
                writings=reader.writings(),
                redirects=scan.redirects,
                images=list(scan.attachments.values()),
                dry_run=dry_run,
            )
        except ImportError_ as error:
            raise CommandError(str(error)) from error
        report.bodies_kept_as_html = reader.kept_as_html
        for name, count in sorted(reader.shortcodes.items()):
            report.note("shortcodes", f"[{name}] left as text in {count} post(s)")
        self.stdout.write(f"WordPress export (WXR {scan.version}) {path}:")
        for line in report.describe():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
