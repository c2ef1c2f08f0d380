"""CDN purges by surrogate key, one adapter per CDN (`CDN_PURGE`).

A purge only makes a CDN forget sooner: the API's own cache is keyed by the
content version, so a failed purge leaves the CDN serving until its `max-age` runs
out, never the API serving stale content. Failures are retried by the worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson
import urllib3
from django.conf import settings

TIMEOUT = urllib3.Timeout(total=10)


class PurgeError(Exception):
    """The CDN refused or could not be reached; the message says what it answered."""


def _batches(keys: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def _http() -> urllib3.PoolManager:
    return urllib3.PoolManager(timeout=TIMEOUT, retries=False)


def _check(response, what: str) -> None:
    if not 200 <= response.status < 300:
        excerpt = response.data[:300].decode("utf-8", "replace")
        raise PurgeError(f"{what} answered {response.status}: {excerpt}")


class Varnish:
    """`PURGE` with an `xkey` (or `xkey-softpurge`) header, as `deploy/varnish.vcl`
    expects, to every Varnish server in `VARNISH_PURGE_URLS`."""

    BATCH = 100  # keys per request: well under Varnish's 8 KB header limit

    def purge(self, keys: list[str], soft: bool) -> None:
        header = "xkey-softpurge" if soft else "xkey"
        http = _http()
        for url in settings.VARNISH_PURGE_URLS:
            for batch in _batches(keys, self.BATCH):
                try:
                    response = http.request(
                        "PURGE", url, headers={header: " ".join(batch)}
                    )
                except urllib3.exceptions.HTTPError as error:
                    raise PurgeError(f"Varnish at {url}: {error}") from error
                _check(response, f"Varnish at {url}")


class Fastly:
    """`POST /service/{id}/purge` with up to 256 keys (`Surrogate-Key` header)."""

    BATCH = 256

    def purge(self, keys: list[str], soft: bool) -> None:
        base = settings.FASTLY_API_URL.rstrip("/")
        url = f"{base}/service/{settings.FASTLY_SERVICE_ID}/purge"
        headers = {
            "Fastly-Key": settings.FASTLY_API_TOKEN,
            "Accept": "application/json",
        }
        if soft:
            headers["Fastly-Soft-Purge"] = "1"
        http = _http()
        for batch in _batches(keys, self.BATCH):
            try:
                response = http.request(
                    "POST", url, headers={**headers, "Surrogate-Key": " ".join(batch)}
                )
            except urllib3.exceptions.HTTPError as error:
                raise PurgeError(f"Fastly: {error}") from error
            _check(response, "Fastly")


class Cloudflare:
    """`POST /zones/{zone}/purge_cache {"tags": [...]}` in batches of 100."""

    BATCH = 100

    def purge(self, keys: list[str], soft: bool) -> None:
        base = settings.CLOUDFLARE_API_URL.rstrip("/")
        url = f"{base}/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
        headers = {
            "Authorization": f"Bearer {settings.CLOUDFLARE_API_TOKEN}",
            "Content-Type": "application/json",
        }
        http = _http()
        for batch in _batches(keys, self.BATCH):
            try:
                response = http.request(
                    "POST", url, body=orjson.dumps({"tags": batch}), headers=headers
                )
            except urllib3.exceptions.HTTPError as error:
                raise PurgeError(f"Cloudflare: {error}") from error
            _check(response, "Cloudflare")


ADAPTERS = {"varnish": Varnish, "fastly": Fastly, "cloudflare": Cloudflare}


def configured():
    """The adapter `CDN_PURGE` names, or None when no CDN is configured."""
    name = settings.CDN_PURGE
    if not name:
        return None
    return ADAPTERS[name]()


def purge(keys: Iterable[str]) -> None:
    adapter = configured()
    keys = sorted(set(keys))
    if adapter is not None and keys:
        adapter.purge(keys, soft=settings.CDN_SOFT_PURGE)
