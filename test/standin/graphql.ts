// GraphQL endpoint: executes real queries with graphql-js against the schema subset, resolving from
// the stand-in's state and its git repositories.
import { buildSchema, graphql, GraphQLError, type GraphQLSchema } from "graphql";
import { GITHUB_SDL_SUBSET } from "./graphql-schema.js";
import { commitInfo, commitsBetween, diffFiles, mergeBase, type CommitInfo, type FileChange } from "./git-queries.js";
import type { PullRecord, RepoRecord, ReviewRecord, StandInState, TeamRecord, UserRecord } from "./state.js";
import { json, unauthorized, type HttpResult } from "./http.js";
import type { Authenticator } from "./auth.js";

let schema: GraphQLSchema | undefined;
function githubSchema(): GraphQLSchema {
  schema ??= buildSchema(GITHUB_SDL_SUBSET);
  return schema;
}

/** GitHub's node limit per connection page. */
const MAX_PAGE = 100;

interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

function cursor(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString("base64");
}

function cursorIndex(value: string | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  const match = /^cursor:v2:(\d+)$/.exec(Buffer.from(value, "base64").toString("utf8"));
  if (!match) throw new GraphQLError(`\`${value}\` does not appear to be a valid cursor.`, { extensions: { type: "INVALID_CURSOR_ARGUMENTS", field } });
  return Number(match[1]);
}

/** Relay connection over `all`, with GitHub's rules: `first` or `last` is required and at most 100. */
function connection<T, N>(all: T[], args: ConnectionArgs, field: string, toNode: (item: T) => N) {
  const { first, last } = args;
  if ((first === null || first === undefined) && (last === null || last === undefined)) {
    throw new GraphQLError(`You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`, {
      extensions: { type: "MISSING_PAGINATION_BOUNDARIES" },
    });
  }
  for (const [name, value] of [["first", first], ["last", last]] as const) {
    if (typeof value === "number" && (value < 0 || value > MAX_PAGE)) {
      throw new GraphQLError(`Requesting ${value} records on the \`${field}\` connection exceeds the \`${name}\` limit of ${MAX_PAGE} records.`, {
        extensions: { type: "EXCESSIVE_PAGINATION" },
      });
    }
  }
  let start = (cursorIndex(args.after, field) ?? -1) + 1;
  let end = cursorIndex(args.before, field) ?? all.length;
  if (typeof first === "number") end = Math.min(end, start + first);
  if (typeof last === "number") start = Math.max(start, end - last);
  const slice = all.slice(start, end);
  return {
    totalCount: all.length,
    nodes: slice.map(toNode),
    pageInfo: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: slice.length > 0 ? cursor(start) : null,
      endCursor: slice.length > 0 ? cursor(start + slice.length - 1) : null,
    },
  };
}

function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`0:${kind}${id}`).toString("base64");
}

function actor(user: UserRecord): Record<string, unknown> {
  return { __typename: user.type, id: nodeId(user.type, user.id), login: user.login, databaseId: user.id, name: user.name ?? null };
}

const CHANGE_TYPE: Record<FileChange["status"], string> = {
  added: "ADDED",
  removed: "DELETED",
  modified: "MODIFIED",
  renamed: "RENAMED",
  copied: "COPIED",
  changed: "CHANGED",
  unchanged: "MODIFIED",
};

const OPINIONATED = new Set(["APPROVED", "CHANGES_REQUESTED", "DISMISSED"]);

class Resolvers {
  private readonly commitCache = new Map<string, Promise<CommitInfo | undefined>>();

  constructor(private readonly state: StandInState) {}

  root(): Record<string, unknown> {
    return {
      repository: ({ owner, name }: { owner: string; name: string }) => {
        const repo = this.state.repo(owner, name);
        if (!repo || !repo.installed) {
          throw new GraphQLError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, { extensions: { type: "NOT_FOUND" } });
        }
        return this.repository(repo);
      },
      organization: ({ login }: { login: string }) => {
        const org = this.state.findUser(login);
        if (!org || org.type !== "Organization") {
          throw new GraphQLError(`Could not resolve to an Organization with the login of '${login}'.`, { extensions: { type: "NOT_FOUND" } });
        }
        return { ...actor(org), team: ({ slug }: { slug: string }) => this.team(this.state.team(login, slug)) };
      },
      user: ({ login }: { login: string }) => {
        const user = this.state.findUser(login);
        if (!user || user.type !== "User") {
          throw new GraphQLError(`Could not resolve to a User with the login of '${login}'.`, { extensions: { type: "NOT_FOUND" } });
        }
        return actor(user);
      },
      rateLimit: () => this.state.graphqlRateLimit(),
    };
  }

  private repository(repo: RepoRecord): Record<string, unknown> {
    return {
      id: nodeId("Repository", repo.id),
      databaseId: repo.id,
      name: repo.name,
      nameWithOwner: `${repo.owner}/${repo.name}`,
      pullRequest: ({ number }: { number: number }) => {
        const pull = this.state.pull(repo.owner, repo.name, number);
        if (!pull) {
          throw new GraphQLError(`Could not resolve to a PullRequest with the number of ${number}.`, { extensions: { type: "NOT_FOUND" } });
        }
        return this.pullRequest(repo, pull);
      },
    };
  }

  private pullRequest(repo: RepoRecord, pull: PullRecord): Record<string, unknown> {
    let files: Promise<FileChange[]> | undefined;
    const changedFiles = (): Promise<FileChange[]> => {
      files ??= mergeBase(repo.gitDir, pull.base.sha, pull.head.sha).then((mb) => diffFiles(repo.gitDir, mb ?? pull.base.sha, pull.head.sha));
      return files;
    };
    const reviews = this.state.reviewsOf(repo.owner, repo.name, pull.number).filter((r) => r.state !== "PENDING");
    return {
      id: nodeId("PullRequest", pull.id),
      databaseId: pull.id,
      number: pull.number,
      title: pull.title,
      state: pull.merged ? "MERGED" : pull.state === "open" ? "OPEN" : "CLOSED",
      isDraft: pull.draft,
      headRefName: pull.head.ref,
      headRefOid: pull.head.sha,
      headRepository: () => {
        const head = this.state.repo(pull.head.owner, pull.head.repo);
        return head ? this.repository(head) : null;
      },
      baseRefName: pull.base.ref,
      baseRefOid: pull.base.sha,
      author: actor(this.state.user(pull.author)),
      changedFiles: async () => (await changedFiles()).length,
      files: async (args: ConnectionArgs) =>
        connection(await changedFiles(), args, "files", (f) => ({
          path: f.filename,
          changeType: CHANGE_TYPE[f.status],
          additions: f.additions,
          deletions: f.deletions,
        })),
      commits: async (args: ConnectionArgs) => {
        const commits = await commitsBetween(repo.gitDir, pull.base.sha, pull.head.sha);
        return connection(commits, args, "commits", (c) => ({ id: nodeId("PullRequestCommit", c.sha), commit: this.commit(repo, c.sha, c) }));
      },
      timelineItems: (args: ConnectionArgs & { itemTypes?: string[] | null; since?: string | null; skip?: number | null }) => {
        // Force pushes are the only timeline items modelled; other item types filter to nothing.
        const wanted = !args.itemTypes || args.itemTypes.includes("HEAD_REF_FORCE_PUSHED_EVENT");
        const all = this.state.forcePushes.filter(
          (f) => f.owner === pull.owner && f.repo === pull.repo && f.pullNumber === pull.number && (!args.since || f.createdAt >= args.since),
        );
        const list = (wanted ? all : []).slice(args.skip ?? 0);
        return {
          ...connection(list, args, "timelineItems", (f) => ({
            __typename: "HeadRefForcePushedEvent",
            id: nodeId("HeadRefForcePushedEvent", f.id),
            actor: actor(this.state.user(f.actor)),
            beforeCommit: this.commit(repo, f.beforeSha),
            afterCommit: this.commit(repo, f.afterSha),
            createdAt: f.createdAt,
          })),
          filteredCount: list.length,
        };
      },
      reviews: (args: ConnectionArgs & { author?: string | null; states?: string[] | null }) => {
        const list = reviews
          .filter((r) => !args.author || r.user.toLowerCase() === args.author.toLowerCase())
          .filter((r) => !args.states || args.states.includes(r.state));
        return connection(list, args, "reviews", (r) => this.review(repo, r));
      },
      // The latest review per author among those that state an opinion; later comments do not override it.
      latestOpinionatedReviews: (args: ConnectionArgs) => {
        const latest = new Map<string, ReviewRecord>();
        for (const r of reviews) if (OPINIONATED.has(r.state)) latest.set(r.user.toLowerCase(), r);
        const list = [...latest.values()].sort((a, b) => a.id - b.id);
        return connection(list, args, "latestOpinionatedReviews", (r) => this.review(repo, r));
      },
    };
  }

  private review(repo: RepoRecord, review: ReviewRecord): Record<string, unknown> {
    return {
      id: nodeId("PullRequestReview", review.id),
      databaseId: review.id,
      author: actor(this.state.user(review.user)),
      authorCanPushToRepository: review.authorCanPush,
      body: review.body,
      state: review.state,
      submittedAt: review.submittedAt,
      commit: this.commit(repo, review.commitId),
    };
  }

  private info(repo: RepoRecord, sha: string): Promise<CommitInfo | undefined> {
    const key = `${repo.gitDir}@${sha}`;
    let info = this.commitCache.get(key);
    if (!info) {
      info = commitInfo(repo.gitDir, sha).catch(() => undefined);
      this.commitCache.set(key, info);
    }
    return info;
  }

  /** A commit whose fields load lazily, so `parents { nodes { oid } }` costs no git call. */
  private commit(repo: RepoRecord, sha: string, known?: CommitInfo): Record<string, unknown> {
    const load = async (): Promise<CommitInfo> => {
      const info = known ?? (await this.info(repo, sha));
      if (!info) throw new GraphQLError(`Could not resolve commit ${sha}.`, { extensions: { type: "NOT_FOUND" } });
      return info;
    };
    const gitActor = (person: CommitInfo["author"]) => {
      const user = this.state.userByEmail(person.email);
      return { name: person.name, email: person.email, date: person.date, user: user && user.type === "User" ? actor(user) : null };
    };
    return {
      id: nodeId("Commit", sha),
      oid: sha,
      tree: async () => {
        const info = await load();
        return { id: nodeId("Tree", info.tree), oid: info.tree };
      },
      message: async () => (await load()).message.replace(/\n+$/, ""),
      author: async () => gitActor((await load()).author),
      committer: async () => gitActor((await load()).committer),
      authoredDate: async () => (await load()).author.date,
      committedDate: async () => (await load()).committer.date,
      parents: async (args: ConnectionArgs) => connection((await load()).parents, args, "parents", (p) => this.commit(repo, p)),
      // The author first, then every Co-authored-by trailer, as GitHub attributes co-authors.
      authors: async (args: ConnectionArgs) => {
        const info = await load();
        const coAuthors = [...info.message.matchAll(/^Co-authored-by:\s*(.+?)\s*<([^>]+)>\s*$/gim)].map((m) => ({
          name: m[1] as string,
          email: m[2] as string,
          date: info.author.date,
        }));
        return connection([info.author, ...coAuthors], args, "authors", gitActor);
      },
    };
  }

  private team(team: TeamRecord | undefined): Record<string, unknown> | null {
    if (!team) return null;
    return {
      id: nodeId("Team", team.id),
      databaseId: team.id,
      name: team.name,
      slug: team.slug,
      members: (args: ConnectionArgs) => connection(team.members, args, "members", (login) => actor(this.state.user(login))),
    };
  }
}

export async function handleGraphql(
  body: unknown,
  authorization: string | undefined,
  deps: { state: StandInState; authenticator: Authenticator },
): Promise<HttpResult> {
  const auth = deps.authenticator.verifyToken(authorization);
  if (!auth.ok) return unauthorized(auth.message);
  const request = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  if (typeof request.query !== "string") {
    return json(200, { errors: [{ message: "A query attribute must be specified and must be a string." }] });
  }
  deps.state.spendGraphqlPoint();
  const result = await graphql({
    schema: githubSchema(),
    source: request.query,
    rootValue: new Resolvers(deps.state).root(),
    variableValues: typeof request.variables === "object" && request.variables !== null ? (request.variables as Record<string, unknown>) : {},
    ...(typeof request.operationName === "string" ? { operationName: request.operationName } : {}),
  });
  // GitHub reports the error class as a top-level `type` (e.g. NOT_FOUND) beside message and path.
  const errors = result.errors?.map((e) => {
    const shaped = { ...e.toJSON() } as Record<string, unknown>;
    const type = e.extensions.type;
    delete shaped.extensions;
    return type === undefined ? shaped : { type, ...shaped };
  });
  return json(200, { ...(result.data !== undefined ? { data: result.data } : {}), ...(errors ? { errors } : {}) });
}
