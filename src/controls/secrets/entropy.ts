/** Shannon entropy in bits per character: how random a candidate looks. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  let total = 0;
  for (const ch of value) {
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
    total += 1;
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / total;
    bits -= p * Math.log2(p);
  }
  return bits;
}
