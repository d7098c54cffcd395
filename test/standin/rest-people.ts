// People and organization endpoints: users, signing keys, team membership, and issues.
import { bodyObject, type RestHandler } from "./rest-context.js";
import type { IssueRecord } from "./state.js";
import { json, notFound, paginate, paged } from "./http.js";

export const peopleHandlers: Record<string, RestHandler> = {
  "GET /users/{username}": (ctx) => {
    const user = ctx.state.findUser(ctx.params.username ?? "");
    return user ? json(200, ctx.build.publicUser(user)) : notFound();
  },

  "GET /user/{account_id}": (ctx) => {
    const id = Number(ctx.params.account_id);
    const user = [...ctx.state.users.values()].find((u) => u.id === id);
    return user ? json(200, ctx.build.publicUser(user)) : notFound();
  },

  "GET /users/{username}/gpg_keys": (ctx) => {
    const login = ctx.params.username ?? "";
    if (!ctx.state.findUser(login)) return notFound();
    const keys = ctx.state.gpgKeys.get(login.toLowerCase()) ?? [];
    const page = paginate(keys, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((k) => ctx.build.gpgKey(login, k)) });
  },

  "GET /users/{username}/ssh_signing_keys": (ctx) => {
    const login = ctx.params.username ?? "";
    if (!ctx.state.findUser(login)) return notFound();
    const keys = ctx.state.sshSigningKeys.get(login.toLowerCase()) ?? [];
    const page = paginate(keys, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((k) => ctx.build.sshSigningKey(k)) });
  },

  "GET /orgs/{org}/teams/{team_slug}/members": (ctx) => {
    const team = ctx.state.team(ctx.params.org ?? "", ctx.params.team_slug ?? "");
    if (!team) return notFound();
    const page = paginate(team.members, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((m) => ctx.build.teamMember(m)) });
  },

  "POST /repos/{owner}/{repo}/issues": (ctx) => {
    const repo = ctx.state.repo(ctx.params.owner ?? "", ctx.params.repo ?? "");
    if (!repo || !repo.installed) return notFound();
    const body = bodyObject(ctx);
    const labels = Array.isArray(body.labels) ? body.labels.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown }).name ?? ""))) : [];
    const assignees = Array.isArray(body.assignees) ? body.assignees.filter((a): a is string => typeof a === "string") : [];
    const issue = {
      id: ctx.state.nextId("issue"),
      owner: repo.owner,
      repo: repo.name,
      number: ctx.state.nextIssueNumber(repo.owner, repo.name),
      title: String(body.title),
      body: typeof body.body === "string" ? body.body : null,
      labels,
      assignees,
      author: `${ctx.build.appSlug}[bot]`,
      createdAt: ctx.state.now(),
      state: "open" as const,
      comments: [],
    };
    ctx.state.user(issue.author).type = "Bot";
    ctx.state.issues.push(issue);
    return json(201, ctx.build.issue(issue));
  },

  "GET /repos/{owner}/{repo}/issues": (ctx) => {
    const repo = ctx.state.repo(ctx.params.owner ?? "", ctx.params.repo ?? "");
    if (!repo || !repo.installed) return notFound();
    const state = ctx.query.get("state") ?? "open";
    const creator = ctx.query.get("creator");
    const matching = ctx.state.issues.filter(
      (i) =>
        i.owner.toLowerCase() === repo.owner.toLowerCase() &&
        i.repo.toLowerCase() === repo.name.toLowerCase() &&
        (state === "all" || i.state === state) &&
        (creator === null || i.author.toLowerCase() === creator.toLowerCase()),
    );
    // GitHub lists the newest first by default.
    const page = paginate([...matching].reverse(), ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((i) => ctx.build.issue(i)) });
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": (ctx) => {
    const issue = issueOf(ctx);
    if (!issue) return notFound();
    const page = paginate(issue.comments, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((c) => ctx.build.issueComment(issue, c)) });
  },

  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": (ctx) => {
    const issue = issueOf(ctx);
    if (!issue) return notFound();
    const body = bodyObject(ctx);
    const comment = { id: ctx.state.nextId("comment"), body: String(body.body), author: `${ctx.build.appSlug}[bot]`, createdAt: ctx.state.now() };
    issue.comments.push(comment);
    return json(201, ctx.build.issueComment(issue, comment));
  },
};

function issueOf(ctx: Parameters<RestHandler>[0]): IssueRecord | undefined {
  const repo = ctx.state.repo(ctx.params.owner ?? "", ctx.params.repo ?? "");
  if (!repo || !repo.installed) return undefined;
  const number = Number(ctx.params.issue_number);
  return ctx.state.issues.find((i) => i.owner.toLowerCase() === repo.owner.toLowerCase() && i.repo.toLowerCase() === repo.name.toLowerCase() && i.number === number);
}
