"""Slug changes (the contract's "Slug changes"): old addresses answer 301 to the
current ones, chains collapse, loops cannot form, and nothing hidden leaks."""

import pytest

from blog.models import Author, Post, Tag
from blog.redirects import REDIRECTED, SlugRedirect
from tests.factories import AuthorFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def rename(obj, slug: str, capture) -> None:
    with capture(execute=True):  # committed as far as the content version can tell
        obj.slug = slug
        obj.save()


def test_an_old_post_address_answers_301_to_the_current_one(
    api, blog, django_capture_on_commit_callbacks
):
    rename(blog["posts"]["both"], "both-renamed", django_capture_on_commit_callbacks)
    response = api.get("/api/v1/posts/both/", {"utm_source": "feed"})
    assert response.status_code == 301
    location = "http://testserver/api/v1/posts/both-renamed/?utm_source=feed"
    assert response["Location"] == location
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response.json() == {
        "status": 301,
        "code": "moved_permanently",
        "detail": f"This address has moved to {location}.",
        "location": location,
    }
    assert api.get("/api/v1/posts/both-renamed/").status_code == 200


def test_a_chain_collapses_and_a_rename_back_makes_no_loop(
    api, blog, django_capture_on_commit_callbacks
):
    post = blog["posts"]["oldest"]
    rename(post, "b", django_capture_on_commit_callbacks)
    rename(post, "c", django_capture_on_commit_callbacks)
    for old in ("oldest", "b"):  # a -> b -> c: both lead straight to c
        response = api.get(f"/api/v1/posts/{old}/")
        assert response["Location"] == "http://testserver/api/v1/posts/c/"
    rename(post, "oldest", django_capture_on_commit_callbacks)  # back to a
    assert api.get("/api/v1/posts/oldest/").status_code == 200
    for old in ("b", "c"):
        assert api.get(f"/api/v1/posts/{old}/")["Location"].endswith("/posts/oldest/")
    assert not SlugRedirect.objects.filter(old_slug="oldest").exists()


def test_renaming_something_never_visible_leaves_no_redirect(
    api, blog, django_capture_on_commit_callbacks
):
    rename(blog["posts"]["draft"], "draft-renamed", django_capture_on_commit_callbacks)
    rename(blog["posts"]["scheduled"], "later", django_capture_on_commit_callbacks)
    rename(blog["authors"]["ghost"], "no-posts-yet", django_capture_on_commit_callbacks)
    assert not SlugRedirect.objects.exists()
    assert api.get("/api/v1/posts/secret-draft/").status_code == 404


def test_a_slug_taken_over_answers_for_its_new_owner(
    api, blog, django_capture_on_commit_callbacks
):
    rename(blog["posts"]["newest"], "newest-v2", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = PostFactory(slug="newest", title="A new post on the old address")
    body = api.get("/api/v1/posts/newest/").json()
    assert (body["id"], body["title"]) == (
        str(newcomer.uuid),
        "A new post on the old address",
    )
    assert not SlugRedirect.objects.filter(kind="post", old_slug="newest").exists()


def test_an_old_slug_of_a_hidden_post_is_a_404_that_does_not_name_the_new_one(
    api, blog, django_capture_on_commit_callbacks
):
    post = blog["posts"]["career"]
    rename(post, "secret-new-name", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        post.status = Post.Status.DRAFT
        post.save()
    response = api.get("/api/v1/posts/career-post/")
    assert response.status_code == 404
    assert b"secret-new-name" not in response.content
    assert "Location" not in response
    assert api.get("/api/v1/redirects/").json()["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        post.status = Post.Status.PUBLISHED
        post.save()  # visible again: the old address works again
    assert api.get("/api/v1/posts/career-post/").status_code == 301


def test_every_old_detail_path_of_a_tag_and_an_author_redirects(
    api, blog, django_capture_on_commit_callbacks
):
    rename(Tag.objects.get(slug="elixir"), "beam", django_capture_on_commit_callbacks)
    rename(
        Author.objects.get(slug="ada"), "lovelace", django_capture_on_commit_callbacks
    )
    for old, new in [
        ("/api/v1/tags/elixir/", "/api/v1/tags/beam/"),
        (
            "/api/v1/tags/elixir/posts/?page_size=1",
            "/api/v1/tags/beam/posts/?page_size=1",
        ),
        ("/api/v1/tags/elixir/feeds/rss/", "/api/v1/tags/beam/feeds/rss/"),
        ("/api/v1/authors/ada/", "/api/v1/authors/lovelace/"),
        ("/api/v1/authors/ada/posts/", "/api/v1/authors/lovelace/posts/"),
        ("/api/v1/authors/ada/feeds/json/", "/api/v1/authors/lovelace/feeds/json/"),
    ]:
        response = api.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == f"http://testserver{new}"
        assert response.json()["code"] == "moved_permanently"
        assert api.get(new).status_code == 200, new


def test_the_redirect_list_names_api_paths_and_front_end_urls(
    api, blog, settings, django_capture_on_commit_callbacks
):
    settings.FRONTEND_POST_URL = "https://www.example.com/blog/{slug}/"
    rename(blog["posts"]["both"], "both-renamed", django_capture_on_commit_callbacks)
    rename(Tag.objects.get(slug="career"), "jobs", django_capture_on_commit_callbacks)
    body = api.get("/api/v1/redirects/").json()
    assert body == {
        "count": 2,
        "results": [
            {
                "type": "post",
                "from": "/api/v1/posts/both/",
                "to": "/api/v1/posts/both-renamed/",
                "from_public": "https://www.example.com/blog/both/",
                "to_public": "https://www.example.com/blog/both-renamed/",
            },
            {
                "type": "tag",
                "from": "/api/v1/tags/career/",
                "to": "/api/v1/tags/jobs/",
                "from_public": None,  # FRONTEND_TAG_URL is unset
                "to_public": None,
            },
        ],
    }


def test_merging_an_author_leaves_a_redirect_to_the_other(
    api, blog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moved = Author.objects.get(slug="grace").merge_into(
            Author.objects.get(slug="ada")
        )
    assert moved == 2
    response = api.get("/api/v1/authors/grace/posts/")
    assert response["Location"] == "http://testserver/api/v1/authors/ada/posts/"
    assert api.get("/api/v1/authors/ada/").json()["post_count"] == 3
    byline = api.get("/api/v1/posts/both/").json()["authors"]
    assert [a["slug"] for a in byline] == ["ada"]  # signed by both: once


def test_a_redirect_is_cheap_once_per_content_version(
    api, blog, django_capture_on_commit_callbacks, django_assert_num_queries
):
    rename(blog["posts"]["both"], "both-renamed", django_capture_on_commit_callbacks)
    api.get("/api/v1/posts/both/")
    with django_assert_num_queries(1):  # only the post lookup; redirects are kept
        assert api.get("/api/v1/posts/both/").status_code == 301


def test_every_model_with_a_public_detail_path_keeps_its_old_addresses():
    from api import urls

    kinds = {
        str(pattern.pattern).split("/")[0].removesuffix("s")
        for pattern in urls.urlpatterns
        if "<contentslug:slug>" in str(pattern.pattern)
    }
    assert kinds == set(REDIRECTED.values())


def test_a_rename_renews_the_version_in_its_own_transaction(
    api, blog, django_capture_on_commit_callbacks
):
    before = api.get("/api/v1/posts/both/")
    rename(blog["posts"]["both"], "both-renamed", django_capture_on_commit_callbacks)
    again = api.get("/api/v1/posts/both/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert again.status_code == 301  # not a stale 304 of the old answer


def test_a_new_tag_on_an_old_tag_slug_takes_it(
    api, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        old = TagFactory(slug="python", name="Python")
        PostFactory(tags=[old], authors=[AuthorFactory()])
    rename(old, "python-lang", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        TagFactory(slug="python", name="Python (the snake)")
    assert api.get("/api/v1/tags/python/").json()["name"] == "Python (the snake)"


def test_a_draft_on_an_old_slug_leaves_the_redirect_until_it_is_published(
    api, blog, django_capture_on_commit_callbacks
):
    rename(blog["posts"]["both"], "both-v2", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        draft = PostFactory(slug="both", draft=True)
    assert api.get("/api/v1/posts/both/")["Location"].endswith("/posts/both-v2/")
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Post.Status.PUBLISHED
        draft.save()
    assert api.get("/api/v1/posts/both/").json()["id"] == str(draft.uuid)
    assert api.get("/api/v1/redirects/").json()["count"] == 0
