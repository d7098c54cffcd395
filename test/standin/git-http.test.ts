import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import { commitFiles, git, initRepo, push, removeDir, revParse, tempDir } from "../helpers/git.js";
import { startStandIn, type StandIn } from "./index.js";
import { appKeys, seedRepository, type Seeded } from "./testing.js";

let standIn: StandIn;
let seeded: Seeded;
const dirs: string[] = [];

beforeAll(async () => {
  standIn = await startStandIn({ publicKey: appKeys().publicKey });
  seeded = await seedRepository(standIn);
});

afterAll(async () => {
  for (const d of dirs) await removeDir(d);
  await seeded.cleanup();
  await standIn.close();
});

async function scratch(): Promise<string> {
  const d = await tempDir("vouch-clone-");
  dirs.push(d);
  return d;
}

function post(path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, standIn.url);
    const req = request(url, { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, "0") + text;
}

describe("git over smart HTTP", () => {
  test("git clone with the installation token gets every branch at the SHAs the API reports", async () => {
    const dir = await scratch();
    await git(dir, ["clone", "-q", "--mirror", standIn.gitUrl("acme", "widgets"), "clone.git"]);
    expect(await revParse(`${dir}/clone.git`, "refs/heads/feature")).toBe(seeded.headSha);
    expect(await revParse(`${dir}/clone.git`, "refs/heads/main")).toBe(seeded.baseSha);
    await git(`${dir}/clone.git`, ["fsck", "--strict"]);
  });

  test("git fetch after a new push brings the new commit (protocol v2 and v0)", async () => {
    const dir = await scratch();
    await git(dir, ["clone", "-q", "--bare", standIn.gitUrl("acme", "widgets"), "c.git"]);
    const next = await commitFiles(seeded.work, { "src/c.ts": "export const c = 3;\n" }, "add c");
    await push(seeded.work, standIn.state.requireRepo("acme", "widgets").gitDir, ["main"]);
    for (const version of ["2", "0"]) {
      await git(`${dir}/c.git`, ["-c", `protocol.version=${version}`, "fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*"]);
      expect(await revParse(`${dir}/c.git`, "refs/remotes/origin/main")).toBe(next);
    }
  });

  test("pushing over HTTP with the token updates the stand-in's repository", async () => {
    const work = await initRepo();
    dirs.push(work);
    await git(work, ["fetch", "-q", standIn.gitUrl("acme", "widgets"), "main:main-remote"]);
    await git(work, ["checkout", "-q", "main-remote"]);
    const sha = await commitFiles(work, { "pushed.txt": "via http\n" }, "pushed over http");
    await git(work, ["push", "-q", standIn.gitUrl("acme", "widgets"), "HEAD:refs/heads/pushed"]);
    expect(await revParse(standIn.state.requireRepo("acme", "widgets").gitDir, "refs/heads/pushed")).toBe(sha);
  });

  test("refuses anonymous and wrong-token access with 401 and a Basic challenge, unknown repos with 404", async () => {
    const dir = await scratch();
    const anonymous = `${standIn.url}/acme/widgets.git`;
    await expect(git(dir, ["ls-remote", anonymous])).rejects.toThrow(/Authentication failed|could not read Username|terminal prompts disabled/);
    const wrong = new URL(anonymous);
    wrong.username = "x-access-token";
    wrong.password = "ghs_wrong";
    await expect(git(dir, ["ls-remote", wrong.toString()])).rejects.toThrow();
    const info = await fetch(`${anonymous}/info/refs?service=git-upload-pack`);
    expect(info.status).toBe(401);
    expect(info.headers.get("www-authenticate")).toMatch(/^Basic/);
    await expect(git(dir, ["ls-remote", standIn.gitUrl("acme", "missing")])).rejects.toThrow(/not found|404/i);
  });

  test("a gzip-encoded upload-pack request is decompressed and answered with a pack", async () => {
    const token = standIn.issueToken();
    const auth = `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
    const body = Buffer.from(`${pktLine(`want ${seeded.headSha} ofs-delta\n`)}0000${pktLine("done\n")}`);
    const response = await post("/acme/widgets.git/git-upload-pack", gzipSync(body), {
      authorization: auth,
      "content-type": "application/x-git-upload-pack-request",
      "content-encoding": "gzip",
    });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/x-git-upload-pack-result");
    expect(response.body.includes(Buffer.from("PACK"))).toBe(true);
    const corrupt = await post("/acme/widgets.git/git-upload-pack", Buffer.from("not gzip"), {
      authorization: auth,
      "content-type": "application/x-git-upload-pack-request",
      "content-encoding": "gzip",
    });
    expect(corrupt.body.includes(Buffer.from("PACK"))).toBe(false);
    // The stand-in survives the bad request.
    expect((await fetch(`${standIn.apiUrl}/repos/acme/widgets`, { headers: { authorization: `token ${token}` } })).status).toBe(200);
  });

  test("git requests are logged without credentials", () => {
    const gitRequests = standIn.requests({ pathPrefix: "/acme/widgets.git" });
    expect(gitRequests.length).toBeGreaterThan(0);
    expect(JSON.stringify(gitRequests)).not.toMatch(/ghs_|authorization/i);
  });
});
