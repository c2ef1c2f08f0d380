"""Cache backends that never fail a request: Redis (production) and the file cache.

The cache is an accelerator. When it fails (Redis down, paused, out of memory, a
full disk), every read answers "missing" and every write is skipped, so requests fall
through to the database; the content version is checked against the database then
(`blog.versioning`). After a failure the backend does not try again for
`CACHE_RETRY_SECONDS`: a dead server costs one timeout a second per process, not
one per call.

Redis also gets one redis-py client per connection pool: Django's
`RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache call, and
each one rebuilds redis-py's table of ~170 response callbacks (about 0.15 ms a call,
most of the cost of a cached API answer). And it counts the connections it opens,
so the version can be re-checked after a reconnect (`connection_generation`).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.connection import Connection
from redis.exceptions import RedisError

from config.tracking import InvalidationTracker

logger = logging.getLogger(__name__)

CACHE_RETRY_SECONDS = 1.0

_connections_opened = itertools.count(1)
_generation = 0


class CountingConnection(Connection):
    """A redis-py connection that notes every (re)connect: after a restart or a
    failover the server may hold older data than before."""

    # redis-py 6+ runs the handshake in `on_connect_check_health`, older ones in
    # `on_connect` (which now calls the other): counting in both is harmless.
    def on_connect(self) -> None:
        super().on_connect()
        _count_connection()

    def on_connect_check_health(self, *args, **kwargs) -> None:
        super().on_connect_check_health(*args, **kwargs)
        _count_connection()


def _count_connection() -> None:
    global _generation
    _generation = next(_connections_opened)


class ResilientCache:
    """A mixin for a cache backend: errors become misses and skipped writes."""

    errors: tuple[type[BaseException], ...] = (OSError,)

    def _setup_resilience(self) -> None:
        self._down_until = 0.0
        self._lock = threading.Lock()

    def is_available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, operation: str, error: BaseException) -> None:
        with self._lock:
            was_up = self.is_available()
            self._down_until = time.monotonic() + CACHE_RETRY_SECONDS
        if was_up:
            logger.warning("Cache unavailable (%s: %s); answering uncached.",
                           operation, error)  # fmt: skip

    def _guarded(self, operation: str, default, *args, **kwargs):
        if not self.is_available():
            return default
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except self.errors as error:
            self._failed(operation, error)
            return default

    def get(self, key, default=None, version=None):
        return self._guarded("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guarded("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guarded("has_key", False, key, version)

    def set(self, key, value, timeout=..., version=None):
        timeout = self.default_timeout if timeout is ... else timeout
        return self._guarded("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=..., version=None):
        timeout = self.default_timeout if timeout is ... else timeout
        return self._guarded("add", False, key, value, timeout, version)

    def touch(self, key, timeout=..., version=None):
        timeout = self.default_timeout if timeout is ... else timeout
        return self._guarded("touch", False, key, timeout, version)

    def set_many(self, data, timeout=..., version=None):
        timeout = self.default_timeout if timeout is ... else timeout
        return self._guarded("set_many", list(data), data, timeout, version)

    def delete(self, key, version=None):
        return self._guarded("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guarded("delete_many", None, keys, version)

    def clear(self):
        return self._guarded("clear", None)

    def incr(self, key, delta=1, version=None):
        return self._guarded("incr", None, key, delta, version)

    def replace_if(self, key, value, accept, timeout=...):
        """Store `value` unless `accept(the stored value)` is false, atomically
        where the backend can; the value stored afterwards (None when the cache
        cannot answer)."""
        timeout = self.default_timeout if timeout is ... else timeout
        if not self.is_available():
            return None
        try:
            return self._replace_if(key, value, accept, timeout)
        except self.errors as error:
            self._failed("replace_if", error)
            return None

    def _replace_if(self, key, value, accept, timeout):
        # One host's file cache: a read and a write, not atomic across processes.
        current = super().get(key)
        if not accept(current):
            return current
        super().set(key, value, timeout)
        return value

    def count_in_window(self, key: str, window_seconds: int) -> int | None:
        """Add one to a counter that lives `window_seconds` from its first count;
        None when the cache cannot count."""
        if not self.is_available():
            return None
        try:
            return self._count_in_window(key, window_seconds)
        except self.errors as error:
            self._failed("count", error)
            return None

    def _count_in_window(self, key: str, window_seconds: int) -> int:
        # Not atomic across processes; good enough for one host's file cache.
        self.add(key, 0, window_seconds)
        try:
            return self.incr(key) or 1
        except ValueError:  # expired between the two calls
            self.add(key, 1, window_seconds)
            return 1


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pool_options.setdefault("connection_class", CountingConnection)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


_trackers: dict[tuple[str, str], InvalidationTracker] = {}
_trackers_lock = threading.Lock()


class PooledClientRedisCache(ResilientCache, RedisCache):
    errors = (RedisError, OSError)

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient
        self._setup_resilience()

    def connection_generation(self) -> int:
        return _generation

    def tracker(self, key: str) -> InvalidationTracker | None:
        """The process's tracker of writes to `key` (`config.tracking`): one per
        process and key, although Django makes a backend per thread. None unless
        there is exactly one server, over TCP: with replicas the reads would go to
        a server the pushes do not come from."""
        if len(self._servers) != 1 or not self._servers[0].startswith(
            ("redis://", "rediss://")
        ):
            return None
        url = self._servers[0]
        full_key = self.make_and_validate_key(key)
        with _trackers_lock:
            found = _trackers.get((url, full_key))
            if found is None:
                found = _trackers[(url, full_key)] = InvalidationTracker(url, full_key)
            return found

    def _count_in_window(self, key: str, window_seconds: int) -> int:
        """One round trip: create the counter with its lifetime if it is new, then
        INCR (Redis 2.6.12 and later)."""
        key = self.make_and_validate_key(key)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, 0, ex=window_seconds, nx=True)
        pipeline.incr(key)
        _, count = pipeline.execute()
        return count

    def _replace_if(self, key, value, accept, timeout):
        """WATCH, read, decide, write in MULTI: a concurrent write makes it retry."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        serializer = self._cache._serializer

        def attempt(pipeline):
            raw = pipeline.get(key)
            current = None if raw is None else serializer.loads(raw)
            if not accept(current):
                return current
            pipeline.multi()
            expiry = self.get_backend_timeout(timeout)
            pipeline.set(key, serializer.dumps(value), ex=expiry)
            return value

        return client.transaction(attempt, key, value_from_callable=True)


class ResilientFileBasedCache(ResilientCache, FileBasedCache):
    def __init__(self, dir, params) -> None:
        super().__init__(dir, params)
        self._setup_resilience()
