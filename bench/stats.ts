/** Summary statistics for benchmark samples; every figure is in the samples' own unit. */

/** The value below which `fraction` of the sorted samples fall, by the nearest-rank method. */
export function percentile(samples: readonly number[], fraction: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function median(samples: readonly number[]): number | null {
  return percentile(samples, 0.5);
}

/** Rounds to `digits` decimals, keeping null; results stay readable in JSON. */
export function round(value: number | null, digits = 1): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** `numerator / denominator`, or null when either is missing or the denominator is 0. */
export function ratio(numerator: number | null, denominator: number | null): number | null {
  if (numerator === null || denominator === null || denominator === 0) return null;
  return numerator / denominator;
}
