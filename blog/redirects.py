"""Slug redirects (the contract's "Slug changes"): an old address of a post, tag,
author or page keeps working after the slug changes.

A redirect row names an old slug and points at the object itself, never at another
slug: the object's current slug is where it leads, so chains collapse by
construction (a -> b -> c: both a and b point at the object, whose slug is c) and
no loop can form (renaming back to a deletes the row for a: a current slug never
redirects). The rows are written in the transaction of the rename, and only for
something readers have seen; a slug taken over by another object drops the row,
and the address then answers for the new owner.

Which models keep their old addresses is declared in `REDIRECTED`;
`tests/api/test_redirects.py` fails when a model with a public detail path is
missing from it.
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import pre_save

# Model label -> the redirect kind (the `type` of `/api/v1/redirects/`).
REDIRECTED = {
    "blog.Post": "post",
    "blog.Tag": "tag",
    "blog.Author": "author",
    "blog.Page": "page",
}


KINDS = ("post", "tag", "author", "page")
# The API's detail view of each kind: the address readers (and caches) know.
DETAIL_VIEWS = {kind: f"api:{kind}-detail" for kind in KINDS}


def _one_target() -> models.Q:
    condition = models.Q()
    for kind in KINDS:
        others = {other: None for other in KINDS if other != kind}
        condition |= models.Q(kind=kind, **{f"{kind}__isnull": False}, **others)
    return condition


class SlugRedirect(models.Model):
    """An old slug of one object."""

    class Kind(models.TextChoices):
        POST = "post"
        TAG = "tag"
        AUTHOR = "author"
        PAGE = "page"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    old_slug = models.SlugField(max_length=200)
    post = models.ForeignKey(
        "blog.Post", null=True, blank=True, on_delete=models.CASCADE,
        related_name="old_slugs",
    )  # fmt: skip
    tag = models.ForeignKey(
        "blog.Tag", null=True, blank=True, on_delete=models.CASCADE,
        related_name="old_slugs",
    )  # fmt: skip
    author = models.ForeignKey(
        "blog.Author", null=True, blank=True, on_delete=models.CASCADE,
        related_name="old_slugs",
    )  # fmt: skip
    page = models.ForeignKey(
        "blog.Page", null=True, blank=True, on_delete=models.CASCADE,
        related_name="old_slugs",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "old_slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "old_slug"], name="slug_redirect_once"
            ),
            # Exactly the foreign key of its kind is set.
            models.CheckConstraint(
                condition=_one_target(), name="slug_redirect_points_at_its_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.old_slug} -> {self.target}"

    @property
    def target(self):
        return getattr(self, self.kind)


def _seen_by_readers(model, pk: int, using=None) -> bool:
    """Whether readers could see the object as it is stored (before this save)."""
    return model.objects.using(using).seen_by_readers().filter(pk=pk).exists()


def _owned_after_save(instance) -> bool:
    """Whether readers will see `instance` under its slug once saved: a post or
    page published and due; an author or tag, always (an author's visibility
    comes from its posts: a redirect it shadows meanwhile is never followed)."""
    state = getattr(instance, "state", None)
    return state is None or state == "published"


def _before_save(sender, instance, raw=False, using=None, **kwargs) -> None:
    """In the save's transaction (`save()` opens one): the old slug of something
    readers have seen points at it; its new slug redirects nowhere any more."""
    if raw:
        return
    kind = REDIRECTED[sender._meta.label]
    rows = SlugRedirect.objects.using(using)
    if instance.slug and _owned_after_save(instance):
        # A current slug never redirects: a rename back, or a takeover by another
        # that readers see (a draft on an old slug leaves the redirect until it is
        # published; `moves()` never follows a slug a visible object holds).
        rows.filter(kind=kind, old_slug=instance.slug).delete()
    if instance.pk is None:
        return
    old = (
        sender.objects.using(using)
        .filter(pk=instance.pk)
        .values_list("slug", flat=True)
        .first()
    )
    if (
        old is None
        or old == instance.slug
        or not _seen_by_readers(sender, instance.pk, using)
    ):
        return
    rows.update_or_create(kind=kind, old_slug=old, defaults={kind: instance, **{
        other: None for other in SlugRedirect.Kind.values if other != kind
    }})  # fmt: skip


def merged(source, target) -> None:
    """`source` (an author) is merged into `target`: its address and its old ones
    lead to `target` (unless `target` uses that slug, which then answers itself)."""
    kind = REDIRECTED[type(source)._meta.label]
    rows = SlugRedirect.objects.filter(kind=kind)
    rows.filter(**{kind: source}).exclude(old_slug=target.slug).update(**{kind: target})
    if source.slug != target.slug and _seen_by_readers(type(source), source.pk):
        rows.update_or_create(kind=kind, old_slug=source.slug, defaults={kind: target})


def moves() -> dict[tuple[str, str], str]:
    """`{(kind, old slug): the current slug}` of every redirect whose object readers
    see, in one query. A redirect to something hidden is absent, so its old slug is
    an ordinary 404 that does not reveal the new one."""
    from django.apps import apps

    seen = models.Q()
    for label, kind in REDIRECTED.items():
        readers_see = apps.get_model(label).objects.seen_by_readers()
        # Led to something visible, from a slug nothing visible holds now.
        seen |= models.Q(
            models.Q(kind=kind, **{f"{kind}__in": readers_see.values("pk")})
            & ~models.Q(old_slug__in=readers_see.values("slug"))
        )
    kinds = list(REDIRECTED.values())
    rows = SlugRedirect.objects.filter(seen).values_list(
        "kind", "old_slug", *(f"{kind}__slug" for kind in kinds)
    )
    return {(kind, old): current[kinds.index(kind)] for kind, old, *current in rows}


def connect_signals() -> None:
    from django.apps import apps

    for label in REDIRECTED:
        pre_save.connect(
            _before_save,
            sender=apps.get_model(label),
            dispatch_uid=f"redirects-{label}",
        )
