"""Ghost's own client (`@tryghost/content-api`, pinned in tests/ghost/package.json)
reads `/ghost/api/content/` on a live server with the calls the public starters
make, for `version: 'v5.0'` and `'v4'`, and gets Ghost's errors where Ghost gives
them. The client is installed with `npm ci` (npm's registry) on first use."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from blog.content_keys import ContentApiKey
from blog.models import Page
from tests.factories import AuthorFactory, PostFactory, TagFactory

HERE = Path(__file__).parent
pytestmark = pytest.mark.django_db(transaction=True)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def ghost_client() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        if _in_ci():
            pytest.fail("Node.js and npm are needed to run Ghost's client under CI.")
        pytest.skip("Node.js is not installed; under CI this test fails instead.")
    if not (HERE / "node_modules" / "@tryghost" / "content-api").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE,
                       check=True, capture_output=True, timeout=300)  # fmt: skip
    return HERE / "starters.mjs"


@pytest.fixture
def blog():
    engineering, other = TagFactory(slug="engineering"), TagFactory(slug="other")
    ada, lin = AuthorFactory(slug="ada"), AuthorFactory(slug="lin")
    posts = [
        PostFactory(slug="first", tags=[engineering], authors=[ada, lin]),
        PostFactory(slug="second", tags=[other], authors=[lin]),
        PostFactory(slug="third", tags=[engineering, other], authors=[ada]),
    ]
    PostFactory(slug="hidden-draft", draft=True, tags=[engineering], authors=[ada])
    Page.objects.create(slug="about", title="About", body="Hello.",
                        status=Page.Status.PUBLISHED)  # fmt: skip
    return {"posts": posts, "key": ContentApiKey.objects.create(name="starter").secret}


def _run(script: Path, url: str, key: str) -> dict:
    environment = {**os.environ, "GHOST_URL": url, "GHOST_KEY": key,
                   "GHOST_POST_SLUG": "third", "GHOST_AUTHOR_SLUG": "ada"}  # fmt: skip
    done = subprocess.run(["node", str(script)], cwd=HERE, env=environment,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("version", ["v5.0", "v4"])
def test_ghosts_client_reads_what_the_starters_read(
    ghost_client, live_server, blog, version
):
    result = _run(ghost_client, live_server.url, blog["key"])[version]

    everything = result["all"]
    assert everything["ok"], everything
    posts = everything["value"]
    assert [p["slug"] for p in posts] == ["third", "second", "first"]  # newest first
    assert everything["meta"]["pagination"] == {
        "page": 1, "limit": "all", "pages": 1, "total": 3, "next": None, "prev": None,
    }  # fmt: skip
    first = next(p for p in posts if p["slug"] == "first")
    assert [a["slug"] for a in first["authors"]] == ["ada", "lin"]
    assert first["primary_author"]["slug"] == "ada"
    assert first["primary_tag"]["slug"] == "engineering"
    assert first["html"].startswith("<")
    assert first["plaintext"]
    assert first["visibility"] == "public"
    assert first["access"] is True

    assert result["tagged"]["ok"], result["tagged"]
    assert [p["slug"] for p in result["tagged"]["value"]] == ["third", "first"]
    assert result["post"]["value"]["slug"] == "third"
    counts = {t["slug"]: t["count"]["posts"] for t in result["tags"]["value"]}
    assert counts == {"engineering": 2, "other": 2}  # the draft is not counted
    assert result["author"]["value"]["slug"] == "ada"
    assert [p["slug"] for p in result["pages"]["value"]] == ["about"]
    assert result["settings"]["value"]["title"]

    errors = {name: result[name] for name in ("badFilter", "unknownSlug", "unknownKey")}
    assert {name: (e["ok"], e["name"], e["status"]) for name, e in errors.items()} == {
        "badFilter": (False, "BadRequestError", 400),
        "unknownSlug": (False, "NotFoundError", 404),
        "unknownKey": (False, "UnauthorizedError", 401),
    }
    assert errors["badFilter"]["message"] == "Error parsing filter"


def test_without_a_key_ghosts_403(ghost_client, live_server, blog):
    missing = _run(ghost_client, live_server.url, blog["key"])["missingKey"]
    assert missing["status"] == 403
    (error,) = missing["body"]["errors"]
    assert (error["type"], error["message"]) == (
        "NoPermissionError",
        "Authorization failed",
    )
