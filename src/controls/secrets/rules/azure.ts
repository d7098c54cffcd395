/** Azure: AD client secrets carry `<digit>Q~`; storage account keys are 88 base64 characters after `AccountKey=`. */
import type { SecretRule } from "../types.js";
import { ALNUM, B64, DIGITS, fake } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

const clientSecret = `${fake(ALNUM, 3, 501)}${fake(DIGITS, 1, 502)}Q~${fake(ALNUM + "_~.-", 34, 503)}`;
const accountKey = `${fake(B64, 86, 504)}==`;
const sasSig = `${fake(ALNUM, 40, 505)}%3D`;

export const azureRules: SecretRule[] = [
  {
    id: "azure-ad-client-secret",
    description: "Azure AD (Entra ID) application client secret",
    keywords: ["q~"],
    regex: /(?<![A-Za-z0-9_~.-])([A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/g,
    entropy: 3,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [
        { text: `AZURE_CLIENT_SECRET="${clientSecret}"`, secret: clientSecret },
        { text: `"clientSecret": "${clientSecret}"`, secret: clientSecret },
      ],
      noMatch: ["abc1Q~short", "url?q~x"],
    },
  },
  {
    id: "azure-storage-account-key",
    description: "Azure storage account key in a connection string",
    keywords: ["accountkey"],
    regex: /AccountKey[ \t]*=[ \t]*([A-Za-z0-9+/]{86}==)/gi,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [
        {
          text: `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${accountKey};EndpointSuffix=core.windows.net`,
          secret: accountKey,
        },
      ],
      noMatch: ["AccountKey=<key>", "AccountKey=${STORAGE_KEY}"],
    },
  },
  {
    id: "azure-sas-token",
    description: "Azure shared access signature",
    keywords: ["sig="],
    regex: /sv=\d{4}-\d{2}-\d{2}[^\s"'<>]{0,300}?[&;]sig=([A-Za-z0-9%+/]{30,}(?:%3D|=){0,2})/gi,
    severity: "block",
    samples: {
      match: [
        {
          text: `https://acme.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=${sasSig}`,
          secret: sasSig,
        },
      ],
      noMatch: ["?sv=2022-11-02&sig=", "sig=abc"],
    },
  },
];
