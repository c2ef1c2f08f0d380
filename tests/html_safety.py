"""An independent check that HTML holds nothing a browser would execute."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}  # fmt: skip
SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                cleaned = "".join(value.split()).lower()
                scheme = urlsplit(cleaned).scheme
                if scheme not in SAFE_SCHEMES:
                    self.problems.append(f"{scheme}: URL in {name}")

    handle_startendtag = handle_starttag


def executable_parts(html: str) -> list[str]:
    """Every tag, attribute or URL in `html` that could run script; [] if none."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.problems
