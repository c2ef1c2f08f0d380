"""The editors' "Search & social" section in a real browser: its counters and
previews follow what the editor types, with no script error and no
Content-Security-Policy violation."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import OUTPUT, log_in

pytestmark = pytest.mark.slow


def test_the_counters_and_previews_follow_the_editor(page):
    from playwright.sync_api import expect

    try:
        log_in(page)
        page.goto("/admin/blog/post/add/")
        page.locator("#id_title").press_sequentially("Observability on a budget")
        page.fill("#id_summary", "What to measure first when money is tight.")
        page.locator("summary", has_text="Search & social").click()

        search_title = page.locator(".seo-preview-search-title")
        expect(search_title).to_have_text("Observability on a budget")
        expect(page.locator(".seo-preview-search-description")).to_have_text(
            "What to measure first when money is tight."
        )
        page.locator("#id_meta_title").press_sequentially("Cheap observability")
        expect(search_title).to_have_text("Cheap observability")
        counter = page.locator("#id_meta_title + .seo-counter")
        expect(counter).to_contain_text("19 / 60 characters")
        page.fill(
            "#id_meta_title", "A meta title far longer than any result shows " * 2
        )
        expect(counter).to_have_class(re.compile(r"\bis-long\b"))
        expect(search_title).to_have_text(re.compile(r"…$"))

        page.fill("#id_og_title", "On the card")
        expect(page.locator(".seo-preview-card-title")).to_have_text("On the card")
        expect(page.locator(".seo-preview-card-no-image")).to_be_visible()
        noindex = page.locator(".seo-preview-noindex")
        expect(noindex).to_be_hidden()
        page.check("#id_noindex")
        expect(noindex).to_be_visible()
        page.fill("#id_og_description", "<b>bold</b>")
        expect(page.locator(".seo-preview-status")).to_contain_text("og description")
        page.screenshot(path=OUTPUT / "seo-section.png", full_page=True)
    except Exception:
        page.screenshot(path=OUTPUT / "failure.png", full_page=True)
        raise
    assert page.browser_problems == []
