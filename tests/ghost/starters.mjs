// The calls the public Ghost starters (Gatsby, Next.js, Eleventy, Nuxt) make, through
// Ghost's own client, against GHOST_URL with GHOST_KEY. Prints one JSON object of
// what came back; tests/ghost/test_ghost_client.py checks it.
import GhostContentAPI from "@tryghost/content-api";

const url = process.env.GHOST_URL;
const key = process.env.GHOST_KEY;
const slug = process.env.GHOST_POST_SLUG;
const authorSlug = process.env.GHOST_AUTHOR_SLUG;

async function outcome(call) {
  try {
    const value = await call();
    return { ok: true, value, meta: value && value.meta ? value.meta : null };
  } catch (error) {
    return {
      ok: false,
      name: error.name,
      message: error.message,
      type: error.type,
      status: error.response ? error.response.status : null,
    };
  }
}

async function run(version) {
  const api = new GhostContentAPI({ url, key, version });
  return {
    all: await outcome(() =>
      api.posts.browse({ limit: "all", include: "tags,authors", formats: "html,plaintext" })
    ),
    tagged: await outcome(() =>
      api.posts.browse({ filter: "tag:engineering", order: "published_at DESC" })
    ),
    post: await outcome(() => api.posts.read({ slug })),
    tags: await outcome(() => api.tags.browse({ limit: "all", include: "count.posts" })),
    author: await outcome(() => api.authors.read({ slug: authorSlug })),
    pages: await outcome(() => api.pages.browse()),
    settings: await outcome(() => api.settings.browse()),
    badFilter: await outcome(() => api.posts.browse({ filter: "tag:(" })),
    unknownSlug: await outcome(() => api.posts.read({ slug: "no-such-post" })),
    unknownKey: await outcome(() =>
      new GhostContentAPI({ url, key: "0".repeat(26), version }).posts.browse()
    ),
  };
}

// Without a key the client refuses before sending anything: ask as a browser would.
const missing = await fetch(`${url}/ghost/api/content/posts/`);

console.log(
  JSON.stringify({
    "v5.0": await run("v5.0"),
    v4: await run("v4"),
    missingKey: { status: missing.status, body: await missing.json() },
  })
);
