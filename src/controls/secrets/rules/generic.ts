/**
 * Generic assignments: a secret-sounding name, an assignment, and a value that is a literal rather than a
 * reference, a template or a placeholder. High recall, lower precision, so these rules only warn.
 */
import { shannonEntropy } from "../entropy.js";
import type { SecretRule } from "../types.js";
import { ALNUM, fake, HEX, LOWER } from "./fake.js";

const token = fake(ALNUM, 32, 1301);
const password = `${fake(ALNUM, 9, 1302)}#${fake(ALNUM, 5, 1303)}`;
const lowerKey = fake(LOWER.replace(/[aeiou]/g, ""), 22, 1304);
const uuid = [8, 4, 4, 4, 12].map((n, i) => fake(HEX, n, 1305 + i)).join("-");

/** Values that name something instead of being a secret: code references, calls, paths, types, prose. */
const NOT_A_VALUE: RegExp[] = [
  /^(?:process\.env|os\.environ|os\.getenv|env|config|settings|self|this|props|params|args|request|req|options|opts)\b/i,
  /[()]/, // a call
  /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/, // dotted names: `config.auth.token`
  /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/, // ENV_VAR_NAMES
  /^[a-z]{2,}(?:[A-Z][a-z]{2,})+$/, // camelCase identifiers
  /^[A-Z]*(?:[A-Z][a-z]{2,})+$/, // PascalCase identifiers
  /^(?:[A-Z][a-z0-9]{2,}){2,}$/, // PascalCase type names with digits: Base32SecretKey
  /^arn:/, // AWS resource names
  /^[\w.-]+(?:\/[\w.-]+)+\.[a-z]{1,5}$/, // relative file paths: certs/client.key
  /^_*[a-z]+(?:_[a-z0-9]+)+_*$/, // snake_case identifiers, also `__private_marker`
  /^(?:\.{0,2}\/|[A-Za-z]:\\|~\/)/, // paths
  /^(?:https?|file):\/\//i,
  /^\$2[aby]?\$\d\d\$/, // bcrypt hashes are stored hashes, not credentials
  /^_?[a-z0-9-]+(?:\.[a-z0-9-]+)+\.?$/, // host names and dotted versions
  /\s/, // prose
  /[^ -~]/, // non-ASCII words are labels (translations), not secrets
];

const STOPWORDS = [
  "example", "sample", "placeholder", "changeme", "change_me", "change-me", "dummy", "redacted", "your", "xxxx", "****",
  "todo", "fixme", "secret_key", "passw", "token", "default", "undefined", "null", "string", "replace",
  "insert", "enter", "put_", "mock", "${", "{{", "<%", "%s", "%(", "\\n", "###", "...", "my-", "something",
];

const VOWELS = /[aeiouAEIOU]/g;

/** Letters-only text with few vowels reads as random rather than as words. */
function unpronounceable(value: string): boolean {
  if (!/^[A-Za-z]+$/.test(value)) return false;
  return (value.match(VOWELS)?.length ?? 0) / value.length < 0.3;
}

function classesOf(value: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(value)).length;
}

/** Values that repeat what the name says (`client-secret`, `fake-secret`) are placeholders. */
const SECRET_WORDS = ["secret", "fake"];

/** Identifiers with a counter (selectBoxes2, signature1): keys of forms and maps, not secrets. */
const COUNTED_IDENTIFIER = /^[a-z]{3,}(?:(?:[A-Z][a-z]{2,})+[0-9]{0,3}|[0-9]{1,3})$/;

/** A random UUID assigned to a secret name is a credential (client secrets, API keys, tokens are often UUIDs). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function looksRandom(value: string): boolean {
  if (UUID.test(value)) return !/^0{8}-|^(.)\1{7}-/.test(value);
  if (NOT_A_VALUE.some((re) => re.test(value)) || COUNTED_IDENTIFIER.test(value)) return false;
  const lower = value.toLowerCase();
  if (SECRET_WORDS.some((w) => lower.includes(w))) return false;
  // kebab-case words (`client-credentials`) unless the words are unpronounceable (`rklqjnqw-khrc-kdot`).
  if (/^[a-z0-9]+(?:-[a-z0-9]+)+$/.test(value) && !unpronounceable(value.replace(/[^a-z]/g, "") || "a")) return false;
  // Letters only: random if it cannot be read as words.
  if (/^[A-Za-z]+$/.test(value) && !unpronounceable(value)) return false;
  const classes = classesOf(value);
  const entropy = shannonEntropy(value);
  if (value.length >= 20 && classes >= 2 && entropy > 3.5) return true;
  if (value.length >= 10 && entropy > 3 && (classes >= 2 || unpronounceable(value))) return true;
  return classes >= 3 && entropy > 2.8;
}

/** Names whose value is not itself a secret: public keys, hashes, ids, metadata about a secret. */
const NOT_A_SECRET_NAME =
  /public|hash|salt|digest|encod|header|policy|type|length|min|max|field|label|param|prompt|regex|pattern|file|path|url|uri|fqdn|host|name|_id\b|id$|method|mode|format|version|expire|timeout|enabled|required/i;

/** The identifier the match assigns to: the characters before the keyword plus the match up to its operator. */
function assignedName(fragment: string, index: number, match: string): { name: string; templated: boolean } {
  let start = index;
  while (start > 0 && /[\w.$-]/.test(fragment[start - 1] ?? "")) start--;
  const head = /^[^=:,>!(]*/.exec(match)?.[0] ?? "";
  return { name: fragment.slice(start, index) + head, templated: fragment.slice(Math.max(0, start - 2), start) === "${" };
}

/**
 * A call with one quoted argument is a value only for a setter (`cfg.setAppSecret("…")`) or a constructor
 * (`new Credential("…")`); any other call (`getToken("name")`, `hasKey("id")`) takes a name, not a secret.
 */
function callAccepted(fragment: string, index: number, match: string, name: string): boolean {
  if (!/^[^=:,>]*\(/.test(match)) return true;
  const lastSegment = name.slice(name.lastIndexOf(".") + 1);
  let start = index;
  while (start > 0 && /[\w.$]/.test(fragment[start - 1] ?? "")) start--;
  return /^set[A-Z_]/.test(lastSegment) || /\bnew[ \t]+$/.test(fragment.slice(Math.max(0, start - 8), start));
}

function acceptableName(fragment: string, index: number, match: string): boolean {
  const { name, templated } = assignedName(fragment, index, match);
  return !templated && !NOT_A_SECRET_NAME.test(name) && callAccepted(fragment, index, match, name.replace(/\($/, ""));
}

/**
 * Vendor defaults and sample passwords (`root123`, `admin123`, `123456`, `changeit`): CredData's reviewers label
 * them as not credentials, and a repository scanner would bury real findings under them.
 */
const WELL_KNOWN_DEFAULT =
  /^(?:(?:admin|root|test|user|pass|pwd?|db|demo|guest|sa|postgres|mysql|oracle)[0-9]{0,8}|[0-9]{4,8}|qwerty[0-9]*|asdf[a-z0-9]*|abc[0-9]*|changeit|letmein|secure_?pwd|pass_[a-z]+)$/i;

/** Files in which an unquoted value is a literal (configuration) rather than a reference (code). */
const CONFIG_FILE = /(?:^|\/)(?:\.env[^/]*|[^/]*\.(?:env|ya?ml|ini|cfg|conf|properties|toml|sh|bash|zsh|md|txt|dockerfile)|Dockerfile)$/i;

/**
 * Shapes that name things elsewhere but, in a password field, are passwords: a letters-only word nobody could
 * pronounce (`Pdtswesp` is not a PascalCase type), or a long mixed value with a non-ASCII symbol (`…XC§X`),
 * which a translated label (`Contraseña`) is not.
 */
function passwordShaped(value: string, rejectedBy: RegExp): boolean {
  if (/^[A-Za-z]+$/.test(value)) return unpronounceable(value);
  return rejectedBy.source === "[^ -~]" && value.length >= 8 && !/\s/.test(value) && classesOf(value) >= 3;
}

/** A password field holds a credential whatever it looks like; only references and placeholders are excluded. */
function isPasswordLiteral(value: string, quoted: boolean, path: string): boolean {
  if (value.length < 4 || NOT_A_VALUE.some((re) => re.test(value) && !passwordShaped(value, re))) return false;
  if (/^(?:pass(?:word)?|secret|admin|root|user(?:name)?|test|guest|none|empty|required|optional|hidden)$/i.test(value)) return false;
  if (WELL_KNOWN_DEFAULT.test(value) || /^\.\w+$|^\[[A-Z]+\]$/.test(value)) return false;
  return quoted || CONFIG_FILE.test(path) || classesOf(value) >= 2;
}

/** The name's tail, an optional closing quote or bracket, then an assignment. */
const NAME_TAIL = String.raw`[A-Za-z0-9_.-]{0,24}\\?["'\x60]?\]?[ \t]*`;
/**
 * `= value`, `: value`, `=> value`, and comparisons with a quoted literal `== "value"` (a literal compared with a
 * password field is that password; bare operands there are constants and numbers), with the value quoted (groups 1-2, also as `\"value\"` inside a string) or bare (group 3); after a
 * comma, as in `("password", "value")`, only a quoted value counts (groups 4-5), since bare words there are argument
 * lists; a single quoted argument `setPassword("value")` / `new Credential("value")` (groups 6-7) counts only for
 * setters and constructors (see `callAccepted`).
 */
const ASSIGNED_VALUE = String.raw`(?:(?:(?:===?|!==?)[ \t]*(?=\\?["'\x60])|(?:=|:=|:|=>|\+=)[ \t]*)(?:(?:new[ \t]+)?String\()?(?:\\?(["'\x60])([^"'\x60\r\n]{4,150}?)\\?\1|([A-Za-z0-9_\-+/=.~!@#$%^*]{4,150})(?=[\s,;}\]&"'\x60\\]|$))|(?<=["'\x60]\]?[ \t]*),[ \t]*(["'\x60])([^"'\x60\r\n]{4,150})\4|\([ \t]*(["'\x60])([^"'\x60\r\n]{4,150})\6[ \t]*\))`;

/**
 * What every match of the two rules below starts with: the name (letters, `_`, `.`, `-`) and NAME_TAIL (also
 * digits, `\`, quotes, `]`, blanks), then the first character of an ASSIGNED_VALUE alternative: `=` (`=`, `==`,
 * `===`, `=>`), `!` (`!=`), `:` (`:`, `:=`), `+` (`+=`), `,` (after a quoted name) or `(`.
 */
const ASSIGNMENT_LEAD = {
  chars: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-\\\"'`] \t",
  then: "=!:+,(",
  fits: operatorFits,
};

/**
 * Whether the character at `at` can start an ASSIGNED_VALUE alternative: `!` and `+` only as `!=` and `+=`, `,`
 * only after a quote (and an optional `]` and blanks), `(` only before blanks and a quote. Most commas and
 * parentheses after a keyword are argument lists, where the regex would be called for nothing.
 */
function operatorFits(text: string, at: number): boolean {
  switch (text.charCodeAt(at)) {
    case 0x21: // !
    case 0x2b: // +
      return text.charCodeAt(at + 1) === 0x3d;
    // The loops step at least once and the `]` is subtracted, not tested: arithmetic that runs only on some texts
    // would make V8 recompile the engine's per-hit loop, into which this is inlined, the first time it does.
    case 0x2c: {
      // ,
      let i = at;
      do i--;
      while (i >= 0 && isBlank(text.charCodeAt(i)));
      i -= text.charCodeAt(i) === 0x5d ? 1 : 0;
      return i >= 0 && isQuote(text.charCodeAt(i));
    }
    case 0x28: {
      // (
      let i = at;
      do i++;
      while (i < text.length && isBlank(text.charCodeAt(i)));
      return isQuote(text.charCodeAt(i));
    }
    default:
      return true;
  }
}

function isQuote(c: number): boolean {
  return c === 0x22 || c === 0x27 || c === 0x60;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

export const genericRules: SecretRule[] = [
  {
    id: "generic-password-assignment",
    description: "A password-named field assigned a literal value",
    keywords: ["pass", "pwd"],
    regex: new RegExp(String.raw`(?:passw(?:or)?d|passwd|passphrase|pwd|(?<![a-z])pass(?![a-z]))` + NAME_TAIL + ASSIGNED_VALUE, "gim"),
    secretGroup: [2, 3, 5, 7],
    // Every alternative of the name starts with a keyword.
    reach: 0,
    lead: ASSIGNMENT_LEAD,
    severity: "warn",
    allowlist: { stopwords: STOPWORDS.filter((w) => w !== "token") },
    validate: ({ secret, match, path, fragment, index }) =>
      acceptableName(fragment, index, match) && isPasswordLiteral(secret, /["'`][ \t]*\)?$/.test(match), path),
    samples: {
      match: [
        { text: `DB_PASSWORD=${password}`, secret: password },
        { text: `  password: "kqmvzrtw",`, secret: "kqmvzrtw" },
        { text: `users: [{user: svc, pass: wxyzq}]`, secret: "wxyzq" },
        { text: `props.put("password", "${password}");`, secret: password },
        { text: `if (username == "svc") and (password == "kqmvzrtwb"):`, secret: "kqmvzrtwb" },
        { text: `if updated.Password != "${password}" {`, secret: password },
        { text: `op := "CONNECT {\\"user\\":\\"derek\\",\\"pass\\":\\"kq7vz2\\"}\\r\\n"`, secret: "kq7vz2" },
        { text: `jmx.setPassword("${password}");`, secret: password },
        { text: `DYN_PASSWORD = "Pdtswqx"`, secret: "Pdtswqx" },
        { text: `password: 'Tq7$vRk§2mWz'`, secret: "Tq7$vRk§2mWz" },
      ],
      noMatch: [
        "password = os.environ['DB_PASSWORD']",
        'password = "password"',
        "password = request.form.password",
        "def login(username, password):",
        '"LABEL_PASSWORD": "Contraseña",',
        "password: $2a$10$LoRPzN3GtF2pNX5QgCBBHeUr6/zVN./RVGOu5U8SpHyg2sfzvfXji",
        "const pass = passwordInput;",
        '"minipass": "^7.1.2",',
        "scrypt(password, 'salt', 64, callback)",
        '"bypass-list": "delete"',
        "password: ${DATASOURCE_PASSWORD:root123}",
        "password_hash: 'foQzXY.HaydB.'",
        "sysPassword=###ORACLE_PWD###",
        "MYSQL_ROOT_PASSWORD: root123",
        "target.mysql.password=123456",
        "if c.opts.Password != _EMPTY_ {",
        'password = lookupPassword("db-main")',
        'password = "Password"',
        'Files.createTempFile(dir, "rcuPasswords", ".txt")',
      ],
      path: "config/app.yml",
    },
  },
  {
    id: "generic-secret-assignment",
    description: "A secret-sounding name assigned a random-looking literal value",
    keywords: ["secret", "token", "key", "auth", "cred"],
    regex: new RegExp(
      String.raw`(?:secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|credential|auth|nkey|key(?![a-z]))` + NAME_TAIL + ASSIGNED_VALUE,
      "gim",
    ),
    secretGroup: [2, 3, 5, 7],
    // `private_key` starts 8 characters before its keyword `key`.
    reach: 8,
    lead: ASSIGNMENT_LEAD,
    severity: "warn",
    allowlist: { stopwords: STOPWORDS },
    validate: ({ secret, match, fragment, index }) => acceptableName(fragment, index, match) && looksRandom(secret),
    samples: {
      match: [
        { text: `api_key = "${token}"`, secret: token },
        { text: `  clientSecret: '${token}',`, secret: token },
        { text: `$config['auth_token'] => "${token}";`, secret: token },
        { text: `GANDI_API_KEY=${lowerKey} \\`, secret: lowerKey },
        { text: `keyAuth := "${token}"`, secret: token },
        { text: `put("client_secret", "${token}")`, secret: token },
        { text: `body = "oauth_token=${token}&callback_confirmed=true"`, secret: token },
        { text: `curl -H "X-Auth-Token: ${token}" https://api.acme.invalid`, secret: token },
        { text: `String aesKey = "${token}";`, secret: token },
        { text: `want := &PublicKey{Key: String("${token}")}`, secret: token },
        { text: `"access_token":"${uuid}",`, secret: uuid },
        { text: `appAuthData.setAppSecret("${token}");`, secret: token },
        { text: `final Credential cred = new Credential("${token}");`, secret: token },
        { text: `if natsAcc.Nkey != "${token}" {`, secret: token },
      ],
      noMatch: [
        'api_key = "your_api_key_here"',
        "secret: ${{ secrets.DEPLOY_KEY }}",
        "token = getToken(user)",
        "const accessKey = props.accessKey;",
        'private_key_path = "/etc/ssl/key.pem"',
        "AUTH_TOKEN_HEADER: X_AUTH_TOKEN_NAME",
        'secret_name = "authorization_header"',
        'token_type = "authentication"',
        "exports.TSBooleanKeyword = TSBooleanKeyword;",
        "export { TSAnyKeyword, TSBigIntKeyword, DEPRECATED_KEYS };",
        "f(token, someArgument)",
        `pwdPublicKey=${token}`,
        'authFQDN: "_acme-challenge.foo.com."',
        ">(token: string, secret: Base32SecretKey, options: Readonly<T>)",
        'options.ClientSecret = "my-client-secret";',
        'token["access_token"] = "something-else"',
        'secret: "webhooksecret123",',
        "{ key: 'navigation.home.title', label: 'Home' }",
        "const keyword = 'TSBooleanKeyword';",
        '"key": "selectBoxes2",',
        '"client_key": "utils/resources/certs/client.key"',
        '"target_key_arn": "arn:aws:kms:eu-west-3:047081014315:key/404a6b33-acab-7061-f6eb-aaba78d46be0",',
        "if bucket.Key != 1.29384e+12 {",
        "if ($key !== '__internal_marker') {",
        `value = cache.getToken("${token}")`,
        '"key": "00000000-0000-0000-0000-000000000000"',
        "if (token == TOKEN_NONE) {",
      ],
    },
  },
];
