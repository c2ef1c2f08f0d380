import pytest

from tests.factories import PostFactory, TagFactory


@pytest.fixture
def blog(db):
    """A small blog: three tags, visible posts, a draft and a scheduled post."""
    engineering = TagFactory(slug="engineering", name="Engineering")
    elixir = TagFactory(slug="elixir", name="Elixir")
    career = TagFactory(slug="career", name="Career")
    posts = {
        "oldest": PostFactory(slug="oldest", title="Oldest", tags=[engineering]),
        "both": PostFactory(
            slug="both", title="Both tags", tags=[engineering, elixir], featured=True
        ),
        "career": PostFactory(slug="career-post", title="Career post", tags=[career]),
        "newest": PostFactory(slug="newest", title="Newest", tags=[engineering]),
        "draft": PostFactory(slug="secret-draft", draft=True, tags=[engineering]),
        "scheduled": PostFactory(
            slug="future-post", scheduled=True, tags=[engineering, elixir]
        ),
    }
    return {"posts": posts, "tags": {"engineering": engineering, "elixir": elixir}}
