"""The shapes of the contract (`../shared/design/api-v1.md`), field by field."""

from datetime import UTC, datetime

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.context import tag_directory
from blog.images import attach, media_url, srcsets
from blog.slugs import SLUG_MAX_LENGTH, SLUG_PATTERN

DATETIME_FORMAT = settings.REST_FRAMEWORK["DATETIME_FORMAT"]


def timestamp(value: datetime | None) -> str | None:
    """A datetime as `serializers.DateTimeField` prints it: in UTC, whole seconds."""
    return None if value is None else value.astimezone(UTC).strftime(DATETIME_FORMAT)


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


class TagRefSerializer(serializers.Serializer):
    id = public_id()
    slug = ContentSlugField(help_text="The tag's slug, its address.")
    name = serializers.CharField(help_text="The tag's display name.")


@extend_schema_field(TagRefSerializer(many=True))
class TagRefListField(serializers.Field):
    """A post's tags, resolved from their ids through the request's tag directory."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("source", "tag_ids")
        kwargs.setdefault("help_text", "The post's tags, ordered by name.")
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, post) -> list[int]:
        # A post without tags has no ids (NULL), and DRF renders None as null.
        return super().get_attribute(post) or []

    def to_representation(self, tag_ids) -> list[dict]:
        directory = tag_directory(self.context["request"])
        return [
            {"id": tag.uuid, "slug": tag.slug, "name": tag.name}
            for tag in directory.entries_for(tag_ids)
        ]


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


class FocalPointSerializer(serializers.Serializer):
    x = serializers.FloatField(
        source="focal_x", min_value=0, max_value=1, help_text="From the left, 0 to 1."
    )
    y = serializers.FloatField(
        source="focal_y", min_value=0, max_value=1, help_text="From the top, 0 to 1."
    )


class PlaceholderSerializer(serializers.Serializer):
    data_uri = serializers.CharField(
        source="placeholder_data_uri",
        help_text="A tiny WebP as a `data:` URI (under 1 KB), for blur-up loading.",
    )
    blurhash = serializers.CharField(help_text="A BlurHash of the image.")
    dominant_color = serializers.CharField(
        help_text="`#rrggbb`.", min_length=7, max_length=7
    )


class RenditionSerializer(serializers.Serializer):
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


class ImageRefSerializer(serializers.Serializer):
    """An image of the library as a post shows it (the contract's `ImageRef`)."""

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

    def to_representation(self, image) -> dict:
        return image_ref(image, self.context.get("request"))


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


def image_ref(image, request) -> dict | None:
    """`ImageRef`, read directly (a test holds it to DRF's field-by-field output)."""
    if image is None:
        return None
    placeholder = image.placeholder_or_none
    return {
        "id": str(image.uuid),
        "url": media_url(image.file, request),
        "width": image.width,
        "height": image.height,
        "mime_type": image.mime_type,
        "alt": image.alt,
        "caption": image.caption,
        "credit": image.credit,
        "focal_point": {"x": image.focal_x, "y": image.focal_y},
        "placeholder": None
        if placeholder is None
        else {
            "data_uri": image.placeholder_data_uri,
            "blurhash": image.blurhash,
            "dominant_color": image.dominant_color,
        },
        "renditions": rendition_list(image, request),
        "srcset": srcsets(image, request),
    }


class PostLinkSerializer(serializers.Serializer):
    id = public_id()
    slug = ContentSlugField()
    title = serializers.CharField()
    published_at = serializers.DateTimeField()


# The fields of `PostSummary`, which `Post` extends.
class PostSummaryFields(serializers.Serializer):
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
    feature_image = ImageRefSerializer(
        allow_null=True, help_text="The cover image; null when the post has none."
    )
    url = AbsoluteUrlField(view_name="api:post-detail")

    def summary_of(self, post) -> dict:
        """The fields above, read directly: a page of 20 posts would otherwise run
        180 field objects. Tests hold this to DRF's own output."""
        fields = self.fields
        return {
            "id": str(post.uuid),
            "slug": post.slug,
            "title": post.title,
            "summary": post.summary,
            "published_at": timestamp(post.published_at),
            "updated_at": timestamp(post.updated_at),
            "reading_time_minutes": post.reading_time_minutes,
            "featured": post.featured,
            "tags": fields["tags"].to_representation(post.tag_ids),
            "feature_image": image_ref(post.feature_image, self.context.get("request")),
            "url": fields["url"].to_representation(post),
        }


class PostSummaryListSerializer(serializers.ListSerializer):
    def to_representation(self, data) -> list:
        posts = list(data.all() if hasattr(data, "all") else data)
        attach(posts)  # their cover images: one query, before any is shown
        return super().to_representation(posts)


class PostSummarySerializer(PostSummaryFields):
    class Meta:
        list_serializer_class = PostSummaryListSerializer

    def to_representation(self, post) -> dict:
        return self.summary_of(post)


class TocEntrySerializer(serializers.Serializer):
    level = serializers.IntegerField(
        min_value=2, max_value=4, help_text="Heading level."
    )
    id = serializers.CharField(help_text="The heading's `id` anchor in `body_html`.")
    text = serializers.CharField(help_text="The heading's text.")


class PostSerializer(PostSummaryFields):
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

    def to_representation(self, post) -> dict:
        """The declared fields, read directly, as for a summary (a test holds this
        to DRF's own output)."""
        request = self.context.get("request")
        # Every image this post and its related posts show: one query.
        attach(post.related_posts, body_of=post)
        return {
            **self.summary_of(post),
            "body_markdown": post.body,
            "body_html": post.body_html,
            "word_count": post.word_count,
            "toc": [
                {
                    "level": int(entry["level"]),
                    "id": str(entry["id"]),
                    "text": str(entry["text"]),
                }
                for entry in post.toc
            ],
            "previous": post_link(post.previous_post),
            "next": post_link(post.next_post),
            "related": [self.summary_of(other) for other in post.related_posts],
            "images": [image_ref(image, request) for image in post.body_images],
        }


def post_link(post) -> dict | None:
    """`PostLink` of a post, or None."""
    if post is None:
        return None
    return {
        "id": str(post.uuid),
        "slug": post.slug,
        "title": post.title,
        "published_at": timestamp(post.published_at),
    }


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

    def to_representation(self, post) -> dict:
        # Field by field: the fields below replace some of `Post`'s.
        attach(post.related_posts, body_of=post)
        return serializers.Serializer.to_representation(self, post)

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


class TagSerializer(serializers.Serializer):
    id = public_id()
    slug = ContentSlugField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    post_count = serializers.IntegerField(
        min_value=0, help_text="Number of visible posts with this tag."
    )
    url = AbsoluteUrlField(view_name="api:tag-detail")


# The shape of `PostQuerySet.index_entries`' dicts, for the schema: the index view
# renders those dicts as they are, with no per-row field objects.
class IndexEntrySerializer(serializers.Serializer):
    slug = ContentSlugField()
    title = serializers.CharField()
    summary = serializers.CharField()
    published_at = serializers.DateTimeField()
    tags = serializers.ListField(
        child=ContentSlugField(), help_text="The post's tag slugs."
    )


class FeedLinksSerializer(serializers.Serializer):
    rss = serializers.URLField(help_text="RSS 2.0 (`application/rss+xml`).")
    atom = serializers.URLField(help_text="Atom 1.0 (`application/atom+xml`).")
    json = serializers.URLField(help_text="JSON Feed 1.1 (`application/feed+json`).")


class ApiRootSerializer(serializers.Serializer):
    posts = serializers.URLField()
    tags = serializers.URLField()
    index = serializers.URLField()
    sitemap = serializers.URLField(
        help_text="The sitemap index of the front-end's pages (`application/xml`)."
    )
    schema = serializers.URLField()
    docs = serializers.URLField()
    feeds = FeedLinksSerializer(
        help_text="The newest posts with their full content, site-wide; "
        "`/api/v1/tags/{slug}/feeds/{rss,atom,json}/` for one tag."
    )
