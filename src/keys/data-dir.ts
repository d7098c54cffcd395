/** The data directory the app and the CLI share (key, ledger): VOUCH_DATA_DIR, default ./.data. */
import { resolve } from "node:path";

export const DEFAULT_DATA_DIR = "./.data";

export function dataDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const v = env.VOUCH_DATA_DIR?.trim();
  return resolve(v && v.length > 0 ? v : DEFAULT_DATA_DIR);
}
