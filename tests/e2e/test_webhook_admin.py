"""Webhooks from the admin, in a real browser: add an endpoint (the form refuses a
private address, then shows the secret once), publish a post, read the delivery
log with its failed attempt, and Redeliver. A worker runs beside the live server,
as `make run` runs one."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connections
from standardwebhooks.webhooks import Webhook

from blog import worker
from tests.e2e.browser import OUTPUT, log_in
from tests.factories import PostFactory
from tests.receiver import Reply

# On PostgreSQL only: on SQLite the live server's threads share one in-memory test
# database, whose table locks fail a second writer at once ("database table is
# locked") instead of waiting as a database file does; the worker thread writes
# while the browser's requests do.
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def draft(site):
    # Before the page: Django refuses database work under Playwright's loop.
    return PostFactory(draft=True, title="Webhooks from the admin")


@pytest.fixture
def running_worker(site):
    stop = threading.Event()

    def run() -> None:
        try:
            worker.run(stop)
        finally:
            # Its own connection: left open, the test database could not be dropped.
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=15)


def test_an_editor_adds_an_endpoint_reads_the_log_and_redelivers(
    draft, running_worker, page, receiver, settings
):
    from playwright.sync_api import expect

    try:
        _journey(page, expect, receiver, settings)
    except Exception:
        page.screenshot(path=OUTPUT / "failure.png", full_page=True)
        raise
    assert page.browser_problems == []


def _journey(page, expect, receiver, settings) -> None:
    log_in(page)

    # A loopback address is refused, with the reason on the form.
    settings.WEBHOOK_ALLOW_PRIVATE = False
    page.goto("/admin/blog/webhookendpoint/add/")
    page.fill("#id_url", receiver.url())
    page.check("input[name=events][value='post.published']")
    page.click("input[name=_save]")
    expect(page.locator(".errorlist")).to_contain_text("private or loopback")

    # Allowed (the receiver is local), it is saved and its secret shown once.
    settings.WEBHOOK_ALLOW_PRIVATE = True
    page.click("input[name=_save]")
    message = page.locator(".messagelist")
    expect(message).to_contain_text("not shown again")
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", message.inner_text()).group(0)
    page.screenshot(path=OUTPUT / "webhook-endpoint-added.png", full_page=True)

    # The first delivery fails: the receiver answers 500.
    receiver.script(Reply(status=500, body=b"receiver is down"))
    page.goto("/admin/blog/post/")
    row = page.locator("#result_list tr", has_text="Webhooks from the admin")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "publish_now")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("Published 1 post")
    receiver.wait_for(1)

    # The log shows the attempt, its status and what the receiver said.
    page.goto("/admin/blog/delivery/")
    expect(page.locator("#result_list")).to_contain_text("post.published")
    page.locator("#result_list tbody th a").first.click()
    expect(page.locator("body")).to_contain_text("receiver is down")
    expect(page.locator("body")).to_contain_text("500")
    page.screenshot(path=OUTPUT / "webhook-delivery-log.png", full_page=True)

    # Redeliver: the same event again, signed with the secret shown above.
    page.goto("/admin/blog/delivery/")
    page.locator("#result_list input.action-select").first.check()
    page.select_option("select[name=action]", "redeliver")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("same webhook-id")
    requests = receiver.wait_for(2)
    assert len(requests) >= 2
    payload = Webhook(secret).verify(requests[-1].body, requests[-1].headers)
    assert payload["type"] == "post.published"
    assert payload["data"]["post"]["title"] == "Webhooks from the admin"
