import pytest

from blog.markdown import reading_time, render_markdown
from tests.html_safety import executable_parts

# The XSS corpus (50+ vectors) is tests/security/test_xss.py.


def test_the_safety_check_itself_catches_executable_html():
    assert executable_parts('<a href="javascript:x">a</a><img onerror=x><script>')


def test_headings_get_anchor_ids_and_a_table_of_contents():
    rendered = render_markdown(
        "# Title\n\n## Why it matters\n\n### Details\n\n## Why it matters"
    )
    assert '<h2 id="why-it-matters">' in rendered.html
    assert '<h2 id="why-it-matters-1">' in rendered.html
    assert rendered.toc == [
        {"level": 2, "id": "why-it-matters", "text": "Why it matters"},
        {"level": 3, "id": "details", "text": "Details"},
        {"level": 2, "id": "why-it-matters-1", "text": "Why it matters"},
    ]


def test_fenced_code_keeps_its_language_class():
    html = render_markdown("```elixir\nIO.puts(1)\n```").html
    assert '<pre><code class="language-elixir">IO.puts(1)' in html


def test_a_hostile_language_class_is_dropped():
    html = render_markdown('```x" onclick="alert(1)\ncode\n```').html
    assert "onclick" not in html
    assert "<code>" in html


def test_links_get_noopener():
    html = render_markdown("[site](https://example.com)").html
    assert 'rel="noopener noreferrer"' in html
    assert 'href="https://example.com"' in html


def test_commonmark_basics_render():
    html = render_markdown("*em* **strong** `code`\n\n- a\n- b\n\n> quote").html
    for fragment in ("<em>em</em>", "<strong>strong</strong>", "<code>code</code>",
                     "<li>a</li>", "<blockquote>"):  # fmt: skip
        assert fragment in html


@pytest.mark.parametrize(
    ("words", "minutes"), [(0, 1), (1, 1), (230, 1), (231, 2), (1000, 5)]
)
def test_reading_time_is_whole_minutes_and_at_least_one(words, minutes):
    assert reading_time(words) == minutes


def test_word_count_counts_words_not_markup():
    rendered = render_markdown(
        "## Two words\n\nThree more words & one.\n\n```\ncode here\n```"
    )
    assert rendered.word_count == 8
