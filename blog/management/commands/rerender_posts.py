"""`manage.py rerender_posts`: re-render every stored body after the Markdown
pipeline or the sanitiser's allowlist changed."""

from django.core.management.base import BaseCommand
from django.db import transaction

from blog.images import by_public_id
from blog.markdown import render_markdown
from blog.models import Post
from blog.progress import Progress
from blog.versioning import content_changed

BATCH_SIZE = 500


class Command(BaseCommand):
    help = "Re-render body_html, toc, word count and reading time of every post."

    def handle(self, *args, **options) -> None:
        changed = 0
        progress = Progress(Post.objects.count(), "rerender_posts", self.stderr)
        with transaction.atomic():
            posts = Post.objects.only("id", "body", "body_html", "toc", "word_count")
            batch = []
            for post in posts.iterator(chunk_size=BATCH_SIZE):
                progress.advance(1)
                rendered = render_markdown(post.body, images=by_public_id)
                if (post.body_html, post.toc) == (rendered.html, rendered.toc):
                    continue
                post.body_html = rendered.html
                post.toc = rendered.toc
                post.word_count = rendered.word_count
                post.reading_time_minutes = rendered.reading_time_minutes
                batch.append(post)
                if len(batch) >= BATCH_SIZE:
                    changed += self._save(batch)
            changed += self._save(batch)
            if changed:
                content_changed()
        progress.close()
        self.stdout.write(f"Re-rendered {changed} post(s).")

    @staticmethod
    def _save(batch: list[Post]) -> int:
        fields = ["body_html", "toc", "word_count", "reading_time_minutes"]
        Post.objects.bulk_update(batch, fields)
        count = len(batch)
        batch.clear()
        return count
