// k6's own end-of-test summary (--summary-export), one file per shard: the witness that the
// harness's totals are checked against.
import { readFileSync } from 'node:fs';
import type { K6ShardSummary } from '../timeline/types.ts';

interface SummaryMetric {
  count?: number;
  passes?: number;
  fails?: number;
}

/** Reduce one summary-export document to the totals the harness compares. Absent metric = 0. */
export function summaryTotals(doc: unknown, shard: number, file: string): K6ShardSummary {
  const metrics = (doc as { metrics?: Record<string, SummaryMetric> } | null)?.metrics;
  if (!metrics || typeof metrics !== 'object') throw new Error(`${file}: not a k6 summary export (no "metrics")`);
  const count = (name: string) => metrics[name]?.count ?? 0;
  return {
    shard,
    file,
    requests: count('http_reqs'),
    // http_req_failed is a Rate: "passes" counts the samples that were true, i.e. failed requests.
    failedRequests: metrics.http_req_failed?.passes ?? 0,
    checksPassed: metrics.checks?.passes ?? 0,
    checksFailed: metrics.checks?.fails ?? 0,
    wsSessions: count('ws_sessions'),
    droppedIterations: count('dropped_iterations'),
    grpcRequests: count('grpc_reqs'),
  };
}

export function readShardSummary(file: string, shard: number): K6ShardSummary {
  return summaryTotals(JSON.parse(readFileSync(file, 'utf8')) as unknown, shard, file);
}

export type SummaryTotals = Omit<K6ShardSummary, 'shard' | 'file'>;

export function sumSummaries(summaries: readonly K6ShardSummary[]): SummaryTotals {
  const total: SummaryTotals = { requests: 0, failedRequests: 0, checksPassed: 0, checksFailed: 0, wsSessions: 0, droppedIterations: 0, grpcRequests: 0 };
  for (const s of summaries) {
    for (const key of Object.keys(total) as (keyof SummaryTotals)[]) total[key] += s[key];
  }
  return total;
}
