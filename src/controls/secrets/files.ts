/** Which files the scanner reads: binary detection, size limit and the paths skipped by default. */
import picomatch from "picomatch";

/** Files larger than this are reported as not scanned (configurable per scan). */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

/** Git's heuristic: a NUL byte in the first 8,000 bytes makes a file binary. */
const BINARY_PROBE = 8000;

export function isBinary(content: string | Uint8Array): boolean {
  if (typeof content === "string") return content.slice(0, BINARY_PROBE).includes("\0");
  return content.subarray(0, BINARY_PROBE).includes(0);
}

/** Generated or vendored files in which secrets are not authored: lockfiles, dependencies, minified bundles. */
export const DEFAULT_SKIPPED_PATHS = [
  "**/package-lock.json",
  "**/npm-shrinkwrap.json",
  "**/yarn.lock",
  "**/pnpm-lock.yaml",
  "**/poetry.lock",
  "**/Cargo.lock",
  "**/composer.lock",
  "**/Gemfile.lock",
  "**/go.sum",
  "**/node_modules/**",
  "**/vendor/**",
  "**/*.min.js",
  "**/*.min.css",
  "**/*.js.map",
];

export function pathMatcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true });
}
