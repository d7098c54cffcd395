/** Reading the text files a command is given (key files, policies), with input errors that name them. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { TrustFile } from "../controls/signatures/trust.js";
import { CliInputError, type CliIo } from "./io.js";

export async function readTextFiles(io: CliIo, files: readonly string[]): Promise<TrustFile[]> {
  return Promise.all(
    files.map(async (file) => {
      try {
        return { name: file, text: await readFile(resolve(io.cwd, file), "utf8") };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliInputError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : (code ?? String(error))}`);
      }
    }),
  );
}
