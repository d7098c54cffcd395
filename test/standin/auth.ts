// GitHub App authentication as GitHub enforces it: an RS256 JWT signed by the app's private key
// buys an installation token; the token authorizes everything else.
import { createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";

export interface IssuedToken {
  token: string;
  installationId: number;
  expiresAt: string;
}

export type AuthResult = { ok: true; kind: "app"; appId: number } | { ok: true; kind: "installation"; token: IssuedToken } | { ok: false; message: string };

function base64UrlJson(part: string): unknown {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

export class Authenticator {
  private readonly publicKey: KeyObject | undefined;
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    readonly appId: number,
    publicKeyPem: string | undefined,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.publicKey = publicKeyPem ? createPublicKey(publicKeyPem) : undefined;
  }

  /** Verifies `Authorization: Bearer <JWT>` like GitHub: RS256 signature, issuer, and a live, bounded lifetime. */
  verifyJwt(authorization: string | undefined): AuthResult {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match) return { ok: false, message: "A JSON web token could not be decoded" };
    const parts = (match[1] as string).split(".");
    if (parts.length !== 3) return { ok: false, message: "A JSON web token could not be decoded" };
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    let header: { alg?: unknown };
    let payload: { iss?: unknown; exp?: unknown; iat?: unknown };
    try {
      header = base64UrlJson(headerPart) as typeof header;
      payload = base64UrlJson(payloadPart) as typeof payload;
    } catch {
      return { ok: false, message: "A JSON web token could not be decoded" };
    }
    if (header.alg !== "RS256") return { ok: false, message: "'Algorithm' must be RS256" };
    if (!this.publicKey) return { ok: false, message: "The stand-in was started without the app's public key" };
    const valid = verify("RSA-SHA256", Buffer.from(`${headerPart}.${payloadPart}`), this.publicKey, Buffer.from(signaturePart, "base64url"));
    if (!valid) return { ok: false, message: "A JSON web token could not be decoded" };
    if (String(payload.iss) !== String(this.appId)) return { ok: false, message: "'Issuer' claim ('iss') must be an Integer" };
    const now = this.nowSeconds();
    if (typeof payload.exp !== "number" || payload.exp <= now) {
      return { ok: false, message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires" };
    }
    if (payload.exp - now > 600 + 60) return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future" };
    if (typeof payload.iat === "number" && payload.iat > now + 60) return { ok: false, message: "'Issued at' claim ('iat') must be an Integer representing a time in the past" };
    return { ok: true, kind: "app", appId: this.appId };
  }

  issue(installationId: number): IssuedToken {
    const token: IssuedToken = {
      token: `ghs_${randomBytes(18).toString("base64url")}`,
      installationId,
      expiresAt: new Date((this.nowSeconds() + 3600) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
    this.tokens.set(token.token, token);
    return token;
  }

  /** Accepts `token <t>` and `Bearer <t>` as GitHub does for installation tokens. */
  verifyToken(authorization: string | undefined): AuthResult {
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? "");
    return this.checkToken(match?.[1]);
  }

  /** Git over HTTP: basic auth with any username (GitHub uses `x-access-token`) and the token as password. */
  verifyBasic(authorization: string | undefined): AuthResult {
    const match = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
    if (!match) return { ok: false, message: "Authentication required" };
    const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return this.checkToken(colon === -1 ? undefined : decoded.slice(colon + 1));
  }

  private checkToken(value: string | undefined): AuthResult {
    const token = value ? this.tokens.get(value) : undefined;
    if (!token) return { ok: false, message: "Bad credentials" };
    if (Date.parse(token.expiresAt) / 1000 <= this.nowSeconds()) return { ok: false, message: "Bad credentials" };
    return { ok: true, kind: "installation", token };
  }

  revokeAll(): void {
    this.tokens.clear();
  }
}
