import pytest
from django.urls import reverse

from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(admin_client):
    return admin_client


@pytest.mark.parametrize(
    "url_name",
    ["admin:blog_post_changelist", "admin:blog_post_add", "admin:blog_tag_changelist",
     "admin:blog_tag_add"],
)  # fmt: skip
def test_admin_pages_load_for_staff(editor, url_name):
    PostFactory(tags=[TagFactory()])
    assert editor.get(reverse(url_name)).status_code == 200


def test_the_post_change_page_loads(editor):
    post = PostFactory(tags=[TagFactory()])
    response = editor.get(reverse("admin:blog_post_change", args=[post.pk]))
    assert response.status_code == 200
    assert post.title in response.content.decode()


def test_the_post_list_shows_draft_scheduled_and_published(editor):
    PostFactory(draft=True)
    PostFactory(scheduled=True)
    PostFactory()
    html = editor.get(reverse("admin:blog_post_changelist")).content.decode()
    for label in ("Draft", "Scheduled", "Published"):
        assert f">{label}</strong>" in html


@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
def test_the_status_filter_selects_that_state(editor, state):
    PostFactory(draft=True, title="A draft")
    PostFactory(scheduled=True, title="A scheduled one")
    PostFactory(title="A live one")
    expected = {"draft": "A draft", "scheduled": "A scheduled one",
                "published": "A live one"}  # fmt: skip
    response = editor.get(reverse("admin:blog_post_changelist"), {"state": state})
    shown = [str(post) for post in response.context["cl"].result_list]
    assert shown == [expected[state]]


def test_the_admin_search_looks_in_the_body(editor):
    PostFactory(body="the needle is here")
    PostFactory(body="nothing")
    response = editor.get(reverse("admin:blog_post_changelist"), {"q": "needle"})
    assert len(response.context["cl"].result_list) == 1


def test_the_post_list_query_count_does_not_grow_with_rows(
    editor, django_assert_max_num_queries
):
    tags = [TagFactory() for _ in range(3)]
    for _ in range(30):
        PostFactory(tags=tags)
    with django_assert_max_num_queries(12):
        editor.get(reverse("admin:blog_post_changelist"))


def test_the_tag_list_shows_visible_post_counts(editor):
    tag = TagFactory(name="Elixir")
    PostFactory(tags=[tag])
    PostFactory(tags=[tag], draft=True)
    response = editor.get(reverse("admin:blog_tag_changelist"))
    assert response.context["cl"].result_list[0].post_count == 1


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(reverse("admin:blog_post_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_saving_a_post_in_the_admin_computes_derived_fields(editor):
    tag = TagFactory()
    response = editor.post(
        reverse("admin:blog_post_add"),
        {
            "title": "Written in the admin",
            "slug": "",
            "summary": "A summary.",
            "body": "## Hello\n\nSome words.",
            "status": "published",
            "published_at_0": "",
            "published_at_1": "",
            "tags": [tag.pk],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    from blog.models import Post

    post = Post.objects.get(slug="written-in-the-admin")
    assert post.published_at is not None
    assert post.toc == [{"level": 2, "id": "hello", "text": "Hello"}]
    assert list(post.tags.all()) == [tag]
