/** File ends of export and verify, for the CLI: streamed, so 100,000-entry exports stay small in memory. */
import { createReadStream, createWriteStream, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { KeyObject } from "node:crypto";
import type { Signer } from "../attest/dsse.js";
import { exportCsv, exportJsonl } from "./export.js";
import type { Ledger, ListQuery } from "./types.js";
import { verifyExport, type VerifyOptions, type VerifyReport } from "./verify.js";

export interface ExportFileOptions extends Pick<ListQuery, "repo" | "since" | "until"> {
  format?: "jsonl" | "csv";
  signer: Signer;
}

/** Write the export to `out` via a temporary file renamed at the end: a failed export never leaves a partial file. */
export async function exportToFile(ledger: Ledger, out: string, options: ExportFileOptions): Promise<{ lines: number }> {
  const tmp = `${out}.partial-${process.pid}`;
  const stream = createWriteStream(tmp, { mode: 0o644 });
  let lines = 0;
  const write = async (line: string) => {
    lines++;
    if (!stream.write(`${line}\n`)) await once(stream, "drain");
  };
  const query: Pick<ListQuery, "repo" | "since" | "until"> = {};
  if (options.repo !== undefined) query.repo = options.repo;
  if (options.since !== undefined) query.since = options.since;
  if (options.until !== undefined) query.until = options.until;
  try {
    if (options.format === "csv") await exportCsv(ledger, query, write);
    else await exportJsonl(ledger, { ...query, signer: options.signer }, write);
    stream.end();
    await once(stream, "finish");
    renameSync(tmp, out);
  } catch (e) {
    stream.destroy();
    rmSync(tmp, { force: true });
    throw e;
  }
  return { lines };
}

export async function verifyFile(path: string, trusted: ReadonlyMap<string, KeyObject>, options: VerifyOptions = {}): Promise<VerifyReport> {
  const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  return verifyExport(rl, trusted, options);
}
