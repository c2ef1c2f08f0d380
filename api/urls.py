from django.urls import path, re_path, register_converter

from api import feeds, site, sitemaps, views
from api.converters import SlugConverter

register_converter(SlugConverter, "contentslug")

app_name = "api"

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("posts/", views.PostListView.as_view(), name="posts"),
    path(
        "posts/<contentslug:slug>/", views.PostDetailView.as_view(), name="post-detail"
    ),
    path("tags/", views.TagListView.as_view(), name="tags"),
    path("tags/<contentslug:slug>/", views.TagDetailView.as_view(), name="tag-detail"),
    path(
        "tags/<contentslug:slug>/posts/",
        views.TagPostListView.as_view(),
        name="tag-posts",
    ),
    path("authors/", views.AuthorListView.as_view(), name="authors"),
    path(
        "authors/<contentslug:slug>/",
        views.AuthorDetailView.as_view(),
        name="author-detail",
    ),
    path(
        "authors/<contentslug:slug>/posts/",
        views.AuthorPostListView.as_view(),
        name="author-posts",
    ),
    path("pages/", views.PageListView.as_view(), name="pages"),
    path(
        "pages/<contentslug:slug>/", views.PageDetailView.as_view(), name="page-detail"
    ),
    path("index/", views.IndexView.as_view(), name="index"),
    path("redirects/", views.RedirectListView.as_view(), name="redirects"),
    path("site/", site.SiteView.as_view(), name="site"),
    *(
        path(f"feeds/{name}/", feeds.feed_view(name, None), name=f"feed-{name}")
        for name in feeds.FORMATS
    ),
    *(
        path(
            f"{kind}s/<contentslug:slug>/feeds/{name}/",
            feeds.feed_view(name, kind),
            name=f"{kind}-feed-{name}",
        )
        for kind in ("tag", "author")
        for name in feeds.FORMATS
    ),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemaps/<slug:section>.xml", sitemaps.section, name="sitemap-section"),
    path("preview/<str:token>/", views.PreviewView.as_view(), name="preview"),
    path(
        "preview/pages/<str:token>/",
        views.PagePreviewView.as_view(),
        name="page-preview",
    ),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", views.RedocView.as_view(url_name="api:schema"), name="redoc"),
    # Anything else under /api/v1/ is a JSON 404, in debug mode too.
    re_path(r"^.*$", views.not_found),
]
