"""`manage.py import_ghost EXPORT.json [--redirects FILE] [--dry-run]`: posts,
pages, tags and authors from a Ghost export (Ghost 3 to 6), all or nothing.

The file is read and checked whole first (`blog.ghost_export`); then everything is
written in one transaction (`blog.import_writer`), matched on Ghost's ids so a
second run changes nothing. Images are recorded for `fetch_remote_images`.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blog.ghost_export import read_export, read_redirects
from blog.import_records import ImportError_
from blog.import_writer import ImportWriter

DEFAULT_MAX_MB = 50


class Command(BaseCommand):
    help = (
        "Import posts, pages, tags and authors from a Ghost JSON export (Ghost 3 "
        "to 6), and Ghost's redirects.yaml/.json. Everything is checked first; any "
        "problem and nothing is written. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The Ghost export (.json).")
        parser.add_argument(
            "--redirects",
            type=Path,
            help="Ghost's redirects.yaml or redirects.json: those leading to an "
            "imported post or page become its old slugs.",
        )
        parser.add_argument(
            "--site-url",
            default="",
            help="The Ghost site's address (https://blog.example.com): replaces "
            "__GHOST_URL__ in bodies and image URLs.",
        )
        parser.add_argument(
            "--max-mb",
            type=float,
            default=DEFAULT_MAX_MB,
            help=f"Refuse exports larger than this (default {DEFAULT_MAX_MB} MB): "
            "the file is read whole.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything and report what would change; write nothing.",
        )

    def handle(self, *args, path: Path, dry_run: bool, **options) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        redirects_path = options["redirects"]
        if redirects_path is not None and not redirects_path.is_file():
            raise CommandError(f"{redirects_path}: no such file.")
        site_url = options["site_url"]
        try:
            export = read_export(
                path, max_bytes=int(options["max_mb"] * 1_000_000), site_url=site_url
            )
            redirects = (
                read_redirects(redirects_path, export, site_url)
                if redirects_path
                else []
            )
            writer = ImportWriter("ghost", str(path), reason="import_ghost")
            writer.report.skipped += export.skipped
            writer.report.notes += export.notes
            writer.report.bodies_kept_as_html = export.bodies_kept_as_html
            report = writer.run(
                index=export.index,
                tags=export.tags,
                authors=export.authors,
                writings=export.writings,
                redirects=redirects,
                dry_run=dry_run,
            )
        except ImportError_ as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Ghost {export.version} export {path}:")
        for line in report.describe():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
