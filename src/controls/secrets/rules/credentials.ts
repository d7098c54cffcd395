/** Credentials written inline: URLs with a password, connection strings, HTTP authorization headers, curl -u. */
import type { SecretRule } from "../types.js";
import { ALNUM, B64, fake } from "./fake.js";

const password = `${fake(ALNUM, 10, 1201)}!${fake(ALNUM, 4, 1202)}`;
const bearer = fake(B64, 40, 1203);
const basic = Buffer.from(`${fake(ALNUM, 6, 1204)}:${fake(ALNUM, 10, 1205)}`).toString("base64");

/** Passwords that are obviously placeholders in documentation and samples. */
const PLACEHOLDER_PASSWORD =
  /^(?:pass(?:word|wd)?|pwd|secret|changeme|change_me|your_?password|<[^>]*>|\[[^\]]*\]|:[a-z_]+|%s|\*+|x+|\.+|\$\(.*\))$/i;

/** Hosts reserved for documentation (RFC 2606 / 6761): credentials there are examples by definition. */
const DOCUMENTATION_HOST = /(?:^|\.)(?:example\.(?:com|org|net)|example|invalid|test)$/;
const LOOPBACK_HOST = /^(?:localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/;

function looksStrong(password: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  return password.length >= 8 && classes >= 2;
}

export const credentialRules: SecretRule[] = [
  {
    id: "url-credentials",
    description: "Password in a URL (database, broker, FTP or HTTP)",
    keywords: ["://"],
    regex:
      /:\/\/(?<=(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/)[^\s:@/'"`<>()]{1,100}:([^\s@/'"`<>]{1,200})@([A-Za-z0-9._-]+|\[[0-9A-Fa-f:]+\]|%[sv](?![A-Za-z0-9]))/g,
    secretGroup: 1,
    // The match starts at `://`; the scheme before it is a lookbehind.
    reach: 0,
    allowlist: { regexes: [PLACEHOLDER_PASSWORD], stopwords: ["example", "xxxx"] },
    severity: "block",
    validate: ({ match, secret }) => {
      const host = match.slice(match.lastIndexOf("@") + 1).toLowerCase();
      // A host filled in by a format string (`nats://svc:pw@%s`) still leaves a literal password in the code.
      const user = match.slice(3, match.indexOf(":", 3));
      if (DOCUMENTATION_HOST.test(host)) return false;
      // `user:user@`, `foo:bar@`, an ENV_NAME or a port number (`host:80?@evil`) are not passwords.
      if (secret === user || /^(?:foo|bar|baz|qux)$/i.test(secret) || /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(secret)) return false;
      if (/^\d{1,5}\??$/.test(secret)) return false;
      // Loopback services and short, simple passwords are mostly local development settings: reported, not blocking.
      return LOOPBACK_HOST.test(host) || !looksStrong(secret) ? "warn" : true;
    },
    samples: {
      match: [
        { text: `DATABASE_URL=postgres://app:${password}@db.internal:5432/app`, secret: password },
        { text: `mongo = "mongodb+srv://admin:${password}@cluster0.mongo.acme.net/db"`, secret: password },
        { text: `REDIS_URL=redis://default:hunter22@127.0.0.1:6379`, secret: "hunter22" },
        { text: `amqp://guest:${password}@rabbit:5672/`, secret: password },
        { text: `nats.Connect(fmt.Sprintf("nats://svc:kqvz@%s:%d", host, port))`, secret: "kqvz" },
      ],
      noMatch: [
        "postgres://user:password@localhost/db",
        "redis://:${REDIS_PASSWORD}@cache:6379",
        "https://user:<password>@host",
        "mysql://root:%s@%s/%s",
        `new URL("https://abc:${password}@example.com")`,
        'url.Parse("nats-route://foo:bar@10.0.0.1:4245")',
        "https://token:MY_GITHUB_TOKEN@github.com/acme/repo.git",
        "http://google.com:80?@www.whitelisteddomain.tld/",
        "http://admin:admin@registry.local",
        'fmt.Sprintf("nats://%s:%s@%s:%d", user, pass, host, port)',
      ],
    },
  },
  {
    id: "connection-string-password",
    description: "Password in a database connection string",
    keywords: ["password", "pwd"],
    regex:
      /(?:server|data source|host|uid|user id|initial catalog)[ \t]*=[^;\n]*;[^\n]{0,300}?(?:password|pwd)[ \t]*=[ \t]*([^;"'\s]{3,128})(?=[;"'\s]|$)/gim,
    allowlist: { regexes: [PLACEHOLDER_PASSWORD], stopwords: ["example", "xxxx"] },
    severity: "block",
    samples: {
      match: [
        { text: `"Server=sql01;Database=app;User Id=svc;Password=${password};"`, secret: password },
        { text: `Data Source=db;Initial Catalog=x;uid=sa;pwd=${password}`, secret: password },
      ],
      noMatch: ["Server=sql01;User Id=svc;Password=<password>;", "Server=sql01;User Id=svc;Password={0};".replace("{0}", "****")],
    },
  },
  {
    id: "http-authorization-header",
    description: "Credential in an HTTP Authorization header",
    keywords: ["authorization"],
    regex: /authorization["']?[ \t]*[:=,][ \t]*["']?(?:basic|bearer|token)[ \t]+([A-Za-z0-9+/._~-]{16,}={0,2})/gi,
    entropy: 3.5,
    severity: "warn",
    samples: {
      match: [
        { text: `curl -H "Authorization: Bearer ${bearer}" https://api.example.invalid`, secret: bearer },
        { text: `headers = {"Authorization": "Basic ${bearer}"}`, secret: bearer },
      ],
      noMatch: ["Authorization: Bearer ${TOKEN}", "Authorization: Bearer aaaaaaaaaaaaaaaaaaaa"],
    },
  },
  {
    id: "basic-auth-credentials",
    description: "HTTP Basic credentials (base64 of user:password) written in code",
    keywords: ["basic ", "basic\t"],
    regex: /\bBasic[ \t]+([A-Za-z0-9+/]{8,200}={0,2})(?![A-Za-z0-9+/=])/g,
    severity: "warn",
    // Only a value that decodes to `user:password` in printable text: prose ("Basic authentication") and other
    // base64 do not.
    validate: ({ secret }) => {
      if (secret.length % 4 !== 0) return false;
      const decoded = Buffer.from(secret, "base64").toString("latin1");
      const colon = decoded.indexOf(":");
      return /^[\x20-\x7e]+$/.test(decoded) && colon > 0 && colon < decoded.length - 1;
    },
    samples: {
      match: [
        { text: `if auth != "Basic ${basic}" {`, secret: basic },
        { text: `assert.Equal(t, "Basic ${basic}", r.Header.Get("Authorization"))`, secret: basic },
      ],
      noMatch: [
        "Basic authentication is supported",
        `"Basic ${Buffer.from("no colon here").toString("base64")}"`,
        `"Basic ${Buffer.from("user:").toString("base64")}"`,
        "Basic ${CREDENTIALS}",
      ],
    },
  },
  {
    id: "curl-user-password",
    description: "Password passed to curl with -u / --user",
    keywords: ["curl"],
    regex: /\bcurl\b[^\n]{0,300}?[ \t](?:-u|--user)[ \t]+["']?[^\s:"']{1,64}:([^\s"']{3,128})/g,
    allowlist: { regexes: [PLACEHOLDER_PASSWORD] },
    severity: "warn",
    samples: {
      match: [{ text: `curl -s -u deploy:${password} https://ci.example.invalid/api`, secret: password }],
      noMatch: ["curl -u user:password https://x", 'curl -u "$USER:$PASS" https://x'],
    },
  },
];
