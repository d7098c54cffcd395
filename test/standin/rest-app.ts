// App-level endpoints: the app itself, installations, access tokens, webhook deliveries.
import { bodyObject, type RestHandler } from "./rest-context.js";
import { cursorPaginate, json, notFound, paginate, paged, unprocessable } from "./http.js";
import type { HookDeliveryRecord } from "./state.js";

export const appHandlers: Record<string, RestHandler> = {
  "GET /app": (ctx) => json(200, ctx.build.integration()),

  "GET /app/installations/{installation_id}": (ctx) =>
    Number(ctx.params.installation_id) === ctx.installationId ? json(200, ctx.build.installation(ctx.installationId)) : notFound(),

  "GET /repos/{owner}/{repo}/installation": (ctx) => {
    const repo = ctx.state.repo(ctx.params.owner ?? "", ctx.params.repo ?? "");
    return repo && repo.installed ? json(200, ctx.build.installation(ctx.installationId)) : notFound();
  },

  "POST /app/installations/{installation_id}/access_tokens": (ctx) => {
    if (Number(ctx.params.installation_id) !== ctx.installationId) return notFound();
    const issued = ctx.authenticator.issue(ctx.installationId);
    const requested = bodyObject(ctx).permissions;
    const permissions =
      typeof requested === "object" && requested !== null
        ? requested
        : { checks: "write", contents: "read", pull_requests: "read", members: "read", issues: "write", metadata: "read" };
    return json(201, { token: issued.token, expires_at: issued.expiresAt, permissions, repository_selection: "selected" });
  },

  "GET /installation/repositories": (ctx) => {
    const repos = [...ctx.state.repos.values()].filter((r) => r.installed);
    const page = paginate(repos, ctx.query, ctx.url);
    return json(
      200,
      { total_count: repos.length, repository_selection: "selected", repositories: page.items.map((r) => ctx.build.repository(r)) },
      page.link ? { link: page.link } : {},
    );
  },

  // Newest first, paginated by cursor, optionally filtered by outcome, as GitHub does.
  "GET /app/hook/deliveries": (ctx) => {
    const status = ctx.query.get("status");
    if (status !== null && status !== "success" && status !== "failure") return unprocessable("Invalid value for status");
    const succeeded = (d: HookDeliveryRecord) => d.statusCode >= 200 && d.statusCode < 400;
    const listed = [...ctx.state.deliveries].reverse().filter((d) => status === null || (status === "success") === succeeded(d));
    const page = cursorPaginate(listed, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((d) => ctx.build.hookDelivery(d)) });
  },

  // Records the request and a new delivery of the same event (same GUID); its outcome comes from
  // `state.onRedeliver` when a test set it (e.g. by really delivering to Vouch), else it repeats the original's.
  "POST /app/hook/deliveries/{delivery_id}/attempts": async (ctx) => {
    const id = Number(ctx.params.delivery_id);
    const delivery = ctx.state.deliveries.find((d) => d.id === id);
    if (!delivery) return notFound();
    ctx.state.redeliveries.push(id);
    const { id: _previous, ...rest } = delivery;
    const outcome = ctx.state.onRedeliver ? await ctx.state.onRedeliver(delivery) : {};
    ctx.state.addDelivery({ ...rest, redelivery: true, deliveredAt: ctx.state.now(), ...outcome });
    return json(202, {});
  },
};
