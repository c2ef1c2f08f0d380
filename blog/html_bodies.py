"""Imported HTML as a post's body (`import_ghost`, `import_wordpress`).

A body is Markdown with raw HTML allowed, rendered and sanitised on save
(`blog.markdown`). Imported HTML becomes Markdown when it converts cleanly, and
stays HTML otherwise:

- It is sanitised first (`sanitize_html`, the one allowlist), then converted with
  html2text. The Markdown is rendered again and compared with the sanitised HTML:
  the same text, the same links and images, the same structure (headings, lists,
  tables, code, quotes, emphasis). Equal: the body is that Markdown, which editors
  can then edit as any other post.
- Otherwise the body is the sanitised HTML as one CommonMark HTML block (inside a
  `<div>` that the sanitiser drops again), with no blank line in it (blank lines
  end an HTML block; inside `<pre>` the line breaks are kept as `&#10;`), so that
  Markdown syntax in the text (`*`, `_`, four spaces) is never interpreted. Such a
  body renders as the HTML did; its headings get no anchors and no table of
  contents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import html2text

from blog.markdown import render_markdown, sanitize_html

# What the comparison counts besides text, links and images.
_STRUCTURE = {
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "td", "th",
    "pre", "code", "blockquote", "strong", "b", "em", "i", "del", "s", "hr", "img",
    "a", "sup", "sub", "figure", "figcaption", "dl", "details", "mark", "kbd",
}  # fmt: skip
_EQUIVALENT = {"b": "strong", "i": "em", "s": "del"}
_PRE = re.compile(r"<pre\b.*?</pre\s*>", re.IGNORECASE | re.DOTALL)
_BLANK_LINES = re.compile(r"\n[ \t]*(?=\n)")


@dataclass
class _Shape(HTMLParser):
    text: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs) -> None:
        tag = _EQUIVALENT.get(tag, tag)
        if tag in _STRUCTURE:
            self.tags.append(tag)
        values = dict(attrs)
        if tag == "a":
            self.links.append(values.get("href") or "")
        if tag == "img":
            self.links.append(values.get("src") or "")
            self.text.append(values.get("alt") or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _shape(html: str) -> tuple:
    parser = _Shape()
    parser.feed(html)
    parser.close()
    # Block boundaries add or drop white space; words and their order must match.
    text = "".join("".join(parser.text).split())
    return text, parser.tags, parser.links


def _converter() -> html2text.HTML2Text:
    converter = html2text.HTML2Text()
    converter.body_width = 0  # no hard wrapping
    converter.unicode_snob = True  # characters, not ASCII stand-ins
    converter.protect_links = False
    converter.single_line_break = False
    converter.mark_code = False
    converter.ignore_images = False
    converter.images_to_alt = False
    converter.bypass_tables = False
    converter.pad_tables = False
    converter.use_automatic_links = False
    converter.escape_snob = True  # escape every Markdown character in text
    return converter


@dataclass(frozen=True)
class Body:
    source: str  # what is stored in `body`
    kept_as_html: bool


def as_html_block(clean_html: str) -> str:
    """Sanitised HTML as a Markdown body that renders as that HTML."""
    kept = _PRE.sub(lambda found: found.group().replace("\n", "&#10;"), clean_html)
    kept = _BLANK_LINES.sub("", kept.strip())
    return f"<div>\n{kept}\n</div>\n"


_CODE_LANGUAGE = re.compile(r'<code\b[^>]*class="language-([A-Za-z0-9_+#.-]+)"')
_PLACEHOLDER = "WRITINGAPICODEBLOCK{}END"


def _fenced(pre: str) -> str:
    """A `<pre>` as a fenced code block (html2text's indented blocks break
    inside and after lists), its language kept."""
    language = _CODE_LANGUAGE.search(pre)
    code = unescape(re.sub(r"<[^>]*>", "", pre)).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language.group(1) if language else ''}\n{code}\n{fence}"


def _to_markdown(clean_html: str) -> str:
    blocks: list[str] = []

    def hold(found: re.Match) -> str:
        blocks.append(_fenced(found.group()))
        return f"<p>{_PLACEHOLDER.format(len(blocks) - 1)}</p>"

    markdown = _converter().handle(_PRE.sub(hold, clean_html))
    for number, block in enumerate(blocks):
        markdown = markdown.replace(_PLACEHOLDER.format(number), block, 1)
    return markdown.strip() + "\n"


def body_from_html(html: str) -> Body:
    """The body to store for imported HTML (see the module's docstring)."""
    clean_html = sanitize_html(html or "").strip()
    if not clean_html:
        return Body("", kept_as_html=False)
    try:
        markdown = _to_markdown(clean_html)
    except Exception:  # html2text on HTML it cannot walk: keep the HTML
        markdown = None
    if markdown is not None and _shape(render_markdown(markdown).html) == _shape(
        clean_html
    ):
        return Body(markdown, kept_as_html=False)
    return Body(as_html_block(clean_html), kept_as_html=True)


# --- WordPress's paragraphs -----------------------------------------------------------

_BLOCK_START = re.compile(
    r"\A\s*<(?:p|div|h[1-6]|ul|ol|li|dl|table|thead|tbody|tr|blockquote|pre|figure|"
    r"hr|address|section|article|aside|header|footer|nav|form|fieldset|details|"
    r"iframe|video|audio|img\b[^>]*>\s*\Z|!--)",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CAPTION = re.compile(r"\[caption[^\]]*\](.*?)\[/caption\]", re.IGNORECASE | re.DOTALL)
_CAPTION_PARTS = re.compile(
    r"\A\s*((?:<a\b[^>]*>)?\s*<img\b[^>]*>\s*(?:</a>)?)(.*)\Z", re.DOTALL
)
SHORTCODE = re.compile(r"\[(/?)([a-z][a-z0-9_-]*)\b[^\]]*\]", re.IGNORECASE)


def _caption(found: re.Match) -> str:
    parts = _CAPTION_PARTS.match(found.group(1))
    if not parts:
        return found.group(1)
    image, text = parts.groups()
    caption = f"<figcaption>{text.strip()}</figcaption>" if text.strip() else ""
    return f"<figure>{image}{caption}</figure>"


def wordpress_html(content: str) -> tuple[str, list[str]]:
    """WordPress's stored content as HTML: block-editor comments removed, the
    classic editor's paragraphs (blank lines) and line breaks made into `<p>` and
    `<br>` (a small `wpautop`), `[caption]` as a figure. The shortcodes left (a
    `[gallery]`, an `[embed]`) are named, to be reported."""
    content = _COMMENT.sub("", content.replace("\r\n", "\n"))
    content = _CAPTION.sub(_caption, content)
    left = sorted({m.group(2).lower() for m in SHORTCODE.finditer(content)})
    pres: list[str] = []

    def keep_pre(found: re.Match) -> str:
        pres.append(found.group())
        return f"\x00{len(pres) - 1}\x00"

    content = _PRE.sub(keep_pre, content)
    chunks = [c.strip() for c in re.split(r"\n\s*\n", content) if c.strip()]
    out = []
    for chunk in chunks:
        if _BLOCK_START.match(chunk) or re.fullmatch(r"\x00\d+\x00", chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    html = "\n".join(out)
    html = re.sub(r"\x00(\d+)\x00", lambda m: pres[int(m.group(1))], html)
    return html, left


def plain_text(html: str) -> str:
    """Text of an HTML fragment, whitespace collapsed (an excerpt, a title)."""
    without_tags = re.sub(r"<[^>]*>", " ", html or "")
    return " ".join(unescape(without_tags).split())
