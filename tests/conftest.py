import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from rest_framework.test import APIClient

from api import caching
from api.caching import CachedResponseApp
from tests.factories import AuthorFactory, PostFactory, TagFactory

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRESQL:
        return
    skip = pytest.mark.skip(reason="PostgreSQL-only behaviour; runs in the PG pass")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """A cache folder of this run's own: two runs at once must not clear each
    other's content version (pyproject's pytest-env also blanks REDIS_URL)."""
    location = str(tmp_path_factory.mktemp("cache"))
    with override_settings(CACHES={"default": {**settings.CACHES["default"],
                                               "LOCATION": location}}):  # fmt: skip
        yield


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Every test starts with no content version and no cached responses, in a
    process that has not yet read the version. The copy in the cache is trusted
    until the test changes something (tests of the recheck itself shorten it)."""
    from blog import derived, versioning

    settings.API_VERSION_RECHECK_SECONDS = 3600
    cache.clear()
    versioning.KEEPER.forget()
    # Each test's transaction rolls the version row back to the same token, as a
    # restored database would; values kept per token must not survive it.
    derived.forget_everything()
    yield
    cache.clear()
    versioning.KEEPER.forget()
    derived.forget_everything()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Stored images go to a directory of the test's own, never the checkout's."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture
def content_version(db):
    """The content version already in the cache, as in steady state: query counts
    then measure the request, not the once-per-change version renewal."""
    from blog import versioning

    return versioning.current()


@pytest.fixture
def blog(db, django_capture_on_commit_callbacks):
    """A small blog: three tags, visible posts, a draft and a scheduled post,
    committed as far as the content version can tell (its after-commit work ran)."""
    with django_capture_on_commit_callbacks(execute=True):
        return _make_blog()


def _make_blog() -> dict:
    ada = AuthorFactory(slug="ada", name="Ada Lovelace")
    grace = AuthorFactory(slug="grace", name="Grace Hopper")
    ghost = AuthorFactory(slug="ghost-writer", name="Drafts Only")
    engineering = TagFactory(slug="engineering", name="Engineering")
    elixir = TagFactory(slug="elixir", name="Elixir")
    career = TagFactory(slug="career", name="Career")
    posts = {
        "oldest": PostFactory(
            slug="oldest", title="Oldest", tags=[engineering], authors=[ada]
        ),
        "both": PostFactory(
            slug="both",
            title="Both tags",
            tags=[engineering, elixir],
            featured=True,
            authors=[grace, ada],
        ),
        "career": PostFactory(slug="career-post", title="Career post", tags=[career]),
        "newest": PostFactory(
            slug="newest", title="Newest", tags=[engineering], authors=[grace]
        ),
        "draft": PostFactory(
            slug="secret-draft", draft=True, tags=[engineering], authors=[ghost]
        ),
        "scheduled": PostFactory(
            slug="future-post",
            scheduled=True,
            tags=[engineering, elixir],
            authors=[ghost, ada],
        ),
    }
    return {
        "posts": posts,
        "tags": {"engineering": engineering, "elixir": elixir},
        "authors": {"ada": ada, "grace": grace, "ghost": ghost},
    }


@pytest.fixture
def receiver(settings):
    """A local HTTP receiver for webhooks and CDN purges (tests/receiver.py);
    loopback webhook addresses allowed."""
    from tests.receiver import Receiver

    settings.WEBHOOK_ALLOW_PRIVATE = True
    with Receiver() as running:
        yield running


@pytest.fixture
def production_app():
    """`config.wsgi.application`'s stack. Like Django's test client, it must not close
    the test's database connection at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    caching.LOCAL.clear()
    yield CachedResponseApp(WSGIHandler())
    caching.LOCAL.clear()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
