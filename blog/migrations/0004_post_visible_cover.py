"""A covering index for the writing index (PostgreSQL INCLUDE): every visible post's
slug, title and summary in (status, published_at, id) order, read without the
table and its bodies. SQLite builds it without the included columns."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('blog', '0003_post_tags_by_tag_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='post',
            index=models.Index(fields=['status', '-published_at', '-id'], include=('slug', 'title', 'summary'), name='post_visible_cover'),
        ),
    ]
