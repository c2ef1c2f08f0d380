"""Give the benchmark's imported posts what a real blog's posts carry: a cover image
and a byline of three authors (with avatars) on every post, and a few pages.

Run by bench/driver.py after `import_posts`, as
`manage.py shell -c "exec(open('bench/enrich.py').read())"` with IMAGE_PROCESSING=sync
(the renditions exist before the first request). Bulk writes, then one renewal of
the content version and fresh planner statistics, as after any bulk load.
"""

import io

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image as Pillow

from blog import versioning
from blog.importing import refresh_planner_statistics
from blog.models import Author, Image, Page, Post, PostAuthor

AUTHORS = 30
COVERS = 10
AVATARS = 5
BYLINE = 3


def picture(n: int, size: tuple[int, int]) -> ContentFile:
    image = Pillow.linear_gradient("L").resize(size).convert("RGB")
    image.paste((n * 37 % 256, n * 11 % 256, 200), (0, 0, 64, 64))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return ContentFile(out.getvalue(), name=f"bench-{n}.jpg")


covers = [
    Image.from_file(picture(n, (1600, 900)), alt=f"Cover {n}") for n in range(COVERS)
]
avatars = [
    Image.from_file(picture(100 + n, (400, 400)), alt=f"Avatar {n}")
    for n in range(AVATARS)
]
with transaction.atomic():
    authors = Author.objects.bulk_create(
        Author(
            name=f"Writer {n:02d}",
            slug=f"writer-{n:02d}",
            bio="Writes about systems.",
            avatar=avatars[n % AVATARS],
        )
        for n in range(AUTHORS)
    )
    ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    PostAuthor.objects.bulk_create(
        PostAuthor(post_id=pk, author_id=authors[(i + k) % AUTHORS].pk, sort_order=k)
        for i, pk in enumerate(ids)
        for k in range(BYLINE)
    )
    for n, cover in enumerate(covers):
        Post.objects.filter(pk__in=ids[n::COVERS]).update(feature_image=cover)
    for n, title in enumerate(("About", "Uses", "Now")):
        Page.objects.create(
            title=title,
            status=Page.Status.PUBLISHED,
            body=f"## {title}\n\nA page.",
            nav_order=n,
            show_in_navigation=True,
        )
versioning.renew()
# As after any bulk load (import_posts does the same): the 10,000 rewritten post rows
# leave dead versions behind, and the new bylines have no statistics; autovacuum
# would see to both on a real server, but may be off or minutes away.
refresh_planner_statistics()
print(
    f"Enriched {len(ids)} posts: {BYLINE} of {AUTHORS} authors and one of {COVERS} "
    "covers each; 3 pages."
)
