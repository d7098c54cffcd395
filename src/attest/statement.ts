/** in-toto Statement v1: the signed payload of every Vouch attestation. */
import { z } from "zod";

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";

/** Git object ids: lowercase hex SHA-1 (40) or SHA-256 (64), as in-toto's DigestSet defines them. */
export const GitOid = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, { message: "a git object id is 40 or 64 lowercase hex digits" });

export const Subject = z
  .object({
    name: z.string().min(1).optional(),
    uri: z.string().min(1).optional(),
    digest: z.object({ gitCommit: GitOid, gitTree: GitOid.optional() }).strict(),
    annotations: z.object({ sourceRefs: z.array(z.string()).optional() }).optional(),
  })
  .strict();
export type Subject = z.infer<typeof Subject>;

export const StatementShape = z
  .object({
    _type: z.literal(STATEMENT_TYPE),
    subject: z.array(Subject).min(1),
    predicateType: z.string().min(1),
    predicate: z.record(z.string(), z.unknown()),
  })
  .strict();

export interface Statement<P = Record<string, unknown>> {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}

export function makeStatement<P>(subject: Subject[], predicateType: string, predicate: P): Statement<P> {
  return { _type: STATEMENT_TYPE, subject, predicateType, predicate };
}

/** Serialized statement bytes: what the envelope carries and what attestation digests are taken over. */
export function serializeStatement(statement: Statement<unknown>): Buffer {
  return Buffer.from(JSON.stringify(statement), "utf8");
}

export type ParseResult = { ok: true; statement: Statement } | { ok: false; reason: string };

/** Parse verified payload bytes as a Statement v1; a parse failure is a rejection, never a partial result. */
export function parseStatement(payload: Uint8Array): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch {
    return { ok: false, reason: "payload is not JSON" };
  }
  const parsed = StatementShape.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `not an in-toto Statement v1: ${issue?.path.join(".") || "(root)"} ${issue?.message ?? ""}`.trim() };
  }
  return { ok: true, statement: parsed.data as Statement };
}
