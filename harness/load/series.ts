// Per-second series from Prometheus. Counters are read back as cumulative sums over shards
// (PromQL `sum by`) on a 1 s grid anchored at load start and differenced here, so every second
// holds whole counts and the seconds add up exactly to the final totals, which are k6's totals.
// Latency quantiles come from native histograms over a 2 s window ending at each second
// (Prometheus 2.42 cannot subtract histograms, and a 1 s window holds one push only).
import type { PromSample } from '../tools/prometheus.ts';
import { FAILURE_CAUSES, type FailureCause, type LoadSecond, type LoadSeries, type LoadTotals, type WsSecond } from '../timeline/types.ts';
import { mapFailureCause } from './failure-cause.ts';

export type SeriesQueryName =
  | 'httpByOutcome'
  | 'dropped'
  | 'checks'
  | 'latencyP50'
  | 'latencyP95'
  | 'latencyP99'
  | 'wsSessions'
  | 'wsOpened'
  | 'wsCloses'
  | 'wsSent'
  | 'wsReceived'
  | 'wsEchoP95'
  | 'wsReconnectP95'
  | 'grpcByStatus'
  | 'grpcP99';

export function seriesQueries(testId: string): Record<SeriesQueryName, string> {
  const sel = `{testid="${testId.replace(/"/g, '\\"')}"}`;
  const q = (quantile: number, metric: string, only = sel) => `histogram_quantile(${quantile}, sum(rate(${metric}${only}[2s])))`;
  // Latency of answered requests only: a refused request "takes" 0 ms and would pull quantiles down.
  const answered = `{testid="${testId.replace(/"/g, '\\"')}", expected_response="true"}`;
  return {
    httpByOutcome: `sum by (status, error_code, expected_response) (k6_http_reqs_total${sel})`,
    dropped: `sum(k6_dropped_iterations_total${sel})`,
    checks: `sum by (result) (k6_harness_checks_total${sel})`,
    latencyP50: q(0.5, 'k6_http_req_duration_seconds', answered),
    latencyP95: q(0.95, 'k6_http_req_duration_seconds', answered),
    latencyP99: q(0.99, 'k6_http_req_duration_seconds', answered),
    wsSessions: `sum(k6_ws_sessions_total${sel})`,
    wsOpened: `sum(k6_ws_opened_total${sel})`,
    wsCloses: `sum by (code) (k6_ws_closes_total${sel})`,
    wsSent: `sum(k6_ws_msgs_sent_total${sel})`,
    wsReceived: `sum(k6_ws_msgs_received_total${sel})`,
    wsEchoP95: q(0.95, 'k6_ws_echo_latency_seconds'),
    wsReconnectP95: q(0.95, 'k6_ws_reconnect_time_seconds'),
    grpcByStatus: `sum by (grpc_status) (k6_grpc_reqs_total${sel})`,
    grpcP99: q(0.99, 'k6_grpc_req_duration_seconds'),
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
  for (const [t, v] of sample.values) {
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

function quantileMs(samples: PromSample[] | undefined, input: SeriesInput): (number | null)[] {
  const first = samples?.[0];
  if (!first) return new Array<number | null>(input.seconds).fill(null);
  return onGrid(first, input, false).map((v) => (v === null ? null : Math.round(v * 1e6) / 1e3));
}

function total(samples: PromSample[] | undefined, input: SeriesInput): number[] {
  const out = new Array<number>(input.seconds).fill(0);
  for (const s of samples ?? []) increases(s, input).forEach((d, i) => (out[i]! += d));
  return out;
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
  const p50 = quantileMs(r.latencyP50, input);
  const p95 = quantileMs(r.latencyP95, input);
  const p99 = quantileMs(r.latencyP99, input);

  let checksPassed = 0;
  let checksFailed = 0;
  for (const s of r.checks ?? []) {
    const t = sum(increases(s, input));
    if (s.metric.result === 'pass') checksPassed += t;
    else checksFailed += t;
  }

  const wsOpened = total(r.wsOpened, input);
  const wsSent = total(r.wsSent, input);
  const wsReceived = total(r.wsReceived, input);
  const wsEcho = quantileMs(r.wsEchoP95, input);
  const wsReconnect = quantileMs(r.wsReconnectP95, input);
  const closesByCode = (r.wsCloses ?? []).map((s) => ({ code: s.metric.code ?? 'unknown', inc: increases(s, input) }));
  const wsClosedByCode: Record<string, number> = {};
  for (const c of closesByCode) wsClosedByCode[c.code] = (wsClosedByCode[c.code] ?? 0) + sum(c.inc);

  const grpcByStatus = (r.grpcByStatus ?? []).map((s) => ({ status: s.metric.grpc_status ?? 'unknown', inc: increases(s, input) }));
  const grpcP99 = quantileMs(r.grpcP99, input);

  const seconds: LoadSecond[] = [];
  let wsOpenNow = 0;
  for (let i = 0; i < n; i++) {
    const second: LoadSecond = {
      at: input.loadStartedAt + i * 1000,
      stage: stageOf(input.stages, i),
      requests: requests[i]!,
      failures: failures[i]!,
      latencyMs: requests[i]! > 0 && p50[i] != null && p95[i] != null && p99[i] != null ? { p50: p50[i]!, p95: p95[i]!, p99: p99[i]! } : null,
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
      const ws: WsSecond = {
        open: Math.max(0, wsOpenNow),
        opened: wsOpened[i]!,
        closedByCode,
        messagesSent: wsSent[i]!,
        messagesReceived: wsReceived[i]!,
        messageLatencyP95Ms: wsEcho[i] ?? null,
        reconnectP95Ms: wsReconnect[i] ?? null,
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
      second.grpc = { requests: calls, byStatus, latencyP99Ms: calls > 0 ? (grpcP99[i] ?? null) : null };
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
