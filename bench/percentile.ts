/**
 * The p-th percentile of the samples by the nearest-rank method: the smallest sample with at least p%
 * of the samples at or below it. p99 of 100 samples is the second-highest sample, not the maximum.
 */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
