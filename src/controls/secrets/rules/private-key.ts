/** Private keys: PEM/OpenSSH/PGP armour spans lines (also inside JSON with `\n` escapes); PuTTY files have a header. */
import type { SecretRule } from "../types.js";
import { B64, fake } from "./fake.js";

const body = (seed: number, lines: number): string[] => Array.from({ length: lines }, (_, i) => fake(B64, 64, seed + i));
const rsa = ["-----BEGIN RSA PRIVATE KEY-----", ...body(1001, 5), "-----END RSA PRIVATE KEY-----"].join("\n");
const openssh = ["-----BEGIN OPENSSH PRIVATE KEY-----", ...body(1010, 4), "-----END OPENSSH PRIVATE KEY-----"].join("\n");
const jsonEscaped = ["-----BEGIN PRIVATE KEY-----", ...body(1020, 3), "-----END PRIVATE KEY-----", ""].join("\\n");
const putty = `PuTTY-User-Key-File-3: ssh-ed25519`;

/** Base64 characters in the body once armour lines and `\n` escapes are removed. */
function bodyLength(block: string): number {
  return block
    .replace(/-----(?:BEGIN|END)[^-]*-----/g, "")
    .replace(/\\[nr]/g, "")
    .replace(/^[A-Za-z-]+:.*$/gm, "")
    .replace(/[^A-Za-z0-9+/]/g, "").length;
}

export const privateKeyRules: SecretRule[] = [
  {
    id: "private-key",
    description: "Private key (PEM, OpenSSH, PGP or encrypted)",
    keywords: ["private key"],
    regex:
      /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:(?:[^-]|-(?!----END)){16,40000}?-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?:\\[nr]|\s)+[A-Za-z0-9+/=]{64,})/g,
    multiline: true,
    severity: "block",
    globalAllowlist: false,
    // Documentation shows armour around `...`; a real key has a body of at least a few lines.
    validate: ({ secret }) => bodyLength(secret) >= 64,
    samples: {
      match: [
        { text: rsa, secret: rsa },
        { text: `key = """\n${openssh}\n"""`, secret: openssh },
        { text: `{"type": "service_account", "private_key": "${jsonEscaped}"}`, secret: jsonEscaped.replace(/\\n$/, "") },
        // A hunk that ends before the END line still shows the key's first line.
        { text: `${rsa.split("\n").slice(0, 3).join("\n")}\n`, secret: rsa.split("\n").slice(0, 2).join("\n") },
      ],
      noMatch: [
        "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
        `-----BEGIN PUBLIC KEY-----\n${body(1030, 3).join("\n")}\n-----END PUBLIC KEY-----`,
        'if (line.startsWith("-----BEGIN PRIVATE KEY-----")) {',
        'privateKey: "-----BEGIN PRIVATE KEY-----\\n...",\nappId: 1,\nclientSecret: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",',
      ],
    },
  },
  {
    id: "putty-private-key",
    description: "PuTTY private key file",
    keywords: ["putty-user-key-file-"],
    regex: /^(PuTTY-User-Key-File-[23]: [a-z0-9-]+)[ \t]*$/gm,
    severity: "block",
    samples: {
      match: [{ text: `${putty}\nEncryption: none\nComment: key`, secret: putty }],
      noMatch: ['const header = "PuTTY-User-Key-File-3: " + algorithm;'],
    },
  },
];
