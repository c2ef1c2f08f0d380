import pytest

from tests.factories import PostFactory, TagFactory, make_image

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


def test_the_list_shows_visible_posts_newest_first(api, blog):
    response = api.get(POSTS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert slugs(response) == ["newest", "career-post", "both", "oldest"]
    assert response.json()["count"] == 4


def test_a_list_item_has_exactly_the_summary_fields(api, blog):
    item = api.get(POSTS).json()["results"][2]
    assert set(item) == {
        "id", "slug", "title", "summary", "published_at", "updated_at",
        "reading_time_minutes", "featured", "tags", "authors", "primary_author",
        "feature_image", "url", "public_url",
    }  # fmt: skip
    assert item["feature_image"] is None
    assert item["id"] == str(blog["posts"]["both"].uuid)
    tags = blog["tags"]
    assert item["tags"] == [
        {"id": str(tags["elixir"].uuid), "slug": "elixir", "name": "Elixir"},
        {"id": str(tags["engineering"].uuid), "slug": "engineering",
         "name": "Engineering"},
    ]  # fmt: skip
    assert item["url"] == "http://testserver/api/v1/posts/both/"
    assert item["published_at"].endswith("Z")
    assert len(item["published_at"]) == len("2026-11-26T07:08:14Z")
    assert item["featured"] is True


def test_filter_by_one_tag(api, blog):
    assert slugs(api.get(POSTS, {"tag": "elixir"})) == ["both"]


def test_several_tags_match_any_by_default_without_duplicates(api, blog):
    response = api.get(f"{POSTS}?tag=engineering&tag=elixir")
    assert slugs(response) == ["newest", "both", "oldest"]


def test_tag_match_all_requires_every_tag(api, blog):
    response = api.get(f"{POSTS}?tag=engineering&tag=elixir&tag_match=all")
    assert slugs(response) == ["both"]


def test_exclude_tag_leaves_posts_out(api, blog):
    assert slugs(api.get(POSTS, {"exclude_tag": "engineering"})) == ["career-post"]


def test_featured_filters_both_ways(api, blog):
    assert slugs(api.get(POSTS, {"featured": "true"})) == ["both"]
    assert "both" not in slugs(api.get(POSTS, {"featured": "false"}))


def test_search_matches_title_summary_and_body(api, blog):
    PostFactory(slug="needle", title="Supervision trees", body="x", summary="y")
    PostFactory(slug="in-summary", title="t", summary="Supervision again", body="x")
    PostFactory(slug="in-body", title="t2", summary="y", body="on supervision")
    found = set(slugs(api.get(POSTS, {"search": "supervision"})))
    assert found == {"needle", "in-summary", "in-body"}


def test_search_never_finds_hidden_posts(api, blog):
    PostFactory(slug="hidden-draft", title="Zebra stripes", draft=True)
    PostFactory(slug="hidden-future", title="Zebra crossing", scheduled=True)
    assert slugs(api.get(POSTS, {"search": "zebra"})) == []


@pytest.mark.postgres
def test_search_ranks_title_matches_first_and_uses_web_syntax(api, db):
    PostFactory(slug="body-only", title="Other", summary="s", body="queues " * 3)
    PostFactory(slug="title-hit", title="Queues in practice", summary="s", body="x")
    assert slugs(api.get(POSTS, {"search": "queue"})) == ["title-hit", "body-only"]
    assert slugs(api.get(POSTS, {"search": "queue -practice"})) == ["body-only"]
    assert slugs(api.get(POSTS, {"search": '"in practice"'})) == ["title-hit"]


def test_an_explicit_ordering_overrides_search_ranking(api, db):
    PostFactory(slug="b-post", title="Bravo queue")
    PostFactory(slug="a-post", title="Alpha queue")
    response = api.get(POSTS, {"search": "queue", "ordering": "title"})
    assert slugs(response) == ["a-post", "b-post"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-published_at", ["newest", "career-post", "both", "oldest"]),
        ("published_at", ["oldest", "both", "career-post", "newest"]),
        ("title", ["both", "career-post", "newest", "oldest"]),
        ("-title", ["oldest", "newest", "career-post", "both"]),
    ],
)
def test_ordering(api, blog, ordering, expected):
    assert slugs(api.get(POSTS, {"ordering": ordering})) == expected


def test_published_bounds_are_inclusive_and_dates_cover_whole_days(api, db):
    from datetime import UTC, datetime

    PostFactory(slug="morning", published_at=datetime(2025, 3, 1, 0, 0, tzinfo=UTC))
    PostFactory(slug="night", published_at=datetime(2025, 3, 1, 23, 59, tzinfo=UTC))
    PostFactory(slug="next-day", published_at=datetime(2025, 3, 2, 0, 0, tzinfo=UTC))
    day = {"published_after": "2025-03-01", "published_before": "2025-03-01"}
    assert slugs(api.get(POSTS, day)) == ["night", "morning"]
    exact = {
        "published_after": "2025-03-01T23:59:00",
        "published_before": "2025-03-02T00:00:00Z",
    }
    assert slugs(api.get(POSTS, exact)) == ["next-day", "night"]
    offset = {
        "published_before": "2025-03-01T01:00:00+02:00"
    }  # 23:00 UTC the day before
    assert slugs(api.get(POSTS, offset)) == []


def test_year_filters_by_utc_year(api, db):
    from datetime import UTC, datetime

    PostFactory(
        slug="last-of-2024", published_at=datetime(2024, 12, 31, 23, 59, tzinfo=UTC)
    )
    PostFactory(slug="first-of-2025", published_at=datetime(2025, 1, 1, tzinfo=UTC))
    assert slugs(api.get(POSTS, {"year": "2025"})) == ["first-of-2025"]


def test_empty_and_unknown_parameters_are_ignored(api, blog):
    response = api.get(f"{POSTS}?tag=&search=&featured=&ordering=&year=&utm_source=x")
    assert response.status_code == 200
    assert response.json()["count"] == 4


def test_pagination_defaults_to_twenty_with_absolute_links(api, db):
    for _ in range(25):
        PostFactory()
    body = api.get(POSTS).json()
    assert len(body["results"]) == 20
    assert body["next"] == "http://testserver/api/v1/posts/?page=2"
    assert body["previous"] is None
    second = api.get(POSTS, {"page": 2}).json()
    assert len(second["results"]) == 5
    assert second["previous"] == "http://testserver/api/v1/posts/"


def test_page_size_is_clamped_at_one_hundred(api, db):
    PostFactory.create_batch(3)
    response = api.get(POSTS, {"page_size": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_page_past_the_end_is_a_json_404(api, blog):
    response = api.get(POSTS, {"page": 99})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_empty_list_still_has_page_one(api, db):
    response = api.get(POSTS)
    assert response.status_code == 200
    assert response.json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_the_list_costs_four_queries_whatever_the_page_size_or_tags(
    api, db, content_version, django_assert_num_queries
):
    tags = [TagFactory() for _ in range(6)]
    for i in range(60):
        PostFactory(tags=tags[: i % 6 + 1])
    # The tag and author directories, the count, the page.
    with django_assert_num_queries(4):
        assert api.get(POSTS, {"tag": [t.slug for t in tags[:3]]}).status_code == 200
    # The directory and each filter's count are kept for the content version.
    with django_assert_num_queries(2):  # the count of all posts, the page
        assert api.get(POSTS).status_code == 200
    for params in ({"page_size": 100}, {"page": 2, "page_size": 7}):
        with django_assert_num_queries(1):  # the page
            assert api.get(POSTS, params).status_code == 200


def test_the_detail_has_every_field_of_the_contract(api, blog):
    body = api.get("/api/v1/posts/both/").json()
    assert set(body) >= {
        "id", "slug", "title", "summary", "published_at", "updated_at",
        "reading_time_minutes", "featured", "tags", "url", "body_markdown",
        "body_html", "word_count", "toc", "previous", "next", "related",
        "feature_image", "images",
    }  # fmt: skip
    assert body["toc"] == [
        {"level": 2, "id": "why-it-matters", "text": "Why it matters"}
    ]
    assert '<h2 id="why-it-matters">' in body["body_html"]
    assert 'class="language-python"' in body["body_html"]
    assert body["url"] == "http://testserver/api/v1/posts/both/"


def test_previous_and_next_skip_hidden_posts(api, blog):
    newest = api.get("/api/v1/posts/newest/").json()
    assert newest["next"] is None  # the scheduled post is newer but invisible
    assert newest["previous"]["slug"] == "career-post"
    assert set(newest["previous"]) == {"id", "slug", "title", "published_at"}
    oldest = api.get("/api/v1/posts/oldest/").json()
    assert oldest["previous"] is None
    assert oldest["next"]["slug"] == "both"


def test_related_posts_share_a_tag_and_are_visible(api, blog):
    related = api.get("/api/v1/posts/both/").json()["related"]
    assert [post["slug"] for post in related] == ["newest", "oldest"]
    assert "body_html" not in related[0]


def test_related_posts_are_at_most_three(api, db):
    tag = TagFactory()
    posts = [PostFactory(tags=[tag]) for _ in range(6)]
    related = api.get(f"/api/v1/posts/{posts[0].slug}/").json()["related"]
    assert [p["slug"] for p in related] == [p.slug for p in posts[:0:-1]][:3]


@pytest.mark.parametrize("slug", ["secret-draft", "future-post", "no-such-post"])
def test_hidden_or_unknown_posts_are_a_json_404(api, blog, slug):
    response = api.get(f"/api/v1/posts/{slug}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_detail_costs_six_queries_then_four(
    api, blog, content_version, django_assert_num_queries
):
    # The post, the tag and author directories, the older and the newer post, the
    # related posts (no images: their query is not made), the site's settings
    # (`seo`; once per content version, like the directories).
    with django_assert_num_queries(7):
        assert api.get("/api/v1/posts/both/").status_code == 200
    with django_assert_num_queries(4):  # the directories are kept for the version
        assert api.get("/api/v1/posts/oldest/").status_code == 200


def test_images_cost_the_detail_one_query_however_many(
    api, content_version, django_assert_num_queries
):
    tag = TagFactory()
    figures = [make_image(alt=f"Figure {n}") for n in range(3)]
    inline = "\n\n".join(f"![](image:{image.uuid})" for image in figures)
    for image in figures:
        PostFactory(tags=[tag], feature_image=image)  # related posts with covers
    post = PostFactory(tags=[tag], feature_image=figures[0], body=inline)
    with django_assert_num_queries(8):  # one more than without: all the images
        body = api.get(f"/api/v1/posts/{post.slug}/").json()
    assert body["feature_image"]["id"] == str(figures[0].uuid)
    assert [image["id"] for image in body["images"]] == [
        str(image.uuid) for image in figures
    ]
    assert all(related["feature_image"] for related in body["related"])
    assert body["body_html"].count("<figure><picture>") == 3


def test_covers_cost_a_list_one_query_more_once_per_version(
    api, content_version, django_assert_num_queries
):
    tag = TagFactory()
    covers = [make_image(alt=f"Cover {n}") for n in range(4)]
    for n in range(30):
        PostFactory(tags=[tag], feature_image=covers[n % 4])
    api.get(POSTS, {"page_size": 1})  # the tag directory, the count, one cover
    with django_assert_num_queries(2):  # the page, the covers not shown yet
        assert len(api.get(POSTS, {"page_size": 5}).json()["results"]) == 5
    for size in (5, 20):
        with django_assert_num_queries(1):  # the page: its covers are kept too
            page = api.get(POSTS, {"page_size": size}).json()["results"]
        assert len(page) == size
        assert all(post["feature_image"]["width"] == 800 for post in page)


def test_drafts_and_scheduled_posts_never_appear_in_any_list(api, blog):
    hidden = {"secret-draft", "future-post"}
    for url in (POSTS, "/api/v1/tags/engineering/posts/", f"{POSTS}?tag=elixir"):
        assert hidden.isdisjoint(slugs(api.get(url)))
    index = api.get("/api/v1/index/").json()["results"]
    assert hidden.isdisjoint(entry["slug"] for entry in index)
    for post in ("newest", "both", "oldest"):
        body = api.get(f"/api/v1/posts/{post}/").json()
        linked = {body["previous"] and body["previous"]["slug"]}
        linked |= {body["next"] and body["next"]["slug"]}
        linked |= {related["slug"] for related in body["related"]}
        assert hidden.isdisjoint(linked)


@pytest.mark.parametrize(
    "value",
    ["2025-03-01T12:00", "20250301", "2025-W09-6", "2025-03-01 12:00:00", "2025-3-1"],
)
def test_dates_must_be_iso_dates_or_rfc_3339_datetimes(api, blog, value):
    assert api.get(POSTS, {"published_after": value}).status_code == 400


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-01",
        "2025-03-01T12:00:00",
        "2025-03-01T12:00:00.5Z",
        "2025-03-01t12:00:00z",
        "2025-03-01T12:00:00+02:00",
    ],
)
def test_dates_and_datetimes_in_every_documented_form_are_accepted(api, blog, value):
    assert api.get(POSTS, {"published_after": value}).status_code == 200


def test_a_post_without_tags_has_an_empty_list_everywhere(api, db):
    PostFactory(slug="untagged", tags=[])
    assert api.get(POSTS).json()["results"][0]["tags"] == []
    assert api.get(f"{POSTS}untagged/").json()["tags"] == []
    assert api.get("/api/v1/index/").json()["results"][0]["tags"] == []


def _ranks(api, search: str) -> bool:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert api.get(POSTS, {"search": search}).status_code == 200
    return any("ts_rank" in query["sql"] for query in queries)


@pytest.mark.postgres
def test_a_search_that_requires_no_term_is_newest_first_not_ranked(api, db):
    PostFactory(slug="older", title="Queue theory")
    PostFactory(slug="newer", title="Something else")
    assert slugs(api.get(POSTS, {"search": "-zebra"})) == ["newer", "older"]
    assert slugs(api.get(POSTS, {"search": "-queue"})) == ["newer"]
    assert not _ranks(api, "-zebra")
    assert not _ranks(api, "queue or -zebra")
    assert _ranks(api, "queue -zebra")


@pytest.mark.postgres
def test_a_search_of_stop_words_only_finds_nothing_and_reads_no_post(
    api, db, content_version, django_assert_num_queries
):
    PostFactory(title="The and of")
    api.get(POSTS)  # the tag directory, once per version
    with django_assert_num_queries(1) as captured:  # only PostgreSQL's querytree()
        response = api.get(POSTS, {"search": "the and"})
    assert response.json()["count"] == 0
    assert "querytree" in captured.captured_queries[0]["sql"]
