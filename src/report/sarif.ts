/**
 * SARIF 2.1.0 from secret findings, for code scanning. Results carry the redacted preview and the keyed
 * fingerprint only: a SARIF file is uploaded and kept, so it must never hold a secret value.
 */
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { SecretFinding } from "../controls/secrets/types.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
/** partialFingerprints key: our HMAC is stable across line moves, which is what code scanning's deduplication wants. */
export const SARIF_FINGERPRINT_KEY = "vouchSecret/v1";

/** A secret finding as the scanner or the evidence gives it; `commit` is set when it came from a commit. */
export type SarifSecretFinding = SecretFinding & { commit?: string };

export interface SarifOptions {
  toolVersion?: string;
  /** Where the rules are documented. */
  informationUri?: string;
}

/** Repository-relative paths as URI references: forward slashes, each segment percent-encoded. */
function pathUri(path: string): string {
  return path
    .replace(/\\/g, "/")
    .replace(/^(\.\/)+/, "")
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

function level(severity: SarifSecretFinding["severity"]): Result.level {
  return severity === "block" ? "error" : "warning";
}

export function secretsSarif(findings: readonly SarifSecretFinding[], options: SarifOptions = {}): Log {
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  for (const f of findings) {
    if (ruleIndex.has(f.rule)) continue;
    ruleIndex.set(f.rule, rules.length);
    rules.push({
      id: f.rule,
      name: f.rule,
      shortDescription: { text: f.description },
      fullDescription: { text: `${f.description}. Rotate the credential first, then remove it from history.` },
      defaultConfiguration: { level: level(f.severity) },
      properties: { tags: ["security", "secret"] },
    });
  }
  const results: Result[] = findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: ruleIndex.get(f.rule) ?? 0,
    level: level(f.severity),
    message: { text: `${f.description}: ${f.preview}${f.commit ? ` (added by commit ${f.commit})` : ""}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: pathUri(f.path), uriBaseId: "%SRCROOT%" },
          region: {
            startLine: f.line,
            startColumn: f.column,
            ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
            endColumn: f.endColumn,
          },
        },
      },
    ],
    partialFingerprints: { [SARIF_FINGERPRINT_KEY]: f.fingerprint },
    ...(f.commit ? { properties: { commit: f.commit } } : {}),
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "vouch",
            ...(options.toolVersion ? { semanticVersion: options.toolVersion } : {}),
            ...(options.informationUri ? { informationUri: options.informationUri } : {}),
            rules,
          },
        },
        results,
      },
    ],
  };
}
