import { describe, expect, it } from 'vitest';
import { bucketQuantile, subtractBuckets, toBuckets } from './histogram.ts';

describe('native histogram arithmetic', () => {
  const h = (buckets: [string, string, string][]) => toBuckets({ count: '0', sum: '0', buckets: buckets.map(([l, u, c]) => [0, l, u, c]) });

  it('subtracts cumulative histograms bucket by bucket, dropping empty ones', () => {
    const later = h([['1', '2', '5'], ['2', '4', '7']]);
    const earlier = h([['1', '2', '5'], ['2', '4', '3']]);
    expect([...subtractBuckets(later, earlier).values()]).toEqual([{ lower: 2, upper: 4, count: 4 }]);
    expect([...subtractBuckets(later, new Map()).values()]).toHaveLength(2);
  });

  it('interpolates a quantile inside its bucket, like histogram_quantile', () => {
    const b = h([['0', '1', '50'], ['1', '3', '50']]);
    expect(bucketQuantile(0.5, b)).toBe(1);
    expect(bucketQuantile(0.75, b)).toBe(2);
    expect(bucketQuantile(1, b)).toBe(3);
    expect(bucketQuantile(0.99, new Map())).toBeNull();
  });

  it('treats the zero bucket (negative lower bound) as starting at 0', () => {
    const b = toBuckets({ count: '4', sum: '0', buckets: [[3, '-0.001', '0.001', '4']] });
    expect(bucketQuantile(0.5, b)).toBeCloseTo(0.0005);
  });
});
