// `vouch serve` as an operator runs it: the role flag, and refusals that name the missing setting.
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { removeDir, tempDir } from "./cli-helpers.js";

const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const SERVER_MAIN = fileURLToPath(new URL("../../src/server/main.ts", import.meta.url));

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => removeDir(dir));

function serve(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(TSX, [MAIN, "serve", ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("--help names the roles and the variables that select Redis and PostgreSQL", () => {
  const r = serve(["--help"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/--role <role>/);
  expect(r.stdout).toMatch(/ingress/);
  expect(r.stdout).toMatch(/REDIS_URL/);
  expect(r.stdout).toMatch(/DATABASE_URL/);
});

test("an unknown role is a usage error", () => {
  const r = serve(["--role", "both"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/Allowed choices are ingress, worker, all/);
});

test("a worker without REDIS_URL refuses to start, naming the variable and never a secret", () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const r = serve(["--role", "worker"], { APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s3cret-value", VOUCH_DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1" });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/role worker needs REDIS_URL/);
  expect(`${r.stdout}${r.stderr}`).not.toContain("s3cret-value");
});

test("npm start's entry (src/server/main.ts run directly) serves until SIGTERM, then exits 0", async () => {
  const child = spawn(TSX, [SERVER_MAIN], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: "0", HOST: "127.0.0.1", VOUCH_DATA_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 30 s:\n${out}`)), 30_000);
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString("utf8");
      // Without credentials the server runs the registration flow; it is listening all the same.
      if (out.includes("not registered as a GitHub App yet")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on("data", (c: Buffer) => void (out += c.toString("utf8")));
    void exited.then((code) => reject(new Error(`exited early (${code}):\n${out}`)));
  });
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
}, 60_000);
