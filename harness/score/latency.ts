// Latency SLOs per phase. The series holds per-second quantiles, not raw samples or a phase-wide
// histogram, so a phase's p95/p99 can only be bounded. We grade on an upper bound that is sound
// given the per-second quantiles: at a threshold v, a second with v >= its p99 contributes at most
// 1 % of its requests above v, with v >= p95 at most 5 %, with v >= p50 at most 50 %, else all of
// them; the smallest v (among the per-second quantile values) whose worst-case share above it is
// within 5 % (1 %) bounds the phase's p95 (p99). For p99 this is the worst second's p99.
import type { PlannedStage } from '../plan/types.ts';
import type { EpochMs, LoadSecond, Timeline } from '../timeline/types.ts';
import type { Check, LatencyScore, PhaseLatency, TimeWindow } from './scorecard.ts';
import type { Scored } from './scorecard.ts';
import { loadEnd, round2, runZero, secondsIn, windowLabel } from './run-clock.ts';

export const LATENCY_METHOD =
  'Phase quantiles are upper bounds from per-second quantiles (the series has no phase-wide histogram): the smallest latency v such that, assuming the worst inside each second (≤1 % of its requests above its p99, ≤5 % above its p95, ≤50 % above its p50, all above otherwise), at most 5 % (1 %) of the phase\'s requests exceed v. The p99 bound is the worst second\'s p99. The request-weighted mean of per-second quantiles is shown as an approximation, for trends only.';

type Timed = { n: number; q: { p50: number; p95: number; p99: number } };

/** Upper bound of the phase quantile with tail share `tail` (0.05 for p95, 0.01 for p99). */
export function quantileUpperBound(secs: Timed[], tail: number): number | null {
  const total = secs.reduce((a, s) => a + s.n, 0);
  if (total === 0) return null;
  const candidates = [...new Set(secs.flatMap((s) => [s.q.p50, s.q.p95, s.q.p99]))].sort((a, b) => a - b);
  const within = (v: number) => {
    let above = 0;
    for (const s of secs) above += s.n * (v >= s.q.p99 ? 0.01 : v >= s.q.p95 ? 0.05 : v >= s.q.p50 ? 0.5 : 1);
    return above <= tail * total + 1e-9;
  };
  // The worst-case share above v only falls as v grows: binary search for the first v within the tail.
  let lo = 0;
  let hi = candidates.length - 1;
  if (!within(candidates[hi]!)) return candidates[hi]!;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (within(candidates[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return candidates[lo]!;
}

function timed(seconds: LoadSecond[]): Timed[] {
  return seconds.filter((s) => s.latencyMs !== null && s.requests > 0).map((s) => ({ n: s.requests, q: s.latencyMs! }));
}

export function phaseLatency(name: string, window: TimeWindow, seconds: LoadSecond[]): PhaseLatency {
  const secs = timed(seconds);
  const n = secs.reduce((a, s) => a + s.n, 0);
  const weighted = (k: 'p95' | 'p99') => (n > 0 ? round2(secs.reduce((a, s) => a + s.n * s.q[k], 0) / n) : null);
  const max = (k: 'p95' | 'p99') => (secs.length ? Math.max(...secs.map((s) => s.q[k])) : null);
  return {
    phase: name,
    window,
    requests: n,
    seconds: seconds.length,
    p95BoundMs: quantileUpperBound(secs, 0.05),
    p99BoundMs: quantileUpperBound(secs, 0.01),
    p95MaxMs: max('p95'),
    p99MaxMs: max('p99'),
    p95WeightedMs: weighted('p95'),
    p99WeightedMs: weighted('p99'),
  };
}

/** Whether a stream had load planned anywhere in [fromS, toS) (offsets from load start). */
function plannedIn(stages: readonly PlannedStage[] | undefined, fromS: number, toS: number): boolean {
  return (stages ?? []).some((st) => st.startS < toS && st.endS > fromS && Math.max(st.fromTarget, st.toTarget) > 0);
}

interface StreamLatency {
  /** Check id prefix and the words for messages. */
  key: string;
  what: string;
  stages: readonly PlannedStage[] | undefined;
  limits: { p95?: number; p99?: number };
  /** Upper bound (ms) of the phase quantile, null without samples. */
  bound: (seconds: LoadSecond[], k: 'p95' | 'p99') => { bound: number | null; how: string };
}

/** Worst per-second value: a sound upper bound of the phase quantile when each second's value is that quantile or a higher one. */
function worstSecond(values: (number | null | undefined)[]): number | null {
  const v = values.filter((x): x is number => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
}

export function latencySlos(t: Timeline): Scored<LatencyScore | null> {
  if (!t.load || t.loadStartedAt === null) return { score: null, checks: [], notes: [] };
  const zero: EpochMs = runZero(t);
  const start = t.loadStartedAt;
  const limits = t.plan.slos.latencyMs ?? {};
  const runW = { from: start, to: loadEnd(t) };
  const run = phaseLatency('run', runW, secondsIn(t.load, runW));
  const planPhases = t.plan.phases.length ? t.plan.phases : [{ name: 'run', startS: 0, endS: t.plan.durationS }];
  const windows = planPhases.map((p) => ({ name: p.name, startS: p.startS, endS: p.endS, w: { from: start + p.startS * 1000, to: start + p.endS * 1000 } }));
  const phases = windows.filter((p) => p.w.from < runW.to).map((p) => phaseLatency(p.name, p.w, secondsIn(t.load, p.w)));
  const interruptedAt = t.interrupted?.at ?? null;

  // Each latency SLO is graded on the stream it applies to: HTTP requests, gRPC calls, WS messages.
  const streams: StreamLatency[] = [
    {
      key: 'latency',
      what: 'HTTP',
      stages: t.plan.load.http?.stages,
      limits,
      bound: (secs, k) => {
        const ph = phaseLatency('', { from: 0, to: 0 }, secs);
        return { bound: k === 'p95' ? ph.p95BoundMs : ph.p99BoundMs, how: `upper bound; worst second ${k === 'p95' ? ph.p95MaxMs : ph.p99MaxMs} ms, weighted ${k === 'p95' ? ph.p95WeightedMs : ph.p99WeightedMs} ms` };
      },
    },
    {
      key: 'latency.grpc',
      what: 'gRPC',
      stages: t.plan.load.grpc?.stages,
      limits,
      // The same sound bound as for HTTP from each second's p50/p95/p99. Timelines older than the
      // p50/p95 fields hold p99 only; then each second counts as "all above v" below its p99.
      bound: (secs, k) => {
        const timed = secs
          .filter((s) => (s.grpc?.requests ?? 0) > 0 && typeof s.grpc?.latencyP99Ms === 'number')
          .map((s) => {
            const g = s.grpc!;
            const p99 = g.latencyP99Ms!;
            return { n: g.requests, q: { p50: g.latencyP50Ms ?? p99, p95: g.latencyP95Ms ?? p99, p99 } };
          });
        const onlyP99 = secs.some((s) => s.grpc && s.grpc.latencyP95Ms === undefined);
        return {
          bound: quantileUpperBound(timed, k === 'p95' ? 0.05 : 0.01),
          how: `upper bound from per-second ${onlyP99 ? 'p99s (this timeline has no per-second p95)' : 'quantiles'}; worst second's p99 ${worstSecond(timed.map((x) => x.q.p99)) ?? '–'} ms`,
        };
      },
    },
    {
      key: 'latency.ws-message',
      what: 'WS message',
      stages: t.plan.load.ws?.stages,
      limits: t.plan.slos.wsMessageLatencyMs ?? {},
      bound: (secs) => ({ bound: worstSecond(secs.map((s) => s.ws?.messageLatencyP95Ms)), how: 'worst second\'s echo p95' }),
    },
  ];

  const checks: Check[] = [];
  for (const st of streams) {
    if (!st.stages) continue; // the scenario has no such stream: nothing to grade
    for (const ph of windows) {
      for (const k of ['p95', 'p99'] as const) {
        const limit = st.limits[k];
        if (limit === undefined || !plannedIn(st.stages, ph.startS, ph.endS)) continue;
        const id = `${st.key}.${k}/${ph.name}`;
        const label = `${st.what} ${k} in phase ${ph.name} ${windowLabel(zero, ph.w)}`;
        const { bound, how } = st.bound(secondsIn(t.load, { from: ph.w.from, to: Math.min(ph.w.to, runW.to) }), k);
        const cut = interruptedAt !== null && interruptedAt < ph.w.to;
        const status = bound === null ? (cut ? 'incomplete' : 'fail') : bound <= limit ? 'pass' : 'fail';
        checks.push({
          id,
          area: 'latency',
          subject: `${st.what} phase ${ph.name}`,
          metric: `${k} upper bound (ms)`,
          status,
          measured: bound,
          limit: `<= ${limit}`,
          window: ph.w,
          message:
            bound === null
              ? `${label}: no latency samples although load was planned${cut ? ' (run interrupted before the phase ended)' : ''}; limit ${limit} ms`
              : `${label}: ≤ ${bound} ms (${how}); limit ${limit} ms`,
        });
      }
    }
  }
  return { score: { limits, run, phases, method: LATENCY_METHOD }, checks, notes: [LATENCY_METHOD] };
}
