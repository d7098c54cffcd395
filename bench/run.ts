/**
 * `npm run bench`: runs every benchmark and prints its figures. Benchmarks report; they never
 * pass or fail (targets are compared in the release notes, not asserted).
 * `npm run bench -- app` runs only the named ones.
 */
import { benchApp } from "./app.js";
import { printReport, type BenchReport } from "./stats.js";

const BENCHES: Record<string, () => Promise<BenchReport | BenchReport[]>> = {
  app: () => benchApp(),
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const reports = await run();
  for (const r of Array.isArray(reports) ? reports : [reports]) printReport(r);
}
