/**
 * OpenSSH pattern lists as used for allowed_signers principals: comma-separated patterns with
 * `*` and `?` wildcards; a matching pattern prefixed with `!` rejects the name outright.
 */

function matchPattern(name: string, pattern: string): boolean {
  // Iterative glob match with backtracking on the last '*'.
  let n = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === name[n])) {
      n++;
      p++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

export function matchPatternList(name: string, list: string): boolean {
  let matched = false;
  for (const raw of list.split(",")) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    if (pattern.length === 0) continue;
    if (matchPattern(name, pattern)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}
