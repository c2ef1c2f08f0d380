"""An editor's day, in a real browser: write, preview, publish, edit, restore.

Drives Debian's Chromium (`/usr/bin/chromium`, installed by `.ci/e2e.sh`) with
Playwright against pytest-django's live server, and leaves screenshots of the post
editor and the post list in `test-output/`. Without Chromium the test is skipped,
except under CI (`CI` set), where a missing browser is a failure.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import OUTPUT, log_in

TITLE = "Observability on a budget"
SLUG = "observability-on-a-budget"
EDITED_TITLE = "Observability on a shoestring"
BODY = """## Why it matters

Logs are cheap until you **search** them. Metrics first, then traces.

```python
print("hello")
```
"""

# PostgreSQL only, as the other journeys: the "Search & social" section's live
# preview now sends requests beside the editor's own saves, which SQLite's in-memory
# test database serves from one shared connection (a CI run on SQLite failed the
# tag popup's save with an IntegrityError once).
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def api_json(page, path: str, status: int = 200) -> dict:
    response = page.request.get(path)
    assert response.status == status, f"{path}: {response.status} {response.text()}"
    return response.json()


def visible_slugs(page) -> list[str]:
    return [post["slug"] for post in api_json(page, "/api/v1/posts/")["results"]]


def test_an_editor_writes_previews_publishes_edits_and_restores_a_post(page):
    from playwright.sync_api import expect

    try:
        _journey(page, expect)
    except Exception:
        page.screenshot(path=OUTPUT / "failure.png", full_page=True)
        raise
    # No script errors and no Content-Security-Policy violations on any page.
    assert page.browser_problems == []


def _journey(page, expect) -> None:
    # Log in.
    log_in(page)
    expect(page.locator("#site-name")).to_contain_text("writing-api")

    # A tag from the tag admin; its slug is filled in from the name as you type.
    page.goto("/admin/blog/tag/add/")
    page.locator("#id_name").press_sequentially("Observability")
    expect(page.locator("#id_slug")).to_have_value("observability")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # Write a post in Markdown and watch the rendered preview appear beside it.
    page.goto("/admin/blog/post/add/")
    page.locator("#id_title").press_sequentially(TITLE)
    expect(page.locator("#id_slug")).to_have_value(SLUG)
    page.fill("#id_summary", "What to measure first when money is tight.")
    page.fill("#id_body", BODY)
    preview = page.locator(".markdown-editor-output")
    expect(preview.locator("h2#why-it-matters")).to_have_text("Why it matters")
    expect(preview.locator("strong")).to_have_text("search")
    expect(preview.locator("code.language-python")).to_contain_text("print")
    expect(page.locator(".markdown-editor-stats")).to_have_text(
        re.compile(r"^\d+ words · 1 min read$")
    )

    # Tags: pick one with the autocomplete, create another with the "+" beside it.
    page.click(".field-tags .select2-selection")
    page.fill(".select2-search__field", "Observ")
    page.click(".select2-results__option >> text=Observability")
    with page.expect_popup() as popup_info:
        page.click("#add_id_tags")
    popup = popup_info.value
    popup.locator("#id_name").press_sequentially("Reliability")
    with popup.expect_event("close"):
        popup.click("input[name=_save]")
    chosen = page.locator(".field-tags .select2-selection__choice")
    expect(chosen).to_have_count(2)
    expect(chosen.nth(1)).to_contain_text("Reliability")

    expect(page.locator("#id_status")).to_have_value("draft")
    page.screenshot(path=OUTPUT / "post-editor.png", full_page=True)

    # Save as a draft; the change page offers a signed preview link.
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator(".field-publication_state")).to_contain_text("Draft")
    page.screenshot(path=OUTPUT / "post-saved-draft.png", full_page=True)
    preview_href = page.locator("a.previewlink").get_attribute("href")
    assert preview_href.startswith(f"{page.url.split('/admin/')[0]}/api/v1/preview/")

    # The preview shows the draft, privately; the public API knows nothing of it.
    response = page.request.get(preview_href)
    assert response.status == 200
    assert response.headers["cache-control"] == "private, no-store"
    draft = response.json()
    assert (draft["slug"], draft["title"], draft["published_at"]) == (SLUG, TITLE, None)
    assert [tag["slug"] for tag in draft["tags"]] == ["observability", "reliability"]
    assert '<h2 id="why-it-matters">' in draft["body_html"]
    assert SLUG not in visible_slugs(page)
    api_json(page, f"/api/v1/posts/{SLUG}/", status=404)

    # Publish it from the post list.
    page.goto("/admin/blog/post/")
    row = page.locator("#result_list tbody tr", has_text=TITLE)
    expect(row).to_contain_text("Draft")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "publish_now")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("Published 1 post(s).")
    expect(row).to_contain_text("Published")
    page.screenshot(path=OUTPUT / "post-list.png", full_page=True)
    assert SLUG in visible_slugs(page)
    assert api_json(page, f"/api/v1/posts/{SLUG}/")["title"] == TITLE

    # Edit the title: the API follows.
    row.locator("th a").click()
    page.fill("#id_title", EDITED_TITLE)
    expect(page.locator("#id_slug")).to_have_value(SLUG)  # a live slug stays put
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert api_json(page, f"/api/v1/posts/{SLUG}/")["title"] == EDITED_TITLE

    # Restore the published version from history: History, the version, Revert.
    page.click("a.historylink")
    versions = page.locator("#change-history tbody tr")
    expect(versions).to_have_count(3)  # created, published, edited: newest first
    expect(versions.nth(0)).to_contain_text(EDITED_TITLE)
    expect(versions.nth(0)).to_contain_text("editor")
    versions.nth(1).locator("a").first.click()
    expect(page.locator("#id_title")).to_have_value(TITLE)
    page.click("input[value=Revert]")
    expect(page.locator(".messagelist")).to_contain_text("Restored")
    expect(page.locator("#id_title")).to_have_value(TITLE)

    restored = api_json(page, f"/api/v1/posts/{SLUG}/")
    assert restored["title"] == TITLE
    assert [tag["slug"] for tag in restored["tags"]] == ["observability", "reliability"]
