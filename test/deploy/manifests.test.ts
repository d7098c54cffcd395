/**
 * The deployment files and the operations docs against the code: the Kubernetes example parses,
 * sets only variables Vouch reads and everything it needs, points its probes at the real routes;
 * the Dockerfile keeps its promises; every variable Vouch reads is documented. So neither the
 * manifests nor the docs can drift from the configuration.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "@jest/globals";
import { parseAllDocuments } from "yaml";
import { ROLES } from "../../src/config.js";

const ROOT = join(import.meta.dirname, "..", "..");
const K8S = join(ROOT, "deploy", "k8s");
const read = (...path: string[]) => readFileSync(join(ROOT, ...path), "utf8");

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

/** Environment variables the code reads: the config schema's keys and every `env.X` / `process.env.X` / `(env, "X"` in src/. */
function variablesReadByCode(dirs: readonly string[] = ["src"]): Set<string> {
  const names = new Set<string>();
  const patterns = [/\benv\??\.([A-Z][A-Z0-9_]*)/g, /process\.env\.([A-Z][A-Z0-9_]*)/g, /env\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]/g, /\(env, "([A-Z][A-Z0-9_]*)"/g];
  for (const file of dirs.flatMap(sourceFiles)) {
    const text = read(file);
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) names.add(m[1]!);
  }
  for (const m of read("src", "config.ts").matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)) names.add(m[1]!);
  return names;
}

const READ = variablesReadByCode();
/** Read by the code but not configuration: the OS's PATH, and Probot's setup-mode switch Vouch sets itself. */
const NOT_CONFIGURATION = new Set(["PATH", "NO_SMEE_SETUP"]);

type Doc = Record<string, unknown>;
interface Container {
  name: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  volumes?: Array<{ name: string; secret?: { secretName: string; items?: Array<{ key: string; path: string }> } }>;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}

const files = readdirSync(K8S).filter((f) => f.endsWith(".yaml"));
const docs: Array<{ file: string; doc: Doc }> = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(K8S, file), "utf8")).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join("; ")}`);
    return { file, doc: d.toJSON() as Doc };
  }),
);
const ofKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const named = (kind: string, name: string) => ofKind(kind).find((d) => (d.metadata as { name: string }).name === name);
const secret = named("Secret", "vouch-secrets") as { stringData: Record<string, string> } | undefined;
const configMap = named("ConfigMap", "vouch-config") as { data: Record<string, string> } | undefined;

function podSpec(doc: Doc): PodSpec {
  if (doc.kind === "CronJob") return (doc as { spec: { jobTemplate: { spec: { template: { spec: PodSpec } } } } }).spec.jobTemplate.spec.template.spec;
  return (doc as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

/** Every variable a container gets, and its literal value when it has one. */
function environment(container: Container): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef?.name === "vouch-config") for (const [k, v] of Object.entries(configMap?.data ?? {})) env.set(k, v);
  }
  for (const e of container.env ?? []) env.set(e.name, e.value);
  return env;
}

const workloads = () => [...ofKind("Deployment"), ...ofKind("CronJob")];

describe("the Kubernetes example", () => {
  test("parses, and kustomization.yaml lists every file", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    const kustomization = parseAllDocuments(read("deploy", "k8s", "kustomization.yaml"))[0]!.toJSON() as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== "kustomization.yaml").sort());
    expect(ofKind("Deployment").map((d) => (d.metadata as { name: string }).name).sort()).toEqual(["vouch-ingress", "vouch-worker"]);
    expect(ofKind("CronJob")).toHaveLength(1);
    expect(secret).toBeDefined();
    expect(configMap).toBeDefined();
  });

  test("every variable it sets is one Vouch reads", () => {
    const set = new Set<string>(Object.keys(configMap!.data));
    for (const key of Object.keys(secret!.stringData)) if (/^[A-Z][A-Z0-9_]*$/.test(key)) set.add(key);
    for (const w of workloads()) for (const c of podSpec(w).containers) for (const e of c.env ?? []) set.add(e.name);
    const unknown = [...set].filter((name) => !READ.has(name));
    expect(unknown).toEqual([]);
    // Commented-out settings in the ConfigMap are read too, when someone uncomments them.
    for (const m of read("deploy", "k8s", "configmap.yaml").matchAll(/^\s*#\s*([A-Z][A-Z0-9_]*):/gm)) expect(READ).toContain(m[1]);
  });

  test("each workload gets what its command needs, from objects that exist", () => {
    const roles: string[] = [];
    for (const w of workloads()) {
      const spec = podSpec(w);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      for (const c of spec.containers) {
        const env = environment(c);
        const command = c.args?.[0];
        expect(["serve", "sweep"]).toContain(command);
        // Credentials of the app, in every process.
        expect(env.has("APP_ID")).toBe(true);
        expect(env.has("PRIVATE_KEY") || env.has("PRIVATE_KEY_PATH")).toBe(true);
        expect(env.has("WEBHOOK_SECRET")).toBe(true);
        if (command === "serve") {
          const role = c.args?.[c.args.indexOf("--role") + 1];
          expect(ROLES).toContain(role);
          roles.push(role!);
          // Scaled out: a shared queue, a shared ledger, one signing key for every replica.
          expect(env.has("REDIS_URL") && env.has("DATABASE_URL")).toBe(true);
          expect(env.has("VOUCH_SIGNING_KEY") || env.has("VOUCH_SIGNING_KEY_FILE")).toBe(true);
        }
        // Secret references point at keys the Secret has.
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) {
            expect(ref.name).toBe("vouch-secrets");
            expect(Object.keys(secret!.stringData)).toContain(ref.key);
          }
        }
        // Key files sit where a Secret volume puts them.
        for (const variable of ["PRIVATE_KEY_PATH", "VOUCH_SIGNING_KEY_FILE", "VOUCH_PUBLIC_KEYS_FILE"]) {
          const path = env.get(variable);
          if (path === undefined) continue;
          const mount = c.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
          expect({ variable, mounted: mount !== undefined }).toEqual({ variable, mounted: true });
          const volume = spec.volumes?.find((v) => v.name === mount!.name);
          const item = volume?.secret?.items?.find((i) => `${mount!.mountPath}/${i.path}` === path);
          expect({ variable, item: item?.key }).toEqual({ variable, item: expect.any(String) });
          expect(Object.keys(secret!.stringData)).toContain(item!.key);
        }
      }
    }
    expect(roles.sort()).toEqual(["ingress", "worker"]);
  });

  test("probes use /healthz for liveness and /readyz for readiness, on the port the server listens on", () => {
    for (const d of ofKind("Deployment")) {
      for (const c of podSpec(d).containers) {
        const port = environment(c).get("PORT");
        const http = c.ports?.find((p) => p.name === "http");
        expect(http?.containerPort).toBe(Number(port));
        expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
        expect(c.startupProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
        expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
      }
    }
  });

  test("the public Ingress routes the webhook path the server serves, and never /metrics or the probes", () => {
    const [ingress] = ofKind("Ingress") as Array<{ spec: { rules: Array<{ http: { paths: Array<{ path: string }> } }> } }>;
    const paths = ingress!.spec.rules.flatMap((r) => r.http.paths.map((p) => p.path));
    const webhookPath = /WEBHOOK_PATH: optionalText\.transform\(\(v, ctx\) => \{\s*if \(v === undefined\) return "([^"]+)"/.exec(read("src", "config.ts"))?.[1];
    expect(paths).toContain(configMap!.data.WEBHOOK_PATH ?? webhookPath);
    for (const internal of ["/metrics", "/readyz", "/healthz"]) expect(paths.some((p) => internal.startsWith(p))).toBe(false);
  });
});

describe("the Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const stages = dockerfile.split(/^FROM /m).slice(1);

  test("builds on node:20-bookworm-slim in stages, with the tool chain the native addons need", () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/apt-get install[^\n]*python3 make g\+\+/);
    expect(stages[0]).toMatch(/npm ci/);
    expect(stages[0]).toMatch(/npm rebuild re2 better-sqlite3/);
    // The runtime stage needs git (git cat-file, merge-tree) but no compiler.
    expect(stages[1]).toMatch(/apt-get install[^\n]*\bgit\b/);
    expect(stages[1]).not.toMatch(/g\+\+/);
  });

  test("runs unprivileged, keeps data on a volume at VOUCH_DATA_DIR, and checks /healthz on PORT", () => {
    const runtime = stages[1]!;
    expect(runtime).toMatch(/^USER node$/m);
    const dataDir = /VOUCH_DATA_DIR=(\S+)/.exec(runtime)?.[1];
    expect(runtime).toContain(`VOLUME ["${dataDir}"]`);
    const port = /PORT=(\d+)/.exec(runtime)?.[1];
    expect(runtime).toContain(`EXPOSE ${port}`);
    // The image's port is the config's default, so `docker run -p 3000:3000` and the manifests agree.
    expect(read("src", "config.ts")).toContain(`PORT: intIn("PORT", 0, 65535, ${port})`);
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(runtime).toContain('ENTRYPOINT ["node", "lib/cli/main.js"]');
  });

  test(".dockerignore keeps secrets, local data and build output out of the build context", () => {
    const ignored = read(".dockerignore").split("\n").map((l) => l.trim());
    for (const entry of [".env", "*.pem", ".data", "node_modules", "lib", ".git"]) expect(ignored).toContain(entry);
  });
});

describe("the documentation", () => {
  const documented = [read("README.md"), ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => read("docs", f))].join("\n");

  test("every variable Vouch reads is documented in the README or docs/", () => {
    const missing = [...READ].filter((name) => !NOT_CONFIGURATION.has(name) && !new RegExp(`\\b${name}\\b`).test(documented));
    expect(missing).toEqual([]);
  });

  test("every VOUCH_* variable the docs name is one Vouch (or its benchmarks) reads", () => {
    const read = variablesReadByCode(["src", "bench"]);
    // `$VOUCH_…` in a shell example is the reader's own variable, not a setting.
    const named = new Set([...documented.matchAll(/(?<![$\w])(VOUCH_[A-Z0-9_]*[A-Z0-9])\b/g)].map((m) => m[1]!));
    expect([...named].filter((name) => !read.has(name))).toEqual([]);
  });
});
