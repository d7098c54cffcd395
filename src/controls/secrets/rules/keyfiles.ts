/** Key stores and SSH private keys, flagged by file name whatever their content (often binary). */
import type { SecretRule } from "../types.js";

export const keyFileRules: SecretRule[] = [
  {
    id: "private-key-file",
    description: "Private key or key-store file committed (PKCS#12, Java key store, SSH private key, PuTTY, KeePass)",
    keywords: [],
    regex: /(?!)/g,
    path: /(?:^|\/)(?:id_(?:rsa|dsa|ecdsa|ed25519)(?:_[^/.]*)?|[^/]+\.(?:p12|pfx|jks|keystore|ppk|kdbx|bks))$/i,
    pathOnly: true,
    severity: "block",
    samples: { match: [], noMatch: [] },
  },
];

/** Paths the key-file rule must and must not flag; used by the sample test. */
export const KEY_FILE_SAMPLES = {
  match: ["id_rsa", ".ssh/id_ed25519", "certs/server.p12", "android/release.keystore", "deploy/Prod.PFX", "ssh/id_rsa_deploy"],
  noMatch: ["id_rsa.pub", ".ssh/id_ed25519.pub", "docs/id_rsa.md", "src/keystore.ts", "p12.txt"],
};
