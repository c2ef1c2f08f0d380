"""`manage.py seed_demo`: the demo blog, or `--posts N --tags M` synthetic posts."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from blog import demo_content, demo_images
from blog.bulk import upsert_posts, upsert_tags
from blog.models import Author, Image, Page, Post, Tag
from blog.synthetic import synthetic_posts, synthetic_tags


class Command(BaseCommand):
    help = (
        "Load the demo blog (idempotent: existing posts and tags are left as they "
        "are), or with --posts N generate N deterministic synthetic posts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--posts", type=int, help="Generate this many posts.")
        parser.add_argument(
            "--tags", type=int, default=50, help="Synthetic tags (default 50)."
        )

    def handle(self, *args, posts: int | None, tags: int, **options) -> None:
        if posts is None:
            created = self.load_demo()
            self.stdout.write(f"Demo content ready ({created} posts added).")
            return
        if posts < 1 or tags < 1:
            raise CommandError("--posts and --tags must be at least 1.")
        tag_data = synthetic_tags(tags)
        upsert_tags(tag_data)
        count = upsert_posts(synthetic_posts(posts, tag_data))
        self.stdout.write(f"Generated {count} synthetic posts with {tags} tags.")

    @transaction.atomic
    def load_demo(self) -> int:
        tags = {
            item["slug"]: Tag.objects.get_or_create(
                slug=item["slug"],
                defaults={"name": item["name"], "description": item["description"]},
            )[0]
            for item in demo_content.TAGS
        }
        authors = [
            Author.objects.get_or_create(
                slug=item["slug"],
                defaults={key: value for key, value in item.items() if key != "slug"},
            )[0]
            for item in demo_content.AUTHORS
        ]
        for item in demo_content.PAGES:
            Page.objects.get_or_create(
                slug=item["slug"],
                defaults={
                    **{key: value for key, value in item.items() if key != "slug"},
                    "status": Page.Status.PUBLISHED,
                    "show_in_navigation": True,
                },
            )
        today = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
        created = 0
        for n, item in enumerate(demo_content.POSTS):
            if Post.objects.filter(slug=item["slug"]).exists():
                continue
            state = item["state"]
            post = Post.objects.create(
                slug=item["slug"],
                title=item["title"],
                summary=item["summary"],
                body=item["body"],
                featured=item["featured"],
                status=Post.Status.DRAFT if state == "draft" else Post.Status.PUBLISHED,
                published_at=None
                if state == "draft"
                else today - timedelta(days=item["days_ago"]),
            )
            post.tags.set([tags[slug] for slug in item["tags"]])
            byline = authors if n % 3 == 0 else [authors[n % 2]]
            for order, author in enumerate(byline):
                post.authors.add(author, through_defaults={"sort_order": order})
            topic = tags[item["tags"][-1]]  # the most specific of its topics
            post.feature_image = self.cover(topic)
            post.save(update_fields=["feature_image"])
            created += 1
        return created

    def cover(self, topic: Tag) -> Image:
        """The topic's cover, drawn once (the same bytes reuse the image)."""
        drawn = ContentFile(demo_images.cover(topic.slug), name=f"{topic.slug}.jpg")
        return Image.from_file(drawn, alt=demo_images.alt_text(topic.name))
