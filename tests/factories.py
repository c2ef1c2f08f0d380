"""Factories: visible posts by default; drafts and scheduled posts are explicit."""

from datetime import UTC, datetime, timedelta

import factory
from django.utils import timezone

from blog.models import Author, Post, Tag


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    description = factory.Faker("sentence")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.Sequence(lambda n: f"writer-{n}")
    bio = factory.Faker("sentence")


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

    @factory.post_generation
    def authors(self, create: bool, extracted: list[Author] | None, **kwargs) -> None:
        """The byline, in the order given."""
        if create and extracted:
            for order, author in enumerate(extracted):
                self.authors.add(author, through_defaults={"sort_order": order})


_image_seed = iter(range(1, 1_000_000))


def image_bytes(
    width: int = 800, height: int = 600, format: str = "JPEG", mode: str = "RGB"
) -> bytes:
    """A real image file, different on every call (a gradient and a seed)."""
    import io

    from PIL import Image as Pillow

    seed = next(_image_seed)
    picture = Pillow.linear_gradient("L").resize((width, height)).convert(mode)
    # A block the encoder cannot round away (a lossy one would, for one pixel).
    shade = (seed * 37 % 256, seed // 256 % 256, seed * 11 % 256, 255)
    colour = shade[0] if mode == "L" else shade[: len(mode)]
    picture.paste(colour, (0, 0, min(32, width), min(32, height)))
    out = io.BytesIO()
    picture.save(out, format)
    return out.getvalue()


def make_image(alt: str = "A diagram", caption: str = "", **kwargs):
    """An image of the library, through `Image.from_file` (renditions made at once:
    the tests run with IMAGE_PROCESSING=sync)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from blog.models import Image

    upload = SimpleUploadedFile("upload.bin", image_bytes(**kwargs))
    image = Image.from_file(upload, alt=alt, caption=caption)
    image.refresh_from_db()
    return image
