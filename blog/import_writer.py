"""Writing what `import_ghost` and `import_wordpress` read (`blog.import_records`),
in one transaction, idempotently.

Each object is found again by its identifier at the source (`ImportedObject`), so a
second import of the same export finds what the first made and writes only what
differs: running twice changes nothing, and says so. A tag or author the database
has already (the same slug, or a tag's same name) is adopted: its fields that are
empty are filled, the others kept; from then on the export's values win. A post or
page whose slug is held by one the export did not make is refused (a clear error),
never overwritten.

Tags and authors are few and saved one by one, with the signals of an admin change
(content version, events, the redirect of a renamed slug). Posts and pages are
written a batch at a time (derived fields rendered by the same `save` pipeline
code, `apply_derived_fields`), with one history entry each, and announced together
by `events.bulk_change` (purges and pending publishes, no webhook per post), as
`import_posts` does.

What a writer keeps for the whole transaction is a few ids and slugs a post; the
records and model objects of a batch are dropped when the next one is read, so an
import's memory hardly grows with the file (`bench/results/import_wordpress.md`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from blog import events
from blog.import_records import (
    SEO_TEXT_FIELDS,
    AuthorRecord,
    ImageRecord,
    ImportError_,
    ImportReport,
    Problems,
    RedirectRecord,
    TagRecord,
    WritingRecord,
)
from blog.import_sources import ImportedObject, RemoteImage, RemoteImageUse, url_hash
from blog.importing import refresh_planner_statistics, statement_timeout_lifted
from blog.models import Author, Page, Post, PostAuthor, Tag
from blog.redirects import SlugRedirect
from blog.search import refresh_search_vectors
from blog.versioning import content_changed

BATCH_SIZE = 500
MODELS = {"post": Post, "page": Page}
IMAGE_FIELDS = ("feature_image", "og_image", "twitter_image")
# What is compared, and written when it differs.
_WRITING_FIELDS = ("title", "slug", "summary", "body", "status", "published_at")
_KIND_FIELDS = {"post": ("featured",), "page": ("nav_order",)}
_DERIVED = ("body_html", "toc", "word_count", "reading_time_minutes", "updated_at")


class _DryRun(Exception):
    """Rolls the dry run's transaction back."""


def _forget_logged_queries() -> None:
    """With DEBUG on, Django keeps the last 9,000 statements; a batch's bulk
    inserts carry every body it wrote, so an import would hold megabytes of SQL.
    A capture (`assertNumQueries`, `CaptureQueriesContext`) is left to count."""
    for connection in connections.all(initialized_only=True):
        if not connection.force_debug_cursor:
            connection.queries_log.clear()


def _chunks(items: Iterable, size: int | None = None) -> Iterator[list]:
    iterator, size = iter(items), size or BATCH_SIZE
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class SlugIndex:
    """Every post and page slug of the export with its key and place: what the
    checks against the database need before anything is written (a WordPress
    export is read twice rather than held in memory)."""

    entries: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def add(self, record: WritingRecord) -> None:
        self.entries[(record.kind, record.slug)] = (record.key, record.where)


class ImportWriter:
    def __init__(self, source: str, path: str, *, reason: str) -> None:
        self.source = source
        self.path = path
        self.reason = reason  # the history entries' change reason
        self.report = ImportReport()
        self.now = timezone.now()
        self.tag_ids: dict[str, int] = {}
        self.author_ids: dict[str, int] = {}
        self.written: dict[str, list[int]] = {"post": [], "page": []}
        self._remote: dict[str, RemoteImage] = {}
        # Slugs a re-import renamed away from, while readers saw them.
        self.renamed: list[RedirectRecord] = []

    # --- The whole import ----------------------------------------------------------

    def run(
        self,
        *,
        index: SlugIndex,
        tags: list[TagRecord],
        authors: list[AuthorRecord],
        writings: Iterable[WritingRecord],
        redirects: list[RedirectRecord],
        images: list[ImageRecord] = (),
        dry_run: bool,
    ) -> ImportReport:
        """Write everything (or, with `dry_run`, everything and roll it back), with
        no statement timeout; then refresh the planner's statistics (PostgreSQL).
        `ImportError_` for what the file or the database refuses, nothing written."""
        with statement_timeout_lifted():
            try:
                self._write_all(index, tags, authors, writings, redirects, images,
                                dry_run=dry_run)  # fmt: skip
            except DatabaseError as error:
                raise ImportError_(
                    f"{self.path}: the database refused the import; nothing was "
                    f"imported. {error}"
                ) from error
            if self.report.changes_anything and not dry_run:
                refresh_planner_statistics()
        return self.report

    def _write_all(
        self, index, tags, authors, writings, redirects, images, *, dry_run: bool
    ) -> None:
        try:
            with transaction.atomic():
                self.check_slugs(index)
                self.write_tags(tags)
                self.write_authors(authors)
                for record in images:
                    self.remote_image(record)
                for batch in _chunks(writings):
                    self.write_writings(batch)
                    _forget_logged_queries()
                self.write_redirects(redirects)
                self.report.images_pending = RemoteImage.objects.filter(
                    source=self.source, status=RemoteImage.Status.PENDING
                ).count()
                changed = self.written["post"] or self.written["page"]
                if changed:
                    content_changed()
                    events.bulk_change(
                        self.written["post"],
                        page_ids=self.written["page"],
                        source=self.source,
                    )
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass

    # --- Lookups ---------------------------------------------------------------------

    def mapped(self, kind: str, keys: Iterable[str]) -> dict[str, int]:
        """The object ids an earlier import of this source made, by key."""
        found = {}
        for chunk in _chunks(dict.fromkeys(keys), 2000):
            found.update(
                ImportedObject.objects.filter(
                    source=self.source, kind=kind, source_id__in=chunk
                ).values_list("source_id", "object_id")
            )
        return found

    def remember(self, kind: str, key: str, object_id: int) -> None:
        ImportedObject.objects.update_or_create(
            source=self.source, kind=kind, source_id=key,
            defaults={"object_id": object_id},
        )  # fmt: skip

    def check_slugs(self, index: SlugIndex) -> None:
        """A slug held by a post or page this export did not make is refused."""
        problems = Problems(self.path)
        for kind, model in MODELS.items():
            entries = {s: e for (k, s), e in index.entries.items() if k == kind}
            mapped = self.mapped(kind, (key for key, _ in entries.values()))
            for chunk in _chunks(entries, 2000):
                rows = model.objects.filter(slug__in=chunk).values_list("slug", "pk")
                for slug, pk in rows:
                    key, where = entries[slug]
                    if mapped.get(key) != pk:
                        problems.add(
                            where,
                            f"the {kind} slug {slug!r} is taken by a {kind} this "
                            "export did not make; rename one of them",
                        )
        if problems:
            raise problems.error()

    # --- Images ----------------------------------------------------------------------

    def remote_image(self, record: ImageRecord) -> RemoteImage:
        found = self._remote.get(record.url)
        if found is None:
            found = RemoteImage.objects.filter(url_sha256=url_hash(record.url)).first()
            if found is None:
                found = RemoteImage(
                    url=record.url,
                    alt=record.alt[:300],
                    caption=record.caption[:500],
                    source=self.source,
                )
                found.save()
                self.report.created["image"] += 1
            else:
                self.report.unchanged["image"] += 1
            self._remote[record.url] = found
        return found

    def image_id(
        self, record: ImageRecord | None, kind: str, pk: int | None, name: str
    ) -> tuple[bool, int | None]:
        """(whether the field is decided now, the image id for it). A remote
        image not downloaded yet leaves the field as it is and waits for
        `fetch_remote_images` (recorded once `pk` is known)."""
        if record is None:
            return True, None
        remote = self.remote_image(record)
        if remote.image_id is not None:
            return True, remote.image_id
        if pk is not None:
            RemoteImageUse.objects.update_or_create(
                kind=kind, object_id=pk, field=name,
                defaults={"remote_image": remote},
            )  # fmt: skip
        return False, None

    # --- Tags and authors: one save each, as the admin would ------------------------

    def _save_named(
        self, kind, obj, values: dict, adopted: bool, label: str, images: dict
    ) -> None:
        """Save a tag or author whose `values` differ; `images` are its image
        fields, set now if downloaded, else once `fetch_remote_images` has."""
        for name, image in images.items():
            decided, image_id = self.image_id(image, kind, obj.pk, name)
            if decided:
                values[f"{name}_id"] = image_id
        if obj.pk is None:
            for name, value in values.items():
                setattr(obj, name, value)
            obj.save()
            self.report.created[kind] += 1
            self.report.detail(f"new {kind}: {obj.slug}")
            for name, image in images.items():  # its uses, now it has a pk
                self.image_id(image, kind, obj.pk, name)
            return
        if adopted:  # an existing one: only its empty fields are filled
            values = {n: v for n, v in values.items() if not getattr(obj, n) and v}
        changed = [n for n, v in values.items() if getattr(obj, n) != v]
        if not changed:
            self.report.unchanged[kind] += 1
            return
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        self.report.changed[kind] += 1
        self.report.detail(f"changed {kind}: {label} ({', '.join(changed)})")

    def write_tags(self, records: list[TagRecord]) -> None:
        problems = Problems(self.path)
        mapped = self.mapped("tag", (r.key for r in records))
        stored = Tag.objects.in_bulk(mapped.values())
        by_slug = Tag.objects.in_bulk([r.slug for r in records], field_name="slug")
        by_name = Tag.objects.in_bulk([r.name for r in records], field_name="name")
        for record in records:
            tag = stored.get(mapped.get(record.key))
            adopted = False
            if tag is None:
                tag = by_slug.get(record.slug) or by_name.get(record.name)
                adopted = tag is not None
            values = {
                "name": record.name,
                "description": record.description,
                **{name: record.seo.get(name, "") for name in SEO_TEXT_FIELDS},
            }
            if tag is None:
                tag = Tag(slug=record.slug)
            elif not adopted:  # made by an earlier import: the export's slug wins
                values["slug"] = record.slug
                for other, what in ((by_slug.get(record.slug), "slug"),
                                    (by_name.get(record.name), "name")):  # fmt: skip
                    if other is not None and other.pk != tag.pk:
                        problems.add(
                            record.where,
                            f"tag {what} {values[what]!r} is already the {what} "
                            f"of the tag {other.slug!r}",
                        )
            if problems:
                continue
            images = {"og_image": record.og_image}
            images["twitter_image"] = record.twitter_image
            self._save_named("tag", tag, values, adopted, record.slug, images)
            self.tag_ids[record.key] = tag.pk
            if mapped.get(record.key) != tag.pk:
                self.remember("tag", record.key, tag.pk)
        if problems:
            raise problems.error()

    def write_authors(self, records: list[AuthorRecord]) -> None:
        problems = Problems(self.path)
        mapped = self.mapped("author", (r.key for r in records))
        stored = Author.objects.in_bulk(mapped.values())
        by_slug = Author.objects.in_bulk([r.slug for r in records], field_name="slug")
        for record in records:
            author = stored.get(mapped.get(record.key))
            adopted = author is None and record.slug in by_slug
            other = by_slug.get(record.slug)
            if author is not None and other is not None and other.pk != author.pk:
                problems.add(
                    record.where,
                    f"author slug {record.slug!r} is already the slug of another "
                    "author",
                )
                continue
            author = author or other or Author()
            values = {
                "name": record.name,
                "slug": record.slug,
                "bio": record.bio,
                "website": record.website,
                "location": record.location,
                "links": record.links,
                **{name: record.seo.get(name, "") for name in SEO_TEXT_FIELDS},
            }
            images = {"avatar": record.avatar, "cover_image": record.cover_image}
            self._save_named("author", author, values, adopted, record.slug, images)
            self.author_ids[record.key] = author.pk
            if mapped.get(record.key) != author.pk:
                self.remember("author", record.key, author.pk)
        if problems:
            raise problems.error()

    # --- Posts and pages: a batch at a time ---------------------------------------

    def write_writings(self, batch: list[WritingRecord]) -> None:
        for kind, model in MODELS.items():
            records = [r for r in batch if r.kind == kind]
            if records:
                self._write_kind(kind, model, records)

    def _values(self, kind: str, record: WritingRecord) -> dict:
        values = {name: getattr(record, name) for name in _WRITING_FIELDS}
        values |= {name: getattr(record, name) for name in _KIND_FIELDS[kind]}
        values |= {name: record.seo.get(name, "") for name in SEO_TEXT_FIELDS}
        return values

    def _write_kind(self, kind: str, model, records: list[WritingRecord]) -> None:
        mapped = self.mapped(kind, (r.key for r in records))
        stored = {
            obj.pk: obj
            for obj in model.objects.select_for_update()
            .filter(pk__in=mapped.values())
            .defer("body_html", "toc", *(["search_vector"] if kind == "post" else []))
        }
        links = self._stored_links(kind, list(stored))
        created, updated, update_fields = [], [], set()
        relinked: set[str] = set()  # keys whose tags or bylines are written
        wants: dict[str, tuple[list[int], list[int]]] = {}
        for record in records:
            obj = stored.get(mapped.get(record.key))
            values = self._values(kind, record)
            pk = obj.pk if obj else None
            for name in IMAGE_FIELDS:
                decided, image_id = self.image_id(getattr(record, name), kind, pk, name)
                if decided:
                    values[f"{name}_id"] = image_id
            tag_ids = [self.tag_ids[key] for key in dict.fromkeys(record.tags)]
            author_ids = [self.author_ids[key] for key in dict.fromkeys(record.authors)]
            wants[record.key] = (tag_ids, author_ids)
            if obj is None:
                obj = model(**values, created_at=self.now, updated_at=self.now)
                obj.apply_derived_fields()
                created.append((record, obj))
                relinked.add(record.key)
                continue
            changed = [n for n, v in values.items() if getattr(obj, n) != v]
            old_tags, old_authors = links.get(obj.pk, (set(), []))
            links_changed = kind == "post" and (
                set(tag_ids) != old_tags or author_ids != old_authors
            )
            if not changed and not links_changed:
                self.report.unchanged[kind] += 1
                continue
            if "slug" in changed and obj.state == "published":
                # As a rename in the admin: readers' old address keeps working.
                self.renamed.append(
                    RedirectRecord(kind, obj.slug, record.key, record.where)
                )
            for name in changed:
                setattr(obj, name, values[name])
            obj.apply_derived_fields()
            obj.updated_at = self.now
            update_fields.update(changed)
            updated.append((record, obj))
            if links_changed:
                relinked.add(record.key)
            shown = [*changed, *(["tags or bylines"] if links_changed else [])]
            self.report.changed[kind] += 1
            self.report.detail(f"changed {kind}: {record.slug} ({', '.join(shown)})")
        if created:
            model.objects.bulk_create([obj for _, obj in created])
            ids = dict(
                model.objects.filter(
                    slug__in=[obj.slug for _, obj in created]
                ).values_list("slug", "pk")
            )
            for record, obj in created:
                obj.pk = ids[obj.slug]
                self.report.created[kind] += 1
                self.report.detail(f"new {kind}: {obj.slug}")
                for name in IMAGE_FIELDS:  # the uses of images still to download
                    self.image_id(getattr(record, name), kind, obj.pk, name)
            # An object an editor deleted since is made again: its stale row goes.
            ImportedObject.objects.filter(
                source=self.source, kind=kind,
                source_id__in=[r.key for r, _ in created],
            ).delete()  # fmt: skip
            ImportedObject.objects.bulk_create(
                ImportedObject(source=self.source, kind=kind, source_id=r.key,
                               object_id=obj.pk)
                for r, obj in created
            )  # fmt: skip
        if updated:
            model.objects.bulk_update(
                [obj for _, obj in updated], [*sorted(update_fields), *_DERIVED]
            )
        written = created + updated
        if not written:
            return
        ids = [obj.pk for _, obj in written]
        if kind == "post":
            refresh_search_vectors(Post.objects.filter(pk__in=ids))
            self._write_links(
                [(obj.pk, *wants[r.key]) for r, obj in written if r.key in relinked]
            )
        self._write_shown_images(model, [obj for _, obj in written])
        # A current slug readers see never redirects (as `blog.redirects` keeps it).
        SlugRedirect.objects.filter(
            kind=kind,
            old_slug__in=[o.slug for _, o in written if o.state == "published"],
        ).delete()
        for objects, update in (([o for _, o in created], False),
                                ([o for _, o in updated], True)):  # fmt: skip
            if objects:
                model.history.bulk_history_create(
                    objects, update=update, default_change_reason=self.reason
                )
        self.written[kind] += ids

    def _stored_links(self, kind: str, ids: list[int]) -> dict:
        if kind != "post" or not ids:
            return {}
        found: dict[int, tuple[set, list]] = {pk: (set(), []) for pk in ids}
        tag_links = Post.tags.through.objects.filter(post_id__in=ids)
        for post_id, tag_id in tag_links.values_list("post_id", "tag_id"):
            found[post_id][0].add(tag_id)
        bylines = PostAuthor.objects.filter(post_id__in=ids).order_by(
            "post_id", "sort_order", "id"
        )
        for post_id, author_id in bylines.values_list("post_id", "author_id"):
            found[post_id][1].append(author_id)
        return found

    def _write_links(self, rows: list[tuple[int, list[int], list[int]]]) -> None:
        if not rows:
            return
        tag_links = Post.tags.through
        post_ids = [post_id for post_id, _, _ in rows]
        tag_links.objects.filter(post_id__in=post_ids).delete()
        tag_links.objects.bulk_create(
            tag_links(post_id=post_id, tag_id=tag_id)
            for post_id, tag_ids, _ in rows
            for tag_id in tag_ids
        )
        PostAuthor.objects.filter(post_id__in=post_ids).delete()
        PostAuthor.objects.bulk_create(
            PostAuthor(post_id=post_id, author_id=author_id, sort_order=order)
            for post_id, _, author_ids in rows
            for order, author_id in enumerate(author_ids)
        )

    @staticmethod
    def _write_shown_images(model, objects: list) -> None:
        """The library images each body shows, as `Writing.save` links them."""
        shown = model.images.through
        owner = f"{model._meta.model_name}_id"
        shown.objects.filter(**{f"{owner}__in": [o.pk for o in objects]}).delete()
        shown.objects.bulk_create(
            shown(**{owner: obj.pk}, image_id=image.pk)
            for obj in objects
            for image in obj._body_images
        )

    # --- Redirects -----------------------------------------------------------------

    def write_redirects(self, records: list[RedirectRecord]) -> None:
        """Old slugs of imported posts and pages, where nothing else answers."""
        records = [*self.renamed, *records]
        for kind, model in MODELS.items():
            for mine in _chunks(r for r in records if r.kind == kind):
                self._write_redirect_batch(kind, model, mine)

    def _write_redirect_batch(self, kind: str, model, mine: list) -> None:
        mapped = self.mapped(kind, (r.target_key for r in mine))
        slugs = dict(
            model.objects.filter(pk__in=mapped.values()).values_list("pk", "slug")
        )
        taken = set(
            model.objects.filter(slug__in=[r.old_slug for r in mine]).values_list(
                "slug", flat=True
            )
        )
        existing = {
            row.old_slug: row
            for row in SlugRedirect.objects.filter(
                kind=kind, old_slug__in=[r.old_slug for r in mine]
            )
        }
        new, seen = [], set()
        for record in mine:
            what = f"redirect {record.old_slug} ({record.where})"
            pk = mapped.get(record.target_key)
            if pk is None:
                self.report.skip(what, f"its {kind} was not imported")
                continue
            if pk not in slugs:
                self.report.skip(what, f"its {kind} was deleted here")
                continue
            if record.old_slug == slugs[pk] or record.old_slug in seen:
                continue  # its own address, or named twice
            if record.old_slug in taken:
                self.report.skip(
                    what, f"{record.old_slug!r} is the address of another {kind}"
                )
                continue
            row = existing.get(record.old_slug)
            if row is not None:
                if getattr(row, f"{kind}_id") == pk:
                    self.report.unchanged["redirect"] += 1
                else:
                    self.report.skip(what, "the slug already redirects elsewhere")
                continue
            seen.add(record.old_slug)
            new.append(
                SlugRedirect(kind=kind, old_slug=record.old_slug, **{f"{kind}_id": pk})
            )
            self.report.created["redirect"] += 1
            self.report.detail(f"new redirect: {kind} {record.old_slug} -> {slugs[pk]}")
            if pk not in self.written[kind]:
                self.written[kind].append(pk)  # its purge names the target
        SlugRedirect.objects.bulk_create(new)
