import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.import_records import ImportError_
from blog.import_sources import ImportedObject, RemoteImage, RemoteImageUse
from blog.models import (
    Author,
    ContentRevision,
    Event,
    Page,
    PendingPublish,
    Post,
    SlugRedirect,
    Tag,
)
from blog.wordpress_export import stream
from tests.blog.wxr_factory import write_wxr

pytestmark = pytest.mark.django_db

WXR = Path(__file__).parent / "data" / "wordpress.xml"


def run(*args) -> str:
    out = StringIO()
    call_command("import_wordpress", *map(str, args), stdout=out)
    return out.getvalue()


def edited(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = WXR.read_text()
    assert old in text
    path = tmp_path / "export.xml"
    path.write_text(text.replace(old, new, count))
    return path


def nothing_written() -> None:
    for model in (Post, Page, Tag, Author, ImportedObject, RemoteImage, SlugRedirect):
        assert not model.objects.exists(), model


def refused(path: Path) -> str:
    with pytest.raises(CommandError) as raised:
        run(path)
    nothing_written()
    return str(raised.value)


# --- What a WXR file becomes ------------------------------------------------------


def test_posts_and_pages_keep_their_status_and_gmt_dates(api):
    out = run(WXR)

    assert "posts: 4 created" in out
    moon = Post.objects.get(slug="moon-landing-software-2")
    assert moon.status == "published"
    assert moon.published_at.isoformat() == "2019-07-20T20:17:00+00:00"  # the GMT one
    assert moon.title == "Moon landing & software"
    assert moon.summary == "How software landed on the Moon."
    assert moon.featured is True  # sticky
    future = Post.objects.get(slug="artemis-is-coming")
    assert future.state == "scheduled"
    assert future.published_at.isoformat() == "2099-03-01T17:00:00+00:00"
    assert PendingPublish.objects.filter(subject="post", subject_id=future.pk).exists()
    # A draft without a name or a date, and a private post: drafts.
    draft = Post.objects.get(slug="half-written-thoughts-11")
    assert (draft.status, draft.published_at) == ("draft", None)
    assert Post.objects.get(slug="private-notes").status == "draft"
    about = Page.objects.get(slug="about")
    assert (about.status, about.nav_order) == ("published", 3)
    assert about.body == "This blog is about **space software**.\n"
    visible = {p["slug"] for p in api.get("/api/v1/posts/").json()["results"]}
    assert visible == {"moon-landing-software-2"}
    assert "1 item(s) of type 'nav_menu_item': not a post, page or image" in out


def test_categories_and_tags_both_become_tags_without_uncategorized():
    run(WXR)

    moon = Post.objects.get(slug="moon-landing-software-2")
    assert sorted(moon.tags.values_list("slug", flat=True)) == ["apollo", "space"]
    assert Tag.objects.get(slug="space").description == "Rockets and orbits."
    assert not Tag.objects.filter(slug="uncategorized").exists()
    # A term only an item names is made from the item.
    assert Tag.objects.get(slug="artemis").name == "Artemis"
    assert not Tag.objects.filter(slug="main").exists()  # a menu, not a tag


def test_keep_uncategorized_keeps_the_default_category():
    run(WXR, "--keep-uncategorized")

    moon = Post.objects.get(slug="moon-landing-software-2")
    assert "uncategorized" in moon.tags.values_list("slug", flat=True)


def test_authors_keep_their_display_name_and_never_the_login_or_email():
    run(WXR)

    assert sorted(Author.objects.values_list("slug", "name")) == [
        ("katherine-johnson", "Katherine Johnson"),
        ("margaret-hamilton", "Margaret Hamilton"),
    ]
    moon = Post.objects.get(slug="moon-landing-software-2")
    assert [a.slug for a in moon.authors.all()] == ["margaret-hamilton"]
    stored = json.dumps(
        [list(Author.objects.values()), list(ImportedObject.objects.values())],
        default=str,
    )
    assert "admin" not in stored
    assert "kjohnson" not in stored
    assert "@wp.example.com" not in stored


def test_old_permalinks_and_old_slugs_redirect(api):
    run(WXR)

    assert set(
        SlugRedirect.objects.filter(kind="post").values_list("old_slug", "post__slug")
    ) == {
        ("apollo-software", "moon-landing-software-2"),  # _wp_old_slug
        ("moon-landing-software", "moon-landing-software-2"),  # the <link>
    }
    response = api.get("/api/v1/posts/apollo-software/")
    assert response.status_code == 301
    assert response["Location"].endswith("/api/v1/posts/moon-landing-software-2/")


def test_attachments_are_images_to_fetch_and_the_thumbnail_is_the_feature_image():
    out = run(WXR)

    image = RemoteImage.objects.get()
    assert image.url == "https://wp.example.com/wp-content/uploads/2019/07/console.jpg"
    assert image.alt == "The DSKY console of the Apollo guidance computer"
    assert image.caption == "The DSKY console"
    moon = Post.objects.get(slug="moon-landing-software-2")
    assert RemoteImageUse.objects.filter(
        remote_image=image, kind="post", object_id=moon.pk, field="feature_image"
    ).exists()
    assert "1 image(s) wait to be downloaded" in out


def test_content_gets_paragraphs_and_goes_through_the_sanitiser():
    out = run(WXR)

    html = Post.objects.get(slug="moon-landing-software-2").body_html
    assert "<p>The guidance computer had 2 KB of *erasable* memory.</p>" in html
    assert "<p>It restarted three times<br>\nduring the descent.</p>" in html
    assert "<h2>The alarms</h2>" in html
    assert "<figcaption>The DSKY console</figcaption>" in html
    assert "1202\n\n1201" in html  # blank lines in <pre> survive
    assert "<script" not in html
    assert "alert(" not in html
    assert "[gallery] left as text in 1 post(s)" in out


def test_a_second_run_changes_nothing_and_says_so():
    run(WXR)
    revision = ContentRevision.objects.get().number
    events = Event.objects.count()

    out = run(WXR)

    assert "posts: 0 created, 0 changed, 4 unchanged" in out
    assert "redirects: 0 created, 0 changed, 2 unchanged" in out
    assert "Nothing changed" in out
    assert ContentRevision.objects.get().number == revision
    assert Event.objects.count() == events


def test_a_dry_run_writes_nothing():
    out = run(WXR, "--dry-run")

    assert "posts: 4 created" in out
    assert "Dry run: nothing was written." in out
    nothing_written()
    assert not Event.objects.exists()


def test_an_import_records_one_purge_event_for_posts_and_pages():
    run(WXR)

    event = Event.objects.get(type="content.imported")
    assert (event.data["posts"], event.data["pages"]) == (4, 1)
    assert event.data["source"] == "wordpress"


def test_a_changed_export_updates_the_post_it_names(tmp_path):
    run(WXR)

    out = run(
        edited(
            tmp_path,
            "<![CDATA[Moon landing &amp; software]]>",
            "<![CDATA[Moon landing]]>",
        )
    )

    assert "changed post: moon-landing-software-2 (title)" in out
    assert Post.objects.get(slug="moon-landing-software-2").title == "Moon landing"


def test_the_file_is_streamed_items_arrive_before_the_end_is_read(tmp_path):
    text = WXR.read_text()
    path = tmp_path / "cut.xml"
    path.write_text(text[: text.index("<title><![CDATA[Private notes")])

    items = stream(path)
    kinds = []

    def read_all() -> None:
        for kind, _ in items:
            kinds.append(kind)

    with pytest.raises(ImportError_, match="ends too soon"):
        read_all()
    assert kinds.count("item") == 4  # handed on as each ended


def test_six_hundred_posts_take_a_fixed_number_of_statements_per_batch(tmp_path):
    path = write_wxr(tmp_path / "synthetic.xml", 600, authors=3, tags=5)

    with CaptureQueriesContext(connection) as queries:
        out = run(path)

    assert "posts: 600 created" in out
    assert "redirects: 600 created" in out  # the _wp_old_slug of each
    assert Post.objects.filter(status="draft").count() == 60
    # Tags and authors one save each; posts in two batches of a few statements.
    assert len(queries) < 400
    assert "Nothing changed" in run(path)


# --- Bad input: a clear error with the line, nothing written ----------------------


def test_a_file_that_is_not_wxr_is_refused(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"/>'
    )

    message = refused(path)

    assert "line 2: not a WordPress export (WXR): the document is <feed>" in message


def test_a_plain_rss_feed_is_not_wxr(tmp_path):
    path = tmp_path / "rss.xml"
    path.write_text("<rss><channel><title>t</title><item/></channel></rss>")

    assert "no <wp:wxr_version>" in refused(path)


def test_a_file_that_is_not_xml_is_refused_with_the_line(tmp_path):
    path = tmp_path / "export.xml"
    path.write_text("this is\nnot < xml")

    message = refused(path)

    assert "line 1, column 0: syntax error" in message


def test_a_truncated_file_is_refused_with_the_line(tmp_path):
    text = WXR.read_text()
    for cut in (text[: text.index("<item>", 3000)], text[: len(text) // 2]):
        path = tmp_path / "export.xml"
        path.write_text(cut)

        message = refused(path)

        assert f"line {cut.count(chr(10)) + 1}, column" in message
        assert "not a complete WordPress export" in message
    # Cut between elements, or inside a CDATA section.
    assert "unclosed CDATA section" in message
    path.write_text(text[: text.index("<item>", 3000)])
    assert "the file ends too soon (truncated?)" in refused(path)


def test_an_external_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = tmp_path / "xxe.xml"
    path.write_text(
        WXR.read_text()
        .replace(
            '<?xml version="1.0" encoding="UTF-8" ?>',
            '<?xml version="1.0" encoding="UTF-8" ?>\n'
            f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>',
        )
        .replace("Moon landing &amp; software", "&xxe;")
    )

    message = refused(path)

    assert "line 2: the file declares the entity 'xxe'" in message
    assert "TOP-SECRET" not in message
    assert not Post.objects.filter(title__contains="TOP-SECRET").exists()


def test_entity_expansion_billion_laughs_is_refused_without_expanding(tmp_path):
    levels = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol%s;" % ("" if n == 1 else n - 1)) * 10}">'
        for n in range(1, 10)
    ]
    path = tmp_path / "laughs.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
        + "\n".join(levels)
        + "\n]>\n<rss><channel><title>&lol9;</title></channel></rss>\n"
    )

    message = refused(path)

    assert "the file declares the entity 'lol'" in message
    assert "billion laughs" in message


def test_duplicate_slugs_are_refused_naming_both_lines(tmp_path):
    path = edited(
        tmp_path,
        "<wp:post_name><![CDATA[private-notes]]>",
        "<wp:post_name><![CDATA[artemis-is-coming]]>",
    )

    message = refused(path)

    assert "post slug 'artemis-is-coming' is also the slug of the post at line" in (
        message
    )


def test_an_item_by_an_undeclared_author_is_refused(tmp_path):
    path = edited(
        tmp_path, "<dc:creator><![CDATA[kjohnson]]>", "<dc:creator><![CDATA[ghost]]>"
    )

    message = refused(path)

    assert "dc:creator 'ghost' is not among the export's <wp:author>s" in message
    assert "line 90: dc:creator" in message  # the item's first line


def test_a_date_in_an_odd_format_is_refused_with_the_line(tmp_path):
    path = edited(tmp_path, "2019-07-20 20:17:00", "20/07/1969 20:17")

    message = refused(path)

    assert "line 28: date '20/07/1969 20:17' is not WordPress's" in message


def test_an_unknown_status_is_refused(tmp_path):
    path = edited(tmp_path, "<![CDATA[private]]>", "<![CDATA[secret]]>")

    assert "unknown wp:status 'secret'" in refused(path)
