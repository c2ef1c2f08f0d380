"""Redis's invalidation pushes (config/tracking.py), against a Redis server of the
test's own: written, killed, restarted, paused, and its connection killed alone."""

from __future__ import annotations

import time

import pytest

from config import tracking
from config.tracking import InvalidationTracker, ProtocolError, Push, Reader
from tests.redis_server import redis_server  # noqa: F401  (a fixture)

KEY = "writing-api:1:content-version:v2"


def settle(tracker: InvalidationTracker, seconds: float = 1.0) -> int:
    """The stamp once the tracker trusts its connection (its PINGs answered)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stamp = tracker.stamp()
        if stamp is not None:
            return stamp
        time.sleep(0.01)
    raise AssertionError("the tracker never trusted its connection")


def changed(tracker: InvalidationTracker, stamp: int, seconds: float = 1.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if tracker.stamp() != stamp:
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def tracker(redis_server):  # noqa: F811
    found = InvalidationTracker(redis_server.url, KEY)
    yield found
    found.close()


def test_the_reader_parses_resp3_frames_split_anywhere():
    stream = (
        b"%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n"  # HELLO's map
        b"+OK\r\n"
        b">2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nkey1\r\n"
        b">2\r\n$10\r\ninvalidate\r\n_\r\n"  # FLUSHALL: every key
        b"-ERR nope\r\n:7\r\n#t\r\n"
    )
    for split in range(1, len(stream)):
        reader = Reader()
        reader.feed(stream[:split])
        frames = reader.frames()
        reader.feed(stream[split:])
        frames += reader.frames()
        assert frames[:4] == [
            {b"server": b"redis"},
            "OK",
            [b"invalidate", [b"key1"]],
            [b"invalidate", None],
        ]
        assert isinstance(frames[2], Push)
        assert isinstance(frames[3], Push)
        assert isinstance(frames[4], ProtocolError)
        assert frames[5:] == [7, True]
        assert reader.buffer == bytearray()


def test_a_write_to_the_key_from_any_client_changes_the_stamp(tracker, redis_server):  # noqa: F811
    client = redis_server.client()
    stamp = settle(tracker)
    client.set("writing-api:1:something-else", b"x")
    assert not changed(tracker, stamp, 0.2)  # other keys are not tracked
    client.set(KEY, b"new")
    assert changed(tracker, stamp)
    stamp = settle(tracker)
    client.flushall()
    assert changed(tracker, stamp)


def test_a_killed_tracking_connection_ends_the_trust_at_once(tracker, redis_server):  # noqa: F811
    client = redis_server.client()
    stamp = settle(tracker)
    (mine,) = [c for c in client.client_list() if c["name"] == "writing-api-tracking"]
    client.client_kill_filter(_id=mine["id"])
    time.sleep(0.05)  # the close reaches the socket
    assert tracker.stamp() is None
    # Made again after RETRY_SECONDS, with a stamp no value kept before can match.
    time.sleep(tracking.RETRY_SECONDS)
    again = settle(tracker)
    assert again != stamp


def test_a_paused_redis_is_distrusted_within_alive_for(tracker, redis_server):  # noqa: F811
    settle(tracker)
    redis_server.pause()
    try:
        paused_at = time.monotonic()
        while tracker.stamp() is not None:
            # Well inside the 1 s an editor's save waits on a paused Redis (slack
            # for a loaded machine).
            assert time.monotonic() - paused_at < tracking.ALIVE_FOR + 0.5
            time.sleep(0.01)
    finally:
        redis_server.resume()
    settle(tracker)  # answers again: trusted again


def test_redis_killed_and_restarted_gives_a_new_stamp(tracker, redis_server):  # noqa: F811
    stamp = settle(tracker)
    redis_server.kill()
    time.sleep(0.05)
    assert tracker.stamp() is None
    redis_server.start()
    time.sleep(tracking.RETRY_SECONDS)
    assert settle(tracker) != stamp


def test_the_password_in_the_url_is_used_and_a_refusal_leaves_it_untrusted(
    redis_server,  # noqa: F811
):
    redis_server.client().config_set("requirepass", "s3cret")
    port = redis_server.port
    refused = InvalidationTracker(f"redis://:wrong@127.0.0.1:{port}/0", KEY)
    assert refused.stamp() is None  # WRONGPASS: answers are read per request
    assert refused.stamp() is None  # and it is not retried before RETRY_SECONDS
    accepted = InvalidationTracker(f"redis://:s3cret@127.0.0.1:{port}/0", KEY)
    try:
        assert settle(accepted) is not None
    finally:
        accepted.close()
        refused.close()


def test_tracking_is_off_unless_one_tcp_server_serves_every_read():
    from config.cache import PooledClientRedisCache

    one = PooledClientRedisCache("redis://127.0.0.1:6390/0", {})
    assert one.tracker("k") is not None
    replicas = PooledClientRedisCache("redis://a:6379/0,redis://b:6379/0", {})
    assert replicas.tracker("k") is None  # reads may go to a lagging replica
    assert PooledClientRedisCache("unix:///run/redis.sock", {}).tracker("k") is None
