"""Ghost's Content API for front-ends written against it (`@tryghost/content-api`),
outside the v1 OpenAPI document. See `api.ghost.views`."""
