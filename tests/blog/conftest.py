"""Fixtures of the admin tests."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Each test makes its own accounts; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(admin_client):
    return admin_client
