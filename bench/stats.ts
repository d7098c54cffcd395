/** Small helpers shared by the benchmarks. */

export interface BenchReport {
  name: string;
  figures: Record<string, number | string>;
  notes?: string[];
}

/** Nearest-rank percentile of a sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function printReport(report: BenchReport): void {
  console.log(`\n## ${report.name}`);
  for (const [k, v] of Object.entries(report.figures)) console.log(`  ${k}: ${v}`);
  for (const n of report.notes ?? []) console.log(`    ${n}`);
}
