/** Google: API keys start with `AIza`; OAuth client secrets with `GOCSPX-`; OAuth access tokens with `ya29.`. */
import type { SecretRule } from "../types.js";
import { ALNUM, B64URL, fake } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

const apiKey = `AIza${fake(B64URL, 35, 401)}`;
const clientSecret = `GOCSPX-${fake(B64URL, 28, 402)}`;
const accessToken = `ya29.${fake(B64URL, 120, 403)}`;

export const googleRules: SecretRule[] = [
  {
    id: "google-api-key",
    description: "Google / GCP API key",
    keywords: ["aiza"],
    regex: /(?<![A-Za-z0-9_-])(AIza[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [
        { text: `const key = "${apiKey}";`, secret: apiKey },
        { text: `GOOGLE_API_KEY=${apiKey}`, secret: apiKey },
      ],
      noMatch: [`AIza${fake(ALNUM, 20, 404)}`, `AIza${"x".repeat(35)}`],
    },
  },
  {
    id: "google-oauth-client-secret",
    description: "Google OAuth client secret",
    keywords: ["gocspx-"],
    regex: /(?<![A-Za-z0-9_-])(GOCSPX-[A-Za-z0-9_-]{28})(?![A-Za-z0-9_-])/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [{ text: `"client_secret": "${clientSecret}"`, secret: clientSecret }],
      noMatch: ["GOCSPX-short"],
    },
  },
  {
    id: "google-oauth-access-token",
    description: "Google OAuth access token",
    keywords: ["ya29."],
    regex: /(?<![A-Za-z0-9_-])(ya29\.[A-Za-z0-9_-]{30,400})(?![A-Za-z0-9_-])/g,
    entropy: 3.5,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [{ text: `Authorization: Bearer ${accessToken}`, secret: accessToken }],
      noMatch: ["ya29.", `ya29.${"a".repeat(40)}`],
    },
  },
];
