"""The content version: one token that changes whenever anything a reader sees does.

HTTP validators (ETag, Last-Modified) and the response cache are keyed by it, so a
cached answer is never served after a change.

The truth is a row in the database (`ContentRevision`), bumped in the same
transaction as the change itself: a version exists exactly when its change
committed. The cache (Redis in production) holds a copy, written after the commit,
so a request normally costs one cache read and no query. The copy is only ever a
shortcut; each process checks it against the row:

- at least every `API_VERSION_RECHECK_SECONDS` (default 1): a copy that was never
  written (the cache refused the write, or was paused) is healed within that bound;
- whenever the cache connection was re-established: a cache that restarted from an
  old snapshot, or a failed-over replica, is caught at its first answer;
- whenever the copy is missing, older than one this process has already seen, or
  past its rollover time;
- on every request while the cache is unavailable (the cache answers nothing then).

The copy is only ever replaced by a newer one (`replace_if`), so a process that read
the row just before a commit cannot put the copy back behind it; after a database
restore, `renew()` (`manage.py renew_content_version`) moves the number past it.

Scheduled posts change what is visible with no write at all. The version read from
the database therefore also depends on the newest post that went live since the last
change (`live_since`), and carries `rollover_at`, the next scheduled publish time:
the first request after it reads the database again. Every process derives the same
token from the same rows, so none of them needs to write on a read.

On PostgreSQL the version also carries `wal_lsn`, the primary's WAL position when
it was read: past the commit that made it, so a read replica that has replayed that
far shows everything the version stands for (`blog.replicas`). Every read here goes
to the primary, whatever the routers say.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connections,
    transaction,
)
from django.db.models import BigIntegerField, Count, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

VERSION_KEY = "content-version:v3"
# The copy never expires by itself: the database row is checked often enough.
VERSION_TIMEOUT = None

# The models whose rows readers see through the API, by label. A change to any of
# them renews the version. `tests/api/test_versioning.py` fails when the API reads a
# table that is not listed here.
READER_MODELS = (
    "blog.Post", "blog.Tag", "blog.Post_tags", "blog.Image", "blog.Post_images",
    "blog.Author", "blog.PostAuthor", "blog.SlugRedirect", "blog.Page",
    "blog.Page_images", "blog.Site", "blog.ContentApiKey",
)  # fmt: skip


@dataclass(frozen=True)
class ContentVersion:
    token: str
    last_modified: int
    rollover_at: float | None
    number: int = 0
    # The primary's WAL position (bytes) when this version was first read, None
    # off PostgreSQL. Not part of its identity: two reads of one version differ
    # only in how far past its commit they were made.
    wal_lsn: int | None = field(default=None, compare=False)

    def is_due(self, now: float) -> bool:
        return self.rollover_at is not None and now >= self.rollover_at

    def as_tuple(self) -> tuple:
        return (
            self.token, self.last_modified, self.rollover_at, self.number, self.wal_lsn
        )  # fmt: skip


def parse(raw: tuple | None) -> ContentVersion | None:
    if not raw or len(raw) != 5:
        return None
    return ContentVersion(*raw)


# --- Writing: in the transaction of the change --------------------------------------


def content_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Bump the version in the current transaction (so it commits or rolls back with
    the change) and publish the copy once it commits (at once outside one)."""
    connection = connections[using]
    # Only the first change of a transaction moves `last_modified` on: readers
    # never see the ones in between. Django drops a savepoint's on-commit callbacks
    # when the savepoint rolls back, together with the bump made in it, so a
    # pending callback means this transaction's bump stands.
    first = not connection.in_atomic_block or not any(
        isinstance(func, _Publish) and not func.done
        for _, func, _ in connection.run_on_commit
    )
    _bump(using, advance_last_modified=first)
    transaction.on_commit(_Publish(), using=using)


def _bump(using: str, *, advance_last_modified: bool, at_least: int = 0) -> None:
    """A new number and token; `changed_at` on the database's clock, the one
    `published()` compares publish times with."""
    with transaction.atomic(using=using, savepoint=False):  # the row stays locked
        _bump_locked(using, advance_last_modified, at_least)


def _bump_locked(using: str, advance_last_modified: bool, at_least: int) -> None:
    from blog.models import ContentRevision

    rows = ContentRevision.objects.using(using).select_for_update().filter(pk=1)
    row = rows.values_list("number", "changed_at", "last_modified").first()
    if row is None:
        try:
            with transaction.atomic(using=using):
                ContentRevision.objects.using(using).create(pk=1)
        except IntegrityError:
            pass  # another transaction created it first
        row = rows.values_list("number", "changed_at", "last_modified").first()
    number, changed_at, last_modified = row
    changes = {
        "number": max(number, at_least) + 1,
        "token": secrets.token_hex(8),
        "changed_at": Now(),
    }
    if advance_last_modified:
        # Strictly increasing, so an If-Modified-Since from the same second as an
        # earlier change can never hide a later one: past every value served since
        # the last change, posts that went live meanwhile included (`_read_database`).
        # Changes within one second run it ahead of the clock; `Last-Modified`
        # shows at most now.
        went_live = sum(
            _went_live_since(changed_at, label, using).count()
            for label in SCHEDULED_MODELS
        )
        now = math.floor(time.time())
        changes["last_modified"] = max(last_modified, now) + 1 + went_live
    rows.update(**changes)


# What readers see go live at a publish time, with no write: the version derives
# from these as they pass (`_read_database`) and rolls over at the next one.
SCHEDULED_MODELS = ("blog.Post", "blog.Page")


def _went_live_since(moment, label: str = "blog.Post", using: str = DEFAULT_DB_ALIAS):
    model = apps.get_model(label)
    return model.objects.using(using).published().filter(published_at__gt=moment)


class _Publish:
    """The after-commit callback of one change."""

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        self.done = True
        _publish_committed()


def _publish_committed() -> None:
    """Copy the committed version into the cache. A failure never fails the
    editor's save: readers find the row changed within the recheck interval."""
    try:
        KEEPER.refresh(time.time())
    except Exception:
        logger.exception("Could not publish the new content version.")


def publish_current() -> None:
    """Make the cache's copy at least as new as the database row now (the worker,
    before a CDN purge). Never raises: a cache that is away is read around."""
    _publish_committed()


def renew() -> ContentVersion:
    """Bump the version now and publish it (`manage.py renew_content_version`,
    after `migrate`, a restore, a failover, raw SQL or `loaddata`). The new number
    is past the cache's copy too: after a restore the database may be behind it."""
    copy = parse(cache.get(VERSION_KEY))
    with transaction.atomic():
        _bump(
            DEFAULT_DB_ALIAS,
            advance_last_modified=True,
            at_least=copy.number if copy else 0,
        )
    return KEEPER.refresh(time.time())


# --- Reading: the copy, checked against the database ---------------------------------


# Past the commit of every version this read can see (`pg_current_wal_lsn()` is
# where the primary has written its WAL to, which a replica can replay up to; the
# insert position can be a page header further on, which an idle replica never
# reaches). As bytes from 0/0, so positions compare as integers.
_WAL_LSN = "(pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint"


def _read_database() -> ContentVersion:
    from blog.models import ContentRevision

    using = DEFAULT_DB_ALIAS
    columns = ["number", "token", "last_modified"]
    annotations = {}
    if connections[using].vendor == "postgresql":
        annotations["wal_lsn"] = RawSQL(_WAL_LSN, (), output_field=BigIntegerField())
    for n, label in enumerate(SCHEDULED_MODELS):
        went_live = _went_live_since(OuterRef("changed_at"), label).order_by()
        newest_live = went_live.order_by("-published_at").values("published_at")[:1]
        live_count = went_live.values("status").annotate(n=Count("*")).values("n")
        upcoming = (
            apps.get_model(label)
            .objects.using(using)
            .scheduled()
            .order_by("published_at")
            .values("published_at")
        )
        annotations[f"live_since_{n}"] = Subquery(newest_live)
        annotations[f"live_{n}"] = Subquery(live_count)
        annotations[f"rollover_{n}"] = Subquery(upcoming[:1])
    row = (
        ContentRevision.objects.using(using)
        .filter(pk=1)
        .annotate(**annotations)
        .values_list(*columns, *annotations)
        .first()
    )
    if row is None:  # a database that was never migrated here, or was flushed
        ContentRevision.objects.using(using).get_or_create(pk=1)
        return _read_database()
    number, token, last_modified, *rest = row
    wal_lsn = rest.pop(0) if "wal_lsn" in annotations else None
    per_model = rest
    live_since = max(filter(None, per_model[0::3]), default=None)
    live = sum(count or 0 for count in per_model[1::3])
    rollover = min(filter(None, per_model[2::3]), default=None)
    if live_since is not None:
        # Every process derives the same token and date from the same rows: no
        # write on a read. `k` posts gone live move the date on by `k` at least.
        token = f"{token}.{live_since.timestamp():.6f}"
        last_modified = max(last_modified, math.floor(live_since.timestamp())) + live
    return ContentVersion(
        token=token,
        last_modified=last_modified,
        rollover_at=rollover.timestamp() if rollover else None,
        number=number,
        wal_lsn=None if wal_lsn is None else int(wal_lsn),
    )


def _connection_generation(backend=None) -> int:
    """Changes whenever the cache client opened a new connection (config.cache)."""
    generation = getattr(backend or cache, "connection_generation", None)
    return generation() if generation else 0


def _tracking_stamp(backend) -> int | None:
    """The stamp of Redis's invalidation tracking of the copy (`config.tracking`),
    or None: tracking off (`API_VERSION_TRACKING=false`), another cache backend, or
    a connection that cannot be trusted right now."""
    if not settings.API_VERSION_TRACKING:
        return None
    find = getattr(backend, "tracker", None)
    tracker = find(VERSION_KEY) if find else None
    return tracker.stamp() if tracker else None


def _replaces(version: ContentVersion, copy: ContentVersion | None) -> bool:
    """Whether `version` read from the database should overwrite the copy."""
    if copy is None or copy.number < version.number:
        return True
    return copy.number == version.number and copy != version  # a rollover


class VersionKeeper:
    """This process's view of the version: the cache's copy, checked as the module
    docstring says."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.known_number = -1
        self.checked_at = -math.inf
        self.generation: int | None = None
        # The version last read while Redis tracked the copy, and the tracker's
        # stamp then (config.tracking): used with no round trip while it holds.
        self.held: tuple[ContentVersion, int] | None = None

    def current(self, now: float) -> ContentVersion:
        # The backend itself, looked up once: `cache` finds it per thread per call.
        backend = caches[DEFAULT_CACHE_ALIAS]
        recheck = settings.API_VERSION_RECHECK_SECONDS
        # Taken before anything is read: a write after this point changes it.
        stamp = _tracking_stamp(backend)
        held = self.held
        if (
            stamp is not None
            and held is not None
            and held[1] == stamp
            and held[0].number >= self.known_number
            and not held[0].is_due(now)
            and now - self.checked_at < recheck
            and self.generation == _connection_generation(backend)
        ):
            return held[0]  # nothing was written to the copy since it was read
        version = self._current(backend, now, recheck)
        self.held = None if stamp is None else (version, stamp)
        return version

    def _current(self, backend, now: float, recheck: float) -> ContentVersion:
        if (
            now - self.checked_at >= recheck
            or self.generation != _connection_generation(backend)
        ):
            return self._refresh_or_copy(now)
        version = parse(backend.get(VERSION_KEY))
        if (
            version is None
            or version.number < self.known_number
            or version.is_due(now)
            # The read may itself have reconnected to a restarted cache.
            or self.generation != _connection_generation(backend)
        ):
            return self.refresh(now)
        if version.number > self.known_number:
            with self.lock:
                self.known_number = max(self.known_number, version.number)
        return version

    def _refresh_or_copy(self, now: float) -> ContentVersion:
        """A due check; while the database is unreachable, the cache's copy (nothing
        can change meanwhile), checked again after the interval, not per request."""
        try:
            return self.refresh(now)
        except DatabaseError:
            connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
            version = parse(cache.get(VERSION_KEY))
            if (
                version is None
                or version.is_due(now)
                or version.number < self.known_number
            ):
                raise
            logger.warning("Database unreachable; trusting the cached content version.")
            with self.lock:
                self.checked_at = now
                self.generation = _connection_generation()
            return version

    def refresh(self, now: float) -> ContentVersion:
        """Read the version from the database and make the cache's copy match."""
        generation = _connection_generation()
        version = _read_database()
        stored = parse(
            cache.replace_if(
                VERSION_KEY,
                version.as_tuple(),
                lambda old: _replaces(version, parse(old)),
                VERSION_TIMEOUT,
            )
        )
        if stored is not None and stored.number > version.number:
            # Another process published a commit made after this read: never put
            # the copy back behind it.
            version = stored
        with self.lock:
            self.known_number = version.number
            self.checked_at = now
            self.generation = generation
            # Its own publish is not waited for as a push: read the copy again.
            self.held = None
        return version

    def forget(self) -> None:
        """As a new process would start (tests)."""
        with self.lock:
            self.known_number = -1
            self.checked_at = -math.inf
            self.generation = None
            self.held = None


KEEPER = VersionKeeper()


def current() -> ContentVersion:
    """The version in force now."""
    return KEEPER.current(time.time())


_pinned: ContextVar[ContentVersion | None] = ContextVar("content_version", default=None)


@contextmanager
def pinning(version: ContentVersion) -> Iterator[ContentVersion]:
    """Read under `version`: it was read before any query of this unit of work
    (a request), so whatever is derived here is at least as new as it."""
    reset = _pinned.set(version)
    try:
        yield version
    finally:
        _pinned.reset(reset)


def pinned() -> ContentVersion | None:
    """The version pinned by the request being served, if any (`blog.derived`)."""
    return _pinned.get()


# --- Which changes renew it -----------------------------------------------------------


def _on_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loaddata: the operator renews afterwards (the README says so)
    content_changed(kwargs.get("using") or DEFAULT_DB_ALIAS)


def _on_links_changed(sender, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        content_changed(kwargs.get("using") or DEFAULT_DB_ALIAS)


def reader_models() -> list:
    return [apps.get_model(label) for label in READER_MODELS]


def connect_signals() -> None:
    for model in reader_models():
        uid = f"content-version-{model._meta.label}"
        # A link table changes through its many-to-many manager (`add()` writes
        # rows without saving them), and one of its own also by saving rows.
        m2m_changed.connect(_on_links_changed, sender=model, dispatch_uid=f"{uid}-m")
        if not model._meta.auto_created:
            post_save.connect(_on_change, sender=model, dispatch_uid=uid)
            post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}-d")


def renew_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """`migrate` is the deploy step: whatever it changed, start from a new version."""
    if using != DEFAULT_DB_ALIAS:
        return
    try:
        renew()
    except DatabaseError as error:  # e.g. migrated back to before its table
        logger.warning("Content version not renewed after migrate: %s", error)
