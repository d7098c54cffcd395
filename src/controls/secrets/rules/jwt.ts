/** JSON Web Tokens: three base64url segments whose header decodes to JSON naming an `alg`. */
import type { SecretRule } from "../types.js";
import { B64URL, b64json, fake } from "./fake.js";

const jwt = `${b64json({ alg: "HS256", typ: "JWT" })}.${b64json({ sub: "1234", name: "Fake User", iat: 1700000000 })}.${fake(B64URL, 43, 1101)}`;
const notJwtHeader = `${b64json({ hello: "world" })}.${b64json({ sub: "1" })}.${fake(B64URL, 43, 1102)}`;

function hasAlgHeader(token: string): boolean {
  const header = token.slice(0, token.indexOf("."));
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    return typeof parsed === "object" && parsed !== null && typeof (parsed as Record<string, unknown>).alg === "string";
  } catch {
    return false;
  }
}

export const jwtRules: SecretRule[] = [
  {
    id: "jwt",
    description: "JSON Web Token",
    keywords: ["eyj"],
    regex: /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,}={0,2}\.eyJ[A-Za-z0-9_-]{10,}={0,2}\.[A-Za-z0-9_-]{16,}={0,2})(?![A-Za-z0-9_-])/g,
    severity: "block",
    validate: ({ secret }) => hasAlgHeader(secret),
    samples: {
      match: [
        { text: `Authorization: Bearer ${jwt}`, secret: jwt },
        { text: `const token = '${jwt}';`, secret: jwt },
      ],
      noMatch: [notJwtHeader, "eyJhbGciOi.eyJzdWIi"],
    },
  },
];
