/**
 * A private, throw-away PostgreSQL cluster (initdb + pg_ctl in a temp dir, on a free loopback
 * port) for tests that stop and restart the database; the shared server is never touched.
 * As root, the cluster runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./redis.js";

const run = promisify(execFile);

/** The bin directory holding initdb and pg_ctl, or null when PostgreSQL's server binaries are absent. */
export function postgresBinDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, "bin", "initdb"))) return join(root, v, "bin");
  return null;
}

export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly asUser: string | null,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(bin: string): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), "vouch-pg-"));
    const asUser = process.getuid?.() === 0 ? "postgres" : null;
    if (asUser) {
      const { stdout } = await run("id", ["-u", asUser]);
      const { stdout: gid } = await run("id", ["-g", asUser]);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const pg = new PrivatePostgres(bin, dir, await freePort(), asUser);
    await pg.exec("initdb", ["-D", pg.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
    await pg.up();
    return pg;
  }

  private get data(): string {
    return join(this.dir, "data");
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const path = join(this.bin, tool);
    if (this.asUser) await run("runuser", ["-u", this.asUser, "--", path, ...args], { cwd: this.dir });
    else await run(path, args, { cwd: this.dir });
  }

  async up(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${this.dir}' -c fsync=on`;
    await this.exec("pg_ctl", ["-D", this.data, "-o", options, "-l", join(this.dir, "log"), "-w", "-t", "30", "start"]);
  }

  /** Stops at once (immediate mode: no clean shutdown), like a crash; committed work survives. */
  async down(): Promise<void> {
    await this.exec("pg_ctl", ["-D", this.data, "-m", "immediate", "-w", "stop"]);
  }

  async stop(): Promise<void> {
    await this.down().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
