/** Who Vouch says it is in attestations: the verifier id names the product, the version this build. */
import { createRequire } from "node:module";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

export const VERSION: string = pkg.version;
export const VERIFIER_ID = "https://vouch.dev/verifier";
