// Receives the writing API's webhooks and refreshes what they changed.
// Tag your fetches with the API's surrogate keys, e.g.
//   fetch(url, { next: { tags: ["posts", `post-${post.id}`] } })
// and every cached page that showed a changed post, page, tag, author or
// the site settings is refreshed, and nothing else.
import { revalidatePath, revalidateTag } from "next/cache";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

// Only the fields this handler reads.
type WebhookEvent = {
  type: string;
  data: {
    post?: { slug: string };
    previous?: { slug?: string };
    surrogate_keys: string[];
  };
};

export async function POST(request: Request) {
  // The signature covers the exact bytes sent: verify the raw text, not
  // re-serialised JSON.
  const body = await request.text();
  let event: WebhookEvent | undefined;
  try {
    // The secret is read per request so a missing one fails the request
    // (500, and the API retries) rather than the build. The whsec_ prefix
    // may stay: the library strips it. verify() also rejects a timestamp more
    // than 5 minutes from this server's clock, so a captured request can't be
    // replayed later.
    const webhook = new Webhook(process.env.WRITING_API_WEBHOOK_SECRET!);
    event = webhook.verify(body, Object.fromEntries(request.headers)) as WebhookEvent;
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      return Response.json({ error: "invalid signature" }, { status: 401 });
    }
    if (error instanceof SyntaxError) {
      return Response.json({ error: "body is not JSON" }, { status: 400 });
    }
    throw error;
  }
  const keys = event?.data?.surrogate_keys;
  if (!Array.isArray(keys)) {
    return Response.json({ error: "no data.surrogate_keys" }, { status: 400 });
  }

  // Next.js 16 requires a profile as revalidateTag's second argument.
  // "max" serves the old copy to one more visitor while the new one renders:
  // fine for an edit. Something taken down must not be shown again, so it
  // expires at once ({ expire: 0 }).
  const profile = /\.(unpublished|deleted)$/.test(event.type) ? { expire: 0 } : "max";
  for (const key of keys) revalidateTag(key, profile);

  // A page that fetches a post by slug can't tag that fetch with the post's
  // id before it has it, so refresh the post's page by path too, and after a
  // rename the old slug's page, so it stops showing the post.
  const paths = [event.data.post?.slug, event.data.previous?.slug]
    .filter((slug): slug is string => typeof slug === "string")
    .map((slug) => `/blog/${slug}`);
  for (const path of paths) revalidatePath(path);

  // Revalidating is idempotent, so a retry (same webhook-id) needs no
  // de-duplication.
  return Response.json({ revalidated: true, tags: keys, paths });
}
