# ruff: noqa: E501 (the XML of an item is kept as WordPress writes it)
"""A synthetic WordPress export (WXR) of any size, for tests and
`bench/import_wordpress.py`: written as it goes, never held in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Synthetic</title><link>https://synthetic.example.com</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://synthetic.example.com</wp:base_site_url>
<wp:base_blog_url>https://synthetic.example.com</wp:base_blog_url>
"""

PARAGRAPHS = (
    "The queue drains faster when the workers share nothing but the log.",
    "We measured it twice: once under load, once on a quiet Sunday morning.",
    "Back-pressure is a contract, not an afterthought; write it down.",
    "Each retry doubles the wait, and the jitter keeps the herd from forming.",
)


def _item(number: int, when: datetime, authors: int, tags: int) -> str:
    body = "\n\n".join(
        f"{PARAGRAPHS[(number + k) % len(PARAGRAPHS)]} (part {k} of post {number})"
        for k in range(8)
    )
    body += f"\n\n<h2>Section {number}</h2>\n\n<ul><li>one</li><li>two</li></ul>"
    status = "draft" if number % 10 == 9 else "publish"
    gmt = (
        "0000-00-00 00:00:00"
        if status == "draft"
        else when.strftime("%Y-%m-%d %H:%M:%S")
    )
    return f"""<item>
<title><![CDATA[Synthetic post number {number}]]></title>
<link>https://synthetic.example.com/{when:%Y/%m}/synthetic-{number}/</link>
<dc:creator><![CDATA[author{number % authors}]]></dc:creator>
<content:encoded><![CDATA[{body}]]></content:encoded>
<excerpt:encoded><![CDATA[Post {number} in one sentence.]]></excerpt:encoded>
<wp:post_id>{number + 100}</wp:post_id>
<wp:post_date><![CDATA[{when:%Y-%m-%d %H:%M:%S}]]></wp:post_date>
<wp:post_date_gmt><![CDATA[{gmt}]]></wp:post_date_gmt>
<wp:post_name><![CDATA[synthetic-{number}]]></wp:post_name>
<wp:status><![CDATA[{status}]]></wp:status>
<wp:post_type><![CDATA[post]]></wp:post_type>
<wp:post_password><![CDATA[]]></wp:post_password>
<wp:is_sticky>0</wp:is_sticky>
<category domain="category" nicename="topic-{number % tags}"><![CDATA[Topic {number % tags}]]></category>
<category domain="post_tag" nicename="label-{number % 7}"><![CDATA[Label {number % 7}]]></category>
<wp:postmeta><wp:meta_key><![CDATA[_wp_old_slug]]></wp:meta_key><wp:meta_value><![CDATA[old-synthetic-{number}]]></wp:meta_value></wp:postmeta>
</item>
"""


def write_wxr(path: Path, posts: int, *, authors: int = 5, tags: int = 30) -> Path:
    start = datetime(2015, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for number in range(authors):
            out.write(
                f"<wp:author><wp:author_id>{number + 1}</wp:author_id>"
                f"<wp:author_login>author{number}</wp:author_login>"
                f"<wp:author_email>author{number}@example.com</wp:author_email>"
                f"<wp:author_display_name>Author {number}</wp:author_display_name>"
                "</wp:author>\n"
            )
        for number in range(posts):
            out.write(_item(number, start + timedelta(hours=number), authors, tags))
        out.write("</channel>\n</rss>\n")
    return path
