// Git smart HTTP served by the real `git http-backend` (CGI), behind GitHub-style token auth, so
// clones and fetches exercise exactly the protocol GitHub speaks.
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";
import type { Authenticator } from "./auth.js";
import type { StandInState } from "./state.js";
import { gitEnv } from "../helpers/git.js";

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack|HEAD)$/;

/** Whether `pathname` is a smart-HTTP git path (`/<owner>/<repo>.git/...`). */
export function isGitPath(pathname: string): boolean {
  return GIT_PATH.test(pathname);
}

function plain(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(`${message}\n`);
}

export function handleGit(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  search: string,
  deps: { state: StandInState; authenticator: Authenticator },
): Promise<number> {
  const match = GIT_PATH.exec(pathname);
  if (!match) {
    plain(res, 404, "Not Found");
    return Promise.resolve(404);
  }
  const [, owner, name, rest] = match as unknown as [string, string, string, string];
  const auth = deps.authenticator.verifyBasic(req.headers.authorization);
  if (!auth.ok) {
    req.resume();
    plain(res, 401, "Invalid username or token. Password authentication is not supported for Git operations.", {
      "www-authenticate": 'Basic realm="GitHub"',
    });
    return Promise.resolve(401);
  }
  const repo = deps.state.repo(decodeURIComponent(owner), decodeURIComponent(name));
  if (!repo || !repo.installed) {
    req.resume();
    plain(res, 404, "Repository not found.");
    return Promise.resolve(404);
  }
  const gzip = /gzip/i.test(String(req.headers["content-encoding"] ?? ""));
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: deps.state.gitRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `/${repo.owner}/${repo.name}.git/${rest}`,
    REQUEST_METHOD: req.method ?? "GET",
    QUERY_STRING: search.replace(/^\?/, ""),
    CONTENT_TYPE: String(req.headers["content-type"] ?? ""),
    REMOTE_USER: "x-access-token",
    REMOTE_ADDR: "127.0.0.1",
  };
  // A decompressed body has no known length; http-backend then reads to EOF.
  if (!gzip && req.headers["content-length"]) env.CONTENT_LENGTH = String(req.headers["content-length"]);
  const protocol = req.headers["git-protocol"];
  if (typeof protocol === "string") {
    env.GIT_PROTOCOL = protocol;
    env.HTTP_GIT_PROTOCOL = protocol;
  }
  return new Promise((resolve) => {
    const child = spawn("git", ["http-backend"], { env: gitEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    const body: Readable = gzip ? req.pipe(createGunzip()) : req;
    body.on("error", () => child.stdin.destroy());
    child.stdin.on("error", () => undefined);
    body.pipe(child.stdin);

    let head = Buffer.alloc(0);
    let status = 200;
    let headersSent = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf("\r\n\r\n");
      const lf = head.indexOf("\n\n");
      const end = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf + 4 : lf !== -1 ? lf + 2 : -1;
      if (end === -1) return;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString("latin1").split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const key = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (key === "status") status = Number.parseInt(value, 10) || 200;
        else headers[key] = value;
      }
      res.writeHead(status, headers);
      headersSent = true;
      res.write(head.subarray(end));
    });
    child.on("error", (error) => {
      if (!headersSent) plain(res, 500, `git http-backend failed: ${error.message}`);
      resolve(500);
    });
    child.on("close", (code) => {
      if (!headersSent) {
        plain(res, 500, `git http-backend exited with ${code}: ${stderr.trim()}`);
        resolve(500);
        return;
      }
      res.end();
      resolve(status);
    });
  });
}
