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
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
URL_SCHEMES = {"http", "https", "mailto"}
CONTENT_DROPPING_TAGS = {"script", "style", "noscript", "template", "textarea", "title"}
_LANGUAGE_CLASS = re.compile(r"\Alanguage-[A-Za-z0-9_+#.-]{1,40}\Z")
_ANCHOR_ID = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: list[dict] = field(default_factory=list)
    word_count: int = 0
    reading_time_minutes: int = 1


def _keep_safe_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        return value if tag == "code" and _LANGUAGE_CLASS.match(value) else None
    if attribute == "id":
        return value if _ANCHOR_ID.match(value) else None
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


def render_markdown(source: str) -> RenderedMarkdown:
    tokens = _MARKDOWN.parse(source or "")
    html = sanitize_html(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))
    plain_text = html_entities.unescape(nh3.clean(html, tags=set()))
    words = count_words(plain_text)
    return RenderedMarkdown(
        html=html,
        toc=_table_of_contents(tokens),
        word_count=words,
        reading_time_minutes=reading_time(words),
    )
