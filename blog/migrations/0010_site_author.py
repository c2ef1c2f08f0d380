"""Posts written before authors existed get the site's byline (`SITE_AUTHOR_NAME`)."""

import uuid

from django.conf import settings
from django.db import migrations

from blog.slugs import slug_from_text, unique_slug


def give_posts_the_site_author(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    Author = apps.get_model("blog", "Author")
    PostAuthor = apps.get_model("blog", "PostAuthor")
    using = schema_editor.connection.alias
    post_ids = list(Post.objects.using(using).values_list("pk", flat=True))
    if not post_ids:
        return  # a new blog: editors get their own bylines
    name = settings.SITE_AUTHOR_NAME[:100]  # Author.name's length
    taken = set(Author.objects.using(using).values_list("slug", flat=True))
    slug = unique_slug(slug_from_text(name, fallback="author"), taken.__contains__)
    author = Author.objects.using(using).create(name=name, slug=slug, uuid=uuid.uuid4())
    PostAuthor.objects.using(using).bulk_create(
        PostAuthor(post_id=pk, author_id=author.pk, sort_order=0) for pk in post_ids
    )


class Migration(migrations.Migration):
    dependencies = [("blog", "0009_authors")]

    operations = [
        migrations.RunPython(give_posts_the_site_author, migrations.RunPython.noop),
    ]
