"""The visible-order index carries the listing's columns (PostgreSQL INCLUDE): lists,
their counts and the writing index are then index-only scans, never reading the
table's rows with their bodies. SQLite builds the same index without them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0003_post_tags_by_tag_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="post",
            name="post_visible_order",
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                fields=["status", "-published_at", "-id"],
                include=(
                    "slug",
                    "title",
                    "summary",
                    "updated_at",
                    "reading_time_minutes",
                    "featured",
                ),
                name="post_visible_order",
            ),
        ),
    ]
