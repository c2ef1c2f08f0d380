"""System checks on the project's own settings."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MISSING_SECRET_KEY = (
    "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false (generate one with: "
    "python -c 'import secrets; print(secrets.token_urlsafe(50))')."
)


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs) -> list[Error]:
    """`check --deploy` fails without a key (and config/wsgi.py will not serve)."""
    if getattr(settings, "SECRET_KEY_MISSING", False):
        return [Error(MISSING_SECRET_KEY, id="writing_api.E001")]
    return []


LOOPBACK = {"", "localhost", "127.0.0.1", "::1"}


@register(Tags.caches, deploy=True)
def a_fleet_shares_redis(app_configs, **kwargs) -> list[Warning]:
    """Several processes on several machines must share one cache: the file cache
    is per machine, and a host would keep answering with what another has
    invalidated (README, "Scaling out")."""
    if settings.REDIS_URL:
        return []
    if settings.DATABASE_REPLICA_URLS:
        return [
            Warning(
                "DATABASE_REPLICA_URLS is set without REDIS_URL: a deployment with "
                "read replicas runs several app hosts, and they must share one Redis.",
                id="writing_api.W001",
            )
        ]
    database = settings.DATABASES["default"]
    host = str(database.get("HOST") or "")
    if database["ENGINE"].endswith("postgresql") and not (
        host in LOOPBACK or host.startswith("/")
    ):
        return [
            Warning(
                f"PostgreSQL is on another machine ({host}) and REDIS_URL is unset: "
                "if more than one app host serves this database, set REDIS_URL to one "
                "Redis they share (with a single host, add writing_api.W002 to "
                "DJANGO_SILENCED_SYSTEM_CHECKS).",
                id="writing_api.W002",
            )
        ]
    return []
