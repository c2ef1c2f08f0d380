"""Authors as the contract's "Authors" section gives them: bylines in order, guest
authors, visible-only counts, the author filter, and nothing of a login shown."""

import json

import pytest
from django.contrib.auth import get_user_model

from blog.content_keys import ContentApiKey
from blog.models import Author, Post
from tests.factories import AuthorFactory, PostFactory, TagFactory, make_image

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


def test_a_post_shows_its_byline_in_order_and_its_primary_author(api, blog):
    post = api.get("/api/v1/posts/both/").json()
    assert [author["slug"] for author in post["authors"]] == ["grace", "ada"]
    assert post["primary_author"] == post["authors"][0]
    assert post["primary_author"] == {
        "id": str(blog["authors"]["grace"].uuid),
        "slug": "grace",
        "name": "Grace Hopper",
        "avatar": None,
        "url": "http://testserver/api/v1/authors/grace/",
    }
    listed = {p["slug"]: p for p in api.get(POSTS).json()["results"]}
    assert [a["slug"] for a in listed["both"]["authors"]] == ["grace", "ada"]
    # A post with no byline: an empty list and no primary author.
    assert (
        listed["career-post"]["authors"],
        listed["career-post"]["primary_author"],
    ) == (
        [],
        None,
    )


def test_reordering_the_byline_changes_the_primary_author(api, blog):
    both = blog["posts"]["both"]
    Post.authors.through.objects.filter(post=both, author__slug="ada").update(
        sort_order=0
    )
    Post.authors.through.objects.filter(post=both, author__slug="grace").update(
        sort_order=1
    )
    Post.objects.get(pk=both.pk).save()  # an edit renews the version
    post = api.get("/api/v1/posts/both/").json()
    assert [a["slug"] for a in post["authors"]] == ["ada", "grace"]
    assert post["primary_author"]["slug"] == "ada"
    entry = next(
        e for e in api.get("/api/v1/index/").json()["results"] if e["slug"] == "both"
    )
    assert entry["authors"] == ["ada", "grace"]


def test_authors_are_listed_by_name_with_visible_post_counts_only(api, blog):
    body = api.get("/api/v1/authors/").json()
    # "Drafts Only" has a draft and a scheduled post: readers do not see them.
    assert [(a["slug"], a["post_count"]) for a in body["results"]] == [
        ("ada", 2),
        ("grace", 2),
    ]
    assert body["count"] == 2
    assert api.get("/api/v1/authors/ghost-writer/").status_code == 404
    assert api.get("/api/v1/authors/ghost-writer/posts/").status_code == 404
    assert api.get("/api/v1/authors/ghost-writer/feeds/rss/").status_code == 404
    assert api.get("/api/v1/authors/nobody/").status_code == 404


def test_an_author_has_the_contract_shape(api, blog, settings):
    settings.FRONTEND_AUTHOR_URL = "https://www.example.com/authors/{slug}/"
    avatar = make_image(alt="Ada")
    ada = Author.objects.get(slug="ada")
    ada.avatar = avatar
    ada.website = "https://ada.example.com"
    ada.location = "London"
    ada.links = [{"network": "mastodon", "url": "https://hachyderm.io/@ada"}]
    ada.save()
    body = api.get("/api/v1/authors/ada/").json()
    assert set(body) == {
        "id", "slug", "name", "avatar", "url", "bio", "cover_image", "website",
        "location", "links", "post_count", "public_url", "seo",
    }  # fmt: skip
    assert body["avatar"]["id"] == str(avatar.uuid)
    assert body["avatar"]["width"] == avatar.width
    assert body["public_url"] == "https://www.example.com/authors/ada/"
    assert body["links"] == [
        {"network": "mastodon", "url": "https://hachyderm.io/@ada"}
    ]
    assert (body["website"], body["location"], body["post_count"]) == (
        "https://ada.example.com",
        "London",
        2,
    )
    # The byline shows the same avatar.
    byline = api.get("/api/v1/posts/oldest/").json()["authors"][0]
    assert byline["avatar"] == body["avatar"]


def test_a_guest_author_needs_no_login(api, db):
    guest = Author.objects.create(name="Guest Writer")
    assert (guest.user, guest.slug) == (None, "guest-writer")
    PostFactory(slug="guest-post", authors=[guest])
    assert api.get("/api/v1/authors/guest-writer/").json()["post_count"] == 1


def test_the_author_page_and_filter(api, blog):
    page = api.get("/api/v1/authors/ada/posts/").json()
    assert [p["slug"] for p in page["results"]] == ["both", "oldest"]
    either = api.get(POSTS, {"author": ["ada", "grace"]}).json()
    assert [p["slug"] for p in either["results"]] == ["newest", "both", "oldest"]
    tagged = api.get(POSTS, {"author": "grace", "tag": "elixir"}).json()
    assert [p["slug"] for p in tagged["results"]] == ["both"]
    assert api.get(POSTS, {"author": ""}).json()["count"] == 4  # empty: ignored


@pytest.mark.parametrize(
    ("value", "code"),
    [("nobody", "unknown_author"), ("ghost-writer", "unknown_author"),
     ("Not A Slug", "invalid_slug")],
)  # fmt: skip
def test_an_unknown_or_unseen_author_is_a_400_naming_the_parameter(
    api, blog, value, code
):
    response = api.get(POSTS, {"author": value})
    assert response.status_code == 400
    body = response.json()
    assert [(e["parameter"], e["code"]) for e in body["errors"]] == [("author", code)]
    assert api.get("/api/v1/authors/ada/posts/", {"author": value}).status_code == 400


def test_a_list_page_costs_the_same_queries_with_bylines_and_covers(
    api, db, content_version, django_assert_num_queries
):
    """20 posts with 3 authors (with avatars) and a cover each: as many queries as
    one post (the directories are loaded once per content version, and so are the
    covers once shown)."""
    authors = [AuthorFactory(avatar=make_image(alt=f"Writer {n}")) for n in range(3)]
    for n in range(20):
        PostFactory(authors=authors, feature_image=make_image(alt=f"Cover {n}"))
    api.get(POSTS, {"page_size": 1})  # the directories, the count, the first cover
    with django_assert_num_queries(2):  # the page, the covers not shown yet
        body = api.get(POSTS, {"page_size": 20}).json()
    assert len(body["results"]) == 20
    assert all(len(p["authors"]) == 3 and p["feature_image"] for p in body["results"])
    assert all(a["avatar"] for p in body["results"] for a in p["authors"])
    with django_assert_num_queries(1):  # the page: its covers are kept too
        assert api.get(POSTS, {"page_size": 20}).json() == body


def test_the_author_list_and_one_author_cost_two_queries_then_none(
    api, blog, content_version, django_assert_num_queries
):
    # The author directory, the visible counts, the site's settings (`seo`).
    with django_assert_num_queries(3):
        assert api.get("/api/v1/authors/").status_code == 200
    with django_assert_num_queries(0):
        assert api.get("/api/v1/authors/ada/").status_code == 200
    with django_assert_num_queries(1):  # the redirects, kept for the version too
        assert api.get("/api/v1/authors/ghost-writer/").status_code == 404
    with django_assert_num_queries(0):
        assert api.get("/api/v1/authors/nobody/").status_code == 404


def test_an_author_page_costs_as_a_tag_page(
    api, blog, content_version, django_assert_num_queries
):
    api.get("/api/v1/authors/")
    api.get("/api/v1/tags/")
    with django_assert_num_queries(2):  # the count, the page (directories are kept)
        assert api.get("/api/v1/authors/ada/posts/").status_code == 200
    with django_assert_num_queries(1):
        assert (
            api.get("/api/v1/authors/ada/posts/", {"page_size": 1}).status_code == 200
        )


FORBIDDEN_KEYS = {"user", "user_id", "email", "username", "password", "is_staff"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in _keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item)}
    return set()


def test_no_email_username_or_login_id_is_shown_anywhere(api, blog, settings):
    settings.FRONTEND_POST_URL = "https://www.example.com/{slug}/"
    settings.FRONTEND_TAG_URL = "https://www.example.com/tags/{slug}/"
    settings.FRONTEND_AUTHOR_URL = "https://www.example.com/authors/{slug}/"
    user = get_user_model().objects.create_user(
        username="ada_login_7731",
        email="ada.private.7731@example.org",
        password="x",
        first_name="Ada",
        last_name="Lovelace",
    )
    ada = blog["authors"]["ada"]
    ada.user = user
    ada.save()
    paths = [
        "/api/v1/", POSTS, "/api/v1/posts/both/", "/api/v1/posts/oldest/",
        "/api/v1/tags/", "/api/v1/tags/engineering/", "/api/v1/tags/engineering/posts/",
        "/api/v1/authors/", "/api/v1/authors/ada/", "/api/v1/authors/ada/posts/",
        "/api/v1/index/", "/api/v1/pages/", "/api/v1/site/", "/api/v1/redirects/",
        "/api/v1/sitemap.xml", "/api/v1/sitemaps/posts.xml",
        "/api/v1/sitemaps/authors.xml",
        *(f"{base}feeds/{name}/" for base in ("/api/v1/", "/api/v1/tags/engineering/",
                                              "/api/v1/authors/ada/")
          for name in ("rss", "atom", "json")),
    ]  # fmt: skip
    # Ghost's Content API (api.ghost), with every link included.
    key = ContentApiKey.objects.create(name="scan").secret
    ghost = "/ghost/api/content/"
    paths += [
        f"{ghost}{path}?key={key}&include=tags,authors,count.posts&formats=html,plaintext"
        for path in ("posts/", "posts/slug/both/", "authors/", "authors/slug/ada/",
                     "tags/", "pages/", "settings/")
    ]  # fmt: skip
    for path in paths:
        response = api.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        for secret in (user.email, user.username, "ada.private", "ada_login"):
            assert secret not in text, (path, secret)
        if response["Content-Type"].startswith(
            ("application/json", "application/feed")
        ):
            assert not _keys(json.loads(text)) & FORBIDDEN_KEYS, path
    # Webhook bodies carry the same shapes.
    from blog.outbox import Event

    for data in Event.objects.values_list("data", flat=True):
        assert user.email not in json.dumps(data)
        assert not _keys(data) & FORBIDDEN_KEYS


def test_renaming_an_author_changes_every_post_showing_the_byline(
    api, blog, django_capture_on_commit_callbacks
):
    from blog.outbox import Event

    before = api.get("/api/v1/posts/both/")
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        ada = Author.objects.get(slug="ada")
        ada.name = "Augusta Ada King"
        ada.save()
    after = api.get("/api/v1/posts/both/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200  # a new version: no stale 304
    assert after.json()["authors"][1]["name"] == "Augusta Ada King"
    events = {(e.type, str(e.subject_id)) for e in Event.objects.all()}
    posts = blog["posts"]
    assert events == {
        ("author.updated", str(ada.uuid)),
        ("post.updated", str(posts["both"].uuid)),
        ("post.updated", str(posts["oldest"].uuid)),
    }  # not the scheduled post it also signs
    updated = Event.objects.get(type="author.updated")
    previous = updated.data["previous"]
    assert set(previous) == {"name", "seo"}  # the name is the seo title's fallback
    assert previous["name"] == previous["seo"]["title"] == "Ada Lovelace"
    assert f"author-{ada.uuid}" in updated.data["surrogate_keys"]


def test_an_author_appears_with_their_first_visible_post_and_goes_with_the_last(
    blog, django_capture_on_commit_callbacks
):
    from blog.outbox import Event

    with django_capture_on_commit_callbacks(execute=True):
        newcomer = AuthorFactory(slug="newcomer", name="New Comer")
        post = PostFactory(draft=True, tags=[TagFactory()])
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        post.authors.add(newcomer, through_defaults={"sort_order": 0})
    assert not Event.objects.exists()  # a draft's byline: nothing readers see
    with django_capture_on_commit_callbacks(execute=True):
        post.status = Post.Status.PUBLISHED
        post.save()
    assert sorted(Event.objects.values_list("type", flat=True)) == [
        "author.created", "post.published",
    ]  # fmt: skip
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        post.authors.remove(newcomer)
    assert sorted(Event.objects.values_list("type", flat=True)) == [
        "author.deleted", "post.updated",
    ]  # fmt: skip


def test_an_author_with_posts_cannot_be_deleted(blog):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        blog["authors"]["ada"].delete()


def test_the_authors_sitemap_lists_the_authors_readers_see(api, blog, settings):
    from xml.etree import ElementTree

    settings.FRONTEND_AUTHOR_URL = "https://www.example.com/authors/{slug}/"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ElementTree.fromstring(api.get("/api/v1/sitemap.xml").content)
    sections = [loc.text for loc in index.findall("s:sitemap/s:loc", ns)]
    assert sections == ["http://testserver/api/v1/sitemaps/authors.xml"]
    urlset = ElementTree.fromstring(api.get("/api/v1/sitemaps/authors.xml").content)
    assert [loc.text for loc in urlset.findall("s:url/s:loc", ns)] == [
        "https://www.example.com/authors/ada/",
        "https://www.example.com/authors/grace/",
    ]  # not "Drafts Only": no visible post
    settings.FRONTEND_AUTHOR_URL = ""
    assert api.get("/api/v1/sitemaps/authors.xml").status_code == 404


def test_a_byline_row_saved_for_an_author_readers_know_is_no_author_created(
    blog, django_capture_on_commit_callbacks
):
    """The admin's inline saves rows (no m2m signal): the author's state before is
    read from the new row, so Ada, already visible, is not "created" again."""
    from blog.models import PostAuthor
    from blog.outbox import Event

    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        PostAuthor.objects.create(
            post=blog["posts"]["newest"], author=blog["authors"]["ada"], sort_order=1
        )
    assert list(Event.objects.values_list("type", flat=True)) == ["post.updated"]


def test_a_scheduled_first_post_announces_its_new_author_when_it_goes_live(
    blog, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from blog import events
    from blog.outbox import Event

    Event.objects.all().delete()
    scheduled = blog["posts"]["scheduled"]  # signed by "Drafts Only" and Ada
    Post.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    # Its pending row still says "in three days": the tick then.
    assert events.publish_due(now=timezone.now() + timedelta(days=4)) == 1
    kinds = sorted(Event.objects.values_list("type", "subject_id"))
    assert kinds == sorted([
        ("post.published", scheduled.uuid),
        ("author.created", blog["authors"]["ghost"].uuid),
    ])  # fmt: skip


def test_an_avatar_change_reaches_the_author_and_the_posts_showing_it(
    blog, django_capture_on_commit_callbacks
):
    from blog.outbox import Event

    with django_capture_on_commit_callbacks(execute=True):
        avatar = make_image(alt="Grace")
        grace = blog["authors"]["grace"]
        grace.avatar = avatar
        grace.save()
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        avatar.alt = "Grace Hopper, 1984"
        avatar.save()
    kinds = sorted(Event.objects.values_list("type", flat=True))
    assert kinds == ["author.updated", "post.updated", "post.updated"]
