/** GitHub tokens: the 2021 format carries a CRC32 checksum, so a real token can be told from a look-alike offline. */
import { hasValidTokenChecksum } from "../checksum.js";
import type { SecretRule } from "../types.js";
import { ALNUM, checksummedToken, fake } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

const classic = checksummedToken("ghp", 101);
const oauth = checksummedToken("gho", 102);
const server = checksummedToken("ghs", 103);
const badSum = checksummedToken("ghp", 104, false);
const fineGrained = `github_pat_${fake(ALNUM, 22, 105)}_${fake(ALNUM, 59, 106)}`;

export const githubRules: SecretRule[] = [
  {
    id: "github-token",
    description: "GitHub personal, OAuth, user-to-server, server-to-server or refresh token",
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    regex: /(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    // Without a valid checksum it is most likely a hand-made look-alike: still reported, but only as a warning.
    validate: ({ secret }) => (hasValidTokenChecksum(secret) ? true : "warn"),
    samples: {
      match: [
        { text: `export GITHUB_TOKEN=${classic}`, secret: classic },
        { text: `{"token": "${oauth}"}`, secret: oauth },
        { text: `auth: ${server} # ci`, secret: server },
        { text: `token="${badSum}"`, secret: badSum },
      ],
      noMatch: [`ghp_${"x".repeat(36)}`, `ghp_${fake(ALNUM, 20, 107)}`, `myghp_${fake(ALNUM, 36, 108)}`],
    },
  },
  {
    id: "github-fine-grained-pat",
    description: "GitHub fine-grained personal access token",
    keywords: ["github_pat_"],
    regex: /(?<![A-Za-z0-9_])(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [{ text: `GH_TOKEN: "${fineGrained}"`, secret: fineGrained }],
      noMatch: [`github_pat_${fake(ALNUM, 22, 109)}`, "github_pat_<your token>"],
    },
  },
];
