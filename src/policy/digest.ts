/** Policy digests: what every verdict records so it can be tied to the exact policy that judged it. */
import { createHash } from "node:crypto";

/** `sha256:<hex>` of the file's exact bytes (UTF-8), the same value `sha256sum` prints. */
export function fileDigest(text: string): string {
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/**
 * The digest of an effective policy made from the organization baseline and (optionally) the
 * repository file: sha256 over a fixed text that binds both files' byte digests, so a change
 * to either file changes it. The construction is documented in docs/policy.md.
 */
export function mergedDigest(baselineDigest: string, repositoryDigest: string | null): string {
  const canonical = `vouch-policy-merge/v1\nbaseline ${baselineDigest}\nrepository ${repositoryDigest ?? "none"}\n`;
  return `sha256:${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
}
