// Per-second series from Prometheus. Counters are read back as cumulative sums over shards
// (PromQL `sum by`) on a 1 s grid anchored at load start and differenced here, so every second
// holds whole counts and the seconds add up exactly to the final totals, which are k6's totals.
// Latency quantiles come the same way: k6's cumulative native histograms read on the grid and
// subtracted here (harness/load/histogram.ts), so each second's quantiles cover its own requests.
import type { PromSample } from '../tools/prometheus.ts';
import { FAILURE_CAUSES, type FailureCause, type LoadSecond, type LoadSeries, type LoadTotals, type WsSecond } from '../timeline/types.ts';
import { mapFailureCause } from './failure-cause.ts';
import { bucketQuantile, subtractBuckets, toBuckets, type Buckets } from './histogram.ts';

export type SeriesQueryName =
  | 'httpByOutcome'
  | 'dropped'
  | 'checks'
  | 'latency'
  | 'wsSessions'
  | 'wsOpened'
  | 'wsCloses'
  | 'wsSent'
  | 'wsReceived'
  | 'wsEcho'
  | 'wsReconnect'
  | 'wsAttempts'
  | 'wsAttemptsEnded'
  | 'grpcByStatus'
  | 'grpcLatency';

export function seriesQueries(testId: string): Record<SeriesQueryName, string> {
  const sel = `{testid="${testId.replace(/"/g, '\\"')}"}`;
  // Latency of answered requests only: a refused request "takes" 0 ms and would pull quantiles down.
  const answered = `{testid="${testId.replace(/"/g, '\\"')}", expected_response="true"}`;
  return {
    httpByOutcome: `sum by (status, error_code, expected_response) (k6_http_reqs_total${sel})`,
    dropped: `sum(k6_dropped_iterations_total${sel})`,
    checks: `sum by (result) (k6_harness_checks_total${sel})`,
    latency: `sum(k6_http_req_duration_seconds${answered})`,
    wsSessions: `sum(k6_ws_sessions_total${sel})`,
    wsOpened: `sum(k6_ws_opened_total${sel})`,
    wsCloses: `sum by (code) (k6_ws_closes_total${sel})`,
    wsSent: `sum(k6_ws_msgs_sent_total${sel})`,
    wsReceived: `sum(k6_ws_msgs_received_total${sel})`,
    wsEcho: `sum(k6_ws_echo_latency_seconds${sel})`,
    wsReconnect: `sum(k6_ws_reconnect_time_seconds${sel})`,
    wsAttempts: `sum(k6_ws_attempts_total${sel})`,
    wsAttemptsEnded: `sum(k6_ws_attempts_ended_total${sel})`,
    grpcByStatus: `sum by (grpc_status) (k6_grpc_reqs_total${sel})`,
    grpcLatency: `sum(k6_grpc_req_duration_seconds${sel})`,
  };
}

export interface SeriesInput {
  testId: string;
  shards: number;
  /** Epoch ms of load start; the grid's points are at loadStartedAt + k s, k = 1..seconds. */
  loadStartedAt: number;
  seconds: number;
  /** Planned stages (offsets in s) naming each second. */
  stages: readonly { name: string; startS: number; endS: number }[];
  ws: boolean;
  grpc: boolean;
  results: Partial<Record<SeriesQueryName, PromSample[]>>;
}

/** Unix seconds of grid point k (1-based: point k closes second k-1). */
export function gridPointS(loadStartedAt: number, k: number): number {
  return loadStartedAt / 1000 + k;
}

/** A series' values on the grid (index 0 = point 1); nothing before its first sample; carried forward after. */
function onGrid(sample: PromSample, input: SeriesInput, carry: boolean): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(input.seconds).fill(null);
  const first = gridPointS(input.loadStartedAt, 1);
  for (const [t, v] of sample.values ?? []) {
    const i = Math.round(t - first);
    if (i < 0 || i >= input.seconds) continue;
    const value = Number(v);
    out[i] = Number.isFinite(value) ? value : null;
  }
  if (carry) {
    let last: number | null = null;
    for (let i = 0; i < out.length; i++) {
      if (out[i] === null) out[i] = last;
      else last = out[i]!;
    }
  }
  return out;
}

/** Per-second increases of a cumulative counter series (0 before it appears). */
function increases(sample: PromSample, input: SeriesInput): number[] {
  const cumulative = onGrid(sample, input, true);
  let previous = 0;
  return cumulative.map((c) => {
    const now = c ?? 0;
    const d = now - previous;
    previous = now;
    // A counter that went backwards would be a lost shard; never report negative work.
    return Math.max(0, Math.round(d));
  });
}

/** Each second's own observations: the cumulative histogram at its end minus the one at its start. */
function histogramSeconds(samples: PromSample[] | undefined, input: SeriesInput): Buckets[] {
  const first = gridPointS(input.loadStartedAt, 1);
  const grid: (Buckets | null)[] = new Array<Buckets | null>(input.seconds).fill(null);
  for (const [t, h] of samples?.[0]?.histograms ?? []) {
    const i = Math.round(t - first);
    if (i >= 0 && i < input.seconds) grid[i] = toBuckets(h);
  }
  let previous: Buckets = new Map();
  return grid.map((cumulative) => {
    if (cumulative === null) return new Map();
    const own = subtractBuckets(cumulative, previous);
    previous = cumulative;
    return own;
  });
}

/** Quantile in ms (µs precision) of one second's buckets (seconds); null when the second is empty. */
function quantileMs(q: number, buckets: Buckets): number | null {
  const v = bucketQuantile(q, buckets);
  return v === null ? null : Math.round(v * 1e6) / 1e3;
}

function total(samples: PromSample[] | undefined, input: SeriesInput): number[] {
  const out = new Array<number>(input.seconds).fill(0);
  for (const s of samples ?? []) increases(s, input).forEach((d, i) => (out[i]! += d));
  return out;
}

function latencyOf(buckets: Buckets): LoadSecond['latencyMs'] {
  const p50 = quantileMs(0.5, buckets);
  const p95 = quantileMs(0.95, buckets);
  const p99 = quantileMs(0.99, buckets);
  return p50 === null || p95 === null || p99 === null ? null : { p50, p95, p99 };
}

function emptyCauses(): Record<FailureCause, number> {
  return Object.fromEntries(FAILURE_CAUSES.map((c) => [c, 0])) as Record<FailureCause, number>;
}

function stageOf(stages: SeriesInput['stages'], offsetS: number): string | null {
  for (const s of stages) if (offsetS >= s.startS && offsetS < s.endS) return s.name;
  return null;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function buildLoadSeries(input: SeriesInput): LoadSeries {
  const n = input.seconds;
  const r = input.results;
  const requests = new Array<number>(n).fill(0);
  const failures = Array.from({ length: n }, emptyCauses);
  const totalsByCause = emptyCauses();
  let failedRequests = 0;
  for (const s of r.httpByOutcome ?? []) {
    const inc = increases(s, input);
    const failed = s.metric.expected_response === 'false';
    const cause = failed ? mapFailureCause(s.metric.status, s.metric.error_code) : null;
    inc.forEach((d, i) => {
      requests[i]! += d;
      if (cause) failures[i]![cause] += d;
    });
    if (cause) {
      totalsByCause[cause] += sum(inc);
      failedRequests += sum(inc);
    }
  }
  const dropped = total(r.dropped, input);
  const latency = histogramSeconds(r.latency, input);

  let checksPassed = 0;
  let checksFailed = 0;
  for (const s of r.checks ?? []) {
    const t = sum(increases(s, input));
    if (s.metric.result === 'pass') checksPassed += t;
    else checksFailed += t;
  }

  const wsOpened = total(r.wsOpened, input);
  const wsAttempts = total(r.wsAttempts, input);
  const wsAttemptsEnded = total(r.wsAttemptsEnded, input);
  const wsSent = total(r.wsSent, input);
  const wsReceived = total(r.wsReceived, input);
  const wsEcho = histogramSeconds(r.wsEcho, input);
  const wsReconnect = histogramSeconds(r.wsReconnect, input);
  const closesByCode = (r.wsCloses ?? []).map((s) => ({ code: s.metric.code ?? 'unknown', inc: increases(s, input) }));
  const wsClosedByCode: Record<string, number> = {};
  for (const c of closesByCode) wsClosedByCode[c.code] = (wsClosedByCode[c.code] ?? 0) + sum(c.inc);

  const grpcByStatus = (r.grpcByStatus ?? []).map((s) => ({ status: s.metric.grpc_status ?? 'unknown', inc: increases(s, input) }));
  const grpcLatency = histogramSeconds(r.grpcLatency, input);

  const seconds: LoadSecond[] = [];
  let wsOpenNow = 0;
  let wsHeldNow = 0;
  for (let i = 0; i < n; i++) {
    const second: LoadSecond = {
      at: input.loadStartedAt + i * 1000,
      stage: stageOf(input.stages, i),
      requests: requests[i]!,
      failures: failures[i]!,
      latencyMs: latencyOf(latency[i]!),
      droppedIterations: dropped[i]!,
    };
    if (input.ws) {
      const closedByCode: Record<string, number> = {};
      let closed = 0;
      for (const c of closesByCode) {
        const d = c.inc[i]!;
        if (d > 0) closedByCode[c.code] = d;
        closed += d;
      }
      wsOpenNow += wsOpened[i]! - closed;
      wsHeldNow += wsAttempts[i]! - wsAttemptsEnded[i]!;
      const ws: WsSecond = {
        open: Math.max(0, wsOpenNow),
        held: Math.max(0, wsHeldNow),
        opened: wsOpened[i]!,
        closedByCode,
        messagesSent: wsSent[i]!,
        messagesReceived: wsReceived[i]!,
        messageLatencyP95Ms: quantileMs(0.95, wsEcho[i]!),
        reconnectP95Ms: quantileMs(0.95, wsReconnect[i]!),
      };
      second.ws = ws;
    }
    if (input.grpc) {
      const byStatus: Record<string, number> = {};
      let calls = 0;
      for (const g of grpcByStatus) {
        const d = g.inc[i]!;
        if (d > 0) byStatus[g.status] = d;
        calls += d;
      }
      const h = grpcLatency[i]!;
      second.grpc = { requests: calls, byStatus, latencyP99Ms: quantileMs(0.99, h), latencyP50Ms: quantileMs(0.5, h), latencyP95Ms: quantileMs(0.95, h) };
    }
    seconds.push(second);
  }

  const totals: LoadTotals = {
    requests: sum(requests),
    failedRequests,
    failuresByCause: totalsByCause,
    droppedIterations: sum(dropped),
    checksPassed,
    checksFailed,
    wsSessions: sum(total(r.wsSessions, input)),
    wsClosedByCode,
    grpcRequests: sum(grpcByStatus.map((g) => sum(g.inc))),
  };
  return { seconds, totals, testId: input.testId, shards: input.shards };
}
