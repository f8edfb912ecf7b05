import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildLoadSeries, seriesQueries, gridPointS, type SeriesQueryName } from './series.ts';
import { sumSummaries } from './summary.ts';
import type { PromSample } from '../tools/prometheus.ts';
import type { K6ShardSummary } from '../timeline/types.ts';

interface Recorded {
  testId: string;
  loadStartedAt: number;
  seconds: number;
  stages: { name: string; startS: number; endS: number }[];
  witness: K6ShardSummary[];
  results: Record<SeriesQueryName, PromSample[]>;
}

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Recorded;

function build(r: Recorded, ws = true, grpc = false) {
  return buildLoadSeries({ testId: r.testId, shards: 1, loadStartedAt: r.loadStartedAt, seconds: r.seconds, stages: r.stages, ws, grpc, results: r.results });
}

describe('PromQL results -> per-second LoadSeries (recorded from real runs)', () => {
  it('killed server: totals equal the k6 summary, refused failures only after the server died', () => {
    const r = fixture('prom-killed-server.json');
    const s = build(r);
    const w = sumSummaries(r.witness);
    expect(s.totals.requests).toBe(w.requests);
    expect(s.totals.failedRequests).toBe(w.failedRequests);
    expect(s.totals.checksPassed).toBe(w.checksPassed);
    expect(s.totals.checksFailed).toBe(w.checksFailed);
    expect(s.totals.wsSessions).toBe(w.wsSessions);
    expect(s.totals.failuresByCause).toEqual({ http5xx: 0, http4xx: 0, refused: 662, reset: 0, timeout: 0, other: 0 });
    expect(s.seconds).toHaveLength(r.seconds);
    expect(s.seconds.map((x) => x.at - r.loadStartedAt)).toEqual(Array.from({ length: r.seconds }, (_, i) => i * 1000));
    // Failures start at some second and then every later second has them; none before.
    const firstFailing = s.seconds.findIndex((x) => x.failures.refused > 0);
    expect(firstFailing).toBeGreaterThan(0);
    expect(s.seconds.slice(0, firstFailing).every((x) => x.failures.refused === 0)).toBe(true);
    // A second with only refused requests has no latency (answered-only quantiles).
    const allRefused = s.seconds.find((x) => x.requests > 0 && x.failures.refused === x.requests);
    expect(allRefused?.latencyMs).toBeNull();
    expect(s.seconds[0]!.stage).toBe('hold');
    // The server's exit dropped the 3 open sessions: 1006.
    expect(s.totals.wsClosedByCode).toEqual({ '1006': 3 });
    expect(s.seconds.reduce((a, x) => a + x.requests, 0)).toBe(s.totals.requests);
  });

  it('ramp + WebSockets: closes by code per second sum to the totals; open = opened - closed', () => {
    const r = fixture('prom-ramp-ws.json');
    const s = build(r);
    expect(s.totals.requests).toBe(2931);
    expect(s.totals.droppedIterations).toBe(69);
    expect(s.totals.wsClosedByCode).toEqual({ '1000': 5, '1001': 4, '1006': 4 });
    expect(s.totals.wsSessions).toBe(13);
    let open = 0;
    const byCode: Record<string, number> = {};
    for (const x of s.seconds) {
      const closed = Object.values(x.ws!.closedByCode).reduce((a, b) => a + b, 0);
      open += x.ws!.opened - closed;
      expect(x.ws!.open).toBe(open);
      for (const [c, n] of Object.entries(x.ws!.closedByCode)) byCode[c] = (byCode[c] ?? 0) + n;
    }
    expect(byCode).toEqual(s.totals.wsClosedByCode);
    expect(open).toBe(0);
    // Stages come from the plan's offsets; latency present where requests were answered.
    expect(s.seconds[1]!.stage).toBe('ramp');
    expect(s.seconds[6]!.stage).toBe('hold');
    expect(s.seconds[6]!.latencyMs!.p99).toBeGreaterThanOrEqual(s.seconds[6]!.latencyMs!.p50);
    // The ramp shows: the first second has fewer requests than a hold second.
    expect(s.seconds[0]!.requests).toBeLessThan(s.seconds[6]!.requests);
    expect(s.seconds.every((x) => x.grpc === undefined)).toBe(true);
  });

  it('differences cumulative sums on the grid, carries a series forward, counts a late series from 0', () => {
    const t0 = 1_700_000_000_000;
    const at = (k: number) => gridPointS(t0, k);
    const results: Partial<Record<SeriesQueryName, PromSample[]>> = {
      httpByOutcome: [
        { metric: { status: '200', expected_response: 'true' }, values: [[at(1), '10'], [at(2), '25'], [at(4), '40']] },
        { metric: { status: '0', error_code: '1212', expected_response: 'false' }, values: [[at(3), '7'], [at(4), '9']] },
        { metric: { status: '503', expected_response: 'false' }, values: [[at(4), '2']] },
      ],
      grpcByStatus: [
        { metric: { grpc_status: '0' }, values: [[at(1), '5'], [at(2), '5']] },
        { metric: { grpc_status: '14' }, values: [[at(2), '3']] },
      ],
      // Cumulative: 10 observations in (0.001, 0.002] by point 1, then 10 more in (0.1, 0.2] by point 2.
      latency: [
        {
          metric: {},
          histograms: [
            [at(1), { count: '10', sum: '0.015', buckets: [[0, '0.001', '0.002', '10']] }],
            [at(2), { count: '20', sum: '1.5', buckets: [[0, '0.001', '0.002', '10'], [0, '0.1', '0.2', '10']] }],
            [at(3), { count: '20', sum: '1.5', buckets: [[0, '0.001', '0.002', '10'], [0, '0.1', '0.2', '10']] }],
          ],
        },
      ],
    };
    const s = buildLoadSeries({ testId: 't', shards: 2, loadStartedAt: t0, seconds: 4, stages: [], ws: false, grpc: true, results });
    expect(s.seconds.map((x) => x.requests)).toEqual([10, 15, 7, 19]);
    expect(s.seconds.map((x) => x.failures.refused)).toEqual([0, 0, 7, 2]);
    expect(s.seconds.map((x) => x.failures.http5xx)).toEqual([0, 0, 0, 2]);
    // Second 0 sees only the fast ones, second 1 only the slow ones; no observations, no quantiles.
    expect(s.seconds[0]!.latencyMs).toEqual({ p50: 1.5, p95: 1.95, p99: 1.99 });
    expect(s.seconds[1]!.latencyMs).toEqual({ p50: 150, p95: 195, p99: 199 });
    expect(s.seconds[2]!.latencyMs).toBeNull();
    expect(s.seconds.map((x) => x.grpc!.requests)).toEqual([5, 3, 0, 0]);
    expect(s.seconds[1]!.grpc!.byStatus).toEqual({ '14': 3 });
    expect(s.totals).toMatchObject({ requests: 51, failedRequests: 11, grpcRequests: 8 });
    expect(s.totals.failuresByCause).toMatchObject({ refused: 9, http5xx: 2 });
    expect(s.seconds.every((x) => x.ws === undefined)).toBe(true);
  });

  it('selects by test id and keeps only answered requests in the latency quantiles', () => {
    const q = seriesQueries('run-1');
    expect(q.httpByOutcome).toBe('sum by (status, error_code, expected_response) (k6_http_reqs_total{testid="run-1"})');
    expect(q.latency).toBe('sum(k6_http_req_duration_seconds{testid="run-1", expected_response="true"})');
    expect(q.wsCloses).toBe('sum by (code) (k6_ws_closes_total{testid="run-1"})');
  });
});
