/** Verification of revisions in a local clone: what `vouch verify --repo DIR REV | A..B` needs. */
import { CatFileSource } from "../../git/cat-file.js";
import { resolveRevisions } from "../../git/revisions.js";
import type { TrustStore } from "./trust.js";
import type { ObjectVerdict } from "./types.js";
import { verifyRevisions } from "./verify.js";

/**
 * Resolves `revs` (a commit, an annotated tag, or `A..B`) and yields one verdict per object,
 * in order. Rejects on unknown revisions or missing objects (input errors).
 */
export async function* verifyLocalRevisions(repoDir: string, revs: readonly string[], trust: TrustStore, at: Date): AsyncGenerator<ObjectVerdict> {
  const ids = await resolveRevisions(repoDir, revs);
  const source = new CatFileSource(repoDir);
  try {
    yield* verifyRevisions(source, ids, trust, at);
  } finally {
    source.close();
  }
}
