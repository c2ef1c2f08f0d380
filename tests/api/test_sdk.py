"""The Python SDK a team generates from the committed schema reads the live API.

openapi-python-client (the generator the README gives teams) turns the committed
tests/api/openapi.yaml into a package; every operation is then called through its
generated sync function against a live server, and the answers must parse into the
generated models with no field left over. (TypeScript: .ci/sdk.sh and tests/sdk/.)
"""

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import attrs
import pytest
import yaml

from tests.factories import AuthorFactory, PostFactory, TagFactory

SCHEMA = Path(__file__).with_name("openapi.yaml")
PACKAGE = "writing_api_client"
# operationId -> the module openapi-python-client generates for it.
OPERATIONS = {
    "getApiRoot": "api.meta.get_api_root",
    "listPosts": "api.posts.list_posts",
    "getPost": "api.posts.get_post",
    "getIndex": "api.posts.get_index",
    "listTags": "api.tags.list_tags",
    "getTag": "api.tags.get_tag",
    "listTagPosts": "api.tags.list_tag_posts",
    "listAuthors": "api.authors.list_authors",
    "getAuthor": "api.authors.get_author",
    "listAuthorPosts": "api.authors.list_author_posts",
    "listRedirects": "api.redirects.list_redirects",
    "listPages": "api.pages.list_pages",
    "getPage": "api.pages.get_page",
    "getPagePreview": "api.preview.get_page_preview",
    "getSite": "api.site.get_site",
    "getPreview": "api.preview.get_preview",
    **{
        f"get{kind}{name}Feed": f"api.feeds.get_{kind.lower()}{'_' if kind else ''}"
        f"{name.lower()}_feed"
        for kind in ("", "Tag", "Author")
        for name in ("Rss", "Atom", "Json")
    },
    "getSitemapIndex": "api.sitemaps.get_sitemap_index",
    "getSitemap": "api.sitemaps.get_sitemap",
}
# The README's generator configuration: XML answers (feeds, sitemaps) read as text.
CONFIG = Path(__file__).parents[1] / "sdk" / "openapi-python-client.yaml"


@pytest.fixture(scope="module")
def generation(tmp_path_factory) -> SimpleNamespace:
    output = tmp_path_factory.mktemp("sdk") / PACKAGE
    # The generator formats its output with ruff (its post-hooks): the venv's copy.
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ["PATH"]])}
    run = subprocess.run(
        [
            Path(bin_dir) / "openapi-python-client",
            "generate",
            "--path",
            SCHEMA,
            "--output-path",
            output,
            "--meta",
            "none",
            "--config",
            CONFIG,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return SimpleNamespace(
        package_dir=output, returncode=run.returncode, log=run.stdout + run.stderr
    )


@pytest.fixture(scope="module")
def sdk(generation) -> Iterator[SimpleNamespace]:
    """The generated package, imported: its operation modules, models and Client."""
    assert generation.returncode == 0, generation.log
    sys.path.insert(0, str(generation.package_dir.parent))
    importlib.invalidate_caches()
    try:
        package = importlib.import_module(PACKAGE)
        modules = {
            operation_id: importlib.import_module(f"{PACKAGE}.{module}")
            for operation_id, module in OPERATIONS.items()
        }
        yield SimpleNamespace(
            Client=package.Client,
            models=importlib.import_module(f"{PACKAGE}.models"),
            **modules,
        )
    finally:
        sys.path.remove(str(generation.package_dir.parent))
        for name in [n for n in sys.modules if n.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def api_client(sdk, live_server):
    # Undocumented statuses raise instead of parsing to None.
    client = sdk.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    with client:
        yield client


@pytest.fixture
def small_blog(transactional_db) -> None:
    """Four visible posts (oldest first) on three tags by two authors (a third has
    only a draft), a draft, a scheduled post."""
    engineering = TagFactory(slug="engineering", name="Engineering")
    elixir = TagFactory(slug="elixir", name="Elixir")
    career = TagFactory(slug="career", name="Career")
    ada = AuthorFactory(slug="ada", name="Ada Lovelace")
    grace = AuthorFactory(slug="grace", name="Grace Hopper")
    hidden = AuthorFactory(slug="unpublished", name="Not Yet")
    PostFactory(slug="oldest", title="Oldest", tags=[engineering], authors=[ada])
    PostFactory(
        slug="both",
        title="Both tags",
        tags=[engineering, elixir],
        featured=True,
        authors=[grace, ada],
    )
    PostFactory(slug="career-post", title="Career post", tags=[career])
    PostFactory(slug="newest", title="Newest", tags=[engineering], authors=[grace])
    PostFactory(
        slug="secret-draft", draft=True, tags=[engineering, career], authors=[hidden]
    )
    PostFactory(slug="future-post", scheduled=True, tags=[engineering, elixir])


def assert_nothing_undeclared(model) -> None:
    """Every field the API sent is declared in the schema: none fell through to
    the generated model's `additional_properties` (recursively)."""
    assert model.additional_properties == {}, type(model).__name__
    for field in attrs.fields(type(model)):
        value = getattr(model, field.name)
        for item in value if isinstance(value, list) else [value]:
            if attrs.has(type(item)):
                assert_nothing_undeclared(item)


def slugs(page) -> list[str]:
    return [post.slug for post in page.results]


def test_the_python_client_generates_without_warnings(generation):
    assert generation.returncode == 0, generation.log
    warnings = [
        line for line in generation.log.splitlines() if "warning" in line.lower()
    ]
    assert not warnings, generation.log


def test_every_operation_of_the_schema_is_called_through_the_client():
    schema = yaml.safe_load(SCHEMA.read_text())
    operation_ids = {
        operation["operationId"]
        for path_item in schema["paths"].values()
        for operation in path_item.values()
    }
    assert operation_ids == set(OPERATIONS)


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_the_api_root(sdk, api_client, live_server):
    root = sdk.getApiRoot.sync(client=api_client)

    assert isinstance(root, sdk.models.ApiRoot)
    assert_nothing_undeclared(root)
    assert root.posts == f"{live_server.url}/api/v1/posts/"
    assert root.index == f"{live_server.url}/api/v1/index/"


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_the_site_settings(sdk, api_client, live_server, settings):
    from blog.models import Site
    from tests.factories import make_image

    root = sdk.getApiRoot.sync(client=api_client)
    assert root.site == f"{live_server.url}/api/v1/site/"
    settings.SITE_URL = ""
    bare = sdk.getSite.sync(client=api_client)
    assert isinstance(bare, sdk.models.Site)
    assert_nothing_undeclared(bare)
    assert (bare.url, bare.logo, bare.icon, bare.navigation, bare.links) == (
        None, None, None, [], []
    )  # fmt: skip
    site = Site.current()
    site.title = "Field notes"
    site.logo = make_image(alt="Logo")
    site.navigation = [{"label": "About", "url": "/about/"}]
    site.links = [{"network": "mastodon", "url": "https://hachyderm.io/@blog"}]
    site.save()
    settings.SITE_URL = "https://www.example.com"
    read = sdk.getSite.sync(client=api_client)
    read.logo.srcset.additional_properties = {}  # a map by design (MIME type)
    assert_nothing_undeclared(read)
    assert (read.title, read.url, read.locale) == (
        "Field notes", "https://www.example.com", "en"
    )  # fmt: skip
    assert isinstance(read.logo, sdk.models.ImageRef)
    assert read.logo.id == site.logo.uuid
    assert [(item.label, item.url) for item in read.navigation] == [
        ("About", "/about/")
    ]
    assert isinstance(read.links[0], sdk.models.SiteLink)
    assert read.links[0].url == "https://hachyderm.io/@blog"


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_filtered_post_lists_into_summaries(
    sdk, api_client, small_blog
):
    orderings = sdk.models.ListPostsOrdering
    oldest_first = sdk.listPosts.sync(
        client=api_client,
        tag=["engineering"],
        ordering=orderings("published_at"),
        page_size=2,
    )

    assert isinstance(oldest_first, sdk.models.PaginatedPostSummaryList)
    assert_nothing_undeclared(oldest_first)
    assert oldest_first.count == 3  # not the draft, not the scheduled post
    assert slugs(oldest_first) == ["oldest", "both"]
    assert oldest_first.previous is None
    assert "page=2" in oldest_first.next_
    both = oldest_first.results[1]
    assert isinstance(both, sdk.models.PostSummary)
    assert all(isinstance(tag, sdk.models.TagRef) for tag in both.tags)
    assert [(tag.slug, tag.name) for tag in both.tags] == [
        ("elixir", "Elixir"),
        ("engineering", "Engineering"),
    ]
    assert both.featured is True
    assert isinstance(both.published_at, datetime)
    assert both.published_at.utcoffset() == timedelta(0)

    every_tag = sdk.listPosts.sync(
        client=api_client,
        tag=["engineering", "elixir"],
        tag_match=sdk.models.ListPostsTagMatch.ALL,
    )
    assert slugs(every_tag) == ["both"]
    by_title = sdk.listPosts.sync(
        client=api_client, exclude_tag=["career"], ordering=orderings("-title")
    )
    assert slugs(by_title) == ["oldest", "newest", "both"]
    featured = sdk.listPosts.sync(
        client=api_client, featured=sdk.models.ListPostsFeatured.TRUE
    )
    assert slugs(featured) == ["both"]
    this_year = sdk.listPosts.sync(client=api_client, year=both.published_at.year)
    assert "both" in slugs(this_year)


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_a_post_with_its_neighbours_and_related_posts(
    sdk, api_client, live_server, small_blog
):
    post = sdk.getPost.sync("both", client=api_client)

    assert isinstance(post, sdk.models.Post)
    assert_nothing_undeclared(post)
    assert (post.slug, post.title, post.featured) == ("both", "Both tags", True)
    assert isinstance(post.previous, sdk.models.PostLink)
    assert post.previous.slug == "oldest"
    assert isinstance(post.next_, sdk.models.PostLink)
    assert post.next_.slug == "career-post"
    assert isinstance(post.next_.published_at, datetime)
    assert [tag.slug for tag in post.tags] == ["elixir", "engineering"]
    assert all(isinstance(tag, sdk.models.TagRef) for tag in post.tags)
    assert [(entry.level, entry.id) for entry in post.toc] == [(2, "why-it-matters")]
    assert isinstance(post.toc[0], sdk.models.TocEntry)
    assert 'class="language-python"' in post.body_html
    assert post.body_markdown.startswith("## Why it matters")
    assert post.word_count > 0
    assert [related.slug for related in post.related] == ["newest", "oldest"]
    assert all(isinstance(r, sdk.models.PostSummary) for r in post.related)
    assert [author.slug for author in post.authors] == ["grace", "ada"]
    assert all(isinstance(a, sdk.models.AuthorRef) for a in post.authors)
    assert isinstance(post.primary_author, sdk.models.AuthorRef)
    assert post.primary_author.name == "Grace Hopper"
    assert post.public_url is None
    assert isinstance(post.seo, sdk.models.PostSeo)
    assert post.seo.canonical_url == f"{live_server.url}/api/v1/posts/both/"
    assert (post.seo.robots.index, post.seo.twitter.card.value) == (True, "summary")
    assert isinstance(post.seo.json_ld, sdk.models.BlogPosting)
    assert [person.name for person in post.seo.json_ld.author] == [
        "Grace Hopper",
        "Ada Lovelace",
    ]
    assert isinstance(post.seo.json_ld.date_published, datetime)

    assert sdk.getPost.sync("oldest", client=api_client).previous is None
    assert sdk.getPost.sync("newest", client=api_client).next_ is None


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_a_draft_preview(sdk, api_client, small_blog):
    from blog import preview
    from blog.models import Post

    draft = Post.objects.get(slug="secret-draft")
    post = sdk.getPreview.sync(preview.make_token(draft.pk), client=api_client)

    assert isinstance(post, sdk.models.PreviewPost)
    assert_nothing_undeclared(post)
    assert (post.slug, post.published_at) == ("secret-draft", None)
    assert (post.previous, post.next_) == (None, None)
    assert [tag.slug for tag in post.tags] == ["career", "engineering"]

    scheduled = Post.objects.get(slug="future-post")
    post = sdk.getPreview.sync(preview.make_token(scheduled.pk), client=api_client)
    assert isinstance(post.published_at, datetime)
    assert post.previous.slug == "newest"


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_tags_with_their_visible_post_counts(
    sdk, api_client, live_server, small_blog
):
    tags = sdk.listTags.sync(client=api_client)

    assert isinstance(tags, sdk.models.PaginatedTagList)
    assert_nothing_undeclared(tags)
    assert all(isinstance(tag, sdk.models.Tag) for tag in tags.results)
    assert [(tag.slug, tag.post_count) for tag in tags.results] == [
        ("career", 1),
        ("elixir", 1),
        ("engineering", 3),
    ]
    assert (tags.count, tags.next_, tags.previous) == (3, None, None)

    engineering = sdk.getTag.sync("engineering", client=api_client)
    assert isinstance(engineering, sdk.models.Tag)
    assert_nothing_undeclared(engineering)
    assert (engineering.name, engineering.post_count) == ("Engineering", 3)
    assert engineering.url == f"{live_server.url}/api/v1/tags/engineering/"


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_the_tag_page(sdk, api_client, small_blog):
    page = sdk.listTagPosts.sync(
        "engineering",
        client=api_client,
        ordering=sdk.models.ListTagPostsOrdering("title"),
    )

    assert isinstance(page, sdk.models.PaginatedPostSummaryList)
    assert_nothing_undeclared(page)
    assert slugs(page) == ["both", "newest", "oldest"]
    assert all(isinstance(post, sdk.models.PostSummary) for post in page.results)
    elixir = sdk.listTagPosts.sync("elixir", client=api_client)
    assert (elixir.count, slugs(elixir)) == (1, ["both"])


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_the_writing_index(sdk, api_client, small_blog):
    index = sdk.getIndex.sync(client=api_client)

    assert isinstance(index, sdk.models.WritingIndex)
    assert_nothing_undeclared(index)
    assert index.count == 4
    assert slugs(index) == ["newest", "career-post", "both", "oldest"]
    assert all(isinstance(entry, sdk.models.IndexEntry) for entry in index.results)
    assert index.results[2].tags == ["elixir", "engineering"]
    assert index.results[2].authors == ["grace", "ada"]
    assert isinstance(index.results[0].published_at, datetime)


@pytest.mark.django_db(transaction=True)
def test_the_client_parses_a_404_into_the_error_model(sdk, api_client, small_blog):
    for slug in ("no-such-post", "secret-draft", "future-post"):
        response = sdk.getPost.sync_detailed(slug, client=api_client)

        assert response.status_code == 404
        assert isinstance(response.parsed, sdk.models.Error)
        assert_nothing_undeclared(response.parsed)
        assert (response.parsed.status, response.parsed.errors) == (404, [])


@pytest.mark.django_db(transaction=True)
def test_the_client_parses_a_400_into_the_error_model_naming_the_parameter(
    sdk, api_client, small_blog
):
    error = sdk.listPosts.sync(client=api_client, tag=["no-such-tag"])

    assert isinstance(error, sdk.models.Error)
    assert_nothing_undeclared(error)
    assert error.status == 400
    assert all(isinstance(item, sdk.models.ParameterError) for item in error.errors)
    assert [(item.parameter, item.code) for item in error.errors] == [
        ("tag", "unknown_tag")
    ]


EVERY_TITLE = ["Newest", "Career post", "Both tags", "Oldest"]  # newest first


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_the_feeds(sdk, api_client, small_blog):
    import feedparser

    for tag, arguments in (("", ()), ("Tag", ("elixir",))):
        for name in ("Rss", "Atom"):
            operation = getattr(sdk, f"get{tag}{name}Feed")
            text = operation.sync(*arguments, client=api_client)
            assert isinstance(text, str)
            feed = feedparser.parse(text)
            assert not feed.bozo, feed.get("bozo_exception")
            titles = [entry.title for entry in feed.entries]
            assert titles == (["Both tags"] if tag else EVERY_TITLE)
    feed = sdk.getJsonFeed.sync(client=api_client)
    assert isinstance(feed, sdk.models.JsonFeed)
    assert_nothing_undeclared(feed)
    assert [item.title for item in feed.items] == EVERY_TITLE
    assert feed.items[2].tags == ["Elixir", "Engineering"]
    assert isinstance(feed.items[0].date_published, datetime)
    tagged = sdk.getTagJsonFeed.sync("elixir", client=api_client)
    assert [item.title for item in tagged.items] == ["Both tags"]
    missing = sdk.getTagRssFeed.sync_detailed("no-such-tag", client=api_client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, sdk.models.Error)
    assert [item.authors[0].name for item in tagged.items] == ["Grace Hopper"]
    for name in ("Rss", "Atom"):
        text = getattr(sdk, f"getAuthor{name}Feed").sync("ada", client=api_client)
        feed = feedparser.parse(text)
        assert not feed.bozo, feed.get("bozo_exception")
        assert [entry.title for entry in feed.entries] == ["Both tags", "Oldest"]
    by_grace = sdk.getAuthorJsonFeed.sync("grace", client=api_client)
    assert [item.title for item in by_grace.items] == ["Newest", "Both tags"]
    assert [a.name for a in by_grace.items[1].authors] == [
        "Grace Hopper",
        "Ada Lovelace",
    ]
    hidden = sdk.getAuthorJsonFeed.sync_detailed("unpublished", client=api_client)
    assert hidden.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_authors_their_pages_and_filters_by_author(
    sdk, api_client, live_server, small_blog
):
    authors = sdk.listAuthors.sync(client=api_client)
    assert isinstance(authors, sdk.models.PaginatedAuthorList)
    assert_nothing_undeclared(authors)
    # "Not Yet" has only a draft: readers do not see them.
    assert [(a.slug, a.post_count) for a in authors.results] == [
        ("ada", 2),
        ("grace", 2),
    ]
    ada = sdk.getAuthor.sync("ada", client=api_client)
    assert isinstance(ada, sdk.models.Author)
    assert_nothing_undeclared(ada)
    assert (ada.name, ada.url) == (
        "Ada Lovelace",
        f"{live_server.url}/api/v1/authors/ada/",
    )
    assert (ada.links, ada.avatar, ada.public_url) == ([], None, None)
    assert isinstance(ada.seo, sdk.models.AuthorSeo)
    assert (ada.seo.title, ada.seo.open_graph.type_.value) == (
        "Ada Lovelace",
        "profile",
    )
    assert ada.seo.open_graph.image is None
    assert isinstance(ada.seo.json_ld, sdk.models.ProfilePage)
    assert ada.seo.json_ld.main_entity.name == "Ada Lovelace"
    hidden = sdk.getAuthor.sync_detailed("unpublished", client=api_client)
    assert hidden.status_code == 404
    assert isinstance(hidden.parsed, sdk.models.Error)

    page = sdk.listAuthorPosts.sync("grace", client=api_client)
    assert isinstance(page, sdk.models.PaginatedPostSummaryList)
    assert slugs(page) == ["newest", "both"]
    by_either = sdk.listPosts.sync(client=api_client, author=["ada", "grace"])
    assert slugs(by_either) == ["newest", "both", "oldest"]
    unknown = sdk.listPosts.sync(client=api_client, author=["unpublished"])
    assert isinstance(unknown, sdk.models.Error)
    assert [(item.parameter, item.code) for item in unknown.errors] == [
        ("author", "unknown_author")
    ]


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_the_sitemaps(sdk, api_client, small_blog, settings):
    from xml.etree import ElementTree

    settings.FRONTEND_POST_URL = "https://www.example.com/writing/{slug}"
    settings.FRONTEND_TAG_URL = "https://www.example.com/topics/{slug}/"
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    index = ElementTree.fromstring(sdk.getSitemapIndex.sync(client=api_client))
    assert len(index.findall(f"{namespace}sitemap")) == 2
    sections = sdk.models.GetSitemapSection
    posts = ElementTree.fromstring(
        sdk.getSitemap.sync(sections.POSTS, client=api_client, p=1)
    )
    assert sorted(loc.text for loc in posts.iter(f"{namespace}loc")) == [
        f"https://www.example.com/writing/{slug}"
        for slug in ("both", "career-post", "newest", "oldest")
    ]
    past = sdk.getSitemap.sync_detailed(sections.TAGS, client=api_client, p=2)
    assert past.status_code == 404
    assert isinstance(past.parsed, sdk.models.Error)


def test_readme_quotes_the_generator_configuration_verbatim():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"```yaml\n{CONFIG.read_text(encoding='utf-8')}```" in readme, (
        "README.md's openapi-python-client.yaml block differs from "
        "tests/sdk/openapi-python-client.yaml: paste the file's current text."
    )


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_images_into_image_refs(sdk, api_client, small_blog):
    from tests.factories import make_image

    cover = make_image(alt="A cover", caption="Fig. 1", width=1000, height=600)
    figure = make_image(alt="A figure")
    PostFactory(slug="pictured", feature_image=cover, body=f"![](image:{figure.uuid})")
    post = sdk.getPost.sync("pictured", client=api_client)
    image = post.feature_image
    assert isinstance(image, sdk.models.ImageRef)
    # `srcset` is a map (MIME type -> srcset): its keys are its additional
    # properties by design; everything else must be declared.
    srcset = image.srcset.additional_properties
    image.srcset.additional_properties = {}
    for other in post.images:
        other.srcset.additional_properties = {}
    assert_nothing_undeclared(post)
    assert set(srcset) == {"image/avif", "image/webp", "image/jpeg"}
    assert srcset["image/webp"].endswith(" 960w")
    assert (image.width, image.height, image.alt, image.caption) == (
        1000, 600, "A cover", "Fig. 1"
    )  # fmt: skip
    assert all(isinstance(r, sdk.models.Rendition) for r in image.renditions)
    assert image.placeholder.data_uri.startswith("data:image/webp;base64,")
    assert [ref.id for ref in post.images] == [figure.uuid]
    listed = sdk.listPosts.sync(client=api_client)
    assert listed.results[0].feature_image.id == cover.uuid


@pytest.mark.django_db(transaction=True)
def test_the_client_follows_an_old_slug_to_its_current_address(
    sdk, live_server, small_blog
):
    from blog.models import Post, Tag

    post = Post.objects.get(slug="both")
    post.slug = "both-tags"
    post.save()
    tag = Tag.objects.get(slug="elixir")
    tag.slug = "beam"
    tag.save()
    following = sdk.Client(
        base_url=live_server.url,
        raise_on_unexpected_status=True,
        follow_redirects=True,  # httpx's; what a front-end's fetch does by default
    )
    with following:
        moved = sdk.getPost.sync("both", client=following)
        assert isinstance(moved, sdk.models.Post)
        assert moved.slug == "both-tags"
        page = sdk.listTagPosts.sync("elixir", client=following)
        assert slugs(page) == ["both-tags"]
        redirects = sdk.listRedirects.sync(client=following)
        assert isinstance(redirects, sdk.models.RedirectList)
        assert_nothing_undeclared(redirects)
        assert [(r.type_, r.from_, r.to) for r in redirects.results] == [
            ("post", "/api/v1/posts/both/", "/api/v1/posts/both-tags/"),
            ("tag", "/api/v1/tags/elixir/", "/api/v1/tags/beam/"),
        ]
    plain = sdk.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    with plain:  # not following: the documented 301, parsed
        answer = sdk.getPost.sync_detailed("both", client=plain)
        assert answer.status_code == 301
        assert isinstance(answer.parsed, sdk.models.Moved)
        assert answer.parsed.location == f"{live_server.url}/api/v1/posts/both-tags/"
        assert answer.headers["location"] == answer.parsed.location


@pytest.mark.django_db(transaction=True)
def test_the_client_reads_pages_and_a_page_preview(sdk, api_client, small_blog):
    from blog import preview
    from blog.models import Page

    Page.objects.create(title="About", status=Page.Status.PUBLISHED, body="## Us\n")
    draft = Page.objects.create(title="Uses", body="Tools.")
    pages = sdk.listPages.sync(client=api_client)
    assert isinstance(pages, sdk.models.PaginatedPageList)
    assert_nothing_undeclared(pages)
    assert slugs(pages) == ["about"]
    about = sdk.getPage.sync("about", client=api_client)
    assert isinstance(about, sdk.models.Page)
    assert_nothing_undeclared(about)
    assert [entry.id for entry in about.toc] == ["us"]
    assert sdk.getPage.sync_detailed("uses", client=api_client).status_code == 404
    shown = sdk.getPagePreview.sync(
        preview.make_token(draft.pk, "page"), client=api_client
    )
    assert isinstance(shown, sdk.models.PreviewPage)
    assert (shown.title, shown.published_at) == ("Uses", None)
