/**
 * AWS: access key ids are anchored by prefix; a key id alone cannot be used, so it blocks only when a secret key
 * sits in the same fragment. The 40-character secret key has no prefix and is found next to its usual names.
 */
import type { SecretRule } from "../types.js";
import { B64, BASE32, fake } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

const keyId = `AKIA${fake(BASE32, 16, 301)}`;
const tempKeyId = `ASIA${fake(BASE32, 16, 302)}`;
const secretKey = fake(B64, 40, 303);
const bedrock = `ABSK${fake(B64, 120, 304)}`;

/** A 40-character base64 value mixing upper, lower and digits: the shape of an AWS secret access key. */
const PAIRED_SECRET = /(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/;

/** The text from `radius` lines before the offset to `radius` lines after it: where a paired secret would sit. */
function nearbyLines(text: string, offset: number, radius: number): string {
  let start = offset;
  for (let i = 0; i <= radius && start > 0; i++) start = text.lastIndexOf("\n", start - 1);
  let end = offset;
  for (let i = 0; i <= radius && end !== -1; i++) end = text.indexOf("\n", end + 1);
  return text.slice(Math.max(0, start), end === -1 ? text.length : end);
}

export const awsRules: SecretRule[] = [
  {
    id: "aws-access-key-id",
    description: "AWS access key id (blocks when a secret access key is in the same fragment)",
    keywords: ["akia", "asia", "abia", "acca", "a3t"],
    regex: /(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})(?![A-Za-z0-9])/g,
    allowlist: { stopwords: ["example"] },
    severity: "block",
    validate: ({ fragment, index }) => (PAIRED_SECRET.test(nearbyLines(fragment, index, 5)) ? true : "warn"),
    samples: {
      match: [
        { text: `aws_access_key_id = ${keyId}\naws_secret_access_key = ${secretKey}`, secret: keyId },
        { text: `"AccessKeyId": "${tempKeyId}"`, secret: tempKeyId },
      ],
      noMatch: ["AKIAIOSFODNN7EXAMPLE", "AKIA1234", `XAKIA${fake(BASE32, 16, 305)}`],
    },
  },
  {
    id: "aws-secret-access-key",
    description: "AWS secret access key",
    keywords: ["aws", "secretaccesskey", "secret_access_key", "secret_accesskey", "secretaccess_key"],
    regex:
      /(?:aws[\w.-]{0,24}?secret[\w.-]{0,24}?|secret_?access_?key)["']?[ \t]*(?:=|:=|:|=>|,)[ \t]*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    entropy: 3.5,
    allowlist: { stopwords: ["example", ...PLACEHOLDER_STOPWORDS] },
    severity: "block",
    samples: {
      match: [
        { text: `aws_secret_access_key = ${secretKey}`, secret: secretKey },
        { text: `AWS_SECRET_ACCESS_KEY: "${secretKey}"`, secret: secretKey },
        { text: `{"SecretAccessKey": "${secretKey}"}`, secret: secretKey },
      ],
      noMatch: ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", `aws_secret_access_key = ${"a".repeat(40)}`],
    },
  },
  {
    id: "aws-bedrock-api-key",
    description: "Amazon Bedrock long-term API key",
    keywords: ["absk"],
    regex: /(?<![A-Za-z0-9])(ABSK[A-Za-z0-9+/]{100,400}={0,2})(?![A-Za-z0-9+/=])/g,
    severity: "block",
    samples: {
      match: [{ text: `AWS_BEARER_TOKEN_BEDROCK=${bedrock}`, secret: bedrock }],
      noMatch: ["ABSK1234", "ABSKxxxx"],
    },
  },
];
