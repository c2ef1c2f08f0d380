"""The image library's admin: upload, list, filters, retry, delete protection, the
focal point, the post form's feature image and "Insert image" chooser, the preview
and the publish-without-alt warning."""

import io
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as Pillow

from blog import images
from blog.images import Image
from blog.models import Post
from tests.factories import PostFactory, image_bytes, make_image

pytestmark = pytest.mark.django_db

ADD = "admin:blog_image_add"
LIST = "admin:blog_image_changelist"
CHOOSE = "admin:blog_image_choose"


def jpeg(name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/jpeg")


def animated_gif() -> bytes:
    frames = [Pillow.new("RGB", (40, 30), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def form_errors(response) -> dict:
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


def change_url(image: Image) -> str:
    return reverse("admin:blog_image_change", args=[image.pk])


def change(editor, image: Image, **fields):
    data = {
        "alt": image.alt,
        "caption": image.caption,
        "credit": image.credit,
        "focal_x": image.focal_x,
        "focal_y": image.focal_y,
        **fields,
    }
    return editor.post(change_url(image), data, follow=True)


# --- Uploading -------------------------------------------------------------------


def test_the_image_pages_load(editor):
    image = make_image()
    for url in (reverse(LIST), reverse(ADD), change_url(image), reverse(CHOOSE)):
        assert editor.get(url).status_code == 200, url


def test_uploading_through_the_add_form(editor):
    response = editor.post(
        reverse(ADD),
        {
            "upload": jpeg(width=1000, height=500),
            "alt": "A bridge at dusk",
            "caption": "The old bridge.",
            "credit": "Ana",
        },
        follow=True,
    )
    assert response.redirect_chain, form_errors(response)
    image = Image.objects.get()
    assert (image.alt, image.caption, image.credit) == (
        "A bridge at dusk",
        "The old bridge.",
        "Ana",
    )
    assert (image.format, image.width, image.height) == ("JPEG", 1000, 500)
    assert image.status == Image.Status.READY  # IMAGE_PROCESSING=sync
    assert image.renditions
    assert LogEntry.objects.filter(object_id=str(image.pk)).exists()
    assert not [m for m in shown_messages(response) if "no alt text" in m]


def test_a_text_file_named_jpg_is_a_form_error_not_a_500(editor):
    fake = SimpleUploadedFile("photo.jpg", b"just some text\n" * 20, "image/jpeg")
    response = editor.post(reverse(ADD), {"upload": fake, "alt": "Nope"})
    assert response.status_code == 200
    errors = form_errors(response)
    assert errors["upload"] == [
        "This file is not a JPEG, PNG, WebP, AVIF or GIF image (its content decides, "
        "not its name)."
    ]
    assert not Image.objects.exists()


def test_a_truncated_jpeg_is_a_form_error(editor):
    data = image_bytes()
    broken = SimpleUploadedFile("cut.jpg", data[: len(data) // 3], "image/jpeg")
    response = editor.post(reverse(ADD), {"upload": broken, "alt": "Cut"})
    assert "damaged or truncated" in form_errors(response)["upload"][0]
    assert not Image.objects.exists()


def test_a_file_over_the_limit_is_a_form_error(editor, settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 1000
    response = editor.post(reverse(ADD), {"upload": jpeg(), "alt": "Big"})
    assert "upload limit" in form_errors(response)["upload"][0]


def test_an_upload_needs_a_file(editor):
    response = editor.post(reverse(ADD), {"alt": "No file"})
    assert "upload" in form_errors(response)


def test_upload_notes_and_missing_alt_are_warnings(editor):
    gif = SimpleUploadedFile("moving.gif", animated_gif(), "image/gif")
    response = editor.post(reverse(ADD), {"upload": gif, "alt": ""}, follow=True)
    assert response.redirect_chain
    shown = shown_messages(response)
    assert "The image is animated: only its first frame is kept." in shown
    assert any("has no alt text" in message for message in shown)
    assert Image.objects.get().format == "PNG"


def test_uploading_the_same_file_again_reuses_the_image(editor):
    data = image_bytes()
    first = editor.post(
        reverse(ADD),
        {"upload": SimpleUploadedFile("a.jpg", data), "alt": "First"},
        follow=True,
    )
    assert first.redirect_chain
    image = Image.objects.get()
    again = editor.post(
        reverse(ADD),
        {"upload": SimpleUploadedFile("b.jpg", data), "alt": "Other words"},
        follow=True,
    )
    assert again.redirect_chain[-1][0] == change_url(image)
    shown = shown_messages(again)
    assert "This file was uploaded before: the image is reused." in shown
    assert any("were not applied" in message for message in shown)
    assert Image.objects.get().alt == "First"
    assert LogEntry.objects.filter(object_id=str(image.pk)).count() == 1


def test_uploading_from_the_feature_image_popup_answers_the_popup(editor):
    response = editor.post(
        reverse(ADD) + "?_popup=1&_to_field=id",
        {"upload": jpeg(), "alt": "Cover", "_popup": "1", "_to_field": "id"},
    )
    assert response.status_code == 200
    image = Image.objects.get()
    assert "admin/js/popup_response.js" in response.content.decode()
    assert response.context["popup_response_data"] == (
        f'{{"value": "{image.pk}", "obj": "Cover"}}'
    )


# --- The list ------------------------------------------------------------------------


def test_the_list_shows_the_smallest_rendition_with_its_size_and_alt(editor):
    image = make_image(alt='Quotes " and <tags>', width=1000, height=500)
    html = editor.get(reverse(LIST)).content.decode()
    smallest = min(
        (r for r in image.renditions if r["mime_type"] == "image/jpeg"),
        key=lambda r: r["width"],
    )
    assert smallest["width"] == 320
    thumbnail = re.search(r'<img class="image-thumbnail"[^>]*>', html).group(0)
    assert f'src="/media/{smallest["name"]}"' in thumbnail
    assert 'width="80" height="40"' in thumbnail
    assert 'alt="Quotes &quot; and &lt;tags&gt;"' in thumbnail
    assert "<tags>" not in html


def test_an_image_without_renditions_shows_its_original(editor, settings):
    settings.IMAGE_PROCESSING = "worker"
    image = make_image(width=60, height=40)
    assert image.renditions == []
    html = editor.get(reverse(LIST)).content.decode()
    assert f'src="/media/{image.file}" width="60" height="40"' in html


def test_the_list_counts_the_posts_using_each_image(editor):
    cover = make_image(alt="Cover")
    inline = make_image(alt="Inline")
    unused = make_image(alt="Unused")
    PostFactory(feature_image=cover, body=f"![](image:{cover.uuid})")  # both: once
    PostFactory(body=f"Text.\n\n![](image:{cover.uuid})\n\n![](image:{inline.uuid})")
    PostFactory(feature_image=cover)
    response = editor.get(reverse(LIST))
    counts = {i.alt: i.used_in_count for i in response.context["cl"].result_list}
    assert counts == {"Cover": 3, "Inline": 1, "Unused": 0}
    html = response.content.decode()
    assert f'href="/admin/blog/post/?image={cover.pk}">3 posts</a>' in html
    assert f'?image={inline.pk}">1 post</a>' in html
    assert "0 posts" in html
    assert unused.pk


def test_the_used_in_link_lists_those_posts(editor):
    image = make_image()
    PostFactory(title="Features it", feature_image=image)
    PostFactory(title="Shows it", body=f"![](image:{image.uuid})")
    PostFactory(title="Neither")
    response = editor.get(reverse("admin:blog_post_changelist"), {"image": image.pk})
    shown = sorted(str(post) for post in response.context["cl"].result_list)
    assert shown == ["Features it", "Shows it"]


def list_queries(editor, django_assert_max_num_queries, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        response = editor.get(reverse(LIST))
    assert response.status_code == 200


def test_the_list_query_count_does_not_grow_with_rows(
    editor, django_assert_max_num_queries
):
    def add_images(count: int) -> None:
        for _ in range(count):
            image = make_image(width=64, height=48)
            PostFactory(feature_image=image, body=f"![](image:{image.uuid})")

    add_images(3)
    # Session, user, the count, the page (with its "used in" subquery).
    list_queries(editor, django_assert_max_num_queries, 5)
    add_images(7)
    list_queries(editor, django_assert_max_num_queries, 5)


def test_the_missing_alt_filter(editor):
    make_image(alt="Described")
    make_image(alt="")
    response = editor.get(reverse(LIST), {"alt": "missing"})
    assert [i.alt for i in response.context["cl"].result_list] == [""]
    assert "(no alt text)" in response.content.decode()
    response = editor.get(reverse(LIST), {"alt": "present"})
    assert [i.alt for i in response.context["cl"].result_list] == ["Described"]


def failing_image(monkeypatch, alt: str = "Broken") -> Image:
    def broken(image):
        raise OSError("No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(images, "make_renditions", broken)
        image = make_image(alt=alt)
    assert image.status == Image.Status.FAILED
    return image


def test_the_failed_filter(editor, monkeypatch):
    make_image(alt="Fine")
    failing_image(monkeypatch, alt="Broken")
    response = editor.get(reverse(LIST), {"status__exact": "failed"})
    assert [i.alt for i in response.context["cl"].result_list] == ["Broken"]


def test_search_by_alt_caption_credit_or_id(editor):
    bridge = make_image(alt="A bridge", caption="Dusk")
    make_image(alt="A cat")
    for term in ("bridge", "dusk", str(bridge.uuid), f"image:{bridge.uuid}"):
        response = editor.get(reverse(LIST), {"q": term})
        assert [i.pk for i in response.context["cl"].result_list] == [bridge.pk], term


def test_the_retry_action_remakes_failed_renditions(editor, monkeypatch):
    image = failing_image(monkeypatch)
    change_page = editor.get(change_url(image)).content.decode()
    assert "No space left on device" in change_page
    response = editor.post(
        reverse(LIST),
        {"action": "retry_renditions", ACTION_CHECKBOX_NAME: [image.pk]},
        follow=True,
    )
    image.refresh_from_db()
    assert image.status == Image.Status.READY
    assert image.failure == ""
    assert image.renditions
    assert "Retried the renditions of 1 image(s): 1 ready." in shown_messages(response)


def test_a_retry_that_fails_again_says_so(editor, monkeypatch):
    image = failing_image(monkeypatch)
    monkeypatch.setattr(images, "make_renditions", lambda image: 1 / 0)
    response = editor.post(
        reverse(LIST),
        {"action": "retry_renditions", ACTION_CHECKBOX_NAME: [image.pk]},
        follow=True,
    )
    image.refresh_from_db()
    assert image.status == Image.Status.FAILED
    assert "ZeroDivisionError" in image.failure
    assert any("1 failed again" in message for message in shown_messages(response))


# --- Deleting ------------------------------------------------------------------------


def test_deleting_an_image_a_post_uses_is_refused_with_a_message(editor):
    image = make_image(alt="Cover")
    post = PostFactory(title="The post", feature_image=image)
    url = reverse("admin:blog_image_delete", args=[image.pk])
    page = editor.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "“Cover” cannot be deleted: posts use it." in html
    assert "The post</a> (feature image)" in html
    assert reverse("admin:blog_post_change", args=[post.pk]) in html
    assert 'name="post" value="yes"' not in html  # no confirm button
    response = editor.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Image.objects.filter(pk=image.pk).exists()


def test_an_image_shown_in_a_body_cannot_be_deleted_either(editor):
    image = make_image(alt="Inline")
    PostFactory(title="Shows it", body=f"![](image:{image.uuid})")
    url = reverse("admin:blog_image_delete", args=[image.pk])
    html = editor.get(url).content.decode()
    assert "Shows it</a> (in its text)" in html
    assert editor.post(url, {"post": "yes"}).status_code == 200
    assert Image.objects.filter(pk=image.pk).exists()


def test_bulk_deleting_images_in_use_is_refused_with_a_message(editor):
    used = make_image(alt="Used")
    unused = make_image(alt="Unused")
    PostFactory(title="Shows it", body=f"![](image:{used.uuid})")
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [used.pk, unused.pk]}
    page = editor.post(reverse(LIST), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The selected images cannot be deleted" in html
    assert "“Used” is used by" in html
    response = editor.post(reverse(LIST), {**data, "post": "yes"})
    assert response.status_code == 200
    assert Image.objects.count() == 2


def test_an_unused_image_can_be_deleted(editor):
    image = make_image()
    url = reverse("admin:blog_image_delete", args=[image.pk])
    assert "Are you sure" in editor.get(url).content.decode()
    response = editor.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.exists()


def test_an_image_used_after_the_confirmation_page_is_not_deleted(editor, monkeypatch):
    from blog.image_admin import ImageAdmin

    image = make_image()
    PostFactory(body=f"![](image:{image.uuid})")  # (a feature image is a PROTECT
    # foreign key: Django's own check on the confirmation page refuses it too)
    monkeypatch.setattr(ImageAdmin, "uses_of", lambda self, images: [])  # the race
    response = editor.post(
        reverse("admin:blog_image_delete", args=[image.pk]),
        {"post": "yes"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == change_url(image)
    assert any("was not deleted" in m for m in shown_messages(response))
    assert Image.objects.filter(pk=image.pk).exists()
    assert not LogEntry.objects.filter(object_id=str(image.pk)).exists()


# --- The change page and the focal point ---------------------------------------------


def test_the_change_page_shows_the_picker_and_the_file_details(editor):
    image = make_image(alt="A bridge", width=1600, height=800)
    PostFactory(title="Uses it", feature_image=image)
    response = editor.get(change_url(image))
    html = response.content.decode()
    preview = max(
        (
            r
            for r in image.renditions
            if r["mime_type"] == "image/jpeg" and r["width"] <= 960
        ),
        key=lambda r: r["width"],
    )
    assert 'class="focal-point-picker" data-focal-x="0.5" data-focal-y="0.5"' in html
    assert f'src="/media/{preview["name"]}" width="640" height="320"' in html
    assert "/static/blog/image-admin.js" in html
    assert f"![](image:{image.uuid})" in html
    assert "1600 x 800" in html
    assert "Uses it</a> (feature image)" in html
    fields = response.context["adminform"].form.fields
    assert list(fields) == ["alt", "caption", "credit", "focal_x", "focal_y"]
    assert 'name="focal_x"' in html
    assert 'type="number"' in html


def test_the_focal_point_fields_save(editor):
    image = make_image()
    old_social = image.social["name"]
    response = change(editor, image, focal_x="0.25", focal_y="0.8")
    assert response.redirect_chain
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.25, 0.8)
    assert any("focal point moved" in m for m in shown_messages(response))
    assert image.social["name"] != old_social or image.status == "pending"


@pytest.mark.parametrize(("x", "y"), [("1.5", "0.5"), ("0.5", "-0.1"), ("a", "0.5")])
def test_a_focal_point_outside_the_image_is_a_form_error(editor, x, y):
    image = make_image()
    response = change(editor, image, focal_x=x, focal_y=y)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "focal_x" in errors or "focal_y" in errors
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.5, 0.5)


def test_editing_the_alt_text_reaches_the_posts_showing_it(editor):
    image = make_image(alt="Old words")
    post = PostFactory(body=f"![](image:{image.uuid})")
    change(editor, image, alt="New words")
    post.refresh_from_db()
    assert 'alt="New words"' in post.body_html


def test_image_pages_carry_no_inline_script(editor):
    image = make_image()
    for url in (reverse(LIST), reverse(ADD), change_url(image), reverse(CHOOSE)):
        response = editor.get(url)
        html = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
        assert all(not body.strip() for body in scripts), url
        assert "onclick" not in html


# --- The post form -------------------------------------------------------------------


def post_form(**overrides) -> dict:
    data = {
        "title": "A post", "slug": "", "summary": "", "body": "Words.",
        "status": "draft", "published_at_0": "", "published_at_1": "",
        "feature_image": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_the_post_form_has_the_feature_image_chooser_and_insert_image(editor):
    html = editor.get(reverse("admin:blog_post_add")).content.decode()
    assert 'name="feature_image"' in html
    assert 'data-model-ref="image"' in html  # the "+" that opens the upload popup
    assert re.search(r'<select[^>]*name="feature_image"[^>]*admin-autocomplete', html)
    assert f'data-image-chooser-url="{reverse(CHOOSE)}"' in html


def test_the_feature_image_autocomplete_searches_the_library(editor):
    make_image(alt="A bridge at dusk")
    make_image(alt="A cat")
    response = editor.get(
        reverse("admin:autocomplete"),
        {"app_label": "blog", "model_name": "post", "field_name": "feature_image",
         "term": "bridge"},
    )  # fmt: skip
    assert [r["text"] for r in response.json()["results"]] == ["A bridge at dusk"]


def test_setting_the_feature_image_on_a_post(editor):
    image = make_image(alt="Cover")
    response = editor.post(
        reverse("admin:blog_post_add"), post_form(feature_image=image.pk)
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.feature_image == image
    html = editor.get(reverse("admin:blog_post_change", args=[post.pk])).content
    assert b'class="image-thumbnail"' in html  # the current cover, shown


@pytest.mark.parametrize("status", ["published", "scheduled"])
def test_publishing_with_a_feature_image_without_alt_warns(editor, status):
    image = make_image(alt="")
    when = {}
    if status == "scheduled":
        when = {"published_at_0": "2999-01-01", "published_at_1": "10:00:00"}
    response = editor.post(
        reverse("admin:blog_post_add"),
        post_form(status=status, feature_image=image.pk, **when),
        follow=True,
    )
    assert response.redirect_chain  # saved: a warning, not an error
    warnings = [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "has no alt text" in str(warnings[0])
    assert "decorative" in str(warnings[0])
    assert change_url(image) in str(warnings[0])
    assert Post.objects.get().feature_image == image


@pytest.mark.parametrize(("status", "alt"), [("draft", ""), ("published", "Cover")])
def test_no_alt_warning_for_drafts_or_described_images(editor, status, alt):
    image = make_image(alt=alt)
    response = editor.post(
        reverse("admin:blog_post_add"),
        post_form(status=status, feature_image=image.pk),
        follow=True,
    )
    assert not any("no alt text" in m for m in shown_messages(response))


def test_the_publish_now_action_warns_about_missing_alt(editor):
    image = make_image(alt="")
    draft = PostFactory(draft=True, title="Has a cover", feature_image=image)
    PostFactory(draft=True, title="No cover")
    response = editor.post(
        reverse("admin:blog_post_changelist"),
        {"action": "publish_now", ACTION_CHECKBOX_NAME: [draft.pk]},
        follow=True,
    )
    shown = shown_messages(response)
    assert any("“Has a cover” has no alt text" in m for m in shown)


# --- The editor's preview and "Insert image" -----------------------------------------


def test_the_live_preview_shows_library_images(editor):
    image = make_image(alt="A bridge", caption="The old bridge")
    unknown = "00000000-0000-0000-0000-000000000000"
    body = f"Before.\n\n![](image:{image.uuid})\n\n![Gone](image:{unknown})"
    response = editor.post(reverse("admin:blog_post_markdown_preview"), {"body": body})
    html = response.json()["html"]
    assert "<figure><picture>" in html
    assert 'alt="A bridge"' in html
    assert "<figcaption>The old bridge</figcaption>" in html
    assert "Gone" in html  # an unknown id: its alt text, as the API shows it


def test_the_chooser_lists_images_to_pick(editor):
    bridge = make_image(alt="A bridge")
    make_image(alt="")
    response = editor.get(reverse(CHOOSE), {"_popup": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-uuid="{bridge.uuid}" data-alt="A bridge"' in html
    assert "(no alt text)" in html
    assert f"![](image:{bridge.uuid})" in html
    assert 'enctype="multipart/form-data"' in html
    assert "/static/blog/image-admin.js" in html
    assert 'id="header"' not in html  # a popup: no site header
    searched = editor.get(reverse(CHOOSE), {"q": "bridge"}).content.decode()
    assert searched.count('class="image-chooser-choice"') == 1


def test_uploading_in_the_chooser_hands_the_image_over(editor):
    response = editor.post(
        reverse(CHOOSE) + "?_popup=1",
        {"upload": jpeg(), "alt": "Fresh", "_popup": "1"},
    )
    assert response.status_code == 200
    image = Image.objects.get()
    html = response.content.decode()
    assert f'data-chosen-uuid="{image.uuid}"' in html
    assert 'data-chosen-auto="true"' in html


def test_an_upload_with_warnings_waits_for_the_editor_in_the_chooser(editor):
    response = editor.post(reverse(CHOOSE), {"upload": jpeg(), "alt": ""})
    html = response.content.decode()
    assert 'data-chosen-auto="false"' in html
    assert "has no alt text" in html


def test_a_bad_upload_in_the_chooser_is_a_form_error(editor):
    fake = SimpleUploadedFile("x.jpg", b"<script>alert(1)</script>", "image/jpeg")
    response = editor.post(reverse(CHOOSE), {"upload": fake, "alt": "x"})
    assert response.status_code == 200
    assert "is not a JPEG, PNG, WebP, AVIF or GIF image" in response.content.decode()
    assert "data-chosen-uuid" not in response.content.decode()
    assert not Image.objects.exists()


def test_the_chooser_needs_the_right_to_see_images(client, django_user_model):
    staff = django_user_model.objects.create_user(
        "intern", password="x-long-pass", is_staff=True
    )
    client.force_login(staff)
    assert client.get(reverse(CHOOSE)).status_code == 403
    html = client.get(reverse("admin:blog_post_add"))
    assert html.status_code == 403  # and no post form either, without rights


def test_the_chooser_upload_needs_the_right_to_add_images(client, django_user_model):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user(
        "viewer", password="x-long-pass", is_staff=True
    )
    staff.user_permissions.add(Permission.objects.get(codename="view_image"))
    client.force_login(staff)
    page = client.get(reverse(CHOOSE))
    assert page.status_code == 200
    assert "Upload a new image" not in page.content.decode()
    response = client.post(reverse(CHOOSE), {"upload": jpeg(), "alt": "x"})
    assert response.status_code == 403
    assert not Image.objects.exists()
