/** `vouch policy check` and `vouch policy schema`. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadPolicy, type PolicyText } from "../policy/load.js";
import { policyJsonSchemaText } from "../policy/json-schema.js";
import { POLICY_PATH } from "../policy/schema.js";
import { formatPolicyError } from "./format.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";

export async function readPolicyText(io: CliIo, file: string, repository = "(local)"): Promise<PolicyText> {
  try {
    const bytes = await readFile(resolve(io.cwd, file));
    let text: string;
    try {
      // Strict decoding: a replacement character would make the digest differ from the file's bytes.
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw new CliInputError(`${file} is not valid UTF-8`);
    }
    return { text, source: { repository, path: file, ref: "(working tree)" }, displayPath: file };
  } catch (error) {
    if (error instanceof CliInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliInputError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : code ?? String(error)}`);
  }
}

export function registerPolicyCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const policy = program.command("policy").description("Check a policy file or print its JSON Schema.");

  policy
    .command("check")
    .description("Validate a policy file. Errors are printed as file:line:col: message.")
    .argument("[file]", "the policy file", POLICY_PATH)
    .option("--baseline <file>", "an organization baseline to merge it with, as the app does (the repository may only tighten it)")
    .addHelpText("after", "\nExit status: 0 valid, 2 invalid or unreadable.")
    .action(async (file: string, opts: { baseline?: string }) => {
      const repository = await readPolicyText(io, file);
      const baseline = opts.baseline ? await readPolicyText(io, opts.baseline) : null;
      const loaded = loadPolicy({ repository, baseline });
      if (loaded.status === "invalid") {
        for (const e of loaded.errors) io.stderr.write(`${formatPolicyError(e)}\n`);
        io.stderr.write(`${loaded.errors.length} error${loaded.errors.length === 1 ? "" : "s"}\n`);
        setExit(EXIT.usage);
        return;
      }
      if (loaded.status !== "valid") throw new CliInputError("no policy to check");
      const names = loaded.policy.namespaces.map((n) => n.name);
      const summary = `${names.length} namespace${names.length === 1 ? "" : "s"}${names.length ? ` (${names.join(", ")})` : ""}`;
      io.stdout.write(`${file}${baseline ? ` with baseline ${opts.baseline}` : ""}: valid, ${summary}, ${loaded.digest}\n`);
      setExit(EXIT.pass);
    });

  policy
    .command("schema")
    .description("Print the JSON Schema of the policy file (the one committed as policies/vouch.schema.json).")
    .action(() => {
      io.stdout.write(policyJsonSchemaText());
      setExit(EXIT.pass);
    });
}
