/**
 * The shared services some suites need (PostgreSQL, Redis). A suite whose service is missing is
 * skipped with a message saying what and why, except under CI=true, where a missing service is a
 * failing test: CI must never pass by skipping.
 */
import { describe, test } from "@jest/globals";
import pg from "pg";

export const SHARED_PG_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** The URL with any password cut out, for messages. */
export const redactUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, "//***@");

/** null when PostgreSQL answers a query, else what is wrong (naming the server). */
export async function postgresProblem(url: string = SHARED_PG_URL): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return null;
  } catch (e) {
    return `PostgreSQL at ${redactUrl(url)} is unreachable (${(e as Error).message}); set DATABASE_URL`;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Whether a suite that needs services runs: true when nothing is wrong; otherwise false, after
 * warning that `what` is skipped or, under CI=true, registering a test that fails with the problem.
 */
function servicesPresent(problem: string | null, what: string): boolean {
  if (problem === null) return true;
  if (process.env.CI === "true") {
    test(`the services ${what} needs are reachable under CI`, () => {
      throw new Error(`CI=true but ${problem}`);
    });
  } else {
    console.warn(`Skipping ${what}: ${problem}.`);
  }
  return false;
}

/** `describe`, or `describe.skip` when a service is missing (see servicesPresent). */
export function describeWithServices(problem: string | null, what: string): typeof describe | typeof describe.skip {
  return servicesPresent(problem, what) ? describe : describe.skip;
}

/** `test`, or `test.skip` when a service is missing (see servicesPresent). */
export function testWithServices(problem: string | null, what: string): typeof test | typeof test.skip {
  return servicesPresent(problem, what) ? test : test.skip;
}
