"""Factories: visible posts by default; drafts and scheduled posts are explicit."""

from datetime import UTC, datetime, timedelta

import factory
from django.utils import timezone

from blog.models import Post, Tag


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    description = factory.Faker("sentence")


def _minutes_after_2020(n: int) -> datetime:
    """Later factory posts are newer, and all of them are safely in the past."""
    return datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=n)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Post number {n}")
    slug = factory.Sequence(lambda n: f"post-number-{n}")
    summary = factory.Faker("sentence")
    body = "## Why it matters\n\nSome words about it.\n\n```python\nprint('hi')\n```\n"
    status = Post.Status.PUBLISHED
    published_at = factory.Sequence(_minutes_after_2020)
    featured = False

    class Params:
        draft = factory.Trait(status=Post.Status.DRAFT, published_at=None)
        scheduled = factory.Trait(
            status=Post.Status.PUBLISHED,
            published_at=factory.LazyFunction(
                lambda: timezone.now() + timedelta(days=3)
            ),
        )

    @factory.post_generation
    def tags(self, create: bool, extracted: list[Tag] | None, **kwargs) -> None:
        if create and extracted:
            self.tags.set(extracted)
