/** Every case-insensitive (ASCII) occurrence of every keyword, by brute force: what the prefilter must report. */
export function naiveHits(keywords: readonly string[], text: string): (number[] | undefined)[] {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return keywords.map((k) => {
    const found: number[] = [];
    for (let i = lower.indexOf(k); i !== -1; i = lower.indexOf(k, i + 1)) found.push(i);
    return found.length > 0 ? found : undefined;
  });
}
