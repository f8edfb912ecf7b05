// The side-by-side table of `npm run bench -- load-in-cluster`: pure, from two timelines.
import { describe, expect, it } from 'vitest';
import type { Timeline } from '../timeline/types.ts';
import { sideBySide } from './load-in-cluster.ts';

function timeline(shards: number, perSecond: number[], summaries: number[], dropped = 0): Timeline {
  const seconds = perSecond.map((requests, i) => ({ at: i * 1000, stage: 'steady', requests, failures: {}, latencyMs: { p50: 5, p95: 10 + i, p99: 20 + i }, droppedIterations: 0 }));
  return {
    plan: { shards, load: { peakRate: 400 } },
    load: { seconds, totals: { requests: perSecond.reduce((a, b) => a + b, 0) } },
    witnesses: { k6Summaries: summaries.map((requests, shard) => ({ shard, requests, droppedIterations: shard === 0 ? dropped : 0 })) },
  } as unknown as Timeline;
}

describe('bench load-in-cluster table', () => {
  it('shows achieved rate over the seconds with load, witness agreement, dropped, median latency and the verdict', () => {
    const text = sideBySide([
      { side: 'host', exit: 0, timeline: timeline(1, [400, 400, 0], [800]) },
      { side: 'cluster', exit: 1, timeline: timeline(2, [390, 410, 400], [600, 599], 3) },
    ]);
    const [head, , host, cluster] = text.split('\n');
    expect(head).toMatch(/^load from +k6 +planned peak +achieved +requests +vs summaries +dropped +median p95\/s +median p99\/s +verdict$/);
    expect(host).toMatch(/^host +1 process\(es\) +400 req\/s +400 req\/s +800 +equal +0 +11 ms +21 ms +pass \(0\)$/);
    expect(cluster).toMatch(/^cluster +2 pod\(s\) +400 req\/s +400 req\/s +1200 +DIFFER \(1199\) +3 +11 ms +21 ms +exit 1$/);
  });

  it('a side that left no timeline shows dashes', () => {
    expect(sideBySide([{ side: 'cluster', exit: 3, timeline: null }]).split('\n')[2]).toMatch(/^cluster +- +- +- +- +- +0 +- +- +exit 3$/);
  });
});
