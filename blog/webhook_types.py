"""The event types of the contract's "Outbound webhooks", the one list admin forms,
`add_webhook` and the tests check against."""

EVENT_TYPES = (
    "post.published", "post.updated", "post.unpublished", "post.deleted",
    "post.scheduled",
    "page.published", "page.updated", "page.unpublished", "page.deleted",
    "page.scheduled",
    "tag.created", "tag.updated", "tag.deleted",
    "author.created", "author.updated", "author.deleted",
    "site.updated",
)  # fmt: skip
