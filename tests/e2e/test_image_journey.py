"""The image library in a real browser, the issue's "Done when": upload an image in
the admin, give it alt text, a caption and a focal point, use it as a post's cover
(the autocomplete) and in its text (the editor's "Insert image" chooser), publish,
and read both from the API with their size and srcset.

Drives Debian's Chromium as test_editor_journey.py does; leaves screenshots of the
image's page and the post editor in `test-output/`.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from tests.e2e.browser import OUTPUT, log_in
from tests.factories import image_bytes

ALT = "A chart of request latency"
CAPTION = "Latency at the 99th percentile, one week."
TITLE = "Latency, pictured"
SLUG = "latency-pictured"
BODY = "## The week in one chart\n\nTail latency rose on Tuesday, then settled.\n"
PUBLIC_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SRCSET_ENTRY = re.compile(r"^(https?://\S+) (\d+)w$")
TYPES = ("image/avif", "image/webp", "image/jpeg")

# Every document of the context, popups included, reports a Content-Security-Policy
# violation as a console error, which the `page` fixture records.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    `CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`
  );
});
"""

# On PostgreSQL only, as test_webhook_admin.py: on SQLite the live server's threads
# share one in-memory test database, whose table locks fail a second writer at once
# ("database table is locked") instead of waiting; here the chooser popup, the
# autocomplete and the live preview send requests beside the editor's own.
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def jpeg(tmp_path):
    path = tmp_path / "latency.jpg"
    path.write_bytes(image_bytes(1200, 800))
    return path


@pytest.fixture
def public_site(site, settings):
    # Stored bodies (and the editor's preview, rendered the same way) put
    # `API_PUBLIC_URL` in front of media URLs: here that is the live server, as in
    # production it is the API's own address.
    settings.API_PUBLIC_URL = site
    return site


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=15) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_an_editor_uploads_an_image_and_uses_it_as_cover_and_inline(
    public_site, page, jpeg
):
    from playwright.sync_api import expect

    try:
        _journey(page, expect, public_site, jpeg)
    except Exception:
        page.screenshot(path=OUTPUT / "failure.png", full_page=True)
        raise
    # No script errors and no Content-Security-Policy violations on any page.
    assert page.browser_problems == []


def _journey(page, expect, site: str, jpeg) -> None:
    page.context.add_init_script(REPORT_CSP_VIOLATIONS)

    log_in(page)
    expect(page.locator("#site-name")).to_contain_text("writing-api")

    # Blog > Images > Add image: a real JPEG, no alt text yet.
    page.goto("/admin/blog/image/")
    page.click(".object-tools a.addlink")
    expect(page).to_have_url(re.compile(r"/admin/blog/image/add/$"))
    page.set_input_files("#id_upload", jpeg)
    expect(page.locator("#id_alt")).to_have_value("")
    page.click("input[name=_continue]")
    messages = page.locator(".messagelist")
    expect(messages).to_contain_text("was added successfully")
    expect(messages).to_contain_text("has no alt text")
    expect(page).to_have_url(re.compile(r"/admin/blog/image/\d+/change/$"))
    image_pk = re.search(r"/image/(\d+)/change/", page.url).group(1)
    expect(page.locator(".fieldBox.field-size_label")).to_contain_text("1200 x 800")
    expect(page.locator(".fieldBox.field-status")).to_contain_text("Ready")
    reference = page.locator(".field-reference_code code").first.inner_text()
    image_id = PUBLIC_ID.search(reference).group(0)
    assert reference == f"![](image:{image_id})"

    # Its page: alt text, a caption, and a focal point clicked on the preview.
    page.fill("#id_alt", ALT)
    page.fill("#id_caption", CAPTION)
    picker = page.locator(".focal-point-picker")
    expect(picker).to_have_class(re.compile(r"\bis-active\b"))  # its script ran
    focal_x, focal_y = page.locator("#id_focal_x"), page.locator("#id_focal_y")
    expect(focal_x).to_have_value("0.5")
    expect(focal_y).to_have_value("0.5")
    preview = picker.locator("img")
    expect(preview).to_be_visible()
    box = preview.bounding_box()
    preview.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.3})
    expect(focal_x).not_to_have_value("0.5")
    expect(focal_y).not_to_have_value("0.5")
    assert abs(float(focal_x.input_value()) - 0.25) < 0.02
    assert abs(float(focal_y.input_value()) - 0.3) < 0.02
    expect(picker.locator(".focal-point-marker")).to_be_visible()
    page.screenshot(path=OUTPUT / "image-change.png", full_page=True)
    page.click("input[name=_save]")
    expect(messages).to_contain_text("was changed successfully")
    expect(messages).to_contain_text("The focal point moved")
    row = page.locator("#result_list tbody tr", has_text=ALT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ready")

    # A post: the image as its cover, through the autocomplete.
    page.goto("/admin/blog/post/add/")
    page.locator("#id_title").press_sequentially(TITLE)
    expect(page.locator("#id_slug")).to_have_value(SLUG)
    page.fill("#id_summary", "What a week of tail latency looked like.")
    page.fill("#id_body", BODY)
    output = page.locator(".markdown-editor-output")
    expect(output.locator("h2")).to_have_text("The week in one chart")
    page.click(".field-feature_image .select2-selection")
    page.fill(".select2-search__field", "request latency")
    page.click(f".select2-results__option >> text={ALT}")
    expect(page.locator(".field-feature_image .select2-selection")).to_contain_text(ALT)
    expect(page.locator("#id_feature_image")).to_have_value(image_pk)

    # And in its text, through "Insert image" and the chooser it opens.
    body = page.locator("#id_body")
    body.press("Control+End")  # the caret after the last paragraph
    with page.expect_popup() as popup_info:
        page.click(".markdown-editor-insert-image")
    chooser = popup_info.value
    choice = chooser.locator(".image-chooser-choices .image-chooser-choice")
    expect(choice.filter(has_text=ALT)).to_have_count(1)
    with chooser.expect_event("close"):
        choice.filter(has_text=ALT).click(no_wait_after=True)
    expect(body).to_have_value(re.compile(re.escape(f"![](image:{image_id})")))
    assert body.input_value().startswith(BODY.rstrip("\n"))

    # The live preview shows it as the API will: a figure with its size.
    figure_image = output.locator("figure picture img")
    expect(figure_image).to_be_visible()
    expect(figure_image).to_have_attribute("width", "1200")
    expect(figure_image).to_have_attribute("height", "800")
    expect(figure_image).to_have_attribute("alt", ALT)
    expect(output.locator("figure figcaption")).to_have_text(CAPTION)
    page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0",
        arg=figure_image.element_handle(),
    )

    # Publish.
    page.select_option("#id_status", "published")
    page.screenshot(path=OUTPUT / "post-editor-image.png", full_page=True)
    page.click("input[name=_continue]")
    expect(messages).to_contain_text("was added successfully")
    expect(messages).not_to_contain_text("has no alt text")
    expect(page.locator(".field-publication_state")).to_contain_text("Published")
    expect(page.locator(".field-feature_image_preview img")).to_have_attribute(
        "alt", ALT
    )

    # The public API (a plain request, no session): cover and body image, sized.
    status, content_type, raw = get(f"{site}/api/v1/posts/{SLUG}/")
    assert status == 200
    assert content_type.startswith("application/json")
    post = json.loads(raw)
    assert post["title"] == TITLE
    assert len(post["images"]) == 1
    for shown in (post["feature_image"], post["images"][0]):
        assert shown["id"] == image_id
        assert (shown["width"], shown["height"]) == (1200, 800)
        assert shown["alt"] == ALT
        assert shown["caption"] == CAPTION
        assert set(TYPES) <= set(shown["srcset"])
        for mime_type in TYPES:
            entries = [e.strip() for e in shown["srcset"][mime_type].split(",")]
            assert entries, mime_type
            for entry in entries:
                match = SRCSET_ENTRY.match(entry)
                assert match, (mime_type, entry)
                assert match.group(1).startswith(f"{site}/media/")
                assert 0 < int(match.group(2)) <= 1200
    body_html = post["body_html"]
    assert "<figure><picture>" in body_html
    assert 'width="1200" height="800"' in body_html
    assert f'alt="{ALT}"' in body_html
    assert f"<figcaption>{CAPTION}</figcaption>" in body_html

    # A srcset URL of each type is served, as that type.
    for mime_type in TYPES:
        url = SRCSET_ENTRY.match(
            post["images"][0]["srcset"][mime_type].split(",")[0].strip()
        ).group(1)
        status, content_type, data = get(url)
        assert status == 200, url
        assert content_type == mime_type, (url, content_type)
        assert data, url
