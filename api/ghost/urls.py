from django.urls import path, re_path

from api.ghost import views

app_name = "ghost"

# `content/` is Ghost 5's; `v2/` to `v4/` are the versioned prefixes older
# clients (`version: 'v4'`) call.
PREFIXES = ("content/", "v2/content/", "v3/content/", "v4/content/")


def _routes(prefix: str) -> list:
    routes = [path(f"{prefix}settings/", views.settings_view)]
    for name in views.RESOURCES:
        routes += [
            path(f"{prefix}{name}/", views.browse_view(name)),
            path(f"{prefix}{name}/slug/<str:value>/", views.read_view(name, "slug")),
            path(f"{prefix}{name}/<str:value>/", views.read_view(name, "id")),
        ]
    return routes


urlpatterns = [route for prefix in PREFIXES for route in _routes(prefix)]
urlpatterns.append(re_path(r"^.*$", views.unknown))
