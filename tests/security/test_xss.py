"""Hostile Markdown never reaches a browser: an OWASP-style corpus, checked by an
independent HTML parser (tests/html_safety.py)."""

import pytest
from django.core.management import call_command

from blog.markdown import render_markdown
from blog.models import Post
from tests.factories import PostFactory
from tests.html_safety import executable_parts

CORPUS = [
    # script, in every disguise
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<<script>script>alert(1)<</script>/script>",
    "<script/src=data:,alert(1)></script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    # event handlers
    '<img src=x onerror="alert(1)">',
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img src=x onerror=alert&#40;1&#41;>",
    '<p onclick="alert(1)">x</p>',
    '<body onload="alert(1)">',
    '<details open ontoggle="alert(1)">x</details>',
    '<input autofocus onfocus="alert(1)">',
    '<div onmouseover="alert(1)">hover</div>',
    "<a href=# onclick=alert(1)>x</a>",
    # javascript:, vbscript: and data: URLs
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="javascript:alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "![img](javascript:alert(1))",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    # SVG and MathML
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mtext><a href="javascript:alert(1)">x</a></mtext></math>',
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x"
    "</maction></math>",
    # style
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="behavior:url(x.htc)">x</p>',
    # frames, objects, embeds, forms
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    # documents and metadata
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<template><script>alert(1)</script></template>",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    # raw HTML mixed into Markdown
    "## Heading <img src=x onerror=alert(1)>",
    "- item <script>alert(1)</script>",
    "> quote <iframe src=//evil.example></iframe>",
    "```html\n<script>alert(1)</script>\n```\n\n<script>alert(2)</script>",
    '**bold** <a href="javascript:alert(1)">**x**</a>',
    "<!-- comment --><script>alert(1)</script>",
]


def test_the_corpus_has_at_least_forty_vectors():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("vector", CORPUS)
def test_nothing_executable_survives(vector):
    html = render_markdown(f"Intro\n\n{vector}\n\nOutro").html
    assert executable_parts(html) == [], html
    assert "<script" not in html.lower()


def test_code_blocks_show_hostile_html_as_text():
    html = render_markdown("```html\n<script>alert(1)</script>\n```").html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_the_api_serves_only_sanitised_html(client):
    post = PostFactory(body="\n\n".join(CORPUS))
    body_html = client.get(f"/api/v1/posts/{post.slug}/").json()["body_html"]
    assert executable_parts(body_html) == []


@pytest.mark.django_db
def test_rerender_posts_applies_a_changed_allowlist_to_stored_html():
    post = PostFactory(body="Hello <b>world</b>")
    Post.objects.filter(pk=post.pk).update(body_html="<script>alert(1)</script>")
    call_command("rerender_posts")
    post.refresh_from_db()
    assert post.body_html == "<p>Hello <b>world</b></p>\n"


@pytest.mark.django_db
def test_rerender_posts_leaves_current_html_alone(capsys):
    PostFactory()
    call_command("rerender_posts")
    assert "Re-rendered 0 post(s)." in capsys.readouterr().out
