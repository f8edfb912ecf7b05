import { describe, expect, it } from 'vitest';
import { readShardSummary, sumSummaries, summaryTotals } from './summary.ts';

describe('k6 summary export (the witness)', () => {
  it('reads the totals of a recorded summary export', () => {
    const file = new URL('./fixtures/k6-summary-killed-server.json', import.meta.url).pathname;
    expect(readShardSummary(file, 0)).toEqual({
      shard: 0,
      file,
      requests: 800,
      failedRequests: 662,
      checksPassed: 144,
      checksFailed: 662,
      wsSessions: 42,
      droppedIterations: 0,
      grpcRequests: 0,
    });
  });
  it('sums shards field by field; absent metrics count 0', () => {
    const a = summaryTotals({ metrics: { http_reqs: { count: 5 }, grpc_reqs: { count: 2 } } }, 0, 'a');
    const b = summaryTotals({ metrics: { http_reqs: { count: 7 }, http_req_failed: { passes: 1, fails: 6 }, dropped_iterations: { count: 3 } } }, 1, 'b');
    expect(sumSummaries([a, b])).toEqual({ requests: 12, failedRequests: 1, checksPassed: 0, checksFailed: 0, wsSessions: 0, droppedIterations: 3, grpcRequests: 2 });
  });
  it('names the file that is not a summary', () => {
    expect(() => summaryTotals({}, 0, 'x.json')).toThrow(/x.json: not a k6 summary export/);
  });
});
