import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from blog.models import Post, Tag
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db

# Output of `../shared/bench/dataset.py --posts 40 --tags 6`, committed so the suite
# runs from a clone that has no `../shared` next to it (checked against the
# generator by the last test below when it is there).
SAMPLE = Path(__file__).parent / "data" / "shared-dataset-40-posts-6-tags.jsonl"
DATASET = Path(__file__).resolve().parents[3] / "shared" / "bench" / "dataset.py"


def generated_file(directory: Path, posts: int = 40) -> Path:
    """The sample's 6 tags and its first `posts` posts, as a file of its own."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    tags = [line for line in lines if '"kind": "tag"' in line]
    path = directory / f"posts-{posts}.jsonl"
    path.write_text("".join(tags + lines[len(tags) : len(tags) + posts]), "utf-8")
    return path


def jsonl(directory: Path, *records: dict | str) -> Path:
    path = directory / "import.jsonl"
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


def tag(slug: str = "engineering", **fields) -> dict:
    return {"kind": "tag", "slug": slug, "name": slug.title(), **fields}


def post(slug: str = "hello-world", **fields) -> dict:
    return {
        "kind": "post",
        "title": "Hello world",
        "slug": slug,
        "summary": "A first post.",
        "body": "## Why it matters\n\nSome words.\n\n```python\nprint('hi')\n```\n",
        "published_at": "2025-03-04T05:06:07Z",
        "status": "published",
        "featured": False,
        "tags": ["engineering"],
        **fields,
    }


def import_file(path: Path, *options: str) -> str:
    out = StringIO()
    call_command("import_posts", str(path), *options, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return (
        Tag.objects.count(),
        Post.objects.count(),
        Post.tags.through.objects.count(),
    )


def test_a_generated_file_imports_every_tag_post_and_link(tmp_path):
    path = generated_file(tmp_path)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    posts = [r for r in records if r["kind"] == "post"]

    output = import_file(path)

    assert f"Imported 6 tags and 40 posts from {path} in " in output
    assert counts() == (6, 40, sum(len(set(p["tags"])) for p in posts))
    first = posts[0]
    imported = Post.objects.get(slug=first["slug"])
    assert imported.title == first["title"]
    assert imported.body == first["body"]
    assert sorted(imported.tags.values_list("slug", flat=True)) == sorted(first["tags"])
    assert imported.published_at == datetime.fromisoformat(first["published_at"])


def test_importing_twice_updates_and_never_duplicates(tmp_path):
    path = generated_file(tmp_path, posts=20)
    import_file(path)
    before = counts()

    import_file(path)
    assert counts() == before

    records = [json.loads(line) for line in path.read_text().splitlines()]
    edited = next(r for r in records if r["kind"] == "post")
    edited["title"] = "An edited title"
    edited["tags"] = edited["tags"][:1]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    import_file(path)

    post_after = Post.objects.get(slug=edited["slug"])
    assert post_after.title == "An edited title"
    assert list(post_after.tags.values_list("slug", flat=True)) == edited["tags"]
    assert counts()[:2] == before[:2]


def test_posts_and_tags_the_file_does_not_name_are_left_alone(tmp_path):
    other = PostFactory(title="Written in the admin")
    import_file(jsonl(tmp_path, tag(), post()))
    other.refresh_from_db()
    assert other.title == "Written in the admin"
    assert Post.objects.count() == 2


def test_bad_lines_are_all_named_and_nothing_is_written(tmp_path):
    path = jsonl(
        tmp_path,
        tag(),
        post("fine"),
        '{"kind": "post", "slug": ',
        {"kind": "author", "slug": "someone"},
        post("Not A Slug"),
        post("bad-date", published_at="yesterday"),
        post("no-zone", published_at="2025-03-04T05:06:07"),
        post("bad-status", status="scheduled"),
        post("no-title", title=""),
        post("bad-featured", featured="yes"),
        post("fine"),
        post("bad-extra", author="me"),
        "[1, 2]",
        post("nul", body="a\x00b", tags="engineering"),
    )
    with pytest.raises(CommandError) as raised:
        import_file(path)

    message = str(raised.value)
    assert "12 problem(s); nothing was imported" in message
    for expected in [
        "line 3: invalid JSON",
        "line 4: unknown kind 'author'",
        "line 5: slug 'Not A Slug' is invalid",
        "line 6: published_at 'yesterday' is not an ISO 8601 date-time",
        "line 7: published_at '2025-03-04T05:06:07' has no time zone",
        "line 8: status 'scheduled' is not one of draft, published",
        "line 9: title is empty",
        "line 10: featured must be true or false",
        "line 11: post slug 'fine' already appears on line 2",
        "line 12: unknown field(s) author",
        "line 13: expected a JSON object, found a list",
        "line 14: body contains a NUL character; tags must be a list, not a string",
    ]:
        assert expected in message
    assert counts() == (0, 0, 0)


def test_missing_fields_are_named(tmp_path):
    path = jsonl(
        tmp_path,
        {"kind": "tag", "slug": "engineering"},
        {"kind": "post", "slug": "x", "tags": []},
    )
    with pytest.raises(CommandError) as raised:
        import_file(path)
    assert "line 1: name is missing" in str(raised.value)
    assert "line 2: title is missing; status is missing" in str(raised.value)


def test_only_the_first_twenty_problems_are_listed(tmp_path):
    path = jsonl(tmp_path, *["not json"] * 25)
    with pytest.raises(CommandError) as raised:
        import_file(path)
    message = str(raised.value)
    assert "25 problem(s)" in message
    assert "line 20: invalid JSON" in message
    assert "line 21:" not in message
    assert "... and 5 more" in message


def test_an_unknown_tag_is_an_error_naming_its_line(tmp_path):
    path = jsonl(tmp_path, tag(), post("a"), post("b", tags=["engineering", "nope"]))
    with pytest.raises(CommandError) as raised:
        import_file(path)
    assert "line 3: unknown tag(s) nope" in str(raised.value)
    assert counts() == (0, 0, 0)


def test_a_tag_already_in_the_database_may_be_named(tmp_path):
    TagFactory(slug="python", name="Python")
    import_file(jsonl(tmp_path, tag(), post(tags=["python", "engineering"])))
    assert set(
        Post.objects.get(slug="hello-world").tags.values_list("slug", flat=True)
    ) == {"python", "engineering"}


def test_a_tag_name_taken_by_another_slug_is_an_error(tmp_path):
    TagFactory(slug="eng", name="Engineering")
    with pytest.raises(CommandError) as raised:
        import_file(jsonl(tmp_path, tag(), post()))
    assert "line 1: tag name 'Engineering' is already used by the tag 'eng'" in str(
        raised.value
    )
    assert Post.objects.count() == 0


def test_a_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    from blog.management.commands import import_posts

    def fail(batch, tag_ids, now):
        raise import_posts.DatabaseError("disk full")

    monkeypatch.setattr(import_posts, "write_post_batch", fail)
    with pytest.raises(CommandError, match="nothing was imported"):
        import_file(jsonl(tmp_path, tag(), post()))
    assert counts() == (0, 0, 0)


def test_drafts_stay_drafts_and_stay_hidden(tmp_path):
    import_file(
        jsonl(
            tmp_path,
            tag(),
            post("a-draft", status="draft", published_at=None),
            post("a-dated-draft", status="draft"),
        )
    )
    assert set(Post.objects.drafts().values_list("slug", flat=True)) == {
        "a-draft",
        "a-dated-draft",
    }
    assert not Post.objects.published().exists()


def test_published_without_a_date_means_now(tmp_path):
    before = timezone.now()
    import_file(jsonl(tmp_path, tag(), post(published_at=None)))
    imported = Post.objects.get(slug="hello-world")
    assert before <= imported.published_at <= timezone.now()
    assert Post.objects.published().filter(pk=imported.pk).exists()


def test_dates_with_an_offset_are_stored_in_utc(tmp_path):
    import_file(jsonl(tmp_path, tag(), post(published_at="2025-03-04T07:06:07+02:00")))
    assert Post.objects.get().published_at == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_derived_fields_are_filled(tmp_path):
    import_file(generated_file(tmp_path, posts=5))
    for imported in Post.objects.all():
        assert '<h2 id="' in imported.body_html
        assert '<pre><code class="language-' in imported.body_html
        assert imported.toc
        assert imported.toc[0]["level"] == 2
        assert imported.word_count > 500
        assert imported.reading_time_minutes >= 3


@pytest.mark.postgres
def test_imported_posts_are_searchable(tmp_path):
    import_file(jsonl(tmp_path, tag(), post(title="Failure isolation beats locks")))
    assert Post.objects.get().search_vector
    assert Post.objects.matching("isolation").exists()


@pytest.mark.postgres
def test_a_postgresql_import_refreshes_the_planner_statistics(tmp_path):
    from django.db import connection

    import_file(generated_file(tmp_path, posts=12))
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'blog_post'")
        assert cursor.fetchone()[0] == 12


@pytest.mark.postgres
def test_the_request_statement_timeout_does_not_cut_an_import_short(tmp_path):
    # DATABASE_STATEMENT_TIMEOUT_MS guards web workers from slow queries; a bulk
    # load is one long job (at 100,000 posts its VACUUM alone outlasts 5 s).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 1")  # 1 ms: every statement is slower
    out = import_file(generated_file(tmp_path, posts=40))
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "1ms"  # the session's own limit is back
        cursor.execute("SET statement_timeout = 0")
    assert "Imported 6 tags and 40 posts" in out
    assert Post.objects.count() == 40


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        import_file(tmp_path / "absent.jsonl")


def test_a_dry_run_checks_and_writes_nothing(tmp_path):
    out = import_file(jsonl(tmp_path, tag(), post()), "--dry-run")
    assert "is valid: 1 tags and 1 posts (dry run: nothing written)" in out
    assert "1 new post(s), 0 changed, 0 unchanged;" in out
    assert counts() == (0, 0, 0)


# --- What a record does to a stored post ------------------------------------------


def _stored_post() -> Post:
    stored = PostFactory(
        slug="hello-world", title="Hello", summary="Kept summary.",
        body="Kept body with words.", tags=[TagFactory(slug="engineering")],
    )  # fmt: skip
    return stored


def test_a_record_with_only_slug_and_title_keeps_everything_else(tmp_path):
    stored = _stored_post()
    record = {"kind": "post", "slug": "hello-world", "title": "Renamed",
              "status": "published"}  # fmt: skip
    import_file(jsonl(tmp_path, record))
    stored.refresh_from_db()
    assert stored.title == "Renamed"
    assert (stored.summary, stored.body) == ("Kept summary.", "Kept body with words.")
    assert list(stored.tags.values_list("slug", flat=True)) == ["engineering"]


@pytest.mark.parametrize(
    ("field", "empty"), [("body", ""), ("summary", ""), ("tags", [])]
)
def test_a_record_that_would_empty_stored_writing_is_refused(tmp_path, field, empty):
    stored = _stored_post()
    with pytest.raises(CommandError, match=f"would empty its {field}"):
        import_file(jsonl(tmp_path, post(**{field: empty, "title": "Changed"})))
    stored.refresh_from_db()
    assert stored.title == "Hello"  # nothing was imported


def test_with_replace_a_record_replaces_the_whole_post(tmp_path):
    stored = _stored_post()
    record = {"kind": "post", "slug": "hello-world", "title": "Only a title",
              "status": "draft"}  # fmt: skip
    planned = import_file(jsonl(tmp_path, record), "--replace", "--dry-run")
    assert (
        "changed: hello-world (title, summary, body, status, published_at, tags)"
        in planned
    )
    out = import_file(jsonl(tmp_path, record), "--replace")
    stored.refresh_from_db()
    assert (stored.title, stored.summary, stored.body) == ("Only a title", "", "")
    assert stored.tags.count() == 0
    assert "0 new post(s), 1 changed, 0 unchanged;" in out


def test_every_imported_change_leaves_a_history_entry_to_revert_to(tmp_path):
    stored = _stored_post()
    before = stored.history.count()
    import_file(jsonl(tmp_path, tag(), post(title="Imported title"), post("fresh")))
    entries = stored.history.order_by("history_date")
    assert entries.count() == before + 1
    assert entries.last().title == "Imported title"
    assert entries.last().history_change_reason == "import_posts"
    assert entries.last().history_type == "~"
    assert Post.objects.get(slug="fresh").history.get().history_type == "+"
    previous = entries[before - 1].instance  # what the editor would revert to
    assert previous.title == "Hello"


def test_a_record_that_changes_nothing_is_not_written(tmp_path):
    path = jsonl(tmp_path, tag(), post())
    import_file(path)
    stored = Post.objects.get(slug="hello-world")
    out = import_file(path)
    assert "0 new post(s), 0 changed, 1 unchanged;" in out
    assert Post.objects.get(slug="hello-world").updated_at == stored.updated_at
    assert stored.history.count() == 1


def test_a_dry_run_reports_what_would_change(tmp_path):
    _stored_post()
    out = import_file(
        jsonl(tmp_path, tag(), post(title="New title"), post("brand-new")),
        "--dry-run",
    )
    assert "1 new post(s), 1 changed, 0 unchanged;" in out
    assert "changed: hello-world (title" in out
    assert "new: brand-new" in out
    assert Post.objects.get(slug="hello-world").title == "Hello"


def test_progress_is_reported_in_plain_lines_off_a_terminal(tmp_path):
    err = StringIO()
    call_command("import_posts", str(generated_file(tmp_path)), stdout=StringIO(),
                 stderr=err)  # fmt: skip
    assert "import_posts: 40 of 40" in err.getvalue()


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def test_the_committed_sample_is_what_the_shared_generator_makes(tmp_path):
    if not DATASET.exists():
        if _under_ci():
            pytest.fail(f"{DATASET} is missing under CI.")
        pytest.skip(f"no {DATASET} next to this clone; under CI this test fails.")
    fresh = tmp_path / "fresh.jsonl"
    arguments = ["--posts", "40", "--tags", "6", "--out", str(fresh)]
    subprocess.run([sys.executable, str(DATASET), *arguments], check=True)
    assert fresh.read_bytes() == SAMPLE.read_bytes()


def test_an_import_that_changes_nothing_keeps_every_cached_answer(tmp_path):
    from blog import versioning

    path = jsonl(tmp_path, tag(), post())
    import_file(path)
    before = versioning.current()
    assert "0 tag(s) new or changed" in import_file(path)
    assert versioning.KEEPER.refresh(0).token == before.token
