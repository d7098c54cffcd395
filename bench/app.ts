/**
 * Webhook-to-completed-check latency (p50, p99) and GitHub API requests per evaluated pull
 * request, measured against the GitHub stand-in on loopback with the real server.
 */
import { startHarness } from "../test/e2e/harness.js";
import { pathToFileURL } from "node:url";
import { percentile, printReport, type BenchReport } from "./stats.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
  - name: services
    paths: ["services/**"]
secrets:
  enabled: false
`;

export async function benchApp(options: { pullRequests?: number; filesPerPullRequest?: number } = {}): Promise<BenchReport> {
  const count = options.pullRequests ?? 40;
  const filesPer = options.filesPerPullRequest ?? 20;
  const h = await startHarness();
  try {
    const dir = await h.repoWithPolicy("bench", POLICY);
    const prs = [];
    for (let i = 0; i < count; i++) {
      const files: Record<string, string> = {};
      for (let f = 0; f < filesPer; f++) files[`services/s${i}/f${f}.ts`] = `export const v${f} = ${i};\n`;
      prs.push(await h.openPullRequest("bench", dir, `bench-${i}`, files));
    }
    // Warm-up: token exchange and JIT, not measured.
    await h.deliver("pull_request", h.pullRequestPayload("bench", prs[0]!));
    await h.completedRun("bench", prs[0]!.head.sha);

    const latencies: number[] = [];
    const requests: number[] = [];
    for (const pr of prs.slice(1)) {
      const before = h.standIn.requests().length;
      const start = performance.now();
      const res = await h.deliver("pull_request", h.pullRequestPayload("bench", pr));
      if (res.status !== 202) throw new Error(`delivery answered ${res.status}`);
      await h.completedRun("bench", pr.head.sha, 60_000);
      latencies.push(performance.now() - start);
      // Requests made for this evaluation only (the stand-in logs every API call, git included).
      requests.push(h.standIn.requests().slice(before).filter((r) => r.path.startsWith("/api/")).length);
    }
    const byKind = new Map<string, number>();
    const last = h.standIn.requests().filter((r) => r.path.startsWith("/api/"));
    for (const r of last.slice(-requests.at(-1)!)) {
      const kind = `${r.method} ${r.path.replace(/\/[0-9a-f]{40}/g, "/{sha}").replace(/\/\d+(?=\/|$)/g, "/{n}")}`;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    return {
      name: `app: webhook to completed check, ${filesPer} changed file(s) per pull request`,
      figures: {
        "pull requests": count - 1,
        "changed files per pull request": filesPer,
        "latency p50 (ms)": round(percentile(latencies, 50)),
        "latency p99 (ms)": round(percentile(latencies, 99)),
        "API requests per evaluation (mean)": round(requests.reduce((a, b) => a + b, 0) / requests.length),
      },
      notes: [...byKind].map(([k, n]) => `${n} × ${k}`),
    };
  } finally {
    await h.close();
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Latency and request count per evaluation as a pull request grows (issue 4 asks for 1, 100 and 1,000 files).
  for (const files of [1, 100, 1000]) printReport(await benchApp({ pullRequests: files === 1000 ? 9 : 21, filesPerPullRequest: files }));
}
