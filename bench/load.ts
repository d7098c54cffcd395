/**
 * `npm run bench:load`: the scale-out load test of issue 7, on loopback only.
 *
 * Starts the GitHub stand-in in its own process, gives the run a private BullMQ queue name on the
 * shared Redis and a fresh PostgreSQL database for the ledger, then one ingress and one worker
 * process (`vouch serve --role ingress|worker` from the built lib/). Phase 1 drives signed `pull_request` deliveries at the ingress at a target rate and
 * waits for every check run; phase 2 adds a second worker and does the same with new pull
 * requests. It reports the rate the ingress accepted, delivery-to-completed-check latency, the
 * workers' throughput (two against one, same run), peak RSS of every process, and fails loudly
 * when a check run or ledger entry is missing or duplicated. Bounded in count and time: it stops
 * by itself at the time cap, whatever state it is in.
 *
 * Options (flag or environment): --deliveries N (VOUCH_LOAD_DELIVERIES, per phase, default 300),
 * --rate R (VOUCH_LOAD_RATE, deliveries/s offered, default 250), --max-seconds S
 * (VOUCH_LOAD_MAX_SECONDS, default 480), --concurrency C (VOUCH_LOAD_CONCURRENCY, jobs per worker,
 * default 4), --repositories K (default 8), --worker-cpu Q (VOUCH_LOAD_WORKER_CPU, CPUs each worker
 * may use, default 0.3; 0 for no limit), --warm-up W (VOUCH_LOAD_WARM_UP, deliveries before each
 * phase, default 100). REDIS_URL and DATABASE_URL name the servers.
 *
 * Each phase starts with warm workers: a fresh worker spends its first hundred or so checks in
 * V8's compiler and filling its caches, at up to twice the CPU per check (measured), so
 * W unmeasured deliveries go first, with worker 1 before phase 1 and with both before phase 2.
 *
 * Each worker runs in its own cgroup with a CPU quota, as `resources.limits.cpu` runs it on a
 * container platform: its capacity is then fixed, and the second worker shows whether capacity
 * adds up (no shared lock, queue or ledger bottleneck) on a machine that has to host the
 * stand-in, Redis and PostgreSQL too (decision 0070).
 */
import { fork, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile, printReport } from "./stats.js";
import { sendPaced, signDeliveries, wallNow, type SendResult, type SignedDelivery } from "./load/drive.js";
import { cpuSeconds, machineTicks, peakRss, startVouch, tail, type VouchProcess } from "./load/processes.js";
import { createCpuGroup, type CpuGroup } from "./load/cpu-limit.js";
import { isolate, type Isolated } from "./load/services.js";
import type { Audit, FromStandIn, PlannedDelivery, Ready, ToStandIn } from "./load/protocol.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
  - name: services
    paths: ["services/**"]
secrets:
  enabled: false
`;
const SECRET = "load-bench-webhook-secret";
const root = fileURLToPath(new URL("..", import.meta.url));

const { values: flags } = parseArgs({
  options: {
    deliveries: { type: "string" },
    rate: { type: "string" },
    "max-seconds": { type: "string" },
    concurrency: { type: "string" },
    repositories: { type: "string" },
    "worker-cpu": { type: "string" },
    "warm-up": { type: "string" },
  },
});
const perPhase = positive(flags.deliveries ?? process.env.VOUCH_LOAD_DELIVERIES, 300, "deliveries");
const rate = positive(flags.rate ?? process.env.VOUCH_LOAD_RATE, 250, "rate");
const maxSeconds = positive(flags["max-seconds"] ?? process.env.VOUCH_LOAD_MAX_SECONDS, 480, "max-seconds");
const concurrency = positive(flags.concurrency ?? process.env.VOUCH_LOAD_CONCURRENCY, 4, "concurrency");
const repositories = positive(flags.repositories ?? process.env.VOUCH_LOAD_REPOSITORIES, 8, "repositories");
const warmUpCount = nonNegative(flags["warm-up"] ?? process.env.VOUCH_LOAD_WARM_UP, 100, "warm-up");
const workerCpu = nonNegative(flags["worker-cpu"] ?? process.env.VOUCH_LOAD_WORKER_CPU, 0.3, "worker-cpu");
/** One CPU-limited cgroup per worker, by label. */
const cpuGroups = new Map<string, CpuGroup>();

const started = wallNow();
const deadline = started + maxSeconds * 1000;
const failures: string[] = [];
const completedAt = new Map<string, number>();
const processes: VouchProcess[] = [];
let standIn: ChildProcess | undefined;
let services: Isolated | undefined;
let workDir: string | undefined;
/** Answers awaited from the stand-in process, by message type. */
const waiters = new Map<string, (message: FromStandIn) => void>();

// The time cap holds even if something below hangs: clean up and exit non-zero.
const cap = setTimeout(() => {
  console.error(`load bench: time cap of ${maxSeconds} s reached; stopping`);
  void cleanup().finally(() => process.exit(2));
}, maxSeconds * 1000 + 30_000);
cap.unref();

try {
  await main();
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
} finally {
  await cleanup();
}
if (failures.length > 0) {
  console.error(`\nLOAD BENCH FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.exitCode = 1;
}

async function main(): Promise<void> {
  workDir = await mkdtemp(join(tmpdir(), "vouch-load-"));
  services = await isolate({
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    postgresUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  });

  const appKey = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const signingKey = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();

  const phases = 2;
  // Per phase: its warm-up deliveries, then its measured ones; every one a new pull request.
  const perBlock = warmUpCount + perPhase;
  const ready = await startStandIn(appKey.publicKey, Math.max(1, perBlock * phases));
  const planned = ready.deliveries;
  const warmUps: SignedDelivery[][] = [];
  const batches: SignedDelivery[][] = [];
  for (let p = 0; p < phases; p++) {
    const from = p * perBlock;
    warmUps.push(await signDeliveries(planned.slice(from, from + warmUpCount).map(asItem), SECRET));
    batches.push(await signDeliveries(planned.slice(from + warmUpCount, from + perBlock).map(asItem), SECRET));
  }

  const env = (label: string): Record<string, string> => ({
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? tmpdir(),
    ...ready.env,
    PRIVATE_KEY: appKey.privateKey,
    WEBHOOK_SECRET: SECRET,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    // The stand-in has no rate limits; Octokit's pacing would measure GitHub's advice, not Vouch.
    VOUCH_GITHUB_THROTTLE: "false",
    VOUCH_CONCURRENCY: String(concurrency),
    VOUCH_DATA_DIR: join(workDir!, label),
    VOUCH_SIGNING_KEY: signingKey,
    REDIS_URL: services!.redisUrl,
    VOUCH_QUEUE_NAME: services!.queueName,
    DATABASE_URL: services!.databaseUrl,
    VOUCH_LEDGER_URL: services!.databaseUrl,
  });
  const limitFor = (label: string, role: "ingress" | "worker"): ((pid: number) => void) | undefined => {
    if (role !== "worker" || workerCpu === 0) return undefined;
    let group: CpuGroup;
    try {
      group = createCpuGroup(`vouch-load-${process.pid}-${label}`, workerCpu);
    } catch (error) {
      throw new Error(`cannot give ${label} a CPU quota (${(error as Error).message}); run as root, or with --worker-cpu 0 for unlimited workers`);
    }
    cpuGroups.set(label, group);
    return (pid) => group.add(pid);
  };
  const start = (label: string, role: "ingress" | "worker"): Promise<VouchProcess> =>
    startVouch({
      label,
      args: [join(root, "lib/cli/main.js"), "serve", "--role", role],
      env: env(label),
      logDir: workDir!,
      readyMessage: /^Vouch is listening/,
      onSpawn: limitFor(label, role),
    }).then((p) => (processes.push(p), p));

  const ingress = await start("ingress", "ingress");
  const url = `${ingress.url}/api/github/webhooks`;
  await start("worker-1", "worker");

  const figures: Record<string, number | string> = {
    topology: "ingress + BullMQ on Redis + workers, ledger on PostgreSQL",
    "deliveries per phase": perPhase,
    "offered rate (deliveries/s)": rate,
    "jobs per worker (VOUCH_CONCURRENCY)": concurrency,
    "CPU limit per worker (cgroup quota)": workerCpu === 0 ? "none" : `${workerCpu} CPU`,
    "warm-up deliveries before each phase (not measured)": warmUpCount,
    repositories,
  };
  const throughput: number[] = [];
  for (let p = 0; p < phases; p++) {
    if (p === 1) await start("worker-2", "worker");
    const label = p === 0 ? "1 worker" : "2 workers";
    // Warm-up: token exchange, JIT, caches and connections; counted in the audit, not in the figures.
    if (warmUps[p]!.length > 0) await runPhase(url, warmUps[p]!, 25);
    const phase = await runPhase(url, batches[p]!, rate);
    figures[`${label}: accepted (deliveries/s)`] = round(phase.acceptedPerSecond);
    figures[`${label}: ingress answer p50/p99 (ms)`] = `${round(phase.answerP50)} / ${round(phase.answerP99)}`;
    figures[`${label}: completed checks (per s)`] = round(phase.completedPerSecond);
    figures[`${label}: delivery to completed check p50/p99 (ms)`] = `${round(phase.latencyP50)} / ${round(phase.latencyP99)}`;
    figures[`${label}: CPU ms per check`] = phase.cpuPerCheck;
    figures[`${label}: jobs and CPU per job, by worker`] = phase.perOwnJob;
    if (cpuGroups.size > 0) {
      figures[`${label}: worker time held back by the quota (s)`] = phase.throttled;
      // What the workers' quotas allow at the CPU a check costs them: the limit this phase can meet.
      figures[`${label}: quota-bound ceiling (checks/s)`] = round(((p + 1) * workerCpu * 1000) / phase.workerMs);
    }
    figures[`${label}: machine CPU busy (%), of which Vouch and the stand-in (%)`] = `${round(phase.machineBusy * 100)}, ${round(phase.benchShare * 100)}`;
    // What the cores could do for this pipeline if it had them to itself: the limit any number of workers meets.
    figures[`${label}: CPU-bound ceiling on ${availableParallelism()} cores (checks/s)`] = round((availableParallelism() * 1000) / phase.pipelineMs);
    throughput.push(phase.completedPerSecond);
  }
  figures["throughput ratio, 2 workers / 1"] = round(throughput[1]! / throughput[0]!, 2);

  // Let any late duplicate write land before counting.
  await sleep(2000);
  const allKeys = [...warmUps.flat(), ...batches.flat()].map((d) => d.key);
  await audit(allKeys, figures);

  for (const p of processes) figures[`peak RSS ${p.label} (MiB)`] = p.peakRssMiB() ?? "?";

  // The ingress's own capacity: workers stopped, the same payloads under fresh GUIDs sent as fast
  // as 64 connections allow. The jobs stay in the run's queue and are deleted with it.
  await Promise.all(processes.filter((p) => p.label.startsWith("worker")).map((p) => p.stop()));
  const again = await signDeliveries(planned.slice(warmUpCount, perBlock).map(asItem), SECRET);
  const alone = acceptance(await sendPaced(url, again, { ratePerSecond: Number.POSITIVE_INFINITY, maxInFlight: 64, deadline }), again.length);
  figures["ingress alone, unpaced: accepted (deliveries/s)"] = round(alone.perSecond);
  figures["ingress alone: answer p50/p99 (ms)"] = `${round(alone.p50)} / ${round(alone.p99)}`;
  figures["peak RSS ingress (MiB)"] = ingress.peakRssMiB() ?? "?";
  figures["peak RSS stand-in (MiB)"] = peakRss(standIn?.pid) ?? "?";
  figures["seeding (s)"] = round(ready.seedMs / 1000);
  figures["run time (s)"] = round((wallNow() - started) / 1000);
  printReport({
    name: "load: signed deliveries through the ingress, the queue and the workers, against the stand-in",
    figures,
    notes: [`machine: ${availableParallelism()} CPU(s), possibly shared with other work; figures are from one run`],
  });
}

interface PhaseFigures {
  /** Jobs each worker completed during the phase, and its CPU per job. */
  perOwnJob: string;
  /** Seconds the CPU quota held each worker back during the phase, by worker. */
  throttled: string;
  /** Share of the machine's CPU time that was busy during the phase (all processes, other users' included). */
  machineBusy: number;
  /** CPU ms per completed check, by process. */
  cpuPerCheck: string;
  /** CPU ms per check of Vouch's processes and the stand-in together (not Redis, PostgreSQL or the driver). */
  pipelineMs: number;
  /** CPU ms per check of the workers alone. */
  workerMs: number;
  /** Share of the machine's CPU time those processes got during the phase. */
  benchShare: number;
  acceptedPerSecond: number;
  answerP50: number;
  answerP99: number;
  completedPerSecond: number;
  latencyP50: number;
  latencyP99: number;
}

function cpuSnapshot(): Map<string, number> {
  const snapshot = new Map<string, number>();
  for (const p of processes) snapshot.set(p.label, p.cpuSeconds() ?? Number.NaN);
  snapshot.set("stand-in", cpuSeconds(standIn?.pid) ?? Number.NaN);
  snapshot.set("driver", process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6);
  return snapshot;
}

/** Jobs each running worker has completed so far, from its own `/metrics` (`vouch_jobs_total{outcome="completed"}`). */
async function jobsSnapshot(): Promise<Map<string, number>> {
  const snapshot = new Map<string, number>();
  for (const p of processes) {
    if (!p.label.startsWith("worker") || !p.alive() || !p.url) continue;
    try {
      const text = await (await fetch(`${p.url}/metrics`)).text();
      let n = 0;
      for (const line of text.split("\n")) if (line.startsWith("vouch_jobs_total{") && line.includes('outcome="completed"')) n += Number(line.slice(line.lastIndexOf(" ") + 1));
      snapshot.set(p.label, n);
    } catch {
      snapshot.set(p.label, Number.NaN);
    }
  }
  return snapshot;
}

function throttledSnapshot(): Map<string, number> {
  return new Map([...cpuGroups].map(([label, group]) => [label, group.throttled()?.seconds ?? Number.NaN]));
}

async function runPhase(url: string, deliveries: SignedDelivery[], ratePerSecond: number): Promise<PhaseFigures> {
  const throttledBefore = throttledSnapshot();
  const jobsBefore = await jobsSnapshot();
  const cpuBefore = cpuSnapshot();
  const machineBefore = machineTicks();
  const results = await sendPaced(url, deliveries, { ratePerSecond, maxInFlight: 64, deadline });
  const accepted = acceptance(results, deliveries.length);
  await waitForChecks(results);
  const cpuAfter = cpuSnapshot();
  const machineAfter = machineTicks();
  const jobsAfter = await jobsSnapshot();
  // Each worker's CPU per job it completed itself, and its share of the phase's jobs.
  const perOwnJob = [...jobsAfter]
    .map(([label, after]) => {
      const jobs = after - (jobsBefore.get(label) ?? 0);
      const cpu = ((cpuAfter.get(label) ?? Number.NaN) - (cpuBefore.get(label) ?? Number.NaN)) * 1000;
      return `${label} ${jobs} jobs, ${round(cpu / jobs)} ms each`;
    })
    .join("; ");
  const throttled = [...throttledSnapshot()]
    .filter(([label]) => processes.some((p) => p.label === label && p.alive()))
    .map(([label, after]) => `${label} ${round(after - (throttledBefore.get(label) ?? 0))}`)
    .join(", ");
  const cpuMs = [...cpuAfter].map(([label, after]) => [label, ((after - (cpuBefore.get(label) ?? Number.NaN)) * 1000) / results.length] as const);
  const cpuPerCheck = cpuMs.map(([label, ms]) => `${label} ${round(ms)}`).join(", ");
  const pipelineMs = cpuMs.filter(([label, ms]) => label !== "driver" && Number.isFinite(ms)).reduce((sum, [, ms]) => sum + ms, 0);
  const workerMs = cpuMs.filter(([label, ms]) => label.startsWith("worker") && Number.isFinite(ms)).reduce((sum, [, ms]) => sum + ms, 0);
  const phaseSeconds = (machineAfter.total - machineBefore.total) / (100 * availableParallelism());
  const latencies = results.map((r) => completedAt.get(r.key)! - r.sentAt);
  // Throughput in the middle of the phase (10th to 90th completion), free of ramp-up and tail.
  const done = results.map((r) => completedAt.get(r.key)!).sort((a, b) => a - b);
  const lo = Math.floor(done.length * 0.1);
  const hi = Math.max(lo + 1, Math.ceil(done.length * 0.9) - 1);
  return {
    perOwnJob,
    throttled,
    machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
    benchShare: (pipelineMs * results.length) / 1000 / (phaseSeconds * availableParallelism()),
    pipelineMs,
    workerMs,
    cpuPerCheck,
    acceptedPerSecond: accepted.perSecond,
    answerP50: accepted.p50,
    answerP99: accepted.p99,
    completedPerSecond: (hi - lo) / ((done[hi]! - done[lo]!) / 1000),
    latencyP50: percentile(latencies, 50),
    latencyP99: percentile(latencies, 99),
  };
}

/** Deliveries answered 202 per second over the sending window, and the answer times; anything else than 202 fails the run. */
function acceptance(results: SendResult[], sent: number): { perSecond: number; p50: number; p99: number } {
  if (results.length < sent) throw new Error(`time cap: only ${results.length} of ${sent} deliveries were sent`);
  const bad = results.filter((r) => r.status !== 202);
  if (bad.length > 0) {
    const statuses = [...new Set(bad.map((r) => r.status))].join(", ");
    throw new Error(`${bad.length} of ${results.length} deliveries were not accepted (status ${statuses}); ingress log:\n${tail(processes[0]!.logFile)}`);
  }
  const first = Math.min(...results.map((r) => r.sentAt));
  const last = Math.max(...results.map((r) => r.answeredAt));
  const answers = results.map((r) => r.answeredAt - r.sentAt);
  return { perSecond: results.length / ((last - first) / 1000), p50: percentile(answers, 50), p99: percentile(answers, 99) };
}

async function waitForChecks(results: SendResult[]): Promise<void> {
  for (;;) {
    const missing = results.filter((r) => !completedAt.has(r.key));
    if (missing.length === 0) return;
    const dead = processes.filter((p) => !p.alive());
    if (dead.length > 0) throw new Error(`${dead.map((p) => p.label).join(", ")} exited during the run; log:\n${tail(dead[0]!.logFile)}`);
    if (wallNow() > deadline) {
      throw new Error(`time cap: ${missing.length} of ${results.length} deliveries have no completed check run (first: ${missing[0]!.key})`);
    }
    await sleep(20);
  }
}

/** Exactly one check run per delivered head, completed, and exactly one ledger entry of each kind; nothing else. */
async function audit(keys: string[], figures: Record<string, number | string>): Promise<void> {
  const fromStandIn = await request<Audit>({ type: "audit" }, "audit");
  const ledger = await services!.ledgerEntries();
  const expected = new Set(keys);
  let lostRuns = 0;
  let duplicateRuns = 0;
  let lostEntries = 0;
  let duplicateEntries = 0;
  const types = new Set<string>();
  for (const byType of ledger.values()) for (const t of byType.keys()) types.add(t);
  for (const key of keys) {
    const run = fromStandIn.runs[key];
    if (!run || run.completed === 0) lostRuns++;
    else if (run.created > 1) duplicateRuns += run.created - 1;
    const entries = ledger.get(key);
    for (const type of types) {
      const n = entries?.get(type) ?? 0;
      if (n === 0) lostEntries++;
      if (n > 1) duplicateEntries += n - 1;
    }
  }
  const strayRuns = Object.keys(fromStandIn.runs).filter((k) => !expected.has(k)).length;
  const strayEntries = [...ledger.keys()].filter((k) => !expected.has(k)).length;
  const conclusions = new Map<string, number>();
  for (const key of keys) {
    const c = fromStandIn.runs[key]?.conclusion ?? "none";
    conclusions.set(c, (conclusions.get(c) ?? 0) + 1);
  }
  figures["check runs: delivered heads"] = keys.length;
  figures["check runs: lost / duplicated / unexpected"] = `${lostRuns} / ${duplicateRuns} / ${strayRuns}`;
  figures["check run conclusions"] = [...conclusions].map(([c, n]) => `${c} ${n}`).join(", ");
  figures["ledger: entry kinds per head"] = types.size;
  figures["ledger: lost / duplicated / unexpected"] = `${lostEntries} / ${duplicateEntries} / ${strayEntries}`;
  figures["stand-in: API / git requests, 5xx answers"] = `${fromStandIn.apiRequests} / ${fromStandIn.gitRequests}, ${fromStandIn.serverErrors}`;
  if (lostRuns + duplicateRuns + strayRuns > 0) failures.push(`check runs: ${lostRuns} lost, ${duplicateRuns} duplicated, ${strayRuns} unexpected`);
  if (types.size !== 2) failures.push(`ledger: expected a provenance and a VSA entry per head, found ${types.size} kind(s)`);
  if (lostEntries + duplicateEntries + strayEntries > 0) failures.push(`ledger entries: ${lostEntries} lost, ${duplicateEntries} duplicated, ${strayEntries} unexpected`);
}

// ---- the stand-in process ----

async function startStandIn(publicKey: string, pullRequests: number): Promise<Ready> {
  standIn = fork(join(root, "bench/load/standin-process.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  standIn.on("message", (message: FromStandIn) => {
    if (message.type === "completed") {
      for (const { headSha, at } of message.items) if (!completedAt.has(headSha)) completedAt.set(headSha, at);
    } else if (message.type === "error") {
      failures.push(`stand-in: ${message.message}`);
      for (const w of waiters.values()) w(message);
    } else {
      waiters.get(message.type)?.(message);
    }
  });
  return request<Ready>({ type: "seed", publicKey, repositories, pullRequests, filesPerPullRequest: 3, policy: POLICY }, "ready");
}

function request<T extends FromStandIn>(message: ToStandIn, answer: T["type"]): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stand-in did not answer ${message.type}`)), Math.max(1000, deadline - wallNow()));
    waiters.set(answer, (reply) => {
      clearTimeout(timer);
      waiters.delete(answer);
      if (reply.type === "error") reject(new Error(`stand-in: ${reply.message}`));
      else resolve(reply as T);
    });
    standIn!.send(message);
  });
}

// ---- helpers ----

function asItem(d: PlannedDelivery): { key: string; event: string; payload: unknown } {
  return { key: d.headSha, event: "pull_request", payload: d.payload };
}

async function cleanup(): Promise<void> {
  await Promise.allSettled(processes.map((p) => p.stop()));
  for (const group of cpuGroups.values()) group.remove();
  if (standIn?.connected) {
    const exited = new Promise((r) => standIn!.once("exit", r));
    standIn.send({ type: "stop" } satisfies ToStandIn);
    await Promise.race([exited, sleep(10_000)]);
  }
  standIn?.kill("SIGKILL");
  await services?.cleanup().catch((e: unknown) => console.error(`load bench: cleanup of Redis/PostgreSQL failed: ${(e as Error).message}`));
  services = undefined;
  // The processes' logs are kept when the run failed, to say why.
  if (workDir && failures.length === 0) await rm(workDir, { recursive: true, force: true });
  else if (workDir) console.error(`load bench: logs kept in ${workDir}`);
}

function nonNegative(value: string | undefined, fallback: number, name: string): number {
  return value !== undefined && value.trim() !== "" && Number(value) === 0 ? 0 : positive(value, fallback, name, "a number, 0 or more");
}

function positive(value: string | undefined, fallback: number, name: string, what = "a positive number"): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be ${what}`);
  return n;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
