/** The built-in ruleset: every family, in one list. */
import type { SecretRule } from "../types.js";
import { aiRules } from "./ai.js";
import { awsRules } from "./aws.js";
import { azureRules } from "./azure.js";
import { credentialRules } from "./credentials.js";
import { genericRules } from "./generic.js";
import { githubRules } from "./github.js";
import { gitlabRules } from "./gitlab.js";
import { googleRules } from "./google.js";
import { jwtRules } from "./jwt.js";
import { keyFileRules } from "./keyfiles.js";
import { privateKeyRules } from "./private-key.js";
import { registryRules } from "./registries.js";
import { saasRules } from "./saas.js";
import { slackRules } from "./slack.js";
import { stripeRules } from "./stripe.js";

export const BUILTIN_RULES: readonly SecretRule[] = [
  ...githubRules,
  ...gitlabRules,
  ...awsRules,
  ...googleRules,
  ...azureRules,
  ...slackRules,
  ...stripeRules,
  ...registryRules,
  ...aiRules,
  ...privateKeyRules,
  ...keyFileRules,
  ...jwtRules,
  ...credentialRules,
  ...saasRules,
  ...genericRules,
];
