/**
 * The GitHub stand-in in a process of its own for the load bench, so that serving Vouch's API
 * and git requests does not share an event loop with the driver's clock. Driven over IPC
 * (protocol.ts): seeds repositories and pull requests, reports each check run the moment it
 * completes, and answers an audit of every check run at the end.
 */
import { startStandIn, type StandIn } from "../../test/standin/index.js";
import { fromStandIn, webhookPayload } from "../../test/helpers/webhooks.js";
import { CHECK_NAME } from "../../src/github/check-run.js";
import type { FromStandIn, PlannedDelivery, SeedRequest, ToStandIn } from "./protocol.js";
import { precomputePullRequest, seedBranches } from "./seed.js";

const OWNER = "acme";
const AUTHOR = "octocat";
const POLL_MS = 5;

let standIn: StandIn | undefined;
let poller: NodeJS.Timeout | undefined;

function send(message: FromStandIn): void {
  process.send?.(message);
}

async function seed(request: SeedRequest): Promise<void> {
  const started = performance.now();
  standIn = await startStandIn({ publicKey: request.publicKey, owner: OWNER });
  standIn.addUser({ login: AUTHOR, type: "User" });
  const deliveries: PlannedDelivery[] = [];
  for (let r = 0; r < request.repositories; r++) {
    const name = `load-${r}`;
    const repo = await standIn.addRepo({ owner: OWNER, name });
    const branches = new Map<string, Record<string, string>>();
    for (let i = r; i < request.pullRequests; i += request.repositories) {
      const files: Record<string, string> = {};
      for (let f = 0; f < request.filesPerPullRequest; f++) files[`services/s${i}/f${f}.ts`] = `export const v${f} = ${i};\n`;
      branches.set(`pr-${i}`, files);
    }
    await seedBranches(repo.gitDir, { main: { ".github/vouch.yml": request.policy, "README.md": "load bench\n" }, branches });
    for (const branch of branches.keys()) {
      const pr = await standIn.openPullRequest({ owner: OWNER, repo: name, head: branch, base: "main", author: AUTHOR });
      await precomputePullRequest(repo.gitDir, pr.base.sha, pr.head.sha);
      const payload = webhookPayload("pull_request", "opened", {
        ...fromStandIn(standIn.state, OWNER, name, pr.number),
        origin: standIn.url,
        installationId: standIn.installationId,
      });
      deliveries.push({ repo: name, headSha: pr.head.sha, payload });
    }
  }
  // Deliver in pull request order, so repositories interleave as they would in a busy organization.
  deliveries.sort((a, b) => prIndex(a) - prIndex(b));
  send({ type: "ready", env: standIn.env(), deliveries, seedMs: performance.now() - started });
  poller = setInterval(reportCompleted, POLL_MS);
}

function prIndex(d: PlannedDelivery): number {
  const ref = (d.payload.pull_request as { head: { ref: string } }).head.ref;
  return Number(ref.slice("pr-".length));
}

// Check runs are created then completed in place; watch only those not yet seen completed.
let scanned = 0;
const open = new Set<number>();
const reported = new Set<string>();

function reportCompleted(): void {
  const list = standIn!.state.checkRunList;
  for (; scanned < list.length; scanned++) open.add(scanned);
  const items: Array<{ headSha: string; at: number }> = [];
  const at = performance.timeOrigin + performance.now();
  for (const index of open) {
    const run = list[index]!;
    if (run.status !== "completed") continue;
    open.delete(index);
    if (run.name !== CHECK_NAME || reported.has(run.headSha)) continue;
    reported.add(run.headSha);
    items.push({ headSha: run.headSha, at });
  }
  if (items.length > 0) send({ type: "completed", items });
}

function audit(): void {
  const runs: Record<string, { created: number; completed: number; conclusion: string | null }> = {};
  for (const run of standIn!.state.checkRunList) {
    if (run.name !== CHECK_NAME) continue;
    const entry = (runs[run.headSha] ??= { created: 0, completed: 0, conclusion: null });
    entry.created++;
    if (run.status === "completed") {
      entry.completed++;
      entry.conclusion = run.conclusion;
    }
  }
  const log = standIn!.state.log;
  send({
    type: "audit",
    runs,
    apiRequests: log.filter((e) => e.path.startsWith("/api/")).length,
    gitRequests: log.filter((e) => !e.path.startsWith("/api/")).length,
    serverErrors: log.filter((e) => (e.status ?? 0) >= 500).length,
  });
}

process.on("message", (message: ToStandIn) => {
  const work = async (): Promise<void> => {
    if (message.type === "seed") await seed(message);
    else if (message.type === "audit") audit();
    else if (message.type === "stop") await stop();
  };
  work().catch((error: unknown) => send({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
});
// The driver going away ends the stand-in too, whatever happened to it.
process.on("disconnect", () => void stop());

async function stop(): Promise<void> {
  clearInterval(poller);
  await standIn?.close().catch(() => undefined);
  process.exit(0);
}
