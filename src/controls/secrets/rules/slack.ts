/** Slack: bot, user, app and config tokens start with `xox?-`/`xapp-`; webhooks live under hooks.slack.com. */
import type { SecretRule } from "../types.js";
import { ALNUM, DIGITS, fake, UPPER, LOWER } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

const bot = `xoxb-${fake(DIGITS, 12, 601)}-${fake(DIGITS, 13, 602)}-${fake(ALNUM, 24, 603)}`;
const user = `xoxp-${fake(DIGITS, 12, 604)}-${fake(DIGITS, 12, 605)}-${fake(DIGITS, 13, 606)}-${fake("0123456789abcdef", 32, 607)}`;
const app = `xapp-1-${fake(UPPER + DIGITS, 11, 608)}-${fake(DIGITS, 13, 609)}-${fake("0123456789abcdef", 64, 610)}`;
const hookPath = `T${fake(UPPER + DIGITS, 8, 611)}/B${fake(UPPER + DIGITS, 10, 612)}/${fake(ALNUM, 24, 613)}`;

export const slackRules: SecretRule[] = [
  {
    id: "slack-token",
    description: "Slack bot, user, workspace or configuration token",
    keywords: ["xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxs-", "xoxr-", "xoxe-", "xoxe."],
    regex: /(?<![A-Za-z0-9-])((?:xox[abposre]|xoxe\.xox[bp])-[0-9]{1,16}-[A-Za-z0-9-]{10,250})(?![A-Za-z0-9-])/g,
    entropy: 3,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [
        { text: `SLACK_BOT_TOKEN=${bot}`, secret: bot },
        { text: `token: "${user}"`, secret: user },
      ],
      noMatch: ["xoxb-123-xxxxxxxxxxxxxxxx", "xoxb-your-token-here"],
    },
  },
  {
    id: "slack-app-token",
    description: "Slack app-level token",
    keywords: ["xapp-"],
    regex: /(?<![A-Za-z0-9-])(xapp-\d-[A-Z0-9]{6,}-\d{6,}-[a-z0-9]{32,})(?![A-Za-z0-9-])/g,
    severity: "block",
    samples: {
      match: [{ text: `SLACK_APP_TOKEN="${app}"`, secret: app }],
      noMatch: ["xapp-1-ABC-123-abc"],
    },
  },
  {
    id: "slack-webhook-url",
    description: "Slack incoming webhook URL",
    keywords: ["hooks.slack.com"],
    regex: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(T[A-Z0-9]{6,12}\/[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,})/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [{ text: `url = "https://hooks.slack.com/services/${hookPath}"`, secret: hookPath }],
      noMatch: ["https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", `https://hooks.slack.com/services/${LOWER}`],
    },
  },
];
