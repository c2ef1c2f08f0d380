"""Wiring only: the admin, the API (v1 and Ghost's Content API), health checks, and
JSON error handlers."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from api import views
from config import media

admin.site.site_header = "writing-api"
admin.site.site_title = "writing-api admin"
admin.site.index_title = "Content"
admin.site.site_url = None  # the site is the front-end; "/" here is a JSON 404

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("api/v1/", include("api.urls")),
    path("ghost/api/", include("api.ghost.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
if settings.STORAGE_BACKEND == "local" and settings.MEDIA_URL.startswith("/"):
    urlpatterns.append(
        re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", media.serve)
    )

handler400 = "api.errors.bad_request"
handler404 = "api.errors.page_not_found"
handler500 = "api.errors.server_error"
