"""Optional anonymous rate limit (`API_THROTTLE_RATE`), shared through the cache."""

from rest_framework.throttling import AnonRateThrottle


class ClientAddressThrottle(AnonRateThrottle):
    """Keyed on the client address, read behind `DJANGO_NUM_PROXIES` trusted proxies
    (DRF's `NUM_PROXIES`), so a forged X-Forwarded-For cannot dodge the limit."""
