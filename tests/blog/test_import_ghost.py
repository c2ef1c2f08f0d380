import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

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
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
GHOST_5 = DATA / "ghost-5.json"
GHOST_3 = DATA / "ghost-3.json"


def run(*args) -> str:
    out = StringIO()
    call_command("import_ghost", *map(str, args), stdout=out)
    return out.getvalue()


def export_with(tmp_path: Path, change, source: Path = GHOST_5) -> Path:
    document = json.loads(source.read_text())
    data = document["db"][0]["data"] if "db" in document else document["data"]
    change(document, data)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    return path


def nothing_written() -> None:
    assert not Post.objects.exists()
    assert not Page.objects.exists()
    assert not Tag.objects.exists()
    assert not Author.objects.exists()
    assert not ImportedObject.objects.exists()
    assert not RemoteImage.objects.exists()


def refused(*args) -> str:
    with pytest.raises(CommandError) as raised:
        run(*args)
    nothing_written()
    return str(raised.value)


# --- What a Ghost 5 export becomes ------------------------------------------------


def test_a_ghost_5_export_becomes_posts_pages_tags_and_authors():
    out = run(GHOST_5, "--site-url", "https://old.example.com")

    assert "posts: 5 created" in out
    hello = Post.objects.get(slug="hello-from-ghost")
    assert hello.title == "Hello from Ghost"
    assert hello.status == "published"
    assert hello.published_at.isoformat() == "2024-05-01T10:00:00+00:00"
    assert hello.featured is True
    assert hello.summary == "The first post, imported."
    # Tags in Ghost's order, the internal #tag left out.
    assert list(hello.tags.order_by("slug").values_list("slug", flat=True)) == [
        "engineering",
        "news",
    ]
    assert not Tag.objects.filter(name__startswith="#").exists()
    # Bylines in posts_authors.sort_order.
    assert [a.slug for a in hello.authors.order_by("postauthor__sort_order")] == [
        "ada",
        "grace",
    ]
    about = Page.objects.get(slug="about")
    assert about.summary == "Who we are."
    assert not Post.objects.filter(slug="about").exists()
    # An offset is converted to UTC.
    lexical = Post.objects.get(slug="lexical-only")
    assert lexical.published_at.isoformat() == "2024-05-03T08:00:00+00:00"


def test_seo_fields_come_from_posts_meta():
    run(GHOST_5)

    hello = Post.objects.get(slug="hello-from-ghost")
    assert hello.meta_title == "Hello from Ghost | Example"
    assert hello.meta_description == "Our first post."
    assert hello.og_title == "Hello (for sharing)"
    assert hello.twitter_description == "Tweetable."
    assert hello.canonical_url == "https://old.example.com/hello/"
    engineering = Tag.objects.get(slug="engineering")
    assert engineering.description == "How we build."
    assert engineering.meta_description == "Engineering posts."


def test_authors_keep_no_email_password_or_login():
    run(GHOST_5)

    ada = Author.objects.get(slug="ada")
    assert (ada.name, ada.bio, ada.website, ada.location) == (
        "Ada Lovelace",
        "Writes about engines.",
        "https://ada.example.com",
        "London",
    )
    assert ada.user is None
    stored = json.dumps(
        [list(Author.objects.values()), list(ImportedObject.objects.values())],
        default=str,
    )
    assert "@example.com" not in stored
    assert "$2a$" not in stored


def test_nothing_unpublished_at_the_source_becomes_visible(api):
    run(GHOST_5)

    assert Post.objects.get(slug="work-in-progress").status == "draft"
    # Members-only content was behind a sign-in: a draft here.
    members = Post.objects.get(slug="members-only")
    assert (members.status, members.published_at) == ("draft", None)
    # Scheduled stays scheduled.
    assert Post.objects.get(slug="coming-soon").state == "scheduled"
    visible = {p["slug"] for p in api.get("/api/v1/posts/").json()["results"]}
    assert visible == {"hello-from-ghost", "lexical-only"}
    for slug in ("work-in-progress", "members-only", "coming-soon"):
        assert api.get(f"/api/v1/posts/{slug}/").status_code == 404


def test_bodies_go_through_the_same_sanitiser():
    run(GHOST_5)

    hello = Post.objects.get(slug="hello-from-ghost")
    assert "<script" not in hello.body_html
    assert "onerror" not in hello.body_html
    assert "alert(1)" not in hello.body_html
    # Clean HTML became Markdown, with heading anchors.
    assert "**first**" in hello.body
    assert '<h2 id="why">Why</h2>' in hello.body_html


def test_a_lexical_only_post_is_rendered_and_kept_as_html():
    out = run(GHOST_5, "--site-url", "https://old.example.com")

    lexical = Post.objects.get(slug="lexical-only")
    html = lexical.body_html
    assert "<strong>Lexical</strong>" in html
    assert '<a href="https://ghost.org/"' in html
    assert "<h2>A section</h2>" in html
    assert "<code class=\"language-python\">print('hi')\n\nprint('there')" in html
    # __GHOST_URL__ became the old site's address.
    assert 'src="https://old.example.com/content/images/2024/05/diagram.png"' in html
    assert "<figcaption>The <b>diagram</b></figcaption>" in html
    assert "left out unknown card(s): signup" in out


def test_a_ghost_3_export_in_the_bare_form_with_mobiledoc():
    out = run(GHOST_3)

    assert "Ghost 3.42.5" in out
    post = Post.objects.get(slug="old-mobiledoc-post")
    assert post.published_at.isoformat() == "2019-08-21T13:11:39+00:00"
    assert post.meta_title == "Old post title"  # on the post in Ghost 3
    assert post.featured is False
    html = post.body_html
    assert '<a href="https://example.net/"' in html
    assert "<strong>bold</strong><br>" in html
    assert "<em>markdown</em> card" in html
    assert "<ol><li>first</li><li><em>second</em></li></ol>" in html
    assert "x = 1\n\ny = 2" in html
    assert Page.objects.filter(slug="colophon", status="published").exists()
    assert list(post.tags.values_list("slug", flat=True)) == ["history"]
    # A protocol-relative avatar cannot be fetched: reported, not recorded.
    assert "//www.gravatar.com/avatar/abc" in out


def test_feature_and_social_images_wait_for_fetch_remote_images():
    out = run(GHOST_5)

    hello = Post.objects.get(slug="hello-from-ghost")
    uses = {
        (use.field, use.remote_image.url)
        for use in RemoteImageUse.objects.filter(kind="post", object_id=hello.pk)
    }
    assert uses == {
        ("feature_image", "https://images.example.com/cover.jpg"),
        ("og_image", "https://images.example.com/og.jpg"),
    }
    cover = RemoteImage.objects.get(url="https://images.example.com/cover.jpg")
    assert (cover.alt, cover.caption, cover.status) == (
        "A cover",
        "Photo by someone",
        "pending",
    )
    ada = Author.objects.get(slug="ada")
    assert RemoteImageUse.objects.filter(
        kind="author", object_id=ada.pk, field="avatar"
    ).exists()
    assert "3 image(s) wait to be downloaded" in out


# --- Idempotence, dry runs, versions and events -----------------------------------


def test_tag_social_images_and_author_handles_are_kept(tmp_path):
    def change(document, data):
        data["tags"][0]["og_image"] = "https://images.example.com/eng-og.png"
        data["tags"][0]["twitter_image"] = "__GHOST_URL__/content/images/eng-x.png"
        data["users"][1]["facebook"] = "grace.hopper"
        data["users"][1]["twitter"] = "not a handle!"

    out = run(export_with(tmp_path, change), "--site-url", "https://old.example.com")

    tag = Tag.objects.get(slug="engineering")
    waiting = RemoteImageUse.objects.filter(kind="tag", object_id=tag.pk)
    assert dict(waiting.values_list("field", "remote_image__url")) == {
        "og_image": "https://images.example.com/eng-og.png",
        "twitter_image": "https://old.example.com/content/images/eng-x.png",
    }
    assert Author.objects.get(slug="ada").links == [
        {"network": "x", "url": "https://x.com/ada"}
    ]
    assert Author.objects.get(slug="grace").links == [
        {"network": "facebook", "url": "https://www.facebook.com/grace.hopper"}
    ]
    assert "twitter 'not a handle!'" in out
    assert "Nothing changed" in run(
        export_with(tmp_path, change), "--site-url", "https://old.example.com"
    )


def test_a_second_run_changes_nothing_and_says_so():
    run(GHOST_5)
    revision = ContentRevision.objects.get().number
    events = Event.objects.count()
    history = Post.history.count()

    out = run(GHOST_5)

    assert "posts: 0 created, 0 changed, 5 unchanged" in out
    assert "Nothing changed" in out
    assert ContentRevision.objects.get().number == revision
    assert Event.objects.count() == events
    assert Post.history.count() == history
    assert Post.objects.count() == 5


def test_a_dry_run_reports_and_writes_nothing():
    out = run(GHOST_5, "--dry-run")

    assert "posts: 5 created" in out
    assert "Dry run: nothing was written." in out
    nothing_written()
    assert not Event.objects.exists()


def test_an_import_renews_the_version_and_records_one_purge_event():
    before = ContentRevision.objects.first()
    run(GHOST_5)

    assert ContentRevision.objects.get().number > (before.number if before else 0)
    event = Event.objects.get(type="content.imported")
    assert event.data["posts"] == 5
    assert event.data["pages"] == 1
    hello = Post.objects.get(slug="hello-from-ghost")
    about = Page.objects.get(slug="about")
    keys = event.data["surrogate_keys"]
    assert f"post-{hello.uuid}" in keys
    assert f"page-{about.uuid}" in keys
    assert "posts" in keys
    assert "pages" in keys
    coming = Post.objects.get(slug="coming-soon")
    assert PendingPublish.objects.filter(subject="post", subject_id=coming.pk).exists()
    # Every post has a history entry, as an admin save would give it.
    assert hello.history.get().history_change_reason == "import_ghost"


def test_a_changed_export_updates_only_what_changed_and_keeps_the_old_address(
    tmp_path, api
):
    run(GHOST_5)
    hello = Post.objects.get(slug="hello-from-ghost")

    def rename(document, data):
        data["posts"][0]["slug"] = "hello-ghost"
        data["posts"][0]["title"] = "Hello, Ghost"

    out = run(export_with(tmp_path, rename))

    assert "posts: 0 created, 1 changed, 4 unchanged" in out
    assert "changed post: hello-ghost (title, slug)" in out
    hello.refresh_from_db()
    assert (hello.slug, hello.title) == ("hello-ghost", "Hello, Ghost")
    response = api.get("/api/v1/posts/hello-from-ghost/")
    assert response.status_code == 301
    assert response["Location"].endswith("/api/v1/posts/hello-ghost/")


def test_a_slug_taken_by_a_post_the_export_did_not_make_is_refused():
    PostFactory(slug="hello-from-ghost", title="Mine")

    with pytest.raises(CommandError) as raised:
        run(GHOST_5)
    message = str(raised.value)

    assert "data.posts[0] ('hello-from-ghost')" in message
    assert "taken by a post this export did not make" in message
    assert Post.objects.get().title == "Mine"
    assert not ImportedObject.objects.exists()


def test_an_existing_tag_of_the_same_slug_is_adopted(tmp_path):
    Tag.objects.create(slug="engineering", name="Engineering", description="")
    run(GHOST_5)

    tag = Tag.objects.get(slug="engineering")
    assert tag.description == "How we build."  # an empty field filled in
    assert Tag.objects.filter(name="Engineering").count() == 1


# --- Redirects ----------------------------------------------------------------------


def test_redirects_yaml_to_imported_posts_become_old_slugs(api):
    out = run(GHOST_5, "--redirects", DATA / "ghost-redirects.yaml")

    assert SlugRedirect.objects.get(kind="post", old_slug="hello").post.slug == (
        "hello-from-ghost"
    )
    assert SlugRedirect.objects.get(kind="page", old_slug="old-about").page.slug == (
        "about"
    )
    assert "^/blog/(.*)$ -> /$1: a pattern, not one address" in out
    assert "/gone/ -> /nowhere-imported/: its target is not an imported post" in out
    assert "it leads to another site" in out
    assert "temporary (302)" in out
    response = api.get("/api/v1/posts/hello/")
    assert response.status_code == 301
    assert response["Location"].endswith("/api/v1/posts/hello-from-ghost/")


def test_redirects_json_is_read_too():
    out = run(GHOST_5, "--redirects", DATA / "ghost-redirects.json")

    assert SlugRedirect.objects.filter(kind="post", old_slug="hello-old").exists()
    assert "redirect /tmp-move/ -> /about/: temporary (302)" in out


def test_a_redirects_file_that_is_not_one_is_refused(tmp_path):
    path = tmp_path / "redirects.yaml"
    path.write_text("- just\n- a list\n")

    message = refused(GHOST_5, "--redirects", path)

    assert "not a Ghost redirects file" in message


# --- Bad input: a clear error with the place, nothing written -------------------


def test_a_file_that_is_not_a_ghost_export_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"posts": []}))

    assert "not a Ghost export" in refused(path)


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "export.json"
    path.write_text("<html>not json</html>")

    message = refused(path)

    assert "line 1, column 1" in message


def test_a_truncated_export_is_refused_with_the_line(tmp_path):
    text = GHOST_5.read_text()
    path = tmp_path / "export.json"
    path.write_text(text[: len(text) // 2])

    message = refused(path)

    assert "the file ends too soon (truncated?)" in message
    assert f"line {text[: len(text) // 2].count(chr(10)) + 1}" in message


@pytest.mark.parametrize("version", ["2.38.0", "7.0.0", "five", None])
def test_an_unknown_ghost_version_is_refused(tmp_path, version):
    def set_version(document, data):
        document["db"][0]["meta"]["version"] = version

    message = refused(export_with(tmp_path, set_version))

    assert "meta.version: unknown Ghost version" in message
    assert repr(version) in message


def test_duplicate_slugs_are_refused_naming_both(tmp_path):
    def duplicate(document, data):
        data["posts"][1]["slug"] = "hello-from-ghost"

    message = refused(export_with(tmp_path, duplicate))

    assert "data.posts[1] ('hello-from-ghost')" in message
    assert "is also the slug of data.posts[0]" in message


def test_a_post_naming_a_missing_tag_is_refused(tmp_path):
    def missing(document, data):
        data["posts_tags"][0]["tag_id"] = "ffffffffffffffffffffffff"

    message = refused(export_with(tmp_path, missing))

    assert "data.posts_tags[0]" in message
    assert "'ffffffffffffffffffffffff'" in message
    assert "not among the export's tags" in message


def test_a_post_naming_a_missing_author_is_refused(tmp_path):
    def missing(document, data):
        data["posts_authors"][2]["author_id"] = "404"

    message = refused(export_with(tmp_path, missing))

    assert "data.posts_authors[2]: author_id '404'" in message
    assert "not among the export's users" in message


@pytest.mark.parametrize("value", ["01/05/2024", "yesterday", True, [2024]])
def test_a_date_in_an_odd_format_is_refused(tmp_path, value):
    def odd(document, data):
        data["posts"][0]["published_at"] = value

    message = refused(export_with(tmp_path, odd))

    assert "data.posts[0] ('hello-from-ghost'): published_at" in message
    assert "is not a date Ghost writes" in message


def test_an_unknown_status_is_refused(tmp_path):
    def odd(document, data):
        data["posts"][2]["status"] = "archived"

    assert "data.posts[2] ('work-in-progress'): unknown status 'archived'" in refused(
        export_with(tmp_path, odd)
    )


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as out:
        out.truncate(100 * 1024 * 1024)  # 100 MB, sparse: nothing to read

    message = refused(path)

    assert "the file is 104.9 MB, over the limit of 50 MB" in message


def test_a_missing_file_is_a_clear_error(tmp_path):
    assert "no such file" in refused(tmp_path / "nope.json")
