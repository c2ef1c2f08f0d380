"""System checks on the project's own settings."""

from django.conf import settings
from django.core.checks import Error, Tags, register

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
