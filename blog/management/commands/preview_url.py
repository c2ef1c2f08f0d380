"""`manage.py preview_url SLUG`: print a signed preview link for one post."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from blog import preview
from blog.models import Post


class Command(BaseCommand):
    help = (
        "Print a signed preview link for the post with this slug, in any state. "
        "It is FRONTEND_PREVIEW_URL with the token filled in when that is set, "
        "else the API's own preview URL under --base-url. It expires after "
        "PREVIEW_TOKEN_MAX_AGE seconds."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The post's slug.")
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Scheme and host of the API, used when FRONTEND_PREVIEW_URL is "
            "unset (default: %(default)s, the address `make run` serves).",
        )

    def handle(self, *args, slug: str, base_url: str, **options) -> None:
        post_id = Post.objects.filter(slug=slug).values_list("id", flat=True).first()
        if post_id is None:
            raise CommandError(f"No post with the slug {slug!r}.")
        token = preview.make_token(post_id)
        api_url = base_url.rstrip("/") + reverse("api:preview", args=[token])
        self.stdout.write(preview.preview_url(token, api_url))
