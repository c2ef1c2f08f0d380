// A front-end team's use of the API, typed only by what openapi-typescript generates
// from tests/api/openapi.yaml. `tsc --strict` must accept it: a contract change that
// breaks this file breaks every client built the same way. Each `@ts-expect-error`
// proves the types reject a mistake; if the schema stops rejecting it, tsc fails with
// "Unused '@ts-expect-error' directive".
import type { components, paths } from "./generated/api";

type Schemas = components["schemas"];
type Json<Operation> = Operation extends {
  responses: { 200: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;

export type PostList =
  paths["/api/v1/posts/"]["get"]["responses"][200]["content"]["application/json"];
export type Post = Json<paths["/api/v1/posts/{slug}/"]["get"]>;
export type TagList = Json<paths["/api/v1/tags/"]["get"]>;
export type WritingIndex = Json<paths["/api/v1/index/"]["get"]>;
export type PostListQuery = NonNullable<
  paths["/api/v1/posts/"]["get"]["parameters"]["query"]
>;
export type ApiError = Schemas["Error"];
export type Result<Body> = { ok: true; data: Body } | { ok: false; error: ApiError };

type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;

async function getJson<Body>(
  baseUrl: string,
  path: string,
  query: Readonly<Record<string, QueryValue>> = {},
): Promise<Result<Body>> {
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    // Repeated parameters (`?tag=a&tag=b`) are how the API takes several tags.
    for (const item of Array.isArray(value) ? value : [value]) {
      url.searchParams.append(name, String(item));
    }
  }
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body: unknown = await response.json();
  return response.ok
    ? { ok: true, data: body as Body }
    : { ok: false, error: body as ApiError };
}

export const listPosts = (baseUrl: string, query: PostListQuery = {}) =>
  getJson<PostList>(baseUrl, "/api/v1/posts/", query);

export const getPost = (baseUrl: string, slug: string) =>
  getJson<Post>(baseUrl, `/api/v1/posts/${encodeURIComponent(slug)}/`);

export const listTags = (baseUrl: string, page = 1) =>
  getJson<TagList>(baseUrl, "/api/v1/tags/", { page });

export const getIndex = (baseUrl: string) =>
  getJson<WritingIndex>(baseUrl, "/api/v1/index/");

function describeError(error: ApiError): string {
  const parameters = error.errors.map(
    (problem: Schemas["ParameterError"]) => `${problem.parameter}: ${problem.detail}`,
  );
  return [`${error.status} ${error.code}: ${error.detail}`, ...parameters].join("\n");
}

export async function tagPage(baseUrl: string, tag: string): Promise<string[]> {
  const page = await listPosts(baseUrl, {
    tag: [tag],
    ordering: "-published_at",
    page_size: 5,
  });
  if (!page.ok) return [describeError(page.error)];
  const lines = page.data.results.map((post: Schemas["PostSummary"]) => {
    const published: Date = new Date(post.published_at);
    const tags: string = post.tags.map((ref: Schemas["TagRef"]) => ref.name).join(", ");
    // @ts-expect-error A list item is a PostSummary: only getPost returns the body.
    void post.body_html;
    const minutes: number = post.reading_time_minutes;
    return `${published.toISOString()} ${post.title} (${minutes} min; ${tags})`;
  });
  const more: string | null = page.data.next;
  return more === null ? lines : [...lines, `more: ${more}`];
}

export async function postPage(baseUrl: string, slug: string): Promise<string> {
  const result = await getPost(baseUrl, slug);
  if (!result.ok) {
    return result.error.status === 404 ? "Not found" : describeError(result.error);
  }
  const post: Post = result.data;
  // @ts-expect-error `previous` is null for the oldest post: it must be checked first.
  void post.previous.slug;
  const older: string = post.previous?.slug ?? "(oldest)";
  const newer: string = post.next?.title ?? "(newest)";
  const contents = post.toc.map(
    (entry: Schemas["TocEntry"]) =>
      `${"  ".repeat(entry.level - 2)}${entry.text} #${entry.id}`,
  );
  const firstRelated: string | undefined = post.related[0]?.slug;
  const lines = [post.title, post.body_html, ...contents, older, newer];
  return [...lines, firstRelated ?? ""].join("\n");
}

export async function archive(baseUrl: string): Promise<Map<string, number>> {
  const perTag = new Map<string, number>();
  const index = await getIndex(baseUrl);
  if (!index.ok) return perTag;
  for (const entry of index.data.results) {
    // @ts-expect-error Index entries carry tag slugs (strings), not TagRef objects.
    void entry.tags.map((ref) => ref.slug);
    for (const slug of entry.tags) perTag.set(slug, (perTag.get(slug) ?? 0) + 1);
  }
  return perTag;
}

export async function tagCounts(baseUrl: string): Promise<Record<string, number>> {
  const tags = await listTags(baseUrl);
  if (!tags.ok) return {};
  return Object.fromEntries(
    tags.data.results.map((tag: Schemas["Tag"]) => [tag.slug, tag.post_count]),
  );
}

// @ts-expect-error Only the four documented orderings exist.
export const newestFirst: PostListQuery = { ordering: "newest" };

// Feeds: the JSON Feed is typed; RSS, Atom and the sitemaps are XML text.
export type JsonFeed =
  paths["/api/v1/feeds/json/"]["get"]["responses"][200]["content"]["application/feed+json"];
export type RssFeed =
  paths["/api/v1/tags/{slug}/feeds/rss/"]["get"]["responses"][200]["content"]["application/rss+xml"];

export async function feedTitles(baseUrl: string): Promise<string[]> {
  const response = await fetch(new URL("/api/v1/feeds/json/", baseUrl));
  const feed = (await response.json()) as JsonFeed;
  return feed.items.map((item: Schemas["JsonFeedItem"]) => {
    const categories: string = item.tags.join(", ");
    // @ts-expect-error An item's id is a `urn:uuid:` string, not a number.
    const id: number = item.id;
    void id;
    return `${item.date_published} ${item.title} (${categories})`;
  });
}

export const rssText: RssFeed = "<rss/>";
// @ts-expect-error Sitemap sections are the documented ones (drafts are never listed).
export const section: paths["/api/v1/sitemaps/{section}.xml"]["get"]["parameters"]["path"]["section"] = "drafts";
