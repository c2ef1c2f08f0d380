"""Read replicas that are never stale (`DATABASE_REPLICA_URLS`).

A public API render (`public_render`, entered by `api.caching` around an anonymous
public GET, with the content version pinned for it) reads from a streaming replica
only when that replica has replayed the primary's WAL at least up to the position
recorded with that version (`ContentVersion.wal_lsn`). Everything the version
stands for is then on the replica, so no answer is stored, validated or given an
ETag under a version newer than its body. Otherwise the render reads the primary,
after waiting at most `DATABASE_REPLICA_WAIT_MS` for a replica to catch up.

Everything else reads the primary: the admin, previews and anything authenticated
(they never enter `public_render`), writes and reads inside a transaction, models
readers do not see (`versioning.READER_MODELS` declares the ones that may come from
a replica), and the content version's own reads (`blog.versioning` names the
primary). A render picks its replica once, so all its queries see one snapshot.

Each process remembers how far each replica has replayed (it only moves forward):
a replica already past the version costs no query at all, one behind it is asked
again at most every `PROBE_INTERVAL`. A replica that fails, has been promoted
(it no longer follows this primary), or has been behind what this process needed
for longer than `DATABASE_REPLICA_MAX_LAG_S` is skipped, and asked again every
`RETRY_SECONDS` until it answers in time. A render that fails on a replica (it
went away mid-request) is rendered again on the primary (`api.caching`).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from blog import versioning

logger = logging.getLogger(__name__)

REPLICA_PREFIX = "replica_"
SKIPPED = frozenset({"unavailable", "promoted", "lagging"})
PROBE_INTERVAL = 0.02
RETRY_SECONDS = 1.0
WAIT_STEP = 0.002
# Whether it still follows a primary, and how far it has replayed, as bytes from 0/0
# (what `ContentVersion.wal_lsn` counts).
PROBE_SQL = (
    "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"
)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


@dataclass
class Replica:
    """What this process knows of one replica."""

    alias: str
    replayed: int = -1
    skip_until: float = 0.0
    state: str = "unknown"  # ok, behind, lagging, unavailable, promoted

    def serves(self, needed: int) -> bool:
        """Known to hold everything of `needed`; one that is skipped comes back
        only once a probe finds it well."""
        return self.replayed >= needed and self.state not in SKIPPED


@dataclass
class Pool:
    """The replicas of this process, and the versions it needed from them."""

    replicas: list[Replica]
    # (alias) -> (in recovery, replayed up to): the replica's own answer by default.
    probe: Callable[[str], tuple[bool, int | None]] | None = None
    clock: Callable[[], float] = time.monotonic
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (wal_lsn, first needed at) of recent versions, oldest first: how long a
    # replica has been behind what readers of this process were shown.
    needed: deque = field(default_factory=lambda: deque(maxlen=1024))
    turn: Iterator[int] = field(default_factory=itertools.count)

    def choose(self, needed: int | None) -> str | None:
        """A replica that has replayed `needed`, or None: read the primary."""
        if needed is None or not self.replicas:
            return None
        now = self.clock()
        self._note_needed(needed, now)
        start = next(self.turn) % len(self.replicas)
        order = self.replicas[start:] + self.replicas[:start]
        deadline = now + settings.DATABASE_REPLICA_WAIT_MS / 1000
        waiting = False
        while True:
            for replica in order:  # each in its turn: known to be far enough, or asked
                if replica.serves(needed):
                    return replica.alias
                # While waiting, one that is only behind is asked at every step.
                if now >= replica.skip_until or (waiting and replica.state == "behind"):
                    self._probe(replica, now)
                    if replica.serves(needed):
                        return replica.alias
            if now >= deadline:
                return None
            time.sleep(WAIT_STEP)
            now, waiting = self.clock(), True

    def _note_needed(self, needed: int, now: float) -> None:
        with self.lock:
            if not self.needed or needed > self.needed[-1][0]:
                self.needed.append((needed, now))
            floor = min(replica.replayed for replica in self.replicas)
            while len(self.needed) > 1 and self.needed[0][0] <= floor:
                self.needed.popleft()

    def lag(self, replica: Replica, now: float) -> float | None:
        """Seconds since this process first needed something `replica` lacks; None
        when it has everything this process needed."""
        with self.lock:
            for lsn, since in self.needed:
                if lsn > replica.replayed:
                    return now - since
        return None

    def _probe(self, replica: Replica, now: float) -> None:
        try:
            in_recovery, replayed = (self.probe or _ask)(replica.alias)
        except DatabaseError as error:
            self._set(replica, "unavailable", now + RETRY_SECONDS, error)
            _close(replica.alias)
            return
        if not in_recovery:
            self._set(replica, "promoted", now + RETRY_SECONDS)
            return
        with self.lock:
            replica.replayed = max(replica.replayed, replayed or -1)
        lag = self.lag(replica, now)
        if lag is None:
            self._set(replica, "ok", now)
        elif lag > settings.DATABASE_REPLICA_MAX_LAG_S:
            self._set(replica, "lagging", now + RETRY_SECONDS, f"{lag:.1f} s behind")
        else:
            self._set(replica, "behind", now + PROBE_INTERVAL)

    def failed(self, alias: str) -> None:
        """A render on `alias` failed: skip it for a while."""
        for replica in self.replicas:
            if replica.alias == alias:
                self._set(replica, "unavailable", self.clock() + RETRY_SECONDS)
        _close(alias)

    def _set(self, replica: Replica, state: str, skip_until: float, why=None) -> None:
        if state != replica.state and state in SKIPPED:
            logger.warning("Read replica %s %s (%s); reading the primary.",
                           replica.alias, state, why or "skipped")  # fmt: skip
        elif state not in SKIPPED and replica.state in SKIPPED:
            logger.warning("Read replica %s is back.", replica.alias)
        replica.state = state
        replica.skip_until = skip_until

    def report(self) -> dict[str, str]:
        """Each replica's state, probed now (`/readyz`)."""
        now = self.clock()
        for replica in self.replicas:
            self._probe(replica, now)
        return {replica.alias: replica.state for replica in self.replicas}


def _ask(alias: str) -> tuple[bool, int | None]:
    with connections[alias].cursor() as cursor:
        cursor.execute(PROBE_SQL)
        return cursor.fetchone()


def _close(alias: str) -> None:
    if alias not in settings.DATABASES:
        return
    with contextlib.suppress(DatabaseError):  # already gone
        connections[alias].close()


_pool: Pool | None = None
_pool_lock = threading.Lock()


def pool() -> Pool:
    """This process's replicas, from the settings once."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = Pool([Replica(alias) for alias in replica_aliases()])
    return _pool


def reset() -> None:
    """As a new process would start (tests)."""
    global _pool
    _pool = None


# --- One render -----------------------------------------------------------------------


@dataclass
class Render:
    """A public render: the version it is pinned to, and where it reads (decided at
    its first read)."""

    version: versioning.ContentVersion
    alias: str | None = None

    def read_alias(self) -> str:
        if self.alias is None:
            self.alias = pool().choose(self.version.wal_lsn) or DEFAULT_DB_ALIAS
        return self.alias

    @property
    def on_replica(self) -> bool:
        return self.alias not in (None, DEFAULT_DB_ALIAS)

    def replica_failed(self) -> bool:
        """Whether a query of this render failed on its replica (then marked)."""
        if not self.on_replica or not connections[self.alias].errors_occurred:
            return False
        pool().failed(self.alias)
        return True


_render: ContextVar[Render | None] = ContextVar("public_render", default=None)


@contextmanager
def public_render(
    version: versioning.ContentVersion, *, primary: bool = False
) -> Iterator[Render]:
    """Reads of reader models in this block may come from a replica that has
    replayed `version` (never, with `primary`)."""
    render = Render(
        version, DEFAULT_DB_ALIAS if primary or not replica_aliases() else None
    )
    reset_token = _render.set(render)
    try:
        yield render
    finally:
        _render.reset(reset_token)


_READER_LABELS = frozenset(versioning.READER_MODELS)


class ReplicaRouter:
    """`DATABASE_ROUTERS` when replicas are configured: the module docstring."""

    def db_for_read(self, model, **hints) -> str:
        render = _render.get()
        if (
            render is None
            or model._meta.label not in _READER_LABELS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return render.read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # replicas hold the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
