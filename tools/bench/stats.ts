/** Small statistics helpers for the benchmark. */

/** The p-th percentile (0–100) by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

/** p50/p95 of each stage over many timing records (stages missing in a record are skipped). */
export function stageStats(records: ReadonlyArray<Record<string, number>>): Record<string, { p50: number; p95: number; n: number }> {
  const byStage = new Map<string, number[]>();
  for (const r of records) {
    for (const [stage, ms] of Object.entries(r)) {
      if (!byStage.has(stage)) byStage.set(stage, []);
      byStage.get(stage)?.push(ms);
    }
  }
  const out: Record<string, { p50: number; p95: number; n: number }> = {};
  for (const [stage, values] of byStage) out[stage] = { p50: percentile(values, 50), p95: percentile(values, 95), n: values.length };
  return out;
}
