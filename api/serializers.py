"""The shapes of the contract (`../shared/design/api-v1.md`), field by field.

Each shape is declared once, as a serializer's fields. `FastSerializer` renders
those declared fields directly (a page of 20 posts would otherwise run hundreds of
DRF field objects); tests hold its output to DRF's own field-by-field path.
"""

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.context import directory
from api.seo import SeoField
from blog import derived
from blog.images import attach, media_url, srcsets
from blog.public_urls import public_url
from blog.related import AUTHORS, TAGS, Related
from blog.slugs import SLUG_MAX_LENGTH, SLUG_PATTERN

DATETIME_FORMAT = settings.REST_FRAMEWORK["DATETIME_FORMAT"]


def timestamp(value: datetime | None) -> str | None:
    """A datetime as `serializers.DateTimeField` prints it: in UTC, whole seconds."""
    return None if value is None else value.astimezone(UTC).strftime(DATETIME_FORMAT)


# Field classes whose `to_representation` is a plain conversion of the value.
_CONVERSIONS: tuple[tuple[type, Callable], ...] = (
    (serializers.BooleanField, bool),
    (serializers.IntegerField, int),
    (serializers.FloatField, float),
    (serializers.UUIDField, str),
    (serializers.DateTimeField, timestamp),
    (serializers.ChoiceField, str),
    (serializers.URLField, str),
    (serializers.CharField, str),
)


def _plain_conversion(field: serializers.Field) -> Callable | None:
    """The conversion DRF's `to_representation` makes for this field, when it is
    one of the plain ones and neither it nor its reading is overridden."""
    if type(field).get_attribute is not serializers.Field.get_attribute:
        return None
    for base, convert in _CONVERSIONS:
        if isinstance(field, base):
            own = type(field).to_representation is base.to_representation
            if own and (
                base is not serializers.UUIDField or field.uuid_format == "hex_verbose"
            ):
                return convert
            return None
    return None


def _reader(field: serializers.Field) -> Callable:
    """How to render `field` of an object: what DRF's `Serializer.to_representation`
    does for it, minus the layers it does not need."""
    source = field.source
    plain = _plain_conversion(field)
    simple_source = source != "*" and "." not in source
    if plain is not None and simple_source:

        def read_plain(obj):
            value = obj[source] if type(obj) is dict else getattr(obj, source)
            return None if value is None else plain(value)

        return read_plain
    nested_fast = (
        isinstance(field, FastSerializer)
        and type(field).get_attribute is serializers.Field.get_attribute
    )
    if nested_fast and simple_source:
        render = field._render  # inside a render: the context is set

        def read_nested(obj):
            value = getattr(obj, source)
            return None if value is None else render(value)

        return read_nested

    def read(obj):
        value = field.get_attribute(obj)
        return None if value is None else field.to_representation(value)

    return read


# The context of the render in progress: what the view gave its serializer
# (`request`, `view`, `format`). The field trees `FastSerializer` shares across
# requests read it from here.
_RENDERING: ContextVar[Mapping] = ContextVar("rendering", default=MappingProxyType({}))


class _RenderingContext(Mapping):
    """The `context` of a shared field tree: that of the render in progress."""

    def __getitem__(self, key):
        return _RENDERING.get()[key]

    def __iter__(self):
        return iter(_RENDERING.get())

    def __len__(self) -> int:
        return len(_RENDERING.get())


_SHARED_CONTEXT = _RenderingContext()
# Per serializer class: its declared fields' readers, built once per process.
_PLANS: dict[type, list[tuple[str, Callable]]] = {}


def _plan(cls: "type[FastSerializer]") -> list[tuple[str, Callable]]:
    plan = _PLANS.get(cls)
    if plan is None:
        # A root of its own whose fields (and theirs) read the rendering context.
        template = cls()
        template._context = _SHARED_CONTEXT
        plan = _PLANS[cls] = [
            (name, _reader(field))
            for name, field in template.fields.items()
            if not field.write_only
        ]
    return plan


class FastSerializer(serializers.Serializer):
    # (Comments, not a docstring: drf-spectacular would show a docstring as the
    # description of every shape without its own.)
    #
    # Renders its declared fields with readers built once per process and class
    # (`_plan`): DRF would copy and bind every declared field, nested ones
    # included, for each serializer it makes, about 140 field objects for a post's
    # page. The shared fields read the view's context through `_RENDERING`, set
    # while a serializer the view made renders. A shape's fields depend only on
    # its class (none of these overrides `get_fields`).
    #
    # A shape that depends only on its object and the request
    # (`shared_per_request`: an image, a byline author) is rendered once per
    # request and object: a page of 20 posts with three authors each shows 60
    # bylines of a handful of authors.

    shared_per_request = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.get_fields is not serializers.Serializer.get_fields:
            raise TypeError(
                f"{cls.__name__} overrides get_fields: a FastSerializer's fields are "
                "built once per class (see `_plan`), so they cannot vary per instance."
            )

    def to_representation(self, instance) -> dict:
        context = self.context
        if context is _SHARED_CONTEXT:  # a field of a shared tree: already set
            return self._render(instance)
        token = _RENDERING.set(context)
        try:
            return self._render(instance)
        finally:
            _RENDERING.reset(token)

    def _render(self, instance) -> dict:
        memo = None
        if self.shared_per_request:
            request = _RENDERING.get().get("request")
            if request is not None:
                memo = request.__dict__.setdefault("_rendered", {})
                found = memo.get((type(self), instance.pk))
                if found is not None:
                    return found
        rendered = {name: read(instance) for name, read in _plan(type(self))}
        if memo is not None:
            memo[(type(self), instance.pk)] = rendered
        return rendered


@extend_schema_field(
    {
        "type": "string",
        "pattern": f"^{SLUG_PATTERN}$",
        "maxLength": SLUG_MAX_LENGTH,
        "example": "failure-isolation-beats-scheduling",
    }
)
class ContentSlugField(serializers.CharField):
    """A post or tag slug: its address in the API."""


def public_id(**kwargs) -> serializers.UUIDField:
    kwargs.setdefault("help_text", "Never changes, not even when the slug does.")
    return serializers.UUIDField(source="uuid", **kwargs)


class TagRefSerializer(FastSerializer):
    id = public_id()
    slug = ContentSlugField(help_text="The tag's slug, its address.")
    name = serializers.CharField(help_text="The tag's display name.")


class LinkedRefListField(serializers.Field):
    """A post's tags (or authors), resolved from their ids through the request's
    directory (`blog.related`) and shown in the `ref` shape."""

    def __init__(self, related: Related, ref: serializers.Serializer, **kwargs) -> None:
        kwargs.setdefault("source", related.ids_attribute)
        super().__init__(read_only=True, **kwargs)
        self.related = related
        self.ref = ref

    def bind(self, field_name: str, parent) -> None:
        super().bind(field_name, parent)
        self.ref.bind("ref", self)

    def get_attribute(self, post) -> list[int]:
        # A post without links has no ids (NULL), and DRF renders None as null.
        return super().get_attribute(post) or []

    def entries(self, ids) -> list:
        return directory(self.context["request"], self.related).entries_for(ids)

    def to_representation(self, ids) -> list[dict]:
        render = self.ref.to_representation
        return [render(entry) for entry in self.entries(ids)]


class PrimaryRefField(LinkedRefListField):
    """The first of a post's ordered links (its primary author), or null."""

    def to_representation(self, ids) -> dict | None:
        entries = self.entries(ids[:1])
        return self.ref.to_representation(entries[0]) if entries else None


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "nullable": True,
        "description": "The resource's page on the front-end; null when its "
        "`FRONTEND_*_URL` template is unset.",
    }
)
class PublicUrlField(serializers.Field):
    def __init__(self, kind: str, **kwargs) -> None:
        super().__init__(source="slug", read_only=True, **kwargs)
        self.kind = kind

    def to_representation(self, slug: str) -> str | None:
        return public_url(self.kind, slug)


class AbsoluteUrlField(serializers.HyperlinkedIdentityField):
    """The absolute URL of the resource in this API.

    The URL is reversed once per request and view, for a placeholder slug; each
    object's URL is then that template around its slug (slugs need no escaping:
    the database holds them to `[a-z0-9-]`). Reversing a URL for each of a page's
    posts cost more than the rest of its serialization.
    """

    PLACEHOLDER = "0slug0"

    def __init__(self, view_name: str, **kwargs) -> None:
        kwargs.setdefault("help_text", "Absolute URL of this resource in the API.")
        super().__init__(view_name=view_name, lookup_field="slug", **kwargs)

    def get_url(self, obj, view_name: str, request, format) -> str:
        if format:  # format suffixes are not routed in this API; the general path
            return super().get_url(obj, view_name, request, format)
        templates = request.__dict__.setdefault("_url_templates", {})
        template = templates.get(view_name)
        if template is None:
            kwargs = {self.lookup_url_kwarg: self.PLACEHOLDER}
            url = self.reverse(view_name, kwargs=kwargs, request=request)
            template = templates[view_name] = url.rpartition(self.PLACEHOLDER)
        prefix, _, suffix = template
        return f"{prefix}{obj.slug}{suffix}"


class FocalPointSerializer(FastSerializer):
    x = serializers.FloatField(
        source="focal_x", min_value=0, max_value=1, help_text="From the left, 0 to 1."
    )
    y = serializers.FloatField(
        source="focal_y", min_value=0, max_value=1, help_text="From the top, 0 to 1."
    )


class PlaceholderSerializer(FastSerializer):
    data_uri = serializers.CharField(
        source="placeholder_data_uri",
        help_text="A tiny WebP as a `data:` URI (under 1 KB), for blur-up loading.",
    )
    blurhash = serializers.CharField(help_text="A BlurHash of the image.")
    dominant_color = serializers.CharField(
        help_text="`#rrggbb`.", min_length=7, max_length=7
    )


class RenditionSerializer(FastSerializer):
    url = serializers.URLField()
    width = serializers.IntegerField(min_value=1)
    height = serializers.IntegerField(min_value=1)
    mime_type = serializers.ChoiceField(
        choices=["image/avif", "image/webp", "image/jpeg", "image/png"]
    )


@extend_schema_field(
    {
        "type": "object",
        "description": "Per MIME type, the renditions as an HTML `srcset`.",
        "additionalProperties": {"type": "string"},
        "example": {"image/webp": "https://api.example.com/media/…/w320.webp 320w"},
    }
)
class SrcsetField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, image) -> dict:
        return srcsets(image, self.context.get("request"))


class MediaUrlField(serializers.URLField):
    """The absolute URL of a stored file."""

    def to_representation(self, name) -> str:
        return media_url(name, self.context.get("request"))


class ImageRefSerializer(FastSerializer):
    """An image of the library as a post shows it (the contract's `ImageRef`)."""

    shared_per_request = True

    id = public_id()
    url = MediaUrlField(source="file", help_text="The cleaned original.")
    width = serializers.IntegerField(min_value=1, help_text="Pixels, upright.")
    height = serializers.IntegerField(min_value=1, help_text="Pixels, upright.")
    mime_type = serializers.ChoiceField(
        choices=["image/avif", "image/webp", "image/jpeg", "image/png"]
    )
    alt = serializers.CharField(
        allow_blank=True, help_text="Empty for a decorative image."
    )
    caption = serializers.CharField(allow_blank=True)
    credit = serializers.CharField(allow_blank=True)
    focal_point = FocalPointSerializer(source="*")
    placeholder = PlaceholderSerializer(
        source="placeholder_or_none",
        allow_null=True,
        help_text="Null until the worker has made it.",
    )
    renditions = serializers.SerializerMethodField(
        help_text="Only those made so far: empty until the worker has run."
    )
    srcset = SrcsetField()

    @extend_schema_field(RenditionSerializer(many=True))
    def get_renditions(self, image) -> list[dict]:
        return rendition_list(image, self.context.get("request"))


def rendition_list(image, request) -> list[dict]:
    return [
        {
            "url": media_url(rendition["name"], request),
            "width": rendition["width"],
            "height": rendition["height"],
            "mime_type": rendition["mime_type"],
        }
        for rendition in image.renditions
    ]


@extend_schema_field(TagRefSerializer(many=True))
class TagRefListField(LinkedRefListField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", "The post's tags, ordered by name.")
        super().__init__(TAGS, TagRefSerializer(), **kwargs)


class AuthorRefSerializer(FastSerializer):
    """An author as a post's byline shows them (`AuthorRef`)."""

    shared_per_request = True

    id = public_id()
    slug = ContentSlugField(help_text="The author's slug, their address.")
    name = serializers.CharField()
    avatar = ImageRefSerializer(allow_null=True, help_text="Null when none is set.")
    url = AbsoluteUrlField(view_name="api:author-detail")


@extend_schema_field(AuthorRefSerializer(many=True))
class AuthorRefListField(LinkedRefListField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", "The byline, in order: the first is primary.")
        super().__init__(AUTHORS, AuthorRefSerializer(), **kwargs)


@extend_schema_field(AuthorRefSerializer(allow_null=True))
class PrimaryAuthorField(PrimaryRefField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", "The byline's first author; null for none.")
        super().__init__(AUTHORS, AuthorRefSerializer(), **kwargs)


class PostLinkSerializer(FastSerializer):
    id = public_id()
    slug = ContentSlugField()
    title = serializers.CharField()
    published_at = serializers.DateTimeField()


class PostSummaryListSerializer(serializers.ListSerializer):
    def to_representation(self, data) -> list:
        posts = list(data.all() if hasattr(data, "all") else data)
        # Their cover images, before any is shown: one query, or none when this
        # content version has shown them all.
        attach(posts, kept=derived.IMAGES)
        return super().to_representation(posts)


class PostSummarySerializer(FastSerializer):
    id = public_id()
    slug = ContentSlugField(help_text="The post's slug, its address.")
    title = serializers.CharField()
    summary = serializers.CharField(help_text="Plain text, one or two sentences.")
    published_at = serializers.DateTimeField(help_text="When the post went live (UTC).")
    updated_at = serializers.DateTimeField(help_text="Last edit (UTC).")
    reading_time_minutes = serializers.IntegerField(
        min_value=1, help_text="Estimated reading time, at least 1."
    )
    featured = serializers.BooleanField()
    tags = TagRefListField()
    authors = AuthorRefListField()
    primary_author = PrimaryAuthorField()
    feature_image = ImageRefSerializer(
        allow_null=True, help_text="The cover image; null when the post has none."
    )
    url = AbsoluteUrlField(view_name="api:post-detail")
    public_url = PublicUrlField("post")

    class Meta:
        list_serializer_class = PostSummaryListSerializer


class TocEntrySerializer(FastSerializer):
    level = serializers.IntegerField(
        min_value=2, max_value=4, help_text="Heading level."
    )
    id = serializers.CharField(help_text="The heading's `id` anchor in `body_html`.")
    text = serializers.CharField(help_text="The heading's text.")


class PostSerializer(PostSummarySerializer):
    """The full post. Serialize a post that `blog.post_page.page()` loaded: its
    neighbours, related posts and images are read from there, never queried here."""

    body_markdown = serializers.CharField(
        source="body", help_text="The body as written: CommonMark Markdown."
    )
    body_html = serializers.CharField(
        help_text="The body rendered to sanitised HTML; headings carry `id` anchors."
    )
    word_count = serializers.IntegerField(min_value=0)
    toc = TocEntrySerializer(many=True, help_text="Table of contents (h2 to h4).")
    previous = PostLinkSerializer(
        source="previous_post",
        allow_null=True,
        help_text="The next older visible post; null for the oldest.",
    )
    next = PostLinkSerializer(
        source="next_post",
        allow_null=True,
        help_text="The next newer visible post; null for the newest.",
    )
    related = PostSummarySerializer(
        source="related_posts",
        many=True,
        help_text="Up to 3 other visible posts sharing a tag, newest first.",
    )
    images = ImageRefSerializer(
        source="body_images",
        many=True,
        help_text="The library images the body shows, in its order.",
    )
    seo = SeoField("post")

    class Meta:
        list_serializer_class = serializers.ListSerializer


@extend_schema_field(PostLinkSerializer)
class NeighbourLinkSerializer(PostLinkSerializer):
    """A neighbour of a post that may have no date yet: null while it has none."""

    def get_attribute(self, post):
        if post.published_at is None:
            return None
        return super().get_attribute(post)


class PreviewPostSerializer(PostSerializer):
    """A post in any state, for an editor's preview: the `Post` shape, where a draft
    may have no date and so no neighbours."""

    published_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the post goes (or went) live (UTC); null for an undated draft.",
    )
    previous = NeighbourLinkSerializer(
        source="previous_post",
        allow_null=True,
        help_text="The visible post just older than this one; null for the oldest "
        "or an undated draft.",
    )
    next = NeighbourLinkSerializer(
        source="next_post",
        allow_null=True,
        help_text="The visible post just newer than this one; null for the newest "
        "or an undated draft.",
    )
    url = AbsoluteUrlField(
        view_name="api:post-detail",
        help_text="Where the post lives in the API: a 404 until it is visible.",
    )


class PageSerializer(FastSerializer):
    """A standalone page (`Page`), loaded with its images
    (`Page.objects.for_detail()`)."""

    id = public_id()
    slug = ContentSlugField(help_text="The page's slug, its address.")
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True, help_text="Plain text.")
    body_markdown = serializers.CharField(
        source="body", help_text="The body as written: CommonMark Markdown."
    )
    body_html = serializers.CharField(
        help_text="The body rendered to sanitised HTML; headings carry `id` anchors."
    )
    toc = TocEntrySerializer(many=True, help_text="Table of contents (h2 to h4).")
    feature_image = ImageRefSerializer(
        allow_null=True, help_text="The cover image; null when the page has none."
    )
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    show_in_navigation = serializers.BooleanField(
        help_text="Whether the site's navigation lists it."
    )
    seo = SeoField("page")
    url = AbsoluteUrlField(view_name="api:page-detail")
    public_url = PublicUrlField("page")


class PreviewPageSerializer(PageSerializer):
    """A page in any state, for an editor's preview: an undated draft has no date."""

    published_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the page goes (or went) live (UTC); null for an undated draft.",
    )
    url = AbsoluteUrlField(
        view_name="api:page-detail",
        help_text="Where the page lives in the API: a 404 until it is visible.",
    )


class TagSerializer(FastSerializer):
    id = public_id()
    slug = ContentSlugField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    post_count = serializers.IntegerField(
        min_value=0, help_text="Number of visible posts with this tag."
    )
    url = AbsoluteUrlField(view_name="api:tag-detail")
    public_url = PublicUrlField("tag")
    seo = SeoField("tag")


class AuthorLinkSerializer(FastSerializer):
    network = serializers.CharField(
        max_length=50, help_text="`mastodon`, `github`, `linkedin`, ..."
    )
    url = serializers.URLField()


class AuthorSerializer(AuthorRefSerializer):
    """An author with their profile (`Author`). No field ever carries an e-mail
    address, a username or a login id."""

    shared_per_request = False  # each is shown once, with its count

    bio = serializers.CharField(allow_blank=True, help_text="Plain text.")
    cover_image = ImageRefSerializer(allow_null=True)
    website = serializers.CharField(
        allow_blank=True, help_text="An absolute http(s) URL, or empty."
    )
    location = serializers.CharField(allow_blank=True)
    links = AuthorLinkSerializer(many=True, help_text="Profiles elsewhere.")
    post_count = serializers.IntegerField(
        min_value=1, help_text="Number of visible posts with this author."
    )
    public_url = PublicUrlField("author")
    seo = SeoField("author")


# The shape of `blog.writing_index.index_entries`' dicts, for the schema: the index
# view renders those dicts as they are, with no per-row field objects.
class IndexEntrySerializer(serializers.Serializer):
    slug = ContentSlugField()
    title = serializers.CharField()
    summary = serializers.CharField()
    published_at = serializers.DateTimeField()
    tags = serializers.ListField(
        child=ContentSlugField(), help_text="The post's tag slugs."
    )
    authors = serializers.ListField(
        child=ContentSlugField(), help_text="The byline's author slugs, in order."
    )


class RedirectSerializer(serializers.Serializer):
    """An old address and where it leads (`GET` on `from` answers 301 to `to`)."""

    type = serializers.ChoiceField(choices=["post", "tag", "author", "page"])
    # `from` is a keyword: declared through the class namespace (a DRF idiom).
    locals()["from"] = serializers.CharField(
        help_text="The old API path, e.g. `/api/v1/posts/old/`."
    )
    to = serializers.CharField(help_text="The current API path.")
    from_public = serializers.URLField(
        allow_null=True, help_text="The old front-end URL; null when unset."
    )
    to_public = serializers.URLField(
        allow_null=True, help_text="The current front-end URL; null when unset."
    )


class RedirectListSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0)
    results = RedirectSerializer(many=True)


class FeedLinksSerializer(serializers.Serializer):
    rss = serializers.URLField(help_text="RSS 2.0 (`application/rss+xml`).")
    atom = serializers.URLField(help_text="Atom 1.0 (`application/atom+xml`).")
    json = serializers.URLField(help_text="JSON Feed 1.1 (`application/feed+json`).")


class ApiRootSerializer(serializers.Serializer):
    posts = serializers.URLField()
    tags = serializers.URLField()
    authors = serializers.URLField()
    pages = serializers.URLField(help_text="Standalone pages (About, Now, Uses).")
    index = serializers.URLField()
    redirects = serializers.URLField(help_text="Old addresses and where they lead.")
    sitemap = serializers.URLField(
        help_text="The sitemap index of the front-end's pages (`application/xml`)."
    )
    schema = serializers.URLField()
    docs = serializers.URLField()
    feeds = FeedLinksSerializer(
        help_text="The newest posts with their full content, site-wide; "
        "`/api/v1/tags/{slug}/feeds/{rss,atom,json}/` for one tag, "
        "`/api/v1/authors/{slug}/feeds/{rss,atom,json}/` for one author."
    )
    site = serializers.URLField(
        help_text="The site's settings: title, logo, navigation, links."
    )
