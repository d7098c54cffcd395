/**
 * `npm run bench`: runs every benchmark, one process each (so one's memory and JIT state do not
 * colour another's figures), and prints their figures. Benchmarks report; they never pass or
 * fail. `npm run bench -- app secrets` runs only the named ones.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BENCHES = ["app", "signatures", "secrets", "ledger"] as const;
const wanted = process.argv.slice(2);
const here = fileURLToPath(new URL(".", import.meta.url));
let failed = 0;
for (const name of BENCHES) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n# bench/${name}.ts`);
  const res = spawnSync(process.execPath, ["--import", "tsx", `${here}${name}.ts`], { stdio: "inherit" });
  if (res.status !== 0) {
    failed++;
    console.log(`bench/${name}.ts exited with ${res.status ?? res.signal}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
