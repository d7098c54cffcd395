// Small HTTP vocabulary shared by the stand-in's REST, GraphQL and git handlers.
export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const DOCS = "https://docs.github.com/rest";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { status, body, headers };
}

export function notFound(message = "Not Found"): HttpResult {
  return json(404, { message, documentation_url: DOCS, status: "404" });
}

export function unprocessable(message: string, errors?: unknown[]): HttpResult {
  return json(422, { message, documentation_url: DOCS, status: "422", ...(errors ? { errors } : {}) });
}

export function unauthorized(message = "Bad credentials"): HttpResult {
  return json(401, { message, documentation_url: DOCS, status: "401" });
}

export function badRequest(message: string): HttpResult {
  return json(400, { message, documentation_url: DOCS, status: "400" });
}

export interface Page<T> {
  items: T[];
  link?: string;
}

/** GitHub's page-number pagination: `per_page` (default 30, max 100), `page`, and a `Link` header. */
export function paginate<T>(all: T[], query: URLSearchParams, selfUrl: string): Page<T> {
  const perPage = clamp(Number(query.get("per_page") ?? 30) || 30, 1, 100);
  const page = Math.max(1, Math.floor(Number(query.get("page") ?? 1) || 1));
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const rels: string[] = [];
  const at = (p: number): string => {
    const url = new URL(selfUrl);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(p));
    return url.toString();
  };
  if (page > 1) rels.push(`<${at(page - 1)}>; rel="prev"`);
  if (page < last) rels.push(`<${at(page + 1)}>; rel="next"`);
  if (page < last) rels.push(`<${at(last)}>; rel="last"`);
  if (page > 1) rels.push(`<${at(1)}>; rel="first"`);
  return rels.length > 0 ? { items, link: rels.join(", ") } : { items };
}

/**
 * GitHub's cursor pagination (webhook deliveries): `per_page` (default 30, max 100) and an opaque
 * `cursor`; the `Link` header names the next page's cursor. `all` is already in listing order.
 */
export function cursorPaginate<T extends { id: number }>(all: T[], query: URLSearchParams, selfUrl: string): Page<T> {
  const perPage = clamp(Number(query.get("per_page") ?? 30) || 30, 1, 100);
  const cursor = query.get("cursor");
  const start = cursor === null ? 0 : all.findIndex((item) => `v1_${item.id}` === cursor);
  if (start === -1) return { items: [] };
  const items = all.slice(start, start + perPage);
  const next = all[start + perPage];
  if (!next) return { items };
  const url = new URL(selfUrl);
  url.searchParams.set("per_page", String(perPage));
  url.searchParams.set("cursor", `v1_${next.id}`);
  return { items, link: `<${url.toString()}>; rel="next"` };
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}

export function paged<T>(page: Page<T>, status = 200): HttpResult {
  return json(status, page.items, page.link ? { link: page.link } : {});
}
