/** GitLab tokens: every type has its own `gl…-` prefix; runner registration tokens start with `GR1348941`. */
import type { SecretRule } from "../types.js";
import { ALNUM, B64URL, fake, LOWER, DIGITS } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

const pat = `glpat-${fake(B64URL.replace("_", ""), 20, 201)}`;
const routable = `glpat-${fake(ALNUM, 27, 202)}.01.${fake(LOWER + DIGITS, 9, 203)}`;
const deploy = `gldt-${fake(ALNUM, 20, 204)}`;
const runner = `glrt-${fake(ALNUM, 20, 205)}`;
const registration = `GR1348941${fake(ALNUM, 20, 206)}`;

export const gitlabRules: SecretRule[] = [
  {
    id: "gitlab-token",
    description: "GitLab personal, deploy, runner, pipeline-trigger, CI-build, OAuth-app, feed, incoming-mail or agent token",
    keywords: ["glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glsoat-", "glft-", "glimt-", "glagent-", "gloas-"],
    regex:
      /(?<![A-Za-z0-9_-])((?:glpat|gldt|glrt|glptt|glcbt|glsoat|glft|glimt|glagent|gloas)-[A-Za-z0-9_-]{20,64}(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?)(?![A-Za-z0-9_-])/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [
        { text: `GITLAB_TOKEN=${pat}`, secret: pat },
        { text: `private_token: '${routable}'`, secret: routable },
        { text: `"deploy": "${deploy}",`, secret: deploy },
        { text: `token = ${runner}`, secret: runner },
      ],
      noMatch: ["glpat-xxxxxxxxxxxxxxxxxxxx", `glpat-${fake(ALNUM, 10, 207)}`],
    },
  },
  {
    id: "gitlab-runner-registration-token",
    description: "GitLab runner registration token",
    keywords: ["gr1348941"],
    regex: /(?<![A-Za-z0-9_-])(GR1348941[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [{ text: `gitlab-runner register --registration-token ${registration}`, secret: registration }],
      noMatch: ["GR1348941", `GR1348941${fake(ALNUM, 8, 208)}`],
    },
  },
];
