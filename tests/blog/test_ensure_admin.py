from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_the_first_run_creates_an_admin_with_a_printed_password(monkeypatch):
    monkeypatch.delenv("DJANGO_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("DJANGO_ADMIN_USERNAME", raising=False)
    output = run()
    password = output.split("password ")[1].split(" ")[0]
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser
    assert user.check_password(password)


def test_the_password_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_ADMIN_USERNAME", "editor")
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", "a-long-enough-secret-9")
    output = run()
    assert "a-long-enough-secret-9" not in output
    assert (
        get_user_model()
        .objects.get(username="editor")
        .check_password("a-long-enough-secret-9")
    )


def test_a_second_run_leaves_the_account_alone(monkeypatch):
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", "first-password-123")
    run()
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", "second-password-456")
    output = run()
    assert "password unchanged" in output
    assert "manage.py changepassword admin" in output
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("first-password-123")
    assert get_user_model().objects.count() == 1
