"""The `seo` object of posts, tags and authors (the contract's "SEO and social
metadata"): its shape, declared once for the schema, and the field that renders it
with every fallback applied (`blog.seo.resolve`).

The shapes below are never used to render: `SeoField` returns `resolve`'s dict as
it is. They exist so that the schema, and the clients generated from it, know
every key, down to each kind's JSON-LD.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.context import directory
from blog import derived, seo
from blog.related import AUTHORS, Counted


class ConstantField(serializers.CharField):
    """A key with one possible value, documented as an enum component of its own
    (`BlogPostingType`): the `@type`s of different objects must not collide."""

    def __init__(self, value: str, component_name: str, **kwargs) -> None:
        kwargs.setdefault("help_text", f"Always `{value}`.")
        super().__init__(**kwargs)
        # On the instance: DRF copies a field by calling __init__ again.
        extend_schema_field(
            {"type": "string", "enum": [value]}, component_name=component_name
        )(self)


def _json_ld_type(name: str) -> ConstantField:
    return ConstantField(name, f"{name}Type")


# --- Search and social cards ----------------------------------------------------


class SeoRobotsSerializer(serializers.Serializer):
    index = serializers.BooleanField(
        help_text="False when an editor hid the page from search engines "
        '(`<meta name="robots" content="noindex, follow">`).'
    )
    follow = serializers.BooleanField(help_text="Always true.")


class OpenGraphImageSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text="The 1200x630 crop around the focal point once made, else the "
        "original."
    )
    width = serializers.IntegerField(min_value=1)
    height = serializers.IntegerField(min_value=1)
    alt = serializers.CharField(allow_blank=True)


class OpenGraphSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["article", "profile", "website"],
        help_text="`article` for a post, `profile` for an author, else `website`.",
    )
    title = serializers.CharField(help_text="`og_title`, else the SEO title.")
    description = serializers.CharField(
        allow_blank=True, help_text="`og_description`, else the SEO description."
    )
    url = serializers.URLField(help_text="The canonical URL.")
    site_name = serializers.CharField(help_text="The site's title.")
    image = OpenGraphImageSerializer(
        allow_null=True,
        help_text="`og_image`, else the feature image (an author's cover, then "
        "avatar), else the site's default; null when there is none.",
    )


class TwitterImageSerializer(serializers.Serializer):
    url = serializers.URLField()
    alt = serializers.CharField(allow_blank=True)


class TwitterCardSerializer(serializers.Serializer):
    card = serializers.ChoiceField(
        choices=["summary", "summary_large_image"],
        help_text="`summary_large_image` when there is an image.",
    )
    title = serializers.CharField(help_text="`twitter_title`, else the SEO title.")
    description = serializers.CharField(
        allow_blank=True, help_text="`twitter_description`, else the SEO description."
    )
    image = TwitterImageSerializer(
        allow_null=True,
        help_text="`twitter_image`, else the feature image, else the site's "
        "default; null when there is none.",
    )


# --- JSON-LD (schema.org) ----------------------------------------------------------


class JsonLdImageSerializer(serializers.Serializer):
    locals()["@type"] = _json_ld_type("ImageObject")
    url = serializers.URLField()
    width = serializers.IntegerField(min_value=1)
    height = serializers.IntegerField(min_value=1)


class JsonLdPersonSerializer(serializers.Serializer):
    locals()["@type"] = _json_ld_type("Person")
    name = serializers.CharField()
    url = serializers.URLField(help_text="The author's `public_url`, else API URL.")


class JsonLdOrganizationSerializer(serializers.Serializer):
    locals()["@type"] = _json_ld_type("Organization")
    name = serializers.CharField(help_text="The site's title.")
    logo = JsonLdImageSerializer(required=False, help_text="Once the site has one.")


class JsonLdWebPageReferenceSerializer(serializers.Serializer):
    locals()["@type"] = _json_ld_type("WebPage")
    locals()["@id"] = serializers.URLField(help_text="Canonical.")


class JsonLdWebSiteReferenceSerializer(serializers.Serializer):
    locals()["@type"] = _json_ld_type("WebSite")
    name = serializers.CharField()
    url = serializers.URLField(help_text="`SITE_URL`, else the API root.")


class JsonLdSerializer(serializers.Serializer):
    # Keys that are not identifiers are declared through the class namespace.
    locals()["@context"] = ConstantField("https://schema.org", "SchemaOrgContext")
    url = serializers.URLField(help_text="The canonical URL.")
    description = serializers.CharField(allow_blank=True)


class BlogPostingSerializer(JsonLdSerializer):
    """A post's structured data, for `<script type="application/ld+json">`."""

    locals()["@type"] = _json_ld_type("BlogPosting")
    headline = serializers.CharField()
    datePublished = serializers.DateTimeField(
        required=False, help_text="Absent for an undated draft's preview."
    )
    dateModified = serializers.DateTimeField(required=False)
    author = JsonLdPersonSerializer(many=True, help_text="The byline, in order.")
    image = JsonLdImageSerializer(required=False, help_text="The Open Graph image.")
    mainEntityOfPage = JsonLdWebPageReferenceSerializer()
    publisher = JsonLdOrganizationSerializer()


class CollectionPageSerializer(JsonLdSerializer):
    """A tag page's structured data."""

    locals()["@type"] = _json_ld_type("CollectionPage")
    name = serializers.CharField()
    image = JsonLdImageSerializer(required=False, help_text="The Open Graph image.")
    isPartOf = JsonLdWebSiteReferenceSerializer()


class ProfilePersonSerializer(serializers.Serializer):
    locals()["@type"] = _json_ld_type("Person")
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    url = serializers.URLField()
    image = JsonLdImageSerializer(required=False, help_text="The avatar.")
    sameAs = serializers.ListField(
        child=serializers.URLField(), help_text="The author's links and website."
    )


class ProfilePageSerializer(JsonLdSerializer):
    """An author page's structured data."""

    locals()["@type"] = _json_ld_type("ProfilePage")
    name = serializers.CharField()
    mainEntity = ProfilePersonSerializer()
    isPartOf = JsonLdWebSiteReferenceSerializer()


class WebPageSerializer(JsonLdSerializer):
    """A standalone page's structured data."""

    locals()["@type"] = _json_ld_type("WebPage")
    name = serializers.CharField()
    headline = serializers.CharField()
    datePublished = serializers.DateTimeField(
        required=False, help_text="Absent for an undated draft's preview."
    )
    dateModified = serializers.DateTimeField(required=False)
    image = JsonLdImageSerializer(required=False, help_text="The Open Graph image.")
    isPartOf = JsonLdWebSiteReferenceSerializer()


class WebSiteSerializer(JsonLdSerializer):
    """The site's structured data (for its home page)."""

    locals()["@type"] = _json_ld_type("WebSite")
    name = serializers.CharField()
    inLanguage = serializers.CharField(help_text="The site's locale (BCP 47).")


class SeoSerializer(serializers.Serializer):
    title = serializers.CharField(
        help_text="For `<title>`: `meta_title`, else the title (a tag's or author's "
        "name)."
    )
    description = serializers.CharField(
        allow_blank=True,
        help_text='For `<meta name="description">`: `meta_description`, else the '
        "summary (a tag's description, an author's bio), at most 500 characters.",
    )
    canonical_url = serializers.URLField(
        help_text="For `<link rel=canonical>`: the editor's `canonical_url`, else "
        "`public_url`, else `url`. Always absolute."
    )
    robots = SeoRobotsSerializer()
    open_graph = OpenGraphSerializer()
    twitter = TwitterCardSerializer()


class PostSeoSerializer(SeoSerializer):
    json_ld = BlogPostingSerializer()


class TagSeoSerializer(SeoSerializer):
    json_ld = CollectionPageSerializer()


class AuthorSeoSerializer(SeoSerializer):
    json_ld = ProfilePageSerializer()


class PageSeoSerializer(SeoSerializer):
    json_ld = WebPageSerializer()


class SiteSeoSerializer(SeoSerializer):
    json_ld = WebSiteSerializer()


SHAPES = {
    "post": PostSeoSerializer,
    "page": PageSeoSerializer,
    "tag": TagSeoSerializer,
    "author": AuthorSeoSerializer,
    "site": SiteSeoSerializer,
}


def site_of(request):
    """The site, once per request."""
    if request is None:
        return derived.site()
    found = request.__dict__.get("_seo_site")
    if found is None:
        found = request.__dict__["_seo_site"] = derived.site()
    return found


class SeoField(serializers.Field):
    """`seo`: search and social metadata with every fallback applied.

    Reads only what is loaded with the object: a post's images from its page
    (`blog.post_page.page`), its byline from the request's author directory, a
    tag's or author's images from their directory entry."""

    def __init__(self, kind: str, **kwargs) -> None:
        kwargs.setdefault(
            "help_text",
            "Search and social metadata, every fallback applied: map it to "
            "`<title>`, `<meta>`, `<link rel=canonical>` and JSON-LD as it is.",
        )
        super().__init__(source="*", read_only=True, **kwargs)
        self.kind = kind
        # The schema of this instance's kind (DRF copies fields by calling
        # __init__ again, so each copy is annotated too).
        extend_schema_field(SHAPES[kind])(self)

    def to_representation(self, obj) -> dict:
        request = self.context.get("request")
        entry = obj.entry if isinstance(obj, Counted) else obj
        authors = None  # read from the post (outside the API's loaders)
        if (
            self.kind == "post"
            and request is not None
            and hasattr(entry, AUTHORS.ids_attribute)
        ):
            ids = getattr(entry, AUTHORS.ids_attribute)
            authors = directory(request, AUTHORS).entries_for(ids)
        return seo.resolve(
            self.kind, entry, site=site_of(request), request=request, authors=authors
        )
