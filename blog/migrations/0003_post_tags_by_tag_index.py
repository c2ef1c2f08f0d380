"""An index on the tag links by (tag_id, post_id): "the posts of a tag" and "how many
visible posts a tag has" then read the index alone, never the table."""

from django.db import migrations

INDEX = "blog_post_tags_tag_post"


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_post_search_index")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON blog_post_tags (tag_id, post_id)",
            f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
