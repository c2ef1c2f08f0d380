"""Webhook requests: the address check, the signatures, one attempt, the retry plan.

Signatures are the Standard Webhooks scheme (the `standardwebhooks` packages verify
them), and for endpoints marked Ghost also `X-Ghost-Signature` as Ghost sends it.

The address check runs when an endpoint is saved and again, on the resolved
addresses, before every attempt: the request goes to the address that was checked
(no second lookup a rebinding DNS server could answer differently), with the
endpoint's host name kept for `Host` and TLS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import random
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import orjson
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError

from blog.outbox import SECRET_PREFIX, URL_MAX_LENGTH

USER_AGENT = "writing-api-webhooks/1"
# About 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h after each failure (the contract).
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 86400)
JITTER = 0.1
EXCERPT_CHARS = 500
RETRY_AFTER_MAX = 86400


# --- Addresses ---------------------------------------------------------------------


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str, *, allow_private: bool | None = None) -> list[str]:
    """The addresses a webhook to `url` may go to; ValidationError with a reason
    a form or command can show."""
    if allow_private is None:
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            f"The URL is {len(url)} characters long; at most {URL_MAX_LENGTH}."
        )
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError("Only http:// and https:// URLs can receive webhooks.")
    if parts.username or parts.password:
        raise ValidationError("Put credentials in the secret, not in the URL.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise ValidationError(f"The URL's port is not valid: {error}.") from error
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(f"{parts.hostname} does not resolve: {error}.") from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not allow_private:
        private = [address for address in addresses if not _is_public(address)]
        if private:
            raise ValidationError(
                f"{parts.hostname} resolves to a private or loopback address "
                f"({private[0]}); set WEBHOOK_ALLOW_PRIVATE=true to allow it."
            )
    return addresses


def validate_url(url: str) -> None:
    resolve(url)


# --- Signatures --------------------------------------------------------------------


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def standard_signature(
    secret: str, webhook_id: str, timestamp: int, body: bytes
) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def ghost_signature(secret: str, body: bytes, timestamp_ms: int) -> str:
    """Ghost's `sha256=<hex HMAC-SHA256 of body + timestamp>, t=<timestamp ms>`,
    keyed with the secret as the receiver stores it."""
    signed = body + str(timestamp_ms).encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"sha256={digest}, t={timestamp_ms}"


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]


def build_request(endpoint, event, now: float | None = None) -> Request:
    """The body and headers of one attempt (the timestamp is the attempt's own)."""
    now = time.time() if now is None else now
    if endpoint.kind == endpoint.Kind.GHOST and event.ghost_data is not None:
        payload = event.ghost_data
    else:
        payload = {
            "type": event.type,
            "timestamp": event.occurred_at.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "data": event.data,
        }
    body = orjson.dumps(payload)
    timestamp = int(now)
    signatures = " ".join(
        standard_signature(secret, event.webhook_id, timestamp, body)
        for secret in endpoint.signing_secrets()
    )
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event.webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }
    if endpoint.kind == endpoint.Kind.GHOST:
        headers["x-ghost-signature"] = ghost_signature(
            endpoint.secret, body, int(now * 1000)
        )
    return Request(body, headers)


# --- One attempt -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str = ""
    excerpt: str = ""
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _pool(url: str, address: str, timeout: float):
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    options = {
        "timeout": urllib3.Timeout(total=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if parts.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, port, server_hostname=parts.hostname,
            assert_hostname=parts.hostname, **options,
        )  # fmt: skip
    return urllib3.HTTPConnectionPool(address, port, **options)


def _retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_MAX)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, min(moment.timestamp() - now, RETRY_AFTER_MAX))


def send(url: str, request: Request, timeout: float | None = None) -> Outcome:
    """POST once, following no redirect; never raises for the receiver's faults."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        address = resolve(url)[0]
    except ValidationError as error:
        return Outcome(None, took(), error=" ".join(error.messages)[:500])
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc.rpartition("@")[2]
    pool = _pool(url, address, timeout)
    try:
        response = pool.urlopen(
            "POST", target, body=request.body,
            headers={**request.headers, "host": host},
            redirect=False, preload_content=False,
        )  # fmt: skip
        try:
            excerpt = response.read(EXCERPT_CHARS * 4, decode_content=True)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        return Outcome(None, took(), error=f"{type(error).__name__}: {error}"[:500])
    finally:
        pool.close()
    text = excerpt.decode("utf-8", "replace")[:EXCERPT_CHARS]
    if 300 <= response.status < 400:
        location = response.headers.get("location", "")
        text = f"Redirect to {location} (not followed). {text}"[:EXCERPT_CHARS]
    return Outcome(
        response.status,
        took(),
        excerpt=text,
        retry_after=_retry_after(response.headers.get("retry-after"), time.time()),
    )


def next_delay(attempts: int, retry_after: float | None = None) -> float | None:
    """Seconds until the next attempt after `attempts` failed ones; None when the
    plan is exhausted. `Retry-After` is honoured when it asks for longer."""
    if attempts > len(RETRY_DELAYS):
        return None
    base = RETRY_DELAYS[attempts - 1]
    delay = base * random.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def next_attempt_at(attempts: int, retry_after: float | None = None):
    delay = next_delay(attempts, retry_after)
    if delay is None:
        return None
    return datetime.now(UTC) + timedelta(seconds=delay)
