/**
 * How deeply a parsed JSON value nests. GitHub's webhook payloads nest about 7 levels; a body that
 * nests thousands deep parses fine but overflows the stack of anything that walks it recursively
 * later (JSON.stringify when the queue stores it, loggers, Probot), so the ingress refuses it up
 * front. Iterative, so measuring cannot overflow either.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
