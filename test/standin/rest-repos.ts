// Repository endpoints answered from the bare git repositories: metadata, contents, pulls, compare.
import { complete } from "./shapes.js";
import type { RepoRecord, PullRecord } from "./state.js";
import { json, notFound, paginate, paged, unprocessable, type HttpResult } from "./http.js";
import type { RestContext, RestHandler } from "./rest-context.js";
import { commitInfo, commitsBetween, diffFiles, isInRange, listTree, lookupPath, mergeBase, readBlob, resolveCommit, type TreeEntry } from "./git-queries.js";

/** GitHub lists at most this many files for a pull request. */
export const PULL_FILES_CAP = 3000;
/** GitHub lists at most this many commits for a pull request and for a comparison. */
export const PULL_COMMITS_CAP = 250;
/** Compare returns at most this many files. */
export const COMPARE_FILES_CAP = 300;
/** The contents API returns bodies only up to 1 MB. */
const CONTENT_LIMIT = 1024 * 1024;

function repoOf(ctx: RestContext): RepoRecord | undefined {
  const repo = ctx.state.repo(ctx.params.owner ?? "", ctx.params.repo ?? "");
  return repo && repo.installed ? repo : undefined;
}

function pullOf(ctx: RestContext): { repo: RepoRecord; pull: PullRecord } | undefined {
  const repo = repoOf(ctx);
  const number = Number(ctx.params.pull_number);
  const pull = repo && Number.isInteger(number) ? ctx.state.pull(repo.owner, repo.name, number) : undefined;
  return repo && pull ? { repo, pull } : undefined;
}

/** Base64 wrapped at 60 columns, as the contents API returns it. */
function wrappedBase64(data: Buffer): string {
  return (data.toString("base64").match(/.{1,60}/g) ?? [""]).join("\n") + (data.length > 0 ? "\n" : "");
}

function contentEntry(ctx: RestContext, repo: RepoRecord, ref: string, entry: TreeEntry): Record<string, unknown> {
  const fullName = `${repo.owner}/${repo.name}`;
  const encoded = entry.path.split("/").map(encodeURIComponent).join("/");
  const type = entry.type === "tree" ? "dir" : entry.type === "commit" ? "submodule" : entry.mode === "120000" ? "symlink" : "file";
  const self = `${ctx.build.api}/repos/${fullName}/contents/${encoded}?ref=${encodeURIComponent(ref)}`;
  const git = `${ctx.build.api}/repos/${fullName}/git/${entry.type === "tree" ? "trees" : "blobs"}/${entry.sha}`;
  const html = `${ctx.build.api.replace(/\/api\/v3$/, "")}/${fullName}/blob/${ref}/${encoded}`;
  return {
    type,
    size: entry.size,
    name: entry.path.split("/").pop() ?? entry.path,
    path: entry.path,
    sha: entry.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: type === "file" ? `${ctx.build.api.replace(/\/api\/v3$/, "")}/${fullName}/raw/${ref}/${encoded}` : null,
    _links: { self, git, html },
  };
}

async function getContents(ctx: RestContext): Promise<HttpResult> {
  const repo = repoOf(ctx);
  if (!repo) return notFound();
  const ref = ctx.query.get("ref") ?? repo.defaultBranch;
  const commit = await resolveCommit(repo.gitDir, ref);
  if (!commit) return notFound(`No commit found for the ref ${ref}`);
  const path = ctx.params.path ?? "";
  const entry = await lookupPath(repo.gitDir, commit, path);
  if (!entry) return notFound();
  if (entry.type === "tree") {
    const children = await listTree(repo.gitDir, commit, entry.path);
    return json(200, children.map((c) => contentEntry(ctx, repo, ref, c)));
  }
  const base = contentEntry(ctx, repo, ref, entry);
  if (entry.type === "commit") return json(200, { ...base, submodule_git_url: "" });
  const data = await readBlob(repo.gitDir, entry.sha);
  if (base.type === "symlink") return json(200, { ...base, target: data.toString("utf8") });
  if (data.length > CONTENT_LIMIT) return json(200, { ...base, encoding: "none", content: "" });
  return json(200, { ...base, encoding: "base64", content: wrappedBase64(data) });
}

async function pullStats(repo: RepoRecord, pull: PullRecord) {
  const base = (await mergeBase(repo.gitDir, pull.base.sha, pull.head.sha)) ?? pull.base.sha;
  const files = await diffFiles(repo.gitDir, base, pull.head.sha);
  const commits = await commitsBetween(repo.gitDir, pull.base.sha, pull.head.sha);
  return {
    commits: commits.length,
    changedFiles: files.length,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
  };
}

/** Parses `A...B` (or `A..B`), with GitHub's optional `owner:` prefix on either side. */
function parseBasehead(basehead: string): { base: string; head: string } | undefined {
  const match = /^(.+?)\.{2,3}(.+)$/.exec(basehead);
  if (!match) return undefined;
  const strip = (s: string): string => s.replace(/^[^:/]+:/, "");
  return { base: strip(match[1] as string), head: strip(match[2] as string) };
}

export const repoHandlers: Record<string, RestHandler> = {
  "GET /repos/{owner}/{repo}": (ctx) => {
    const repo = repoOf(ctx);
    return repo ? json(200, ctx.build.fullRepository(repo)) : notFound();
  },

  "GET /repos/{owner}/{repo}/contents/{path}": getContents,

  "GET /repos/{owner}/{repo}/pulls": (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const state = ctx.query.get("state") ?? "open";
    const head = ctx.query.get("head");
    const base = ctx.query.get("base");
    const pulls = ctx.state.pulls
      .filter((p) => p.owner.toLowerCase() === repo.owner.toLowerCase() && p.repo.toLowerCase() === repo.name.toLowerCase())
      .filter((p) => state === "all" || p.state === state)
      .filter((p) => !head || `${p.head.owner}:${p.head.ref}`.toLowerCase() === head.toLowerCase())
      .filter((p) => !base || p.base.ref === base)
      .sort((a, b) => b.number - a.number);
    const page = paginate(pulls, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((p) => ctx.build.pullRequestSimple(p)) });
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}": async (ctx) => {
    const found = pullOf(ctx);
    if (!found) return notFound();
    return json(200, ctx.build.pullRequest(found.pull, await pullStats(found.repo, found.pull)));
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/files": async (ctx) => {
    const found = pullOf(ctx);
    if (!found) return notFound();
    const { repo, pull } = found;
    const base = (await mergeBase(repo.gitDir, pull.base.sha, pull.head.sha)) ?? pull.base.sha;
    const files = (await diffFiles(repo.gitDir, base, pull.head.sha)).slice(0, PULL_FILES_CAP);
    const page = paginate(files, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((f) => ctx.build.diffEntry(repo, pull.head.sha, f)) });
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits": async (ctx) => {
    const found = pullOf(ctx);
    if (!found) return notFound();
    const { repo, pull } = found;
    const commits = (await commitsBetween(repo.gitDir, pull.base.sha, pull.head.sha)).slice(0, PULL_COMMITS_CAP);
    const page = paginate(commits, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((c) => ctx.build.commit(repo, c)) });
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews": (ctx) => {
    const found = pullOf(ctx);
    if (!found) return notFound();
    const reviews = ctx.state.reviewsOf(found.repo.owner, found.repo.name, found.pull.number);
    const page = paginate(reviews, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((r) => ctx.build.review(r)) });
  },

  "GET /repos/{owner}/{repo}/compare/{basehead}": async (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const parsed = parseBasehead(ctx.params.basehead ?? "");
    if (!parsed) return notFound();
    const base = await resolveCommit(repo.gitDir, parsed.base);
    const head = await resolveCommit(repo.gitDir, parsed.head);
    if (!base || !head) return notFound();
    const mb = await mergeBase(repo.gitDir, base, head);
    if (!mb) return notFound(`No common ancestor between ${parsed.base} and ${parsed.head}.`);
    const ahead = await commitsBetween(repo.gitDir, base, head);
    const behind = await commitsBetween(repo.gitDir, head, base);
    const paginated = ctx.query.has("page") || ctx.query.has("per_page");
    const page = paginated ? paginate(ahead, ctx.query, ctx.url) : { items: ahead.slice(0, PULL_COMMITS_CAP) };
    const firstPage = Number(ctx.query.get("page") ?? 1) <= 1;
    const files = firstPage ? (await diffFiles(repo.gitDir, mb, head)).slice(0, COMPARE_FILES_CAP) : [];
    const mbInfo = await commitInfo(repo.gitDir, mb);
    const baseInfo = await commitInfo(repo.gitDir, base);
    const fullName = `${repo.owner}/${repo.name}`;
    const status = ahead.length === 0 && behind.length === 0 ? "identical" : behind.length === 0 ? "ahead" : ahead.length === 0 ? "behind" : "diverged";
    const body = {
      url: `${ctx.build.api}/repos/${fullName}/compare/${ctx.params.basehead}`,
      html_url: `${ctx.build.api.replace(/\/api\/v3$/, "")}/${fullName}/compare/${ctx.params.basehead}`,
      permalink_url: `${ctx.build.api.replace(/\/api\/v3$/, "")}/${fullName}/compare/${base}...${head}`,
      diff_url: `${ctx.build.api.replace(/\/api\/v3$/, "")}/${fullName}/compare/${ctx.params.basehead}.diff`,
      patch_url: `${ctx.build.api.replace(/\/api\/v3$/, "")}/${fullName}/compare/${ctx.params.basehead}.patch`,
      base_commit: baseInfo ? ctx.build.commit(repo, baseInfo) : null,
      merge_base_commit: mbInfo ? ctx.build.commit(repo, mbInfo) : null,
      status,
      ahead_by: ahead.length,
      behind_by: behind.length,
      total_commits: ahead.length,
      commits: page.items.map((c) => ctx.build.commit(repo, c)),
      files: files.map((f) => ctx.build.diffEntry(repo, head, f)),
    };
    return json(200, body, page.link ? { link: page.link } : {});
  },

  "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls": async (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const sha = await resolveCommit(repo.gitDir, ctx.params.commit_sha ?? "");
    if (!sha) return unprocessable(`No commit found for SHA: ${ctx.params.commit_sha}`);
    const matches: PullRecord[] = [];
    for (const pull of ctx.state.pulls) {
      if (pull.owner.toLowerCase() !== repo.owner.toLowerCase() || pull.repo.toLowerCase() !== repo.name.toLowerCase()) continue;
      if (pull.head.sha === sha || (await isInRange(repo.gitDir, sha, pull.base.sha, pull.head.sha))) matches.push(pull);
    }
    const page = paginate(matches, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((p) => ctx.build.pullRequestSimple(p)) });
  },

  "GET /repos/{owner}/{repo}/rules/branches/{branch}": (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const rules = ctx.state.branchRules.get(`${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}#${ctx.params.branch}`) ?? [];
    const page = paginate(rules, ctx.query, ctx.url);
    return paged({ ...page, items: page.items.map((rule) => complete("repository-rule-detailed", rule, ctx.build.api)) });
  },

  "GET /repos/{owner}/{repo}/branches/{branch}/protection": async (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    if (!(await resolveCommit(repo.gitDir, `refs/heads/${ctx.params.branch}`))) return notFound("Branch not found");
    const protection = ctx.state.branchProtection.get(`${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}#${ctx.params.branch}`);
    return protection === undefined ? notFound("Branch not protected") : json(200, complete("branch-protection", protection, ctx.build.api));
  },
};
