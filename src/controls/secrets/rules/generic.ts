/**
 * Generic assignments: a secret-sounding name, an assignment, and a value that looks random rather than like a
 * reference, a template or a placeholder. High recall, lower precision, so it only warns.
 */
import { shannonEntropy } from "../entropy.js";
import type { SecretRule } from "../types.js";
import { ALNUM, fake } from "./fake.js";

const token = fake(ALNUM, 32, 1301);
const password = `${fake(ALNUM, 9, 1302)}#${fake(ALNUM, 5, 1303)}`;

/** Values that name something instead of being a secret: code references, calls, paths, types, words. */
const NOT_A_VALUE: RegExp[] = [
  /^(?:process\.env|os\.environ|os\.getenv|env|config|settings|self|this|props|params|args|request|req|options|opts)\b/i,
  /[()]/, // a call
  /^[a-z]+(?:[._-][a-z]+)*$/, // lower-case words or dotted names: `secret_key`, `auth.token`
  /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/, // ENV_VAR_NAMES
  /^(?:[a-z]+[A-Z][a-z]*)+$/, // camelCase identifiers
  /^(?:\.{0,2}\/|[A-Za-z]:\\|~\/)/, // paths
  /^(?:https?|file):\/\//i,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, // UUIDs are mostly ids
  /\s/, // prose
];

const STOPWORDS = [
  "example", "sample", "placeholder", "changeme", "change_me", "change-me", "dummy", "redacted", "your", "xxxx", "****",
  "todo", "fixme", "secret_key", "password", "passwd", "token", "default", "undefined", "null", "string", "replace",
  "insert", "enter", "put_", "mock", "${", "{{", "<%", "%s", "%(", "\\n",
];

function looksRandom(value: string): boolean {
  if (NOT_A_VALUE.some((re) => re.test(value))) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(value)).length;
  const entropy = shannonEntropy(value);
  if (value.length >= 20) return classes >= 2 && entropy > 3.5;
  return classes >= 3 && entropy > 2.8;
}

export const genericRules: SecretRule[] = [
  {
    id: "generic-secret-assignment",
    description: "A secret-sounding name assigned a random-looking literal value",
    keywords: ["pass", "pwd", "secret", "token", "key", "auth", "cred"],
    regex:
      /(?:passw(?:or)?d|passwd|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|credential)[A-Za-z0-9_.-]{0,24}["'`]?\]?[ \t]*(?:=|:=|:|=>|\+=|,)[ \t]*(?:new[ \t]+String\()?(?:(["'`])([^"'`\r\n]{6,150})\1|([A-Za-z0-9_\-+/=.~!@#$%^&*]{8,150})(?=[\s,;}\]]|$))/gim,
    secretGroup: [2, 3],
    severity: "warn",
    allowlist: { stopwords: STOPWORDS },
    validate: ({ secret }) => looksRandom(secret),
    samples: {
      match: [
        { text: `api_key = "${token}"`, secret: token },
        { text: `DB_PASSWORD=${password}`, secret: password },
        { text: `  clientSecret: '${token}',`, secret: token },
        { text: `$config['auth_token'] => "${token}";`, secret: token },
      ],
      noMatch: [
        "password = os.environ['DB_PASSWORD']",
        'api_key = "your_api_key_here"',
        "secret: ${{ secrets.DEPLOY_KEY }}",
        "token = getToken(user)",
        'password = "password"',
        "const accessKey = props.accessKey;",
        'private_key_path = "/etc/ssl/key.pem"',
        "AUTH_TOKEN_HEADER: X_AUTH_TOKEN_NAME",
      ],
    },
  },
];
