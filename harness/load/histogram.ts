// Per-second latency from k6's cumulative native histograms: the histogram at the end of a
// second minus the one at its start holds exactly that second's observations, so quantiles are
// computed over the same requests the second counts (Prometheus 2.42 cannot subtract histograms
// in PromQL, hence here).
import type { PromHistogram } from '../tools/prometheus.ts';

/** Bucket counts keyed by "lower|upper" (seconds, as Prometheus prints them). */
export type Buckets = Map<string, { lower: number; upper: number; count: number }>;

export function toBuckets(h: PromHistogram | null | undefined): Buckets {
  const out: Buckets = new Map();
  for (const [, lower, upper, count] of h?.buckets ?? []) out.set(`${lower}|${upper}`, { lower: Number(lower), upper: Number(upper), count: Number(count) });
  return out;
}

/** Observations in `later` and not in `earlier` (cumulative histograms of one series). */
export function subtractBuckets(later: Buckets, earlier: Buckets): Buckets {
  const out: Buckets = new Map();
  for (const [key, b] of later) {
    const count = b.count - (earlier.get(key)?.count ?? 0);
    if (count > 0) out.set(key, { ...b, count });
  }
  return out;
}

/** Quantile (same unit as the bounds) by linear interpolation inside the bucket, as histogram_quantile does; null when empty. */
export function bucketQuantile(q: number, buckets: Buckets): number | null {
  const sorted = [...buckets.values()].sort((a, b) => a.upper - b.upper);
  const total = sorted.reduce((a, b) => a + b.count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const b of sorted) {
    if (seen + b.count >= rank) {
      const lower = Math.max(0, b.lower);
      return lower + ((b.upper - lower) * (rank - seen)) / b.count;
    }
    seen += b.count;
  }
  return sorted[sorted.length - 1]!.upper;
}
