"""Bylines and pages in a real browser: an editor signs a post with two authors
through the byline inline's search, reorders them with its buttons, publishes, and
writes an About page; the public API then shows the byline in that order and the
page apart from the posts.

Drives Debian's Chromium as the other journeys do; leaves screenshots in
`test-output/`.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.e2e.browser import OUTPUT, log_in

# PostgreSQL only, as the other journeys: the autocomplete's requests run beside the
# editor's own, which SQLite's in-memory test database cannot take.
pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TITLE = "Two hands on one post"
SLUG = "two-hands-on-one-post"


@pytest.fixture
def authors(site):
    from blog.models import Author

    return [
        Author.objects.create(name="Ada Lovelace", slug="ada"),
        Author.objects.create(name="Grace Hopper", slug="grace"),
    ]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=15) as response:
        assert response.status == 200, url
        return json.loads(response.read())


def test_an_editor_signs_a_post_with_two_authors_and_writes_a_page(authors, site, page):
    from playwright.sync_api import expect

    try:
        _journey(page, expect, site)
    except Exception:
        page.screenshot(path=OUTPUT / "failure.png", full_page=True)
        raise
    assert page.browser_problems == []


def _pick_author(page, expect, row, name: str) -> None:
    """The author search of one byline row (the admin's select2 autocomplete)."""
    row.locator(".select2-selection").click()
    page.fill(".select2-search__field", name.split()[0])
    page.click(f".select2-results__option >> text={name}")
    expect(row.locator(".select2-selection")).to_contain_text(name)


def _journey(page, expect, site: str) -> None:
    log_in(page)
    page.goto("/admin/blog/post/add/")
    page.locator("#id_title").press_sequentially(TITLE)
    expect(page.locator("#id_slug")).to_have_value(SLUG)
    page.fill("#id_summary", "Written by two people.")
    page.fill("#id_body", "## Why two\n\nBecause reviews are better in pairs.\n")

    # The byline: Ada in the first row, Grace in a second, then Grace moved up.
    inline = page.locator(".byline-inline")
    rows = inline.locator("tbody tr.form-row:not(.empty-form)")
    expect(rows).to_have_count(1)
    _pick_author(page, expect, rows.nth(0), "Ada Lovelace")
    inline.locator(".add-row a").click()
    expect(rows).to_have_count(2)
    _pick_author(page, expect, rows.nth(1), "Grace Hopper")
    rows.nth(1).locator("button.byline-move[aria-label='Move up']").click()
    expect(rows.nth(0).locator(".select2-selection")).to_contain_text("Grace Hopper")
    expect(rows.nth(0).locator("input[name$='-sort_order']")).to_have_value("0")
    expect(rows.nth(1).locator("input[name$='-sort_order']")).to_have_value("1")

    page.select_option("#id_status", "published")
    page.screenshot(path=OUTPUT / "post-editor-byline.png", full_page=True)
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    post = get_json(f"{site}/api/v1/posts/{SLUG}/")
    assert [a["slug"] for a in post["authors"]] == ["grace", "ada"]
    assert post["primary_author"]["name"] == "Grace Hopper"
    authors = get_json(f"{site}/api/v1/authors/")
    assert [(a["slug"], a["post_count"]) for a in authors["results"]] == [
        ("ada", 1),
        ("grace", 1),
    ]

    # A page: the same editor and its live preview, apart from the posts.
    page.goto("/admin/blog/page/add/")
    page.locator("#id_title").press_sequentially("About")
    expect(page.locator("#id_slug")).to_have_value("about")
    page.fill("#id_body", "## Who we are\n\nTwo engineers.\n")
    output = page.locator(".markdown-editor-output")
    expect(output.locator("h2")).to_have_text("Who we are")
    page.select_option("#id_status", "published")
    page.check("#id_show_in_navigation")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator(".object-tools a.previewlink")).to_have_count(1)
    page.screenshot(path=OUTPUT / "page-editor.png", full_page=True)

    about = get_json(f"{site}/api/v1/pages/about/")
    assert about["toc"] == [{"level": 2, "id": "who-we-are", "text": "Who we are"}]
    assert about["show_in_navigation"] is True
    listed = get_json(f"{site}/api/v1/posts/")
    assert [p["slug"] for p in listed["results"]] == [SLUG]
