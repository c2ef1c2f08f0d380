"""Which event a change makes, and what it carries: pure rules over what readers saw
before and after it (`blog.events` reads those states and records the result)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

VISIBLE, SCHEDULED, HIDDEN, ABSENT = "visible", "scheduled", "hidden", "absent"


@dataclass
class Seen:
    """A subject as readers could see it at one moment."""

    state: str
    shape: dict | None = None  # the API shape while visible
    publish_at: datetime | None = None  # while scheduled


# The neighbours' changes and other posts' publishing, not its own change.
_VOLATILE = {"previous", "next", "related", "post_count"}


def changed_fields(before: dict, after: dict) -> dict:
    """`data.previous`: the fields that changed, with their old values."""
    return {
        name: value
        for name, value in before.items()
        if name not in _VOLATILE and after.get(name) != value
    }


def decide(subject: str, before: Seen, after: Seen) -> str | None:
    """The event type for a change from `before` to `after`, or None."""
    was, now = before.state == VISIBLE, after.state == VISIBLE
    if subject == "site":  # always there for readers: only its shape changes
        changed = was and now and changed_fields(before.shape, after.shape)
        return "site.updated" if changed else None
    if subject in ("tag", "author"):  # as readers see them: no drafts, no schedule
        if not was and now:
            return f"{subject}.created"
        if was and not now:
            return f"{subject}.deleted"
        if was and changed_fields(before.shape, after.shape):
            return f"{subject}.updated"
        return None
    if now and not was:
        return f"{subject}.published"
    if was and now:
        return (
            f"{subject}.updated" if changed_fields(before.shape, after.shape) else None
        )
    if was:
        return (
            f"{subject}.deleted" if after.state == ABSENT else f"{subject}.unpublished"
        )
    if after.state == SCHEDULED and (
        before.state != SCHEDULED or before.publish_at != after.publish_at
    ):
        return f"{subject}.scheduled"
    return None


# What shows the site's settings besides `/api/v1/site/`: the feeds (their title
# and description; they carry `posts`) and, once every shape carries `seo` with the
# site's name and default image, every collection.
SITE_KEYS = ["site", "posts", "tags", "authors", "pages", "sitemap"]


def surrogate_keys(subject: str, *shapes: dict | None) -> list[str]:
    """The keys a change of this subject touches: the subject, every collection
    that lists it, the tags it carries and the posts beside it (their previous and
    next links name it), before and after."""
    if subject == "site":  # one of it, with no id of its own
        return list(SITE_KEYS)
    keys = [f"{subject}-{shape['id']}" for shape in shapes if shape]
    if subject == "post":
        keys += ["posts", "tags", "authors", "sitemap"]
        for shape in filter(None, shapes):
            keys += [f"tag-{tag['id']}" for tag in shape["tags"]]
            keys += [f"author-{author['id']}" for author in shape["authors"]]
            keys += [
                f"post-{link['id']}"
                for link in (shape["previous"], shape["next"])
                if link
            ]
    elif subject == "page":
        keys += ["pages", "sitemap"]
    elif subject in ("tag", "author"):
        keys += [f"{subject}s", "posts", "sitemap"]
    return list(dict.fromkeys(keys))


def event_data(subject: str, kind: str, before: Seen, after: Seen) -> dict:
    shown = after.shape if after.state == VISIBLE else before.shape
    if shown is None:  # scheduled: the post as it will be seen, read from the row
        shown = {}
    previous = (
        changed_fields(before.shape, after.shape)
        if before.shape and after.shape
        else {}
    )
    if kind.endswith(".scheduled"):
        previous = {}
    return {
        subject: shown,
        "previous": previous,
        "surrogate_keys": surrogate_keys(subject, before.shape, after.shape),
    }


def ghost_data(subject: str, before: Seen, after: Seen) -> dict:
    """Ghost's webhook body: `{"post": {"current": {...}, "previous": {...}}}`."""
    current = after.shape or {}
    previous = changed_fields(before.shape, current) if before.shape else {}
    return {subject: {"current": current, "previous": previous}}
