import os

import pytest
import redis

from config.cache import PooledClientRedisCache

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    cache = PooledClientRedisCache(REDIS_URL, {"KEY_PREFIX": "writing-api-test"})
    yield cache
    cache.clear()


def test_the_redis_backend_stores_and_reads_values(redis_cache):
    redis_cache.set("answer", {"value": 42}, 30)
    assert redis_cache.get("answer") == {"value": 42}
    assert redis_cache.get_many(["answer", "missing"]) == {"answer": {"value": 42}}
    redis_cache.delete("answer")
    assert redis_cache.get("answer") is None


def test_the_redis_backend_reuses_one_client_per_pool(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client() is client  # one server: reads share it
