"""Optional anonymous rate limit (`API_THROTTLE_RATE`), shared through the cache."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class ClientAddressThrottle(AnonRateThrottle):
    """Keyed on the client address, read behind `DJANGO_NUM_PROXIES` trusted proxies
    (DRF's `NUM_PROXIES`), so a forged X-Forwarded-For cannot dodge the limit.
    Counters live in the default cache (Redis in production), so workers agree.
    Off (no counting at all) while `API_THROTTLE_RATE` is unset."""

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATE or None
