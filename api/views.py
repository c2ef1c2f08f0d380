"""HTTP only: each endpoint is a queryset, a serializer and its schema description."""

import threading
from collections import OrderedDict

from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api import parameters, redirects, serializers, surrogate
from api.caching import PRIVATE, public
from api.context import directory
from api.errors import json_error
from api.filters import PostFilter
from api.pagination import CountedListPagination
from api.renderers import PreRendered, render_json
from api.surrogate import SurrogateKeys
from blog import derived, post_page, preview, replicas
from blog.models import Author, Page, Post, Tag
from blog.related import AUTHORS, TAGS, Counted
from blog.writing_index import index_entries


class ApiRootView(generics.GenericAPIView):
    """Links to every collection of the API and to its documentation."""

    serializer_class = serializers.ApiRootSerializer
    pagination_class = None
    http_cache = public(keys=SurrogateKeys(("site",)))

    @extend_schema(operation_id="getApiRoot", tags=["meta"])
    def get(self, request, *args, **kwargs) -> Response:
        names = (
            "posts", "tags", "authors", "pages", "index", "redirects", "sitemap",
            "schema", "docs", "site",
        )  # fmt: skip
        links = {name: reverse(f"api:{name}", request=request) for name in names}
        links["feeds"] = {
            name: reverse(f"api:feed-{name}", request=request)
            for name in ("rss", "atom", "json")
        }
        return Response(links)


@extend_schema_view(get=extend_schema(operation_id="listPosts", tags=["posts"]))
class PostListView(generics.ListAPIView):
    """Visible posts, newest first, paginated.

    Filter by tag (`?tag=a&tag=b`, with `tag_match=all` to require every one), leave
    tags out with `exclude_tag`, search full text with `search`, and narrow by date
    with `published_after`, `published_before` or `year`. Drafts and scheduled posts
    never appear.
    """

    queryset = Post.objects.published().for_listing().newest_first()
    serializer_class = serializers.PostSummarySerializer
    filterset_class = PostFilter
    http_cache = public(
        parameters.for_filterset(
            PostFilter, repeated={"tag", "exclude_tag", "author"}, tag_match="any"
        ),
        keys=SurrogateKeys(("posts",), surrogate.post_list),
    )


@extend_schema_view(get=extend_schema(operation_id="getPost", tags=["posts"]))
class PostDetailView(generics.RetrieveAPIView):
    """One visible post in full: body (Markdown and HTML), table of contents, the
    previous and next posts by date, and up to three related posts.

    Unknown slugs, drafts and scheduled posts are all a 404.
    """

    # For the schema and DRF's introspection only: `get_object` serves the post
    # through `blog.post_page`, whose statements load what this queryset loads.
    queryset = Post.objects.published().for_detail()
    serializer_class = serializers.PostSerializer
    lookup_field = "slug"
    # A 404 carries `posts`: publishing that slug purges it.
    http_cache = public(keys=SurrogateKeys(("posts",), surrogate.post_page))

    def get_object(self) -> Post:
        post = post_page.visible_post(self.kwargs["slug"])  # compiled once
        if post is None:
            redirects.not_found(self.request, "post", self.kwargs["slug"])
        self.check_object_permissions(self.request, post)
        return post_page.page(post)


class LinkedListView(generics.ListAPIView):
    """The tags (or authors) readers see, by name, with their visible post counts:
    from the directory (`blog.related`), no query per row."""

    related = TAGS
    filter_backends = []

    def get_queryset(self) -> list[Counted]:
        counts = derived.visible_post_counts(self.related)
        return directory(self.request, self.related).counted(counts)


class LinkedDetailView(generics.RetrieveAPIView):
    related = TAGS
    lookup_field = "slug"

    def get_object(self) -> Counted:
        counts = derived.visible_post_counts(self.related)
        found = directory(self.request, self.related).counted_one(
            self.kwargs["slug"], counts
        )
        if found is None:
            redirects.not_found(self.request, self.related.kind, self.kwargs["slug"])
        return found


class LinkedPostListView(PostListView):
    """The visible posts linked to one tag (or author): same shape and filters as
    `listPosts`; unknown to readers is a 404."""

    related = TAGS

    def linked(self):
        counts = derived.visibility_counts(self.related)
        found = directory(self.request, self.related).counted_one(
            self.kwargs["slug"], counts
        )
        if found is None:
            redirects.not_found(self.request, self.related.kind, self.kwargs["slug"])
        return found.entry


@extend_schema_view(get=extend_schema(operation_id="listTags", tags=["tags"]))
class TagListView(LinkedListView):
    """Every tag with the number of visible posts carrying it, ordered by name."""

    queryset = Tag.objects.none()  # the model, for the schema
    serializer_class = serializers.TagSerializer
    http_cache = public(
        parameters.PAGINATED, keys=SurrogateKeys(("tags",), surrogate.tag_list)
    )


@extend_schema_view(get=extend_schema(operation_id="getTag", tags=["tags"]))
class TagDetailView(LinkedDetailView):
    """One tag with the number of visible posts carrying it."""

    queryset = Tag.objects.none()  # the model, for the schema
    serializer_class = serializers.TagSerializer
    http_cache = public(keys=SurrogateKeys(("tags",), surrogate.tag))


@extend_schema_view(get=extend_schema(operation_id="listTagPosts", tags=["tags"]))
class TagPostListView(LinkedPostListView):
    """The tag page: visible posts carrying this tag, newest first.

    Same shape and filters as `listPosts`; an unknown tag is a 404.
    """

    def get_queryset(self):
        return super().get_queryset().with_any_tag([self.linked()])


@extend_schema_view(get=extend_schema(operation_id="listAuthors", tags=["authors"]))
class AuthorListView(LinkedListView):
    """Every author with at least one visible post, by name, with that number."""

    related = AUTHORS
    queryset = Author.objects.none()  # the model, for the schema
    serializer_class = serializers.AuthorSerializer
    http_cache = public(
        parameters.PAGINATED, keys=SurrogateKeys(("authors",), surrogate.author_list)
    )


@extend_schema_view(get=extend_schema(operation_id="getAuthor", tags=["authors"]))
class AuthorDetailView(LinkedDetailView):
    """One author with their profile and number of visible posts.

    Unknown authors, and authors whose posts are all drafts or scheduled, are a 404.
    """

    related = AUTHORS
    queryset = Author.objects.none()  # the model, for the schema
    serializer_class = serializers.AuthorSerializer
    http_cache = public(keys=SurrogateKeys(("authors",), surrogate.author))


@extend_schema_view(get=extend_schema(operation_id="listAuthorPosts", tags=["authors"]))
class AuthorPostListView(LinkedPostListView):
    """The author page: their visible posts, newest first.

    Same shape and filters as `listPosts`; an unknown author (or one without a
    visible post) is a 404.
    """

    related = AUTHORS

    def get_queryset(self):
        return super().get_queryset().with_any_author([self.linked()])


@extend_schema_view(get=extend_schema(operation_id="listPages", tags=["pages"]))
class PageListView(generics.ListAPIView):
    """Visible pages (About, Now, Uses), in navigation order then by title.

    Drafts and scheduled pages never appear; pages are never among posts.
    """

    queryset = Page.objects.published().for_detail().in_navigation_order()
    serializer_class = serializers.PageSerializer
    filter_backends = []
    http_cache = public(
        parameters.PAGINATED, keys=SurrogateKeys(("pages",), surrogate.page_list)
    )


@extend_schema_view(get=extend_schema(operation_id="getPage", tags=["pages"]))
class PageDetailView(generics.RetrieveAPIView):
    """One visible page. Unknown slugs, drafts and scheduled pages are a 404."""

    queryset = Page.objects.published().for_detail()
    serializer_class = serializers.PageSerializer
    lookup_field = "slug"
    http_cache = public(keys=SurrogateKeys(("pages",), surrogate.page))

    def get_object(self) -> Page:
        slug = self.kwargs["slug"]
        page = self.get_queryset().filter(slug=slug).first()
        if page is None:
            redirects.not_found(self.request, "page", slug)
        return page


@extend_schema_view(get=extend_schema(operation_id="listRedirects", tags=["redirects"]))
class RedirectListView(generics.GenericAPIView):
    """Every old address that answers 301: the slugs posts, tags, authors and pages had
    before an editor changed them, with where they lead now (API paths and, when
    the `FRONTEND_*_URL` templates are set, front-end URLs). For a front-end's own
    redirect rules (`next.config.js` `redirects()`, Netlify `_redirects`)."""

    serializer_class = serializers.RedirectListSerializer
    pagination_class = None
    filter_backends = []
    http_cache = public(keys=SurrogateKeys(("posts", "tags", "authors", "pages")))

    def get(self, request, *args, **kwargs) -> Response:
        results = redirects.listing(request)
        return Response({"count": len(results), "results": results})


@extend_schema_view(get=extend_schema(operation_id="getIndex", tags=["posts"]))
class IndexView(generics.ListAPIView):
    """The full writing index: every visible post, compact and unpaginated, newest
    first. Built for archive pages and static-site generators."""

    queryset = Post.objects.published()
    serializer_class = serializers.IndexEntrySerializer  # the schema of an entry
    pagination_class = CountedListPagination  # the schema of the wrapper
    filter_backends = []
    # Every visible post: per-post keys would outgrow any header; `posts`, `tags`
    # and `authors` are purged with every change it shows.
    http_cache = public(keys=SurrogateKeys(("posts", "tags", "authors")))

    def list(self, request, *args, **kwargs) -> Response:
        entries = index_entries(self.get_queryset())
        # The entries are already in their JSON shape (`index_entries`). Rendered
        # here, the ~40,000 objects they are made of are freed at once; kept in a
        # DRF response (in reference cycles with its view and request) they would
        # wait for the garbage collector, which then spends ~40% of the request.
        return Response(
            PreRendered(render_json({"count": len(entries), "results": entries}))
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="getPreview",
        tags=["preview"],
        parameters=[
            OpenApiParameter(
                "token",
                str,
                OpenApiParameter.PATH,
                description="A signed preview token from the admin's Preview link "
                "(or `manage.py preview_url`); it expires after "
                "`PREVIEW_TOKEN_MAX_AGE` seconds.",
            )
        ],
    )
)
class PreviewView(generics.RetrieveAPIView):
    """One post in any state (draft, scheduled or published), for an editor's
    preview on the front-end, in the `Post` shape.

    The token names the post and expires; an invalid, tampered or expired token, or
    one for a deleted post, is a 404. Answers are `Cache-Control: private, no-store`:
    no shared cache may keep a draft.
    """

    queryset = Post.objects.for_detail()
    serializer_class = serializers.PreviewPostSerializer
    http_cache = PRIVATE

    def get_object(self) -> Post:
        post_id = preview.post_id_from_token(self.kwargs["token"])
        if post_id is None:
            raise Http404
        return post_page.page(
            generics.get_object_or_404(self.get_queryset(), pk=post_id)
        )

    def finalize_response(self, request, response, *args, **kwargs) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema_view(
    get=extend_schema(
        operation_id="getPagePreview",
        tags=["preview"],
        parameters=[
            OpenApiParameter(
                "token",
                str,
                OpenApiParameter.PATH,
                description="A signed page preview token from the admin's Preview "
                "link; it expires after `PREVIEW_TOKEN_MAX_AGE` seconds.",
            )
        ],
    )
)
class PagePreviewView(PreviewView):
    """One page in any state, for an editor's preview, in the `Page` shape; as the
    post preview: a bad, expired or post token is a 404, never cached."""

    queryset = Page.objects.for_detail()
    serializer_class = serializers.PreviewPageSerializer

    def get_object(self) -> Page:
        page_id = preview.post_id_from_token(self.kwargs["token"], kind="page")
        if page_id is None:
            raise Http404
        return generics.get_object_or_404(self.get_queryset(), pk=page_id)


class SchemaView(SpectacularAPIView):
    """The OpenAPI document. Generating it walks every view and serializer, and its
    content only changes with the code, so each process makes it once per version
    of the question (its bytes depend on `Accept`, which the response cache does not
    key on, so that cache never stores it)."""

    http_cache = PRIVATE  # and its query string is read as sent (`format`, `lang`)
    _documents: OrderedDict = OrderedDict()
    _documents_lock = threading.Lock()

    def _get_schema_response(self, request):
        version = (
            self.api_version or request.version or self._get_version_parameter(request)
        )
        key = (version, request.GET.get("lang"), request.build_absolute_uri("/"))
        document = self._documents.get(key)
        if document is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            document = generator.get_schema(request=request, public=self.serve_public)
            with self._documents_lock:
                self._documents[key] = document
                while len(self._documents) > 16:
                    self._documents.popitem(last=False)
        filename = self._get_filename(request, version)
        return Response(
            data=document,
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )


class SwaggerView(SpectacularSwaggerSplitView):
    http_cache = PRIVATE  # HTML for people; not worth a shared cache entry


class RedocView(SpectacularRedocView):
    http_cache = PRIVATE


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    return json_error(404, "Not found.")


not_found.http_cache = public()


@csrf_exempt
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else."""
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 503 only when the database does not answer. The cache is
    reported (`"cache": "unavailable"`) but the API answers without it, and so are
    read replicas (`"replicas": {"replica_0": "ok"}`; any other state reads the
    primary instead, and the status is then `degraded`)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    cache.set("readyz", "ok", 5)  # errors are misses (config/cache.py)
    checks["cache"] = "ok" if cache.get("readyz") == "ok" else "unavailable"
    ready = checks["database"] == "ok"
    status = "ok" if ready else "unavailable"
    if replicas.replica_aliases():
        checks["replicas"] = replicas.pool().report()
        if ready and set(checks["replicas"].values()) - {"ok", "behind"}:
            status = "degraded"
    response = JsonResponse({"status": status, **checks}, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response
