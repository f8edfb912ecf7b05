import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures/timelines/read.ts';
import { latencySlos, quantileUpperBound } from './latency.ts';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

describe('quantileUpperBound', () => {
  it('is exact when every second has the same distribution', () => {
    const secs = Array.from({ length: 10 }, () => ({ n: 100, q: { p50: 5, p95: 20, p99: 40 } }));
    expect(quantileUpperBound(secs, 0.05)).toBe(20);
    expect(quantileUpperBound(secs, 0.01)).toBe(40);
  });

  it('does not let one slow second among many set the p95, but does set the p99', () => {
    const secs = [...Array.from({ length: 99 }, () => ({ n: 100, q: { p50: 5, p95: 20, p99: 40 } })), { n: 100, q: { p50: 900, p95: 1500, p99: 2000 } }];
    expect(quantileUpperBound(secs, 0.05)).toBe(40);
    expect(quantileUpperBound(secs, 0.01)).toBe(2000);
  });

  it('is never below the true quantile of the merged samples (randomised, deterministic)', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const all: number[] = [];
      const secs = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => {
        const n = 20 + Math.floor(rand() * 300);
        const scale = rand() < 0.2 ? 50 : 1;
        const xs = Array.from({ length: n }, () => Math.round(rand() ** 3 * 100 * scale * 10) / 10).sort((a, b) => a - b);
        all.push(...xs);
        return { n, q: { p50: exactQuantile(xs, 0.5), p95: exactQuantile(xs, 0.95), p99: exactQuantile(xs, 0.99) } };
      });
      all.sort((a, b) => a - b);
      expect(quantileUpperBound(secs, 0.05)!).toBeGreaterThanOrEqual(exactQuantile(all, 0.95));
      expect(quantileUpperBound(secs, 0.01)!).toBeGreaterThanOrEqual(exactQuantile(all, 0.99));
    }
  });

  it('returns null without samples', () => {
    expect(quantileUpperBound([], 0.05)).toBeNull();
  });
});

describe('latencySlos', () => {
  it('grades each phase on the upper bound and names phase, window, number and limit', () => {
    const t = readFixture('bad-drain');
    t.plan.slos.latencyMs = { p95: 15 };
    const { score, checks } = latencySlos(t);
    const roll = score!.phases.find((p) => p.phase === 'chaos:rollout-aenebris@48s')!;
    expect(roll.p95BoundMs).toBeLessThanOrEqual(roll.p95MaxMs!);
    expect(roll.p95WeightedMs).toBeLessThan(roll.p95BoundMs!);
    const failed = checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.id)).toEqual(['latency.p95/stage:steady', 'latency.p95/chaos:rollout-aenebris@48s']);
    expect(failed[1]!.message).toBe(`HTTP p95 in phase chaos:rollout-aenebris@48s t+48.0s–+120.0s: ≤ ${roll.p95BoundMs} ms (upper bound; worst second ${roll.p95MaxMs} ms, weighted ${roll.p95WeightedMs} ms); limit 15 ms`);
    expect(checks).toHaveLength(4); // p95 for each of the four phases
  });

  it('scores only the phases an interrupted run reached', () => {
    expect(latencySlos(readFixture('interrupted')).score!.phases.map((p) => p.phase)).toEqual(['baseline', 'stage:warm', 'stage:steady']);
  });
});

describe('quantileUpperBound on a long run', () => {
  it('bounds an hour of seconds quickly', () => {
    const secs = Array.from({ length: 3600 }, (_, i) => ({ n: 1000, q: { p50: 5 + (i % 7), p95: 20 + (i % 13), p99: 40 + (i % 17) } }));
    const t0 = performance.now();
    const b = quantileUpperBound(secs, 0.05)!;
    expect(performance.now() - t0).toBeLessThan(500);
    expect(b).toBeGreaterThanOrEqual(20);
    expect(b).toBeLessThanOrEqual(56);
  });
});
