import json
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


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "REDIS_URL": "",
}


def test_read_replicas_become_mirrored_aliases_behind_the_router():
    result = _manage(
        "shell", "-c",
        "from django.conf import settings as s; import json; print(json.dumps("
        "[{a: [d['HOST'], d['PORT'], d.get('TEST', {}).get('MIRROR')]"
        " for a, d in s.DATABASES.items()}, s.DATABASE_ROUTERS]))",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/blog",
        DATABASE_REPLICA_URLS="postgres://postgres@10.0.0.2:5432/blog, "
        "postgres://postgres@10.0.0.3:5433/blog",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    aliases, routers = json.loads(result.stdout.splitlines()[-1])
    assert aliases == {
        "default": ["127.0.0.1", 5432, None],
        "replica_0": ["10.0.0.2", 5432, "default"],
        "replica_1": ["10.0.0.3", 5433, "default"],
    }
    assert routers == ["blog.replicas.ReplicaRouter"]


def test_read_replicas_need_postgresql():
    replica = "postgres://postgres@10.0.0.2/blog"
    result = _manage("check", DATABASE_URL="", DATABASE_REPLICA_URLS=replica)
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL" in result.stderr


def test_the_deploy_check_warns_of_replicas_without_a_shared_redis():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/blog",
        DATABASE_REPLICA_URLS="postgres://postgres@127.0.0.1:5433/blog",
    )  # fmt: skip
    assert result.returncode != 0
    assert "writing_api.W001" in result.stderr
    with_redis = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        **{**PRODUCTION, "REDIS_URL": "redis://10.0.0.9:6379/0"},
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/blog",
        DATABASE_REPLICA_URLS="postgres://postgres@127.0.0.1:5433/blog",
    )  # fmt: skip
    assert with_redis.returncode == 0, with_redis.stderr


def test_the_deploy_check_warns_of_a_remote_database_without_a_shared_redis():
    remote = {"DATABASE_URL": "postgres://postgres@db.internal:5432/blog"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     **PRODUCTION, **remote)  # fmt: skip
    assert result.returncode != 0
    assert "writing_api.W002" in result.stderr
    silenced = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **remote,
        DJANGO_SILENCED_SYSTEM_CHECKS="writing_api.W002",
    )  # fmt: skip
    assert silenced.returncode == 0, silenced.stderr
