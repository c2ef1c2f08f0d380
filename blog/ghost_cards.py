"""Ghost's editor documents as HTML, for a post whose export carries no `html`.

A small renderer, not Ghost's own: what it covers is listed here, and anything
else is reported by name (`Rendered.unknown`) so the import can say which posts
lost something.

- Mobiledoc (Ghost 1 to 4): markup sections (`p`, `h1`-`h6`, `blockquote`,
  `aside`), lists (`ul`, `ol`), image sections, the markups `a`, `strong`, `b`,
  `em`, `i`, `code`, `s`, `del`, `u`, `sub`, `sup`, the `soft-return` atom, and the
  cards below.
- Lexical (Ghost 5 and 6): `paragraph`, `heading`, `quote`, `aside`, `list` and
  `listitem`, `text` with its format flags (bold, italic, strikethrough,
  underline, code, subscript, superscript, highlight), `link`, `linebreak`, and
  the cards below.
- Cards of both: `image`, `gallery`, `markdown`, `html`, `code`/`codeblock`,
  `hr`/`horizontalrule`, `embed`, `bookmark`, `callout`, `button`, `toggle`,
  `header` (its text only). Everything is sanitised afterwards like any body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from typing import Any

from blog.markdown import render_markdown

_MARKUP_TAGS = {
    "a", "strong", "b", "em", "i", "code", "s", "del", "u", "sub", "sup", "mark",
}  # fmt: skip
_SECTION_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "aside"}
_TEXT_FORMATS = (
    (1, "strong"), (2, "em"), (4, "s"), (8, "u"), (16, "code"), (32, "sub"),
    (64, "sup"), (128, "mark"),
)  # fmt: skip


@dataclass
class Rendered:
    html: str
    unknown: list[str] = field(default_factory=list)


def _attr(value: Any) -> str:
    return escape(str(value or ""), quote=True)


def _figure(src: str, alt: str = "", caption: str = "") -> str:
    if not src:
        return ""
    image = f'<img src="{_attr(src)}" alt="{_attr(alt)}">'
    # Ghost's captions are HTML already (a link, emphasis).
    text = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure>{image}{text}</figure>"


def _card(name: str, payload: dict, unknown: list[str]) -> str:
    payload = payload if isinstance(payload, dict) else {}
    if name == "image":
        return _figure(payload.get("src"), payload.get("alt"), payload.get("caption"))
    if name == "gallery":
        images = "".join(
            _figure(image.get("src"), image.get("alt"), image.get("caption"))
            for image in payload.get("images") or []
            if isinstance(image, dict)
        )
        return images + (
            f"<p>{payload['caption']}</p>" if payload.get("caption") else ""
        )
    if name == "markdown":
        return render_markdown(str(payload.get("markdown") or "")).html
    if name in ("html", "embed"):
        return str(payload.get("html") or "")
    if name in ("code", "codeblock"):
        language = str(payload.get("language") or "")
        css = f' class="language-{_attr(language)}"' if language else ""
        return f"<pre><code{css}>{escape(str(payload.get('code') or ''))}</code></pre>"
    if name in ("hr", "horizontalrule"):
        return "<hr>"
    if name == "bookmark":
        url = payload.get("url") or ""
        metadata = payload.get("metadata") or {}
        title = metadata.get("title") or url
        return f'<p><a href="{_attr(url)}">{escape(str(title))}</a></p>' if url else ""
    if name == "button":
        url, text = payload.get("buttonUrl") or "", payload.get("buttonText") or ""
        return f'<p><a href="{_attr(url)}">{escape(str(text))}</a></p>' if url else ""
    if name == "callout":
        return f"<blockquote><p>{payload.get('calloutText') or ''}</p></blockquote>"
    if name == "toggle":
        return (
            f"<details><summary>{payload.get('heading') or ''}</summary>"
            f"{payload.get('content') or ''}</details>"
        )
    if name == "header":
        return "".join(
            f"<p>{payload[key]}</p>"
            for key in ("header", "subheader")
            if payload.get(key)
        )
    unknown.append(name)
    return ""


# --- Mobiledoc ---------------------------------------------------------------------


def _mobiledoc_markers(doc: dict, markers: list, unknown: list[str]) -> str:
    markups, atoms = doc.get("markups") or [], doc.get("atoms") or []
    out, open_tags = [], []
    for marker in markers:
        kind, opened, closed, value = marker
        for index in opened:
            tag, *rest = markups[index]
            attributes = rest[0] if rest else []
            pairs = dict(zip(attributes[::2], attributes[1::2], strict=False))
            tag = tag.lower() if tag.lower() in _MARKUP_TAGS else "span"
            href = f' href="{_attr(pairs.get("href"))}"' if tag == "a" else ""
            out.append(f"<{tag}{href}>")
            open_tags.append(tag)
        if kind == 0:
            out.append(escape(str(value)))
        else:
            name, text, _payload = atoms[value]
            out.append("<br>" if name == "soft-return" else escape(str(text)))
        for _ in range(closed):
            out.append(f"</{open_tags.pop()}>")
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(out)


def mobiledoc_html(source: str | dict) -> Rendered:
    doc = json.loads(source) if isinstance(source, str) else source
    unknown: list[str] = []
    cards = doc.get("cards") or []
    parts = []
    for section in doc.get("sections") or []:
        kind = section[0]
        if kind == 1:
            tag = str(section[1]).lower()
            tag = tag if tag in _SECTION_TAGS else "p"
            parts.append(
                f"<{tag}>{_mobiledoc_markers(doc, section[2], unknown)}</{tag}>"
            )
        elif kind == 2:
            parts.append(_figure(section[1]))
        elif kind == 3:
            tag = "ol" if str(section[1]).lower() == "ol" else "ul"
            items = "".join(
                f"<li>{_mobiledoc_markers(doc, item, unknown)}</li>"
                for item in section[2]
            )
            parts.append(f"<{tag}>{items}</{tag}>")
        elif kind == 10:
            name, payload = cards[section[1]]
            parts.append(_card(name, payload, unknown))
        else:
            unknown.append(f"section type {kind}")
    return Rendered("\n".join(p for p in parts if p), unknown)


# --- Lexical -------------------------------------------------------------------------


def _lexical_children(node: dict, unknown: list[str]) -> str:
    return "".join(_lexical(child, unknown) for child in node.get("children") or [])


def _lexical(node: dict, unknown: list[str]) -> str:
    kind = str(node.get("type") or "")
    kind = kind.removeprefix("extended-")
    if kind == "text":
        text = escape(str(node.get("text") or ""))
        flags = node.get("format") or 0
        flags = flags if isinstance(flags, int) else 0
        for bit, tag in _TEXT_FORMATS:
            if flags & bit:
                text = f"<{tag}>{text}</{tag}>"
        return text
    if kind == "linebreak":
        return "<br>"
    if kind == "link":
        return (
            f'<a href="{_attr(node.get("url"))}">{_lexical_children(node, unknown)}</a>'
        )
    if kind == "paragraph":
        return f"<p>{_lexical_children(node, unknown)}</p>"
    if kind == "heading":
        tag = str(node.get("tag") or "h2")
        tag = tag if tag in {f"h{n}" for n in range(1, 7)} else "h2"
        return f"<{tag}>{_lexical_children(node, unknown)}</{tag}>"
    if kind in ("quote", "aside"):
        return f"<blockquote>{_lexical_children(node, unknown)}</blockquote>"
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" else "ul"
        return f"<{tag}>{_lexical_children(node, unknown)}</{tag}>"
    if kind == "listitem":
        return f"<li>{_lexical_children(node, unknown)}</li>"
    if kind in ("root",):
        return _lexical_children(node, unknown)
    return _card(kind, node, unknown)


def lexical_html(source: str | dict) -> Rendered:
    doc = json.loads(source) if isinstance(source, str) else source
    unknown: list[str] = []
    root = doc.get("root") or {}
    html = "\n".join(_lexical(child, unknown) for child in root.get("children") or [])
    return Rendered(html, unknown)
