"""The one place a change becomes content events (the contract's "Outbound webhooks").

Events are decided from what readers could see before and after the change, never
from which fields were saved: a draft edit is no event, publishing is
`post.published`, hiding a visible post `post.unpublished`. Every handler runs
inside the change's own transaction (`Post.save()` and `Tag.save()` open one; Django
wraps link changes and deletions in one), and writes the event row there: the
transactional outbox. Several signals of one transaction (the admin saves a post,
then its tags) update one event, whose "before" is the state the transaction
started from.

Which models make events is declared in `EVENT_MODELS`; `tests/blog/test_events.py`
fails when a reader model (`versioning.READER_MODELS`) has no entry.

Scheduled posts and pages: one given a future publish time gets a `PendingPublish`
row in the same transaction; the worker's tick (`publish_due()`) turns each due row
into `post.published` (`page.published`) within its interval, and the row makes
that exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.utils import timezone

from blog.event_rules import (
    ABSENT,
    HIDDEN,
    SCHEDULED,
    VISIBLE,
    Seen,
    decide,
    event_data,
    ghost_data,
)

# Model label -> the subjects its changes change. A link table's changes are
# changes of the posts (and authors) on either side; an image's are changes of the
# posts that show it; an author's, of the author and the posts whose byline shows
# them; a post's, of the post and of its authors (an author exists for readers
# only with a visible post); the site's settings are the one subject "site", which
# an image changes too when it is the site's logo or icon.
EVENT_MODELS = {
    "blog.Post": ("post", "author"),
    "blog.Tag": ("tag",),
    "blog.Post_tags": ("post",),
    "blog.Image": ("post", "page", "site", "author", "tag"),
    "blog.Post_images": ("post",),
    "blog.Page": ("page",),
    "blog.Page_images": ("page",),
    "blog.Author": ("author", "post"),
    "blog.PostAuthor": ("post", "author"),
    # A redirect is written with the rename that makes it: that change is the event.
    "blog.SlugRedirect": ("post", "tag", "author", "page"),
    "blog.Site": ("site",),
    # Keys change who may read (api.ghost), never what: no event.
    "blog.ContentApiKey": (),
}


# The images `seo` shows besides a cover (`blog.seo.SeoFields`).
SOCIAL_IMAGES = ("og_image", "twitter_image")
WRITING_IMAGES = ("feature_image", "images", *SOCIAL_IMAGES)


def _showing_image(
    label: str, pk: int, using: str, fields: tuple[str, ...] = WRITING_IMAGES
) -> list[int]:
    """The rows of `label` that show the image in one of `fields` (a post's or a
    page's cover, body and social cards; an author's avatar, cover and cards...)."""
    from django.apps import apps

    shown = Q()
    for name in fields:
        shown |= Q(**{name: pk})
    rows = apps.get_model(label).objects.using(using).filter(shown)
    return list(rows.values_list("pk", flat=True).distinct())


def _posts_showing_image(pk: int, using: str) -> list[int]:
    """Posts with the image as cover, in the body, on a social card, or as the
    avatar of an author in their byline (`AuthorRef.avatar`)."""
    own = _showing_image("blog.Post", pk, using)
    bylines = _showing_image("blog.Post", pk, using, ("authors__avatar",))
    return list(dict.fromkeys(own + bylines))


def _site_showing_image(pk: int, using: str) -> list[int]:
    from blog.site import SHOWN_IMAGES, Site

    showing = Q()
    for name in (*SHOWN_IMAGES, "default_social_image"):  # `seo` falls back to it
        showing |= Q(**{f"{name}_id": pk})
    return list(Site.objects.using(using).filter(showing).values_list("pk", flat=True))


def _byline_links(using: str, **condition) -> list[tuple[int, int]]:
    from blog.models import PostAuthor

    rows = PostAuthor.objects.using(using).filter(**condition)
    return list(rows.values_list("post_id", "author_id"))


def _redirect_target(kind: str):
    def target(pk: int, using: str) -> list[int]:
        from blog.redirects import SlugRedirect

        rows = SlugRedirect.objects.using(using).filter(pk=pk, kind=kind)
        return [t for t in rows.values_list(f"{kind}_id", flat=True) if t is not None]

    return target


# (model label, subject) -> the ids of the subjects of that kind a change of one
# of its rows changes. Without an entry: the row's own id, for its own subject.
SUBJECT_IDS = {
    ("blog.Image", "post"): _posts_showing_image,
    ("blog.Image", "page"): lambda pk, using: _showing_image("blog.Page", pk, using),
    ("blog.Image", "site"): _site_showing_image,
    ("blog.Image", "author"): lambda pk, using: _showing_image(
        "blog.Author", pk, using, ("avatar", "cover_image", *SOCIAL_IMAGES)
    ),
    ("blog.Image", "tag"): lambda pk, using: _showing_image(
        "blog.Tag", pk, using, SOCIAL_IMAGES
    ),
    # Mapped, so that deleting the row reads what readers then see (the defaults a
    # new row would be made with) rather than treating the site as gone.
    ("blog.Site", "site"): lambda pk, using: [pk],
    ("blog.Author", "post"): lambda pk, using: [
        post for post, _ in _byline_links(using, author_id=pk)
    ],
    ("blog.Post", "author"): lambda pk, using: [
        author for _, author in _byline_links(using, post_id=pk)
    ],
    ("blog.PostAuthor", "post"): lambda pk, using: [
        post for post, _ in _byline_links(using, pk=pk)
    ],
    ("blog.PostAuthor", "author"): lambda pk, using: [
        author for _, author in _byline_links(using, pk=pk)
    ],
    **{
        ("blog.SlugRedirect", kind): _redirect_target(kind)
        for kind in ("post", "tag", "author", "page")
    },
}


# (model label, subject) -> the row's own column naming that subject: read from the
# instance too, so a row not saved yet (a byline row added in the admin, a new
# redirect) names its subjects before it is written, and a moved one both sides.
SUBJECT_COLUMNS = {
    ("blog.PostAuthor", "post"): "post_id",
    ("blog.PostAuthor", "author"): "author_id",
    **{
        ("blog.SlugRedirect", kind): f"{kind}_id"
        for kind in ("post", "tag", "author", "page")
    },
}


def _subject_ids(sender, subject: str, instance, using: str) -> list[int]:
    label = sender._meta.label
    pk = instance.pk
    found = []
    if pk is not None:
        find = SUBJECT_IDS.get((label, subject))
        found = find(pk, using) if find else [pk]
    column = SUBJECT_COLUMNS.get((label, subject))
    own = getattr(instance, column, None) if column else None
    if own is not None and own not in found:
        found.append(own)
    return found


def _subjects(sender, instance, using: str) -> list[tuple[str, int]]:
    """Every (subject, id) a change of this row changes."""
    return [
        (subject, subject_pk)
        for subject in EVENT_MODELS[sender._meta.label]
        for subject_pk in _subject_ids(sender, subject, instance, using)
    ]


@dataclass
class Subject:
    before: Seen
    event_id: int | None = None


@dataclass
class _Transaction:
    """Subjects changed in the current transaction; dropped at commit (Django also
    drops it with a rolled-back savepoint, together with the rows written in it)."""

    subjects: dict[tuple[str, int], Subject] = field(default_factory=dict)
    # A tag's posts just before `tag.posts.clear()`: afterwards nothing names them.
    cleared: dict[int, set[int]] = field(default_factory=dict)
    done: bool = False

    def __call__(self) -> None:  # the on-commit callback
        self.done = True


def _current(using: str) -> _Transaction:
    connection = connections[using]
    for _, callback, _ in connection.run_on_commit:
        if isinstance(callback, _Transaction) and not callback.done:
            return callback
    pending = _Transaction()
    transaction.on_commit(pending, using=using)
    return pending


# --- What readers see --------------------------------------------------------------


def _post_seen(pk: int, using: str) -> Seen:
    from api.snapshots import post_shape
    from blog.models import Post

    post = Post.objects.using(using).for_detail().filter(pk=pk).first()
    if post is None:
        return Seen(ABSENT)
    if post.status != Post.Status.PUBLISHED:
        return Seen(HIDDEN)
    # The application's clock, as the save that stamped "now" used: inside the
    # transaction the database's now() is its start, before that stamp.
    if post.published_at > timezone.now():
        return Seen(SCHEDULED, publish_at=post.published_at)
    return Seen(VISIBLE, shape=post_shape(post))


def _page_seen(pk: int, using: str) -> Seen:
    from api.snapshots import page_shape
    from blog.models import Page

    page = Page.objects.using(using).filter(pk=pk).first()
    if page is None:
        return Seen(ABSENT)
    if page.status != Page.Status.PUBLISHED:
        return Seen(HIDDEN)
    if page.published_at > timezone.now():  # the application's clock, as for posts
        return Seen(SCHEDULED, publish_at=page.published_at)
    return Seen(VISIBLE, shape=page_shape(page))


def _tag_seen(pk: int, using: str) -> Seen:
    from api.snapshots import tag_shape
    from blog.models import Tag

    tag = Tag.objects.using(using).filter(pk=pk).first()
    if tag is None:
        return Seen(ABSENT)
    return Seen(VISIBLE, shape=tag_shape(tag))


def _author_seen(pk: int, using: str) -> Seen:
    from api.snapshots import author_shape
    from blog.models import Author

    author = Author.objects.using(using).filter(pk=pk).first()
    if author is None:
        return Seen(ABSENT)
    shape = author_shape(author)
    # An author exists for readers only with a visible post.
    return Seen(HIDDEN) if shape is None else Seen(VISIBLE, shape=shape)


def _site_seen(pk: int, using: str) -> Seen:
    from api.snapshots import site_shape
    from blog.site import Site

    site = Site.objects.using(using).for_detail().filter(pk=pk).first()
    # Before its row is made readers see the defaults it will be made with; a
    # first use then changes nothing they see.
    return Seen(VISIBLE, shape=site_shape(site or Site()))


SEEN = {
    "post": _post_seen,
    "page": _page_seen,
    "tag": _tag_seen,
    "author": _author_seen,
    "site": _site_seen,
}


# --- Recording ---------------------------------------------------------------------


def lock_event_order(using: str = DEFAULT_DB_ALIAS) -> None:
    """Serialise event writers with every other content change (`blog.outbox`):
    event ids then follow commit order. Every insert of an event comes after it."""
    from blog.models import ContentRevision

    list(ContentRevision.objects.using(using).select_for_update().filter(pk=1)[:1])


def _scheduled_shape(subject: str, pk: int, using: str) -> dict:
    """A scheduled post's (or page's) shape for `post.scheduled`: what it will show."""
    from api.snapshots import page_shape, post_shape
    from blog.models import Page, Post

    if subject == "page":
        return page_shape(Page.objects.using(using).get(pk=pk))
    return post_shape(Post.objects.using(using).for_detail().get(pk=pk))


def write_event(
    subject: str,
    kind: str,
    before: Seen,
    after: Seen,
    using: str,
    *,
    pk: int,
    event_id: int | None = None,
    subject_id=None,
) -> int:
    from blog.outbox import Event

    data = event_data(subject, kind, before, after)
    if kind.endswith(".scheduled"):
        data[subject] = _scheduled_shape(subject, pk, using)
    shown = data[subject]
    values = {
        "type": kind,
        "subject_id": shown.get("id") or subject_id,
        "data": data,
        "ghost_data": ghost_data(subject, before, after),
        "occurred_at": timezone.now(),
    }
    events = Event.objects.using(using)
    if event_id is not None and events.filter(pk=event_id).update(**values):
        return event_id
    lock_event_order(using)
    return Event.objects.using(using).create(**values).pk


# The subjects that can be scheduled: their `.published` comes from the worker's tick.
SCHEDULABLE = ("post", "page")


def _keep_pending_publish(subject: str, pk: int, after: Seen, using: str) -> None:
    if subject not in SCHEDULABLE:
        return
    from blog.outbox import PendingPublish

    pending = PendingPublish.objects.using(using).filter(subject=subject, subject_id=pk)
    if after.state == SCHEDULED:
        if not pending.update(publish_at=after.publish_at):
            PendingPublish.objects.using(using).create(
                subject=subject, subject_id=pk, publish_at=after.publish_at
            )
    else:
        pending.delete()


def _remember(subject: str, pk: int | None, using: str) -> None:
    """Before a change: how readers saw the subject when the transaction began."""
    current = _current(using)
    if pk is None or (subject, pk) in current.subjects:
        return
    current.subjects[(subject, pk)] = Subject(before=SEEN[subject](pk, using))


def _record(subject: str, pk: int, using: str, *, deleted: bool = False) -> None:
    """After a change: write, rewrite or withdraw this transaction's event."""
    current = _current(using)
    entry = current.subjects.setdefault((subject, pk), Subject(before=Seen(ABSENT)))
    after = Seen(ABSENT) if deleted else SEEN[subject](pk, using)
    kind = decide(subject, entry.before, after)
    _keep_pending_publish(subject, pk, after, using)
    if kind is None:
        if entry.event_id is not None:
            from blog.outbox import Event

            Event.objects.using(using).filter(pk=entry.event_id).delete()
            entry.event_id = None
        return
    entry.event_id = write_event(
        subject, kind, entry.before, after, using, pk=pk, event_id=entry.event_id
    )


# --- Bulk writes -------------------------------------------------------------------


def bulk_change(
    post_ids: list[int],
    using: str = DEFAULT_DB_ALIAS,
    *,
    page_ids: list[int] = (),
    source: str = "",
) -> None:
    """A bulk write that bypassed the per-object signals (`import_posts`,
    `import_ghost`, `import_wordpress`): in its transaction, one purge-only event
    naming every post and page it wrote, their tags and authors and the
    collections, and the pending publishes of the scheduled ones. It sends no
    webhook: an import is not an editor publishing thousands of posts one by one."""
    from blog.models import Author, Page, Post, Tag
    from blog.outbox import Event, PendingPublish

    if not post_ids and not page_ids:
        return
    keys = []
    if post_ids:
        posts = Post.objects.using(using).filter(pk__in=post_ids)
        links = Post.tags.through.objects.using(using).filter(post_id__in=post_ids)
        tag_ids = links.values("tag_id")
        keys += ["posts", "tags", "authors", "sitemap"]
        keys += [f"post-{uuid}" for uuid in posts.values_list("uuid", flat=True)]
        bylines = Post.authors.through.objects.using(using).filter(post_id__in=post_ids)
        keys += [
            f"author-{uuid}"
            for uuid in Author.objects.using(using)
            .filter(pk__in=bylines.values("author_id"))
            .values_list("uuid", flat=True)
        ]
        keys += [
            f"tag-{uuid}"
            for uuid in Tag.objects.using(using)
            .filter(pk__in=tag_ids)
            .values_list("uuid", flat=True)
        ]
    if page_ids:
        pages = Page.objects.using(using).filter(pk__in=page_ids)
        keys += ["pages"] + ([] if "sitemap" in keys else ["sitemap"])
        keys += [f"page-{uuid}" for uuid in pages.values_list("uuid", flat=True)]
    pending = PendingPublish.objects.using(using)
    now = timezone.now()
    for subject, model, ids in (("post", Post, post_ids), ("page", Page, page_ids)):
        if not ids:
            continue
        pending.filter(subject=subject, subject_id__in=ids).delete()
        pending.bulk_create(
            PendingPublish(subject=subject, subject_id=pk, publish_at=at)
            for pk, at in model.objects.using(using)
            .filter(pk__in=ids, status=model.Status.PUBLISHED, published_at__gt=now)
            .values_list("pk", "published_at")
        )
    lock_event_order(using)
    data = {"posts": len(post_ids), "surrogate_keys": keys}
    if page_ids:
        data["pages"] = len(page_ids)
    if source:
        data["source"] = source
    Event.objects.using(using).create(
        type="content.imported", broadcast=False, data=data
    )


# --- Scheduled posts: the worker's tick --------------------------------------------


def publish_due(now: datetime | None = None, limit: int = 100) -> int:
    """Emit `post.published` (`page.published`) for every scheduled post (page)
    whose time has come; the number emitted. Safe to run in several workers at
    once."""
    from blog.outbox import PendingPublish

    now = now or timezone.now()
    due = PendingPublish.objects.filter(publish_at__lte=now)
    if not due.exists():
        return 0
    emitted = 0
    with transaction.atomic():
        lock_event_order(DEFAULT_DB_ALIAS)
        rows = list(
            due.select_for_update(skip_locked=True).order_by("publish_at")[:limit]
        )
        for row in rows:
            after = SEEN[row.subject](row.subject_id, DEFAULT_DB_ALIAS)
            if after.state == VISIBLE:
                write_event(row.subject, f"{row.subject}.published", Seen(SCHEDULED),
                            after, DEFAULT_DB_ALIAS, pk=row.subject_id)  # fmt: skip
                emitted += 1
                if row.subject == "post":
                    _announce_new_authors(row.subject_id)
            elif after.state == SCHEDULED:  # moved later by a change in between
                continue
            row.delete()
    return emitted


def _announce_new_authors(post_id: int) -> None:
    """`author.created` for the byline's authors whose first visible post this
    scheduled post is (publishing at once records them through the save)."""
    from blog.models import Post

    for _, author_id in _byline_links(DEFAULT_DB_ALIAS, post_id=post_id):
        others = Post.objects.published().filter(authors=author_id).exclude(pk=post_id)
        if others.exists():
            continue
        after = SEEN["author"](author_id, DEFAULT_DB_ALIAS)
        if after.state == VISIBLE:
            write_event("author", "author.created", Seen(HIDDEN), after,
                        DEFAULT_DB_ALIAS, pk=author_id)  # fmt: skip


# --- Signals -------------------------------------------------------------------------


def _before_save(sender, instance, raw=False, using=DEFAULT_DB_ALIAS, **kwargs):
    if not raw:
        for subject, pk in _subjects(sender, instance, using):
            _remember(subject, pk, using)


def _after_save(sender, instance, raw=False, using=DEFAULT_DB_ALIAS, **kwargs):
    if not raw:
        for subject, pk in _subjects(sender, instance, using):
            _record(subject, pk, using)


def _before_delete(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    subjects = _subjects(sender, instance, using)
    for subject, pk in subjects:
        _remember(subject, pk, using)
    instance._event_subjects = subjects


def _after_delete(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    label = sender._meta.label
    for subject, pk in getattr(instance, "_event_subjects", []):
        # The row's own subject is gone; the others (through a mapping) remain.
        gone = (label, subject) not in SUBJECT_IDS and subject == EVENT_MODELS[label][0]
        _record(subject, pk, using, deleted=gone)


def _links_changed(sender, instance, action, reverse, model, pk_set, using, **kwargs):
    """`post.tags.add()`, `tag.posts.remove()`, `post.authors.add()`: the posts on
    the post side, and the authors on the author side."""
    owner = EVENT_MODELS[sender._meta.label][0]  # the post (or page) side
    if reverse:  # the instance is a tag, an image or an author; the posts are pk_set
        post_ids = set(pk_set or ()) or _linked_posts(sender, instance)
        others = {instance.pk}
    else:
        post_ids = {instance.pk}
        others = set(pk_set or ())
        if not others and action.endswith("clear"):
            others = _current(using).cleared.get(("other", instance.pk), set())
    changed = [(owner, pk) for pk in post_ids]
    if "author" in EVENT_MODELS[sender._meta.label]:
        if action == "pre_clear" and not reverse:
            others = {a for _, a in _byline_links(using, post_id=instance.pk)}
            _current(using).cleared[("other", instance.pk)] = others
        changed += [("author", pk) for pk in others]
    if action.startswith("pre_"):
        for subject, pk in changed:
            _remember(subject, pk, using)
        if action == "pre_clear" and reverse:
            _current(using).cleared[instance.pk] = post_ids
    elif action.startswith("post_"):
        if action == "post_clear" and reverse:
            post_ids = _current(using).cleared.pop(instance.pk, set())
            changed = [(owner, pk) for pk in post_ids] + [
                (s, pk) for s, pk in changed if s != owner
            ]
        for subject, pk in changed:
            _record(subject, pk, using)


def _linked_posts(sender, instance) -> set[int]:
    """The posts (or pages) linked to `instance` (the other side) in the link table
    `sender`."""
    links = [f for f in sender._meta.fields if f.is_relation]
    (other,) = [f for f in links if f.related_model is type(instance)]
    (owner,) = [f for f in links if f is not other]
    rows = sender.objects.filter(**{other.name: instance.pk})
    return set(rows.values_list(owner.attname, flat=True))


# Link tables of their own (a byline's order): changed by `post.authors.add()`
# (m2m signals, no saves) and by saving their rows (the admin's inline).
THROUGH_MODELS = {"blog.PostAuthor"}


def connect_signals() -> None:
    from django.apps import apps

    for label, subjects in EVENT_MODELS.items():
        if not subjects:
            continue  # declared as making none
        model = apps.get_model(label)
        uid = f"events-{label}"
        if model._meta.auto_created or label in THROUGH_MODELS:
            m2m_changed.connect(_links_changed, sender=model, dispatch_uid=uid)
        if model._meta.auto_created:
            continue
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}-pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}-post")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"{uid}-pre-d")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}-post-d")
