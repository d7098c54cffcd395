/**
 * Checks X-Hub-Signature-256 against the current webhook secret and, during rotation, the
 * previous one. The HMAC covers the raw bytes; the body is decoded strictly so that the string
 * handed to the verifier encodes back to exactly those bytes.
 */
import { verify } from "@octokit/webhooks-methods";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The body as text, or undefined when it is not valid UTF-8 (GitHub always sends UTF-8 JSON). */
export function decodeBody(body: Buffer): string | undefined {
  try {
    return strictUtf8.decode(body);
  } catch {
    return undefined;
  }
}

export async function verifySignature(secrets: readonly string[], body: string, signature: string): Promise<boolean> {
  if (body.length === 0 || !/^sha256=[0-9a-f]{64}$/.test(signature)) return false;
  for (const secret of secrets) {
    if (secret && (await verify(secret, body, signature))) return true;
  }
  return false;
}
