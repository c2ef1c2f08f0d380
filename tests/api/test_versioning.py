"""The content version: kept in the database, copied to the cache, checked."""

import re
import time

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import m2m_changed, post_save
from django.test.utils import CaptureQueriesContext

from blog import preview, versioning
from blog.models import ContentRevision
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


# --- Which models renew it: one registry, checked against what the API reads ------

ENDPOINTS = [
    "/api/v1/", "/api/v1/posts/", "/api/v1/posts/?tag=engineering&search=x",
    "/api/v1/posts/newest/", "/api/v1/tags/", "/api/v1/tags/engineering/",
    "/api/v1/tags/engineering/posts/", "/api/v1/index/", "/api/v1/site/",
    "/api/v1/feeds/rss/",
]  # fmt: skip


def _tables_read(api, paths) -> set[str]:
    with CaptureQueriesContext(connection) as queries:
        for path in paths:
            assert api.get(path).status_code == 200, path
    quoted = re.compile(r'["`]?(blog_[a-z0-9_]+)["`]?')
    return {table for query in queries for table in quoted.findall(query["sql"])}


def test_every_table_the_api_reads_belongs_to_a_model_that_renews_the_version(
    api, blog
):
    draft = blog["posts"]["draft"]
    paths = [*ENDPOINTS, f"/api/v1/preview/{preview.make_token(draft.pk)}/"]
    tables = _tables_read(api, paths)
    by_table = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    read = {by_table[table] for table in tables if table in by_table}
    assert len(read) >= 3  # posts, tags and their links at least
    registered = set(versioning.reader_models()) | {ContentRevision}
    assert read - registered == set()


@pytest.mark.parametrize("model", versioning.reader_models(), ids=str)
def test_every_registered_model_is_connected(model):
    signal = m2m_changed if model._meta.auto_created else post_save
    assert signal.has_listeners(model)


# --- The database is the truth ---------------------------------------------------


def test_a_change_bumps_the_row_in_its_own_transaction(db, settings):
    before = ContentRevision.objects.get(pk=1).number
    PostFactory()
    row = ContentRevision.objects.get(pk=1)
    assert row.number > before
    assert versioning.current().number == row.number


def test_a_copy_older_than_what_this_process_knows_is_never_used(
    db, django_capture_on_commit_callbacks
):
    old = versioning.current()
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory()
    new = versioning.current()
    assert new.number > old.number
    cache.set(versioning.VERSION_KEY, old.as_tuple(), None)  # a cache gone back
    assert versioning.current() == new
    assert versioning.parse(cache.get(versioning.VERSION_KEY)) == new  # rewritten


def test_the_copy_is_checked_against_the_database_after_the_recheck_interval(
    db, settings
):
    settings.API_VERSION_RECHECK_SECONDS = 1
    first = versioning.current()
    with connection.cursor() as cursor:  # a change Django did not see: raw SQL
        cursor.execute(
            "UPDATE blog_contentrevision SET token = 'raw', number = number + 1"
        )
    assert versioning.current() == first  # within the interval: the copy
    time.sleep(1.05)
    assert versioning.current().token == "raw"


def test_a_missing_copy_is_read_from_the_database_and_written_back(db):
    version = versioning.current()
    cache.clear()
    assert versioning.current() == version
    assert versioning.parse(cache.get(versioning.VERSION_KEY)) == version


def test_a_lost_row_is_made_again(db):
    ContentRevision.objects.all().delete()  # as a `flush` does
    assert versioning.current().token
    PostFactory()
    assert ContentRevision.objects.get(pk=1).number == 1


def test_renew_content_version_starts_a_new_version(db, capsys):
    before = versioning.current()
    call_command("renew_content_version")
    after = versioning.current()
    assert after.token != before.token
    assert after.number == before.number + 1
    assert f"Content version {after.number}" in capsys.readouterr().out


def test_migrate_renews_the_version(db):
    before = versioning.current()
    call_command("migrate", "--noinput", verbosity=0)
    assert versioning.current().token != before.token


def test_changes_in_one_transaction_move_last_modified_once(
    db, django_capture_on_commit_callbacks
):
    from django.db import transaction

    start = ContentRevision.objects.get(pk=1).last_modified
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(5):
            PostFactory()
    # One step past the start or the clock, not five.
    assert ContentRevision.objects.get(pk=1).last_modified <= (
        max(start, int(time.time())) + 1
    )


def test_last_modified_is_never_later_than_the_answer(
    api, db, django_capture_on_commit_callbacks
):
    from django.utils.http import parse_http_date

    for _ in range(3):  # three commits in one second: the version runs ahead
        with django_capture_on_commit_callbacks(execute=True):
            PostFactory()
    response = api.get("/api/v1/posts/")
    assert parse_http_date(response["Last-Modified"]) <= time.time()


def test_while_the_database_is_away_the_copy_serves_and_is_rechecked_later(
    db, settings, monkeypatch
):
    from django.db import OperationalError

    settings.API_VERSION_RECHECK_SECONDS = 1
    version = versioning.current()
    attempts = []

    def unreachable():
        attempts.append(1)
        raise OperationalError("the database is away")

    monkeypatch.setattr(versioning, "_read_database", unreachable)
    versioning.KEEPER.checked_at -= 5  # the check is due
    assert versioning.current() == version
    assert versioning.current() == version
    assert len(attempts) == 1  # once per interval, not once per request
    cache.clear()
    with pytest.raises(OperationalError):  # no copy: nothing to answer with
        versioning.current()


def test_last_modified_grows_when_scheduled_posts_go_live_and_past_them_on_an_edit(
    db, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    soon = timezone.now() + timedelta(seconds=0.6)
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(published_at=soon)
        PostFactory(published_at=soon + timedelta(seconds=0.1))  # the same second
    before = versioning.current()
    time.sleep(0.8)
    both_live = versioning.current()
    assert both_live.token != before.token
    assert both_live.last_modified >= before.last_modified + 2  # one per post
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory()
    assert versioning.current().last_modified > both_live.last_modified


def test_a_refresh_never_puts_the_copy_back_behind_a_newer_one(db):
    version = versioning.current()
    newer = versioning.ContentVersion("newer", version.last_modified + 5, None,
                                      version.number + 1)  # fmt: skip
    cache.set(versioning.VERSION_KEY, newer.as_tuple(), None)  # published meanwhile
    assert versioning.KEEPER.refresh(time.time()) == newer
    assert versioning.parse(cache.get(versioning.VERSION_KEY)) == newer


def test_renewing_after_a_restore_moves_past_the_cached_copy(db):
    version = versioning.current()
    ahead = versioning.ContentVersion("before-restore", 0, None, version.number + 50)
    cache.set(versioning.VERSION_KEY, ahead.as_tuple(), None)
    renewed = versioning.renew()
    assert renewed.number > ahead.number
    assert versioning.parse(cache.get(versioning.VERSION_KEY)) == renewed


# --- The WAL position read replicas are measured against (blog.replicas) -------------


def _wal_lsn() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_version_carries_a_wal_position_past_its_commit():
    if connection.vendor != "postgresql":
        assert versioning.current().wal_lsn is None
        return
    PostFactory()  # committed: transaction=True
    after_commit = _wal_lsn()
    versioning.KEEPER.forget()
    cache.clear()
    version = versioning.current()
    assert version.wal_lsn is not None
    assert version.wal_lsn >= after_commit
    # Kept with the copy, and not part of what the version is.
    assert (
        versioning.parse(cache.get(versioning.VERSION_KEY)).wal_lsn == version.wal_lsn
    )
    again = versioning._read_database()
    assert again == version
    assert again.wal_lsn >= version.wal_lsn


def test_a_copy_in_the_old_shape_is_not_trusted(db):
    version = versioning.current()
    cache.set(versioning.VERSION_KEY, version.as_tuple()[:4], None)  # no position
    assert versioning.parse(cache.get(versioning.VERSION_KEY)) is None
    versioning.KEEPER.forget()
    assert versioning.current() == version
