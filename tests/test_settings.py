import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_passes_in_production_mode():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="api.example.com",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_fails_without_a_secret_key():
    result = _manage("check", "--deploy", DJANGO_DEBUG="false",
                     DJANGO_ALLOWED_HOSTS="api.example.com")  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_the_server_refuses_to_start_without_a_secret_key():
    result = _manage(
        "shell", "-c", "import config.wsgi", DJANGO_DEBUG="false"
    )  # the module gunicorn and runserver load
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_commands_that_need_no_key_work_in_a_fresh_checkout():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr


def test_a_malformed_boolean_setting_is_an_error_not_a_guess():
    result = _manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_a_malformed_rate_limit_stops_the_app_from_starting():
    result = _manage("check", DJANGO_DEBUG="true", API_THROTTLE_RATE="lots")
    assert result.returncode != 0
    assert "API_THROTTLE_RATE='lots'" in result.stderr
