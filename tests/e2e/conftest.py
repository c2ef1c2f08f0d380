"""Fixtures of the browser tests: Chromium through Playwright, the live server
as production runs it, a page that records script errors."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, PASSWORD


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture
def browser() -> Iterator:
    if not CHROMIUM.exists():
        if _in_ci():
            pytest.fail(f"{CHROMIUM} is missing under CI: run .ci/e2e.sh first.")
        pytest.skip(
            f"{CHROMIUM} is not installed (apt-get install chromium, or run "
            ".ci/e2e.sh); under CI this test fails instead."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def site(live_server, settings, django_user_model) -> str:
    """The live server as production runs it, over plain HTTP on localhost."""
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.FRONTEND_PREVIEW_URL = ""
    settings.FRONTEND_POST_URL = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    django_user_model.objects.create_superuser("editor", password=PASSWORD)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "failure.png").unlink(missing_ok=True)
    return live_server.url


@pytest.fixture
def page(site, browser):
    # `site` first: its database work must happen before Playwright's event loop
    # starts in this thread. Under that loop Django would refuse it as async-unsafe
    # and, allowed anyway, would open a second connection nothing ever closes.
    context = browser.new_context(
        base_url=site, viewport={"width": 1440, "height": 1000}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.browser_problems = problems = []

    def on_console(message) -> None:
        source = message.location.get("url", "")
        # Browsers ask for /favicon.ico on their own; the API has none to give.
        if message.type == "error" and not source.endswith("/favicon.ico"):
            problems.append(f"{message.text} ({source})")

    context.on("console", on_console)
    context.on("weberror", lambda error: problems.append(str(error.error)))
    yield page
    context.close()
