"""Redis tells this process when a key changes, so it need not ask on every request.

Server-assisted client-side caching (Redis 6+): one connection per process speaks
RESP3 and turns on `CLIENT TRACKING ON BCAST PREFIX <key>`; from then on Redis pushes
an `invalidate` message on it whenever any client writes a key under the prefix (a
SET, a delete, an expiry or eviction, a FLUSHALL). `blog.versioning` keeps the content
version it read while the connection was trusted and uses it until a push arrives.

"Trusted" is decided without a network round trip, before every use
(`InvalidationTracker.stamp`):
- everything pending on the socket is read first (a non-blocking `recv`): a push that
  Redis sent before this request began is never missed;
- the connection must be open. A closed or reset one (Redis killed or restarted, a
  `CLIENT KILL`, a failover) ends the trust at once;
- Redis must have answered recently: a `PING` goes out at most every
  `PING_INTERVAL` seconds (without waiting for its answer), and trust lasts
  `ALIVE_FOR` seconds past the sending of the newest `PING` answered. A paused or
  wedged Redis (SIGSTOP) stops answering, so trust runs out within `ALIVE_FOR`:
  shorter than the socket timeout an editor's save waits for when it cannot
  publish a new version to a paused Redis. A write Redis refuses at once (out of
  memory, read-only) invalidates nothing and is healed by the database recheck
  (`API_VERSION_RECHECK_SECONDS`), exactly as without tracking.

Redis queues the push while it processes the write, in the same event-loop turn as
its answer to the writer: by the time an editor's save has returned, the push is in
every tracking socket on the same host, and on the wire to other hosts (a push slower
than the editor's whole next HTTP round trip is the one window left, as in any Redis
client-side caching).

Whatever is not trusted is read as before (a Redis GET per request, checked against
the database), and the connection is made again at most every `RETRY_SECONDS`.
Each (re)connection, and each push, changes the stamp, so a value kept under an
older stamp is never used again.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import ssl
import threading
import time
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

PING_INTERVAL = 0.05
ALIVE_FOR = 0.25
RETRY_SECONDS = 1.0
GIVE_UP_AFTER = 5.0  # a PING unanswered this long: the connection is made again
CONNECT_TIMEOUT = 0.5


class ProtocolError(Exception):
    pass


class _Incomplete(Exception):
    pass


def _encode(*words: str | bytes) -> bytes:
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word if isinstance(word, bytes) else word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class Push(list):
    """A RESP3 push frame (`>`): out-of-band data, not an answer to a command."""


class Reader:
    """Frames of RESP3 from bytes as they arrive."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def frames(self) -> list:
        found = []
        while self.buffer:
            try:
                value, end = self._parse(0)
            except _Incomplete:
                break
            del self.buffer[:end]
            found.append(value)
        return found

    def _line(self, start: int) -> tuple[bytes, int]:
        end = self.buffer.find(b"\r\n", start)
        if end < 0:
            raise _Incomplete
        return bytes(self.buffer[start:end]), end + 2

    def _parse(self, start: int):
        if start >= len(self.buffer):
            raise _Incomplete
        kind = chr(self.buffer[start])
        line, after = self._line(start + 1)
        if kind in "+":
            return line.decode(), after
        if kind == "-":
            return ProtocolError(line.decode()), after
        if kind in ":(":
            return int(line), after
        if kind == ",":
            return float(line), after
        if kind == "#":
            return line == b"t", after
        if kind == "_":
            return None, after
        if kind in "$=!":
            size = int(line)
            if size < 0:
                return None, after
            if len(self.buffer) < after + size + 2:
                raise _Incomplete
            return bytes(self.buffer[after : after + size]), after + size + 2
        if kind in "*~>%|":
            count = int(line)
            if count < 0:
                return None, after
            if kind in "%|":
                count *= 2
            items = []
            for _ in range(count):
                item, after = self._parse(after)
                items.append(item)
            if kind == ">":
                return Push(items), after
            if kind == "|":  # an attribute: metadata before the real value
                return self._parse(after)
            if kind == "%":
                return dict(zip(items[::2], items[1::2], strict=True)), after
            return items, after
        raise ProtocolError(f"unknown RESP3 type {kind!r}")


class InvalidationTracker:
    """One RESP3 connection subscribed to invalidations of keys under `prefix`."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.lock = threading.Lock()
        self.epoch = 0  # moves on at every (re)connection and every invalidation
        self._sock: socket.socket | None = None
        self._pid: int | None = None
        self._reader = Reader()
        self._retry_at = 0.0
        self._pings: list[float] = []  # send times of the PINGs not yet answered
        self._answered_at = -math.inf  # send time of the newest PING answered
        self._last_ping = -math.inf
        self._refused = False  # the last attempt to connect failed

    # --- use ------------------------------------------------------------------------

    def stamp(self, now: float | None = None) -> int | None:
        """After reading everything pending: a number that changes whenever a value
        read before it may have changed, or None while the connection cannot be
        trusted (a value read then must not be kept)."""
        now = time.monotonic() if now is None else now
        # Never wait for another thread (reconnecting, say): read per request.
        if not self.lock.acquire(blocking=False):
            return None
        try:
            return self._stamp(now)
        finally:
            self.lock.release()

    def _stamp(self, now: float) -> int | None:
        if self._pid != os.getpid():  # a forked child: the parent's socket
            self._drop()
        if self._sock is None:
            if now < self._retry_at:
                return None
            self._connect(now)
            if self._sock is None:
                return None
        try:
            self._drain()
            if self._pings and now - self._pings[0] > GIVE_UP_AFTER:
                raise ConnectionError(f"no answer for {GIVE_UP_AFTER:.0f}s")
            if now - self._last_ping >= PING_INTERVAL:
                self._sock.sendall(_encode("PING"))
                self._pings.append(now)
                self._last_ping = now
        except (OSError, ProtocolError, ValueError) as error:
            self._lost(now, error)
            return None
        if now - self._answered_at > ALIVE_FOR or self._reader.buffer:
            return None  # silent lately, or a frame (a push?) half arrived
        return self.epoch

    def close(self) -> None:
        with self.lock:
            self._drop()

    # --- the connection ---------------------------------------------------------------

    def _connect(self, now: float) -> None:
        parts = urlsplit(self.url)
        try:
            sock = socket.create_connection(
                (parts.hostname or "127.0.0.1", parts.port or 6379), CONNECT_TIMEOUT
            )
            if parts.scheme == "rediss":
                context = ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=parts.hostname)
            sock.settimeout(CONNECT_TIMEOUT)
            hello = ["HELLO", "3"]
            if parts.password is not None:
                user = unquote(parts.username or "default")
                hello += ["AUTH", user, unquote(parts.password)]
            commands = [
                hello,
                ["CLIENT", "SETNAME", "writing-api-tracking"],
                ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", self.prefix],
                ["PING"],
            ]
            sock.sendall(b"".join(_encode(*command) for command in commands))
            reader = Reader()
            answers: list = []
            while len(answers) < len(commands):
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("closed during the handshake")
                reader.feed(data)
                answers += [f for f in reader.frames() if not isinstance(f, Push)]
            failed = [a for a in answers if isinstance(a, ProtocolError)]
            if failed:
                raise failed[0]
            sock.setblocking(False)
        except (OSError, ProtocolError, ValueError) as error:
            self._retry_at = now + RETRY_SECONDS
            # Once per outage, not every retry (a server without tracking refuses
            # it every time).
            log = logger.debug if self._refused else logger.warning
            log("Redis invalidation tracking unavailable (%s); reading per request.",
                error)  # fmt: skip
            self._refused = True
            return
        self._refused = False
        self._sock, self._pid, self._reader = sock, os.getpid(), reader
        self._pings.clear()
        self._answered_at = self._last_ping = now  # the handshake's PING: answered
        self.epoch += 1

    def _drain(self) -> None:
        """Read and handle every complete frame waiting on the socket, without
        blocking."""
        while True:
            try:
                data = self._sock.recv(65536)  # the socket does not block
            except (BlockingIOError, ssl.SSLWantReadError):
                break
            if not data:
                raise ConnectionError("closed by the server")
            self._reader.feed(data)
            for frame in self._reader.frames():
                self._handle(frame)

    def _handle(self, frame) -> None:
        if isinstance(frame, Push):
            if frame and frame[0] in (b"invalidate", "invalidate"):
                self.epoch += 1
            return
        if isinstance(frame, ProtocolError):
            raise frame
        # The answer to the oldest PING outstanding.
        if self._pings:
            self._answered_at = max(self._answered_at, self._pings.pop(0))

    def _lost(self, now: float, error: BaseException) -> None:
        logger.warning("Redis invalidation tracking lost (%s); reading per request.",
                       error)  # fmt: skip
        self._drop()
        self._retry_at = now + RETRY_SECONDS

    def _drop(self) -> None:
        if self._sock is not None and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                self._sock.close()
        self._sock = None
        self._pid = None
        self._reader = Reader()
        self._pings.clear()
        self._answered_at = -math.inf
        self.epoch += 1
