"""The site's settings (the contract's "Site"): `GET /api/v1/site/`, its shape and
its view."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers

from api.caching import public
from api.seo import SeoField
from api.serializers import AuthorLinkSerializer, FastSerializer, ImageRefSerializer
from api.surrogate import SurrogateKeys
from blog import derived
from blog.site import Site


class NavigationItemSerializer(FastSerializer):
    """An entry of the front-end's menu."""

    label = serializers.CharField(help_text="The menu entry's text.")
    url = serializers.CharField(
        help_text='A path of the front-end starting with "/" (`/about/`), or an '
        "absolute http(s) URL."
    )


class SiteLinkSerializer(AuthorLinkSerializer):
    """The blog's profile on another network."""


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "nullable": True,
        "description": "The front-end's origin (`SITE_URL`, e.g. "
        "`https://www.example.com`); null when it is unset.",
    }
)
class SiteUrlField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, site: Site) -> str | None:
        return settings.SITE_URL or None


class SiteSerializer(FastSerializer):
    """The blog as a whole, as editors set it in the admin (`Site`)."""

    title = serializers.CharField(help_text="The blog's name.")
    description = serializers.CharField(allow_blank=True, help_text="Plain text.")
    url = SiteUrlField()
    locale = serializers.CharField(
        help_text="The content's language, a BCP 47 tag (`en`, `en-GB`, `pt-BR`)."
    )
    logo = ImageRefSerializer(allow_null=True, help_text="Null when none is set.")
    icon = ImageRefSerializer(
        allow_null=True,
        help_text="A square image for favicons and app icons; null when none is set.",
    )
    navigation = NavigationItemSerializer(
        many=True, help_text="The front-end's menu, in order."
    )
    links = SiteLinkSerializer(many=True, help_text="The blog elsewhere.")
    seo = SeoField("site")


@extend_schema_view(get=extend_schema(operation_id="getSite", tags=["site"]))
class SiteView(generics.RetrieveAPIView):
    """The site's settings: its title, description, front-end origin, language,
    logo and icon, navigation menu and profiles elsewhere, as editors set them in
    the admin. There is always exactly one."""

    queryset = Site.objects.none()  # the model, for the schema
    serializer_class = SiteSerializer
    http_cache = public(keys=SurrogateKeys(("site",)))

    def get_object(self) -> Site:
        # Kept for the content version, which every change of the row renews.
        return derived.site()
