"""Markdown to safe HTML, once, on save: CommonMark, heading anchors, a TOC, nh3."""

import html as html_entities
import math
import re
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

from blog.slugs import slug_from_text

WORDS_PER_MINUTE = 230
TOC_LEVELS = (2, 3, 4)

# The allowlist. Anything not named here (script, style, iframe, object, embed, form,
# svg, math, event handlers...) is removed; `clean_content_tags` also drops the text
# inside the tags whose content is code, not prose.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "picture", "pre", "q", "s", "samp",
    "small", "source", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding"},
    # Only for the library's images (`![alt](image:<id>)`); the values are checked.
    "source": {"type", "srcset", "sizes"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
URL_SCHEMES = {"http", "https", "mailto"}
CONTENT_DROPPING_TAGS = {"script", "style", "noscript", "template", "textarea", "title"}
_LANGUAGE_CLASS = re.compile(r"\Alanguage-[A-Za-z0-9_+#.-]{1,40}\Z")
_ANCHOR_ID = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_SRCSET_ENTRY = re.compile(r"\Ahttps?://[^\s,\"'<>]+ \d{1,5}w\Z")
_SIZES = re.compile(r"\A[a-z0-9 (),:.%-]{1,200}\Z")
_KEYWORDS = {
    "loading": {"lazy", "eager"},
    "decoding": {"async", "sync", "auto"},
    "type": {"image/avif", "image/webp", "image/jpeg", "image/png"},
}
IMAGE_SCHEME = "image:"


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    images: list = field(default_factory=list)  # the library images it shows
    toc: list[dict] = field(default_factory=list)
    word_count: int = 0
    reading_time_minutes: int = 1


def _keep_safe_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        return value if tag == "code" and _LANGUAGE_CLASS.match(value) else None
    if attribute == "id":
        return value if _ANCHOR_ID.match(value) else None
    if attribute == "srcset":
        entries = [entry.strip() for entry in value.split(",")]
        return value if all(_SRCSET_ENTRY.match(e) for e in entries) else None
    if attribute == "sizes":
        return value if _SIZES.match(value) else None
    if attribute in _KEYWORDS:
        return value if value in _KEYWORDS[attribute] else None
    return value


def sanitize_html(html: str) -> str:
    """HTML with nothing executable left: the one sanitiser for all stored HTML."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=CONTENT_DROPPING_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_safe_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _heading_slug(text: str) -> str:
    return slug_from_text(text, fallback="section")


def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(anchors_plugin, min_level=1, max_level=6, slug_func=_heading_slug)
    )


_MARKDOWN = _parser()


def _table_of_contents(tokens: list) -> list[dict]:
    toc = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        level = int(token.tag[1])
        if level not in TOC_LEVELS:
            continue
        inline = tokens[index + 1]
        text = "".join(
            child.content
            for child in inline.children or []
            if child.type in {"text", "code_inline"}
        ).strip()
        toc.append({"level": level, "id": token.attrs.get("id", ""), "text": text})
    return toc


def count_words(plain_text: str) -> int:
    return len(re.findall(r"[\w'\u2019-]+", plain_text))


def reading_time(word_count: int) -> int:
    """Whole minutes at 230 words a minute, never less than one."""
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))


def _images_referenced(tokens: list) -> list[str]:
    """The ids of `![alt](image:<id>)` references, in order (code is not read)."""
    found = []
    for token in tokens:
        for child in token.children or []:
            src = child.attrs.get("src", "") if child.type == "image" else ""
            if isinstance(src, str) and src.startswith(IMAGE_SCHEME):
                found.append(src[len(IMAGE_SCHEME) :])
    return found


def _unwrap_figures(tokens: list, shown: dict) -> None:
    """A paragraph that is only a library image becomes its `<figure>`, not a
    `<p>` around it (a figure cannot sit inside a paragraph)."""
    for index in range(1, len(tokens) - 1):
        inline = tokens[index]
        children = [c for c in inline.children or [] if c.type != "softbreak"]
        if (
            tokens[index - 1].type == "paragraph_open"
            and inline.type == "inline"
            and len(children) == 1
            and children[0].type == "image"
            and str(children[0].attrs.get("src", ""))[len(IMAGE_SCHEME) :] in shown
            and str(children[0].attrs.get("src", "")).startswith(IMAGE_SCHEME)
        ):
            tokens[index - 1].hidden = tokens[index + 1].hidden = True


def _render_image(self, tokens, index, options, env) -> str:
    token = tokens[index]
    src = token.attrs.get("src", "")
    if not (isinstance(src, str) and src.startswith(IMAGE_SCHEME)):
        return self.image(tokens, index, options, env)
    image = env.get("images", {}).get(src[len(IMAGE_SCHEME) :])
    alt = self.renderInlineAsText(token.children or [], options, env)
    if image is None:  # unknown or deleted: its alt text, nothing to load
        return html_entities.escape(alt)
    return image.figure_html(alt)  # the library's own markup


_MARKDOWN.add_render_rule("image", _render_image)


def render_markdown(source: str, images=None) -> RenderedMarkdown:
    """`images(ids)` gives the library images the body references by id (a dict
    by id); without it, references render as their alt text."""
    tokens = _MARKDOWN.parse(source or "")
    referenced = _images_referenced(tokens)
    shown = images(referenced) if images and referenced else {}
    if shown:
        _unwrap_figures(tokens, shown)
    env = {"images": shown}
    html = sanitize_html(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env))
    plain_text = html_entities.unescape(nh3.clean(html, tags=set()))
    words = count_words(plain_text)
    return RenderedMarkdown(
        html=html,
        images=[shown[i] for i in dict.fromkeys(referenced) if i in shown],
        toc=_table_of_contents(tokens),
        word_count=words,
        reading_time_minutes=reading_time(words),
    )
