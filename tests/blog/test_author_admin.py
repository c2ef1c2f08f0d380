"""The authors' admin (list, search, profile form, Merge into…, delete protection)
and the post editor's byline (the editor's own author by default, the order)."""

import json
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog.models import Author, Post, PostAuthor
from blog.redirects import SlugRedirect
from tests.factories import AuthorFactory, PostFactory, make_image

pytestmark = pytest.mark.django_db

LIST = "admin:blog_author_changelist"
ADD = "admin:blog_author_add"
BYLINE = "postauthor_set"  # the post form's byline inline


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def form_errors(response) -> dict:
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


def author_form(**overrides) -> dict:
    data = {
        "name": "Ada Lovelace", "slug": "ada", "bio": "", "avatar": "",
        "cover_image": "", "website": "", "location": "", "links": "[]", "user": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def post_form(bylines: list[tuple] | None = None, **overrides) -> dict:
    """The post add form; `bylines` are its inline rows: (author, sort_order)."""
    data = {
        "title": "A post", "slug": "", "summary": "", "body": "Words.",
        "status": "published", "published_at_0": "", "published_at_1": "",
    }  # fmt: skip
    rows = bylines or []
    data.update(
        {
            f"{BYLINE}-TOTAL_FORMS": str(len(rows)),
            f"{BYLINE}-INITIAL_FORMS": "0",
            f"{BYLINE}-MIN_NUM_FORMS": "0",
            f"{BYLINE}-MAX_NUM_FORMS": "1000",
        }
    )
    for index, (author, order) in enumerate(rows):
        data[f"{BYLINE}-{index}-author"] = "" if author is None else str(author.pk)
        data[f"{BYLINE}-{index}-sort_order"] = str(order)
    data.update(overrides)
    return data


# --- The list ------------------------------------------------------------------------


def test_the_list_shows_avatars_and_post_counts(editor, django_user_model):
    ada = AuthorFactory(name="Ada", avatar=make_image(alt="Ada's portrait"))
    grace = AuthorFactory(name="Grace", user=django_user_model.objects.create())
    PostFactory(authors=[ada])
    PostFactory(authors=[ada, grace])
    PostFactory(authors=[ada], draft=True)
    PostFactory(authors=[ada], scheduled=True)
    response = editor.get(reverse(LIST))
    assert response.status_code == 200
    rows = {
        author.name: (author.post_count, author.all_post_count)
        for author in response.context["cl"].result_list
    }
    assert rows == {"Ada": (2, 4), "Grace": (1, 1)}
    html = response.content.decode()
    assert html.count('class="image-thumbnail"') == 1
    assert 'alt="Ada&#x27;s portrait"' in html
    assert '<th class="field-avatar_thumbnail"><a href' in html
    assert "—" in html  # Grace has no avatar
    assert '<td class="field-visible_posts">2</td>' in html
    # All posts link to them, in the post list.
    assert f"?authors__id__exact={ada.pk}" in html
    logins = re.findall(r'field-has_login"><img src="[^"]+" alt="(\w+)"', html)
    assert logins == ["False", "True"]  # by name: Ada, then Grace


def test_the_list_is_in_name_order_and_sorts_by_counts(editor):
    few = AuthorFactory(name="Zed")
    many = AuthorFactory(name="Ada")
    PostFactory(authors=[few])
    PostFactory(authors=[many])
    PostFactory(authors=[many])
    names = [a.name for a in editor.get(reverse(LIST)).context["cl"].result_list]
    assert names == ["Ada", "Zed"]
    # The columns: avatar 1, name 2, slug 3, published posts 4.
    by_count = editor.get(reverse(LIST), {"o": "-4"}).context["cl"].result_list
    assert [a.name for a in by_count] == ["Ada", "Zed"]
    by_count = editor.get(reverse(LIST), {"o": "4"}).context["cl"].result_list
    assert [a.name for a in by_count] == ["Zed", "Ada"]


def list_queries(editor) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = editor.get(reverse(LIST))
    assert response.status_code == 200
    return len(queries)


def some_authors(count: int) -> None:
    image = make_image()
    for _ in range(count):
        author = AuthorFactory(avatar=image)
        PostFactory(authors=[author])
        PostFactory(authors=[author], draft=True)


def test_the_list_query_count_does_not_grow_with_authors(editor):
    some_authors(3)
    few = list_queries(editor)
    some_authors(7)
    # session, user, the count, the full count, the page (its counts are
    # subqueries, its avatars a join)
    assert few == list_queries(editor) == 5


@pytest.mark.parametrize(
    ("term", "found"),
    [("ada", ["Ada Lovelace"]), ("hopper", ["Grace Hopper"]),
     ("engine", ["Ada Lovelace"]), ("nobody", [])],
)  # fmt: skip
def test_the_search_looks_in_names_slugs_and_bios(editor, term, found):
    AuthorFactory(name="Ada Lovelace", slug="countess", bio="The analytical engine.")
    AuthorFactory(name="Grace", slug="grace-hopper", bio="Compilers.")
    AuthorFactory(name="Someone", slug="someone", bio="")
    Author.objects.filter(slug="grace-hopper").update(name="Grace Hopper")
    response = editor.get(reverse(LIST), {"q": term})
    assert [a.name for a in response.context["cl"].result_list] == found


def test_authors_are_searched_from_the_byline(editor):
    ada = AuthorFactory(name="Ada Lovelace")
    AuthorFactory(name="Grace Hopper")
    response = editor.get(
        reverse("admin:autocomplete"),
        {"app_label": "blog", "model_name": "postauthor", "field_name": "author",
         "term": "lovel"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(ada.pk), "text": "Ada Lovelace"}]


# --- The form ------------------------------------------------------------------------


def test_the_add_page_offers_the_image_library_and_the_login(editor):
    response = editor.get(reverse(ADD))
    html = response.content.decode()
    # "+" for the avatar and cover, and the social cards' images.
    assert html.count('data-model-ref="image"') == 4
    assert 'data-field-name="avatar"' in html
    assert 'data-field-name="cover_image"' in html
    assert 'data-field-name="user"' in html
    assert "Never shown to readers." in html
    (slug,) = response.context["adminform"].prepopulated_fields
    assert (slug["field"].name, [f.name for f in slug["dependencies"]]) == (
        "slug",
        ["name"],
    )


def test_the_form_saves_the_profile_and_its_links(editor, admin_user):
    avatar = make_image(alt="Portrait")
    cover = make_image(alt="Cover")
    links = [{"network": "mastodon", "url": "https://example.social/@ada"}]
    response = editor.post(
        reverse(ADD),
        author_form(
            bio="Wrote the first program.", avatar=avatar.pk, cover_image=cover.pk,
            website="https://ada.example", location="London",
            links=json.dumps(links), user=admin_user.pk,
        ),
    )  # fmt: skip
    assert response.status_code == 302, form_errors(response)
    author = Author.objects.get()
    assert (author.slug, author.avatar, author.cover_image) == ("ada", avatar, cover)
    assert (author.website, author.location) == ("https://ada.example", "London")
    assert author.links == links
    assert author.user == admin_user


@pytest.mark.parametrize(
    "links",
    [
        "not json",
        "{}",
        '"a string"',
        "[1]",
        '[{"network": "mastodon"}]',
        '[{"network": "", "url": "https://example.com"}]',
        '[{"network": "mastodon", "url": "ftp://example.com"}]',
        '[{"network": "mastodon", "url": "https://example.com", "extra": 1}]',
    ],
)
def test_a_bad_links_value_is_a_form_error(editor, links):
    response = editor.post(reverse(ADD), author_form(links=links))
    assert list(form_errors(response)) == ["links"]
    assert not Author.objects.exists()


@pytest.mark.parametrize("links", ["", "null", "[]"])
def test_no_links_are_stored_as_an_empty_list(editor, links):
    response = editor.post(reverse(ADD), author_form(links=links))
    assert response.status_code == 302, form_errors(response)
    assert Author.objects.get().links == []


def test_the_change_page_loads(editor):
    author = AuthorFactory(avatar=make_image(), links=[])
    response = editor.get(reverse("admin:blog_author_change", args=[author.pk]))
    assert response.status_code == 200


# --- Merge into… ---------------------------------------------------------------------


def merge(editor, sources, target=None, **extra):
    data = {"action": "merge", ACTION_CHECKBOX_NAME: [a.pk for a in sources], **extra}
    if target is not None:
        data.update({"apply": "Merge", "target": target.pk})
    return editor.post(reverse(LIST), data, follow=target is not None)


def test_the_merge_action_asks_for_the_target_first(editor):
    ada = AuthorFactory(name="Ada")
    PostFactory(authors=[ada])
    response = merge(editor, [ada])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada (1 post)" in html
    assert 'name="target"' in html
    assert 'data-model-name="postauthor"' in html  # the author search
    assert 'value="merge"' in html
    assert Author.objects.filter(pk=ada.pk).exists()


def test_an_author_cannot_be_merged_into_themselves(editor):
    ada = AuthorFactory(name="Ada")
    grace = AuthorFactory(name="Grace")
    post = PostFactory(authors=[ada])
    response = merge(editor, [ada, grace], target=ada)
    assert response.status_code == 200
    html = response.content.decode()
    assert "an author cannot be merged into themselves" in html
    assert Author.objects.count() == 2
    assert list(post.authors.all()) == [ada]


def test_merging_moves_the_posts_and_redirects_the_old_address(editor, api):
    ada = AuthorFactory(name="Ada", slug="ada")
    grace = AuthorFactory(name="Grace", slug="grace")
    alone = PostFactory(authors=[ada], slug="alone")
    both = PostFactory(authors=[grace, ada], slug="both")
    draft = PostFactory(authors=[ada], draft=True)
    response = merge(editor, [ada], target=grace)
    assert response.status_code == 200
    assert shown_messages(response) == [
        "Merged Ada into Grace: 3 posts moved; its old address now redirects to Grace."
    ]
    assert not Author.objects.filter(pk=ada.pk).exists()
    for post in (alone, both, draft):
        assert list(post.authors.all()) == [grace]
    redirect = SlugRedirect.objects.get(kind="author", old_slug="ada")
    assert redirect.author == grace
    assert [a["slug"] for a in api.get("/api/v1/posts/both/").json()["authors"]] == [
        "grace"
    ]


def test_an_author_readers_never_saw_leaves_no_redirect(editor):
    ada = AuthorFactory(name="Ada", slug="ada")
    grace = AuthorFactory(name="Grace")
    PostFactory(authors=[ada], draft=True)
    response = merge(editor, [ada], target=grace)
    assert shown_messages(response) == ["Merged Ada into Grace: 1 post moved."]
    assert not SlugRedirect.objects.filter(kind="author", old_slug="ada").exists()


def test_several_authors_merge_into_one(editor):
    ada, grace, hedy = (AuthorFactory(name=n) for n in ("Ada", "Grace", "Hedy"))
    PostFactory(authors=[ada])
    PostFactory(authors=[grace])
    response = merge(editor, [ada, grace], target=hedy)
    assert len(shown_messages(response)) == 2
    assert list(Author.objects.all()) == [hedy]
    assert PostAuthor.objects.filter(author=hedy).count() == 2


# --- Deleting ------------------------------------------------------------------------

REFUSED = (
    "“Ada” signs 3 posts and cannot be deleted. Merge them into another author "
    "first (action “Merge into…”)."
)


def test_deleting_an_author_who_signs_posts_is_refused(editor):
    ada = AuthorFactory(name="Ada")
    for _ in range(3):
        PostFactory(authors=[ada])
    url = reverse("admin:blog_author_delete", args=[ada.pk])
    page = editor.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert REFUSED in html
    assert "Post author:" not in html  # not Django's list of link rows
    assert 'name="post" value="yes"' not in html  # no confirm button
    response = editor.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Author.objects.filter(pk=ada.pk).exists()


def test_bulk_deleting_authors_who_sign_posts_is_refused(editor):
    ada = AuthorFactory(name="Ada")
    unsigned = AuthorFactory(name="Nobody")
    for _ in range(3):
        PostFactory(authors=[ada], draft=True)  # drafts count: they are bylines
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [ada.pk, unsigned.pk]}
    page = editor.post(reverse(LIST), data)
    assert page.status_code == 200
    assert REFUSED in page.content.decode()
    response = editor.post(reverse(LIST), {**data, "post": "yes"})
    assert response.status_code == 200
    assert Author.objects.count() == 2


def test_an_author_without_posts_can_be_deleted(editor):
    ada = AuthorFactory(name="Ada")
    url = reverse("admin:blog_author_delete", args=[ada.pk])
    assert "Are you sure" in editor.get(url).content.decode()
    response = editor.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Author.objects.exists()


def test_an_author_signed_after_the_confirmation_page_is_not_deleted(
    editor, monkeypatch
):
    from blog.author_admin import AuthorAdmin

    ada = AuthorFactory(name="Ada")
    PostFactory(authors=[ada])
    # The race: the confirmation page saw no byline.
    monkeypatch.setattr(
        AuthorAdmin, "get_deleted_objects", lambda self, objs, request: ([], {}, [], [])
    )
    response = editor.post(
        reverse("admin:blog_author_delete", args=[ada.pk]), {"post": "yes"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "admin:blog_author_change", args=[ada.pk]
    )
    assert any("was not deleted" in m for m in shown_messages(response))
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [ada.pk], "post": "yes"}
    response = editor.post(reverse(LIST), data, follow=True)
    assert response.status_code == 200
    assert any("was not deleted" in m for m in shown_messages(response))
    assert Author.objects.filter(pk=ada.pk).exists()


# --- The post editor's byline --------------------------------------------------------


def test_the_post_add_page_prefills_the_editors_own_author(editor, admin_user):
    own = AuthorFactory(name="Ada Lovelace", user=admin_user)
    response = editor.get(reverse("admin:blog_post_add"))
    (bylines,) = response.context["inline_admin_formsets"]
    assert [form.initial.get("author") for form in bylines.formset.forms] == [own.pk]
    html = response.content.decode()
    assert f'<option value="{own.pk}" selected>Ada Lovelace</option>' in html
    assert 'data-model-ref="author"' in html  # "+": a guest author
    assert "/static/blog/byline-inline.js" in html
    assert 'class="module byline-inline"' in html


def test_viewing_the_add_page_makes_no_author(editor, admin_user):
    admin_user.first_name, admin_user.last_name = "Ada", "Lovelace"
    admin_user.save()
    response = editor.get(reverse("admin:blog_post_add"))
    (bylines,) = response.context["inline_admin_formsets"]
    assert [form.initial.get("author") for form in bylines.formset.forms] == [None]
    assert not Author.objects.exists()


def test_the_change_page_shows_the_byline_in_order(editor):
    ada, grace = AuthorFactory(name="Ada"), AuthorFactory(name="Grace")
    post = PostFactory(authors=[grace, ada])
    response = editor.get(reverse("admin:blog_post_change", args=[post.pk]))
    (bylines,) = response.context["inline_admin_formsets"]
    assert [form.instance.author for form in bylines.formset.forms] == [grace, ada]


def test_a_new_post_without_a_byline_gets_the_editors_author(editor, admin_user):
    admin_user.first_name, admin_user.last_name = "Ada", "Lovelace"
    admin_user.save()
    response = editor.post(reverse("admin:blog_post_add"), post_form([(None, 0)]))
    assert response.status_code == 302, form_errors(response)
    post = Post.objects.get()
    (author,) = post.authors.all()
    assert (author.name, author.user) == ("Ada Lovelace", admin_user)
    # The next post reuses it.
    editor.post(reverse("admin:blog_post_add"), post_form(title="Again"))
    assert list(Post.objects.get(title="Again").authors.all()) == [author]
    assert Author.objects.count() == 1


def test_an_editor_without_a_full_name_signs_as_the_site(editor, admin_user, settings):
    assert not admin_user.get_full_name()
    response = editor.post(reverse("admin:blog_post_add"), post_form())
    assert response.status_code == 302, form_errors(response)
    (author,) = Post.objects.get().authors.all()
    assert (author.name, author.user) == (settings.SITE_AUTHOR_NAME, None)
    assert not Author.objects.filter(name=admin_user.username).exists()


def test_a_post_form_without_the_byline_rows_still_saves(editor, admin_user):
    data = {
        k: v for k, v in post_form().items() if not k.startswith(BYLINE)
    }  # (a page from before bylines)
    response = editor.post(reverse("admin:blog_post_add"), data)
    assert response.status_code == 302
    assert Post.objects.get().authors.count() == 1


def test_editing_an_unsigned_post_does_not_sign_it(editor):
    post = PostFactory(slug="unsigned")
    data = post_form(title="Edited", slug="unsigned")
    response = editor.post(reverse("admin:blog_post_change", args=[post.pk]), data)
    assert response.status_code == 302, form_errors(response)
    assert not post.authors.exists()


def test_the_byline_order_saved_is_the_apis(editor, api):
    ada = AuthorFactory(name="Ada", slug="ada")
    grace = AuthorFactory(name="Grace", slug="grace")
    response = editor.post(
        reverse("admin:blog_post_add"),
        post_form([(ada, 1), (grace, 0)], slug="pair"),
    )
    assert response.status_code == 302, form_errors(response)
    shown = api.get("/api/v1/posts/pair/").json()
    assert [a["slug"] for a in shown["authors"]] == ["grace", "ada"]
    assert shown["primary_author"]["slug"] == "grace"
    post = Post.objects.get()
    orders = PostAuthor.objects.filter(post=post).values_list("author", "sort_order")
    assert sorted(orders) == sorted([(grace.pk, 0), (ada.pk, 1)])


def test_hand_typed_numbers_are_stored_as_0_to_n(editor, api):
    ada, grace, hedy = (AuthorFactory(slug=s) for s in ("ada", "grace", "hedy"))
    response = editor.post(
        reverse("admin:blog_post_add"),
        post_form([(ada, 7), (grace, 2), (hedy, 7)], slug="three"),
    )
    assert response.status_code == 302, form_errors(response)
    shown = api.get("/api/v1/posts/three/").json()
    assert [a["slug"] for a in shown["authors"]] == ["grace", "ada", "hedy"]
    orders = PostAuthor.objects.order_by("sort_order").values_list("sort_order")
    assert [order for (order,) in orders] == [0, 1, 2]


def test_reordering_an_existing_byline(editor, api):
    ada = AuthorFactory(name="Ada", slug="ada")
    grace = AuthorFactory(name="Grace", slug="grace")
    post = PostFactory(authors=[ada, grace], slug="pair")
    links = {link.author_id: link for link in PostAuthor.objects.filter(post=post)}
    data = post_form(title=post.title, slug="pair")
    data.update(
        {
            f"{BYLINE}-TOTAL_FORMS": "2",
            f"{BYLINE}-INITIAL_FORMS": "2",
            f"{BYLINE}-0-id": links[ada.pk].pk,
            f"{BYLINE}-0-post": post.pk,
            f"{BYLINE}-0-author": ada.pk,
            f"{BYLINE}-0-sort_order": "1",
            f"{BYLINE}-1-id": links[grace.pk].pk,
            f"{BYLINE}-1-post": post.pk,
            f"{BYLINE}-1-author": grace.pk,
            f"{BYLINE}-1-sort_order": "0",
        }
    )
    response = editor.post(reverse("admin:blog_post_change", args=[post.pk]), data)
    assert response.status_code == 302, form_errors(response)
    shown = api.get("/api/v1/posts/pair/").json()
    assert [a["slug"] for a in shown["authors"]] == ["grace", "ada"]


def test_the_same_author_twice_is_a_form_error(editor):
    ada = AuthorFactory(name="Ada")
    response = editor.post(
        reverse("admin:blog_post_add"), post_form([(ada, 0), (ada, 1)])
    )
    assert response.status_code == 200
    (bylines,) = response.context["inline_admin_formsets"]
    assert bylines.formset.non_form_errors()
    assert not Post.objects.exists()


def test_the_post_list_shows_the_byline_in_order(editor):
    ada, grace = AuthorFactory(name="Ada"), AuthorFactory(name="Grace")
    PostFactory(authors=[grace, ada])
    html = editor.get(reverse("admin:blog_post_changelist")).content.decode()
    assert '<td class="field-author_names">Grace, Ada</td>' in html


def test_the_post_list_filters_by_author(editor):
    ada, grace = AuthorFactory(name="Ada"), AuthorFactory(name="Grace")
    PostFactory(authors=[ada], title="By Ada")
    PostFactory(authors=[grace], title="By Grace")
    response = editor.get(
        reverse("admin:blog_post_changelist"), {"authors__id__exact": ada.pk}
    )
    assert [str(p) for p in response.context["cl"].result_list] == ["By Ada"]


def post_list_queries(editor) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = editor.get(reverse("admin:blog_post_changelist"))
    assert response.status_code == 200
    return len(queries)


def test_the_post_list_bylines_cost_no_query_per_row(editor):
    authors = [AuthorFactory() for _ in range(3)]
    for _ in range(3):
        PostFactory(authors=authors)
    few = post_list_queries(editor)
    for _ in range(7):
        PostFactory(authors=authors)
    assert post_list_queries(editor) == few


def test_the_prefilled_row_is_saved_as_sent(editor, admin_user):
    own = AuthorFactory(name="Ada", user=admin_user)
    grace = AuthorFactory(name="Grace")
    response = editor.post(
        reverse("admin:blog_post_add"), post_form([(own, 0), (grace, 1)])
    )
    assert response.status_code == 302, form_errors(response)
    assert list(Post.objects.get().authors.order_by("postauthor__sort_order")) == [
        own,
        grace,
    ]


def test_author_pages_carry_no_inline_script(editor):
    ada = AuthorFactory(name="Ada", avatar=make_image())
    pages = [
        editor.get(reverse(LIST)),
        editor.get(reverse(ADD)),
        editor.get(reverse("admin:blog_author_change", args=[ada.pk])),
        editor.get(reverse("admin:blog_author_delete", args=[ada.pk])),
        merge(editor, [ada]),
    ]
    for response in pages:
        assert response.status_code == 200
        assert "script-src 'self'" in response["Content-Security-Policy"]
        html = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
        assert all(not body.strip() for body in scripts), response.request["PATH_INFO"]
