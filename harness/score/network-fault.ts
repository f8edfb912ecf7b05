// Network-fault impact: for every network-fault action, what the clients saw while it held
// (applied → undone, as the chaos mark recorded them) against the seconds just before it, and
// how long after the undo the series was back at that baseline. Graded against the run's SLOs
// inside the window, so a scenario like gateway-store-latency says by how much a slow store
// pushes the gateway past its latency and success objectives.
import type { ChaosMark, LoadSecond, Timeline } from '../timeline/types.ts';
import type { Check, FaultImpact, NetworkFaultScore, Scored, TimeWindow, WindowStats } from './scorecard.ts';
export type { FaultImpact, NetworkFaultScore, WindowStats } from './scorecard.ts';
import { quantileUpperBound } from './latency.ts';
import { atLabel, failuresOf, loadEnd, requestsOf, round2, runZero, secondsIn, windowLabel } from './run-clock.ts';

/** Seconds before the fault action started that make its baseline (fewer when the load started later). */
export const BASELINE_S = 30;
/** Recovered = this many consecutive seconds back within the baseline's tolerance. */
export const RECOVERY_STREAK_S = 5;
/** A second is at baseline when its p50 ≤ baseline p50 × 1.25 + 5 ms and its failure ratio ≤ baseline + 0.1 %. */
const P50_FACTOR = 1.25;
const P50_SLACK_MS = 5;
const FAILURE_SLACK = 0.001;




export function windowStats(seconds: LoadSecond[]): WindowStats {
  const requests = seconds.reduce((a, s) => a + requestsOf(s), 0);
  const failed = seconds.reduce((a, s) => a + failuresOf(s), 0);
  const timed = seconds.filter((s) => s.latencyMs !== null && s.requests > 0);
  const n = timed.reduce((a, s) => a + s.requests, 0);
  return {
    seconds: seconds.length,
    requests,
    failed,
    failureRatio: requests > 0 ? failed / requests : null,
    p50Ms: n > 0 ? round2(timed.reduce((a, s) => a + s.requests * s.latencyMs!.p50, 0) / n) : null,
    p95BoundMs: quantileUpperBound(timed.map((s) => ({ n: s.requests, q: s.latencyMs! })), 0.05),
  };
}

/** The fault's window on the run clock: applied → undone (else dead-man), cut at the load's end. */
export function faultWindow(m: ChaosMark, end: number): TimeWindow | null {
  const f = m.fault;
  if (!f || f.appliedAt === null) return null;
  const to = Math.min(f.undoneAt ?? f.deadManAt, end);
  return to > f.appliedAt ? { from: f.appliedAt, to } : null;
}

/** Seconds wholly inside [from, to): the window's own seconds, no partial edges. */
function wholeSeconds(seconds: LoadSecond[], w: TimeWindow): LoadSecond[] {
  return seconds.filter((s) => s.at >= w.from && s.at + 1000 <= w.to);
}

/** First second (start) after `from` that opens a streak of `streak` seconds at baseline; null if none. */
export function recoveredAt(after: LoadSecond[], base: WindowStats, streak = RECOVERY_STREAK_S): number | null {
  const ok = (s: LoadSecond) => {
    const n = requestsOf(s);
    if (n === 0) return false;
    const p50Ok = base.p50Ms === null || s.latencyMs === null || s.latencyMs.p50 <= base.p50Ms * P50_FACTOR + P50_SLACK_MS;
    const failOk = failuresOf(s) / n <= (base.failureRatio ?? 0) + FAILURE_SLACK;
    return p50Ok && failOk;
  };
  for (let i = 0; i + streak <= after.length; i++) {
    if (after.slice(i, i + streak).every(ok)) return after[i]!.at;
  }
  return null;
}

const diff = (a: number | null, b: number | null, digits = 2) => (a === null || b === null ? null : Number((a - b).toFixed(digits)));

export function networkFaultImpact(t: Timeline): Scored<NetworkFaultScore | null> {
  const marks = t.chaos.filter((m) => m.action === 'network-fault');
  if (marks.length === 0) return { score: null, checks: [], notes: [] };
  const zero = runZero(t);
  const end = loadEnd(t);
  const seconds = t.load?.seconds ?? [];
  const checks: Check[] = [];
  const notes: string[] = [];
  const faults: FaultImpact[] = [];
  const windowOf = (m: ChaosMark): TimeWindow => faultWindow(m, end) ?? { from: m.startedAt, to: m.endedAt };
  for (const m of marks) {
    const w = faultWindow(m, end);
    const subject = m.id;
    if (!w || !t.load) {
      checks.push({
        id: `fault.applied/${m.id}`, area: 'plan', subject, metric: 'fault window', status: 'incomplete', measured: null, limit: 'applied and undone',
        message: `${m.id}: the fault ${m.fault?.appliedAt === null ? 'never took effect' : 'has no window inside the load'} (${m.detail}); its impact cannot be scored.`,
      });
      continue;
    }
    // Baseline: the seconds before the action started (pods get the fault one by one before the
    // window, which opens once all have it), minus any second inside another action's window.
    const bw = { from: Math.max(t.loadStartedAt ?? m.startedAt, m.startedAt - BASELINE_S * 1000), to: Math.min(m.startedAt, w.from) };
    const others = t.chaos.filter((o) => o !== m).map(windowOf);
    const baseSecs = wholeSeconds(seconds, bw).filter((s) => !others.some((o) => s.at < o.to && s.at + 1000 > o.from));
    const base = windowStats(baseSecs);
    const during = windowStats(wholeSeconds(seconds, w));
    const after = seconds.filter((s) => s.at >= w.to && s.at + 1000 <= end);
    const back = recoveredAt(after, base);
    const impact: FaultImpact = {
      chaosId: m.id,
      what: m.fault?.what ?? m.detail,
      pods: m.fault?.pods ?? [],
      window: w,
      baseline: base,
      during,
      deltas: {
        p50Ms: diff(during.p50Ms, base.p50Ms),
        p95BoundMs: diff(during.p95BoundMs, base.p95BoundMs),
        failureRatio: diff(during.failureRatio, base.failureRatio, 6),
      },
      recoveryS: back === null ? null : round2(Math.max(0, back - w.to) / 1000),
    };
    faults.push(impact);
    const label = windowLabel(zero, w);
    notes.push(
      `${m.id} (${impact.what}) ${label}: p50 ${base.p50Ms ?? '–'} → ${during.p50Ms ?? '–'} ms, p95 ≤ ${base.p95BoundMs ?? '–'} → ≤ ${during.p95BoundMs ?? '–'} ms, ` +
        `failed ${base.failed}/${base.requests} → ${during.failed}/${during.requests}; ` +
        (back === null ? 'not back at baseline before the load ended' : `back at baseline ${impact.recoveryS} s after the undo (${atLabel(zero, back)})`),
    );
    checks.push({
      id: `fault.undone/${m.id}`, area: 'plan', subject, metric: 'fault undone by the harness',
      status: m.fault?.undoneAt !== null && m.fault?.undoneAt !== undefined ? 'pass' : 'fail',
      measured: m.fault?.undoneAt ? `${round2((m.fault.undoneAt - m.fault.appliedAt!) / 1000)} s` : 'not undone', limit: 'undone',
      window: w,
      message: m.fault?.undoneAt ? `${m.id}: applied ${label} and undone by the harness.` : `${m.id}: the harness did not undo the fault (${m.detail}); the dead-man's switch was due ${atLabel(zero, m.fault!.deadManAt)}.`,
    });
    const slo = t.plan.slos;
    if (slo.latencyMs?.p95 !== undefined) {
      const v = during.p95BoundMs;
      checks.push({
        id: `fault.p95/${m.id}`, area: 'slo', subject, metric: 'latency p95 inside the fault window (upper bound)',
        status: v === null ? 'incomplete' : v <= slo.latencyMs.p95 ? 'pass' : 'fail', measured: v, limit: `<= ${slo.latencyMs.p95}`, window: w,
        message: v === null
          ? `${m.id}: no latency samples inside ${label}.`
          : `${m.id} (${impact.what}) ${label}: p95 ≤ ${v} ms against ${slo.latencyMs.p95} ms${v > slo.latencyMs.p95 ? `, over by ${round2(v - slo.latencyMs.p95)} ms` : ''} (baseline ≤ ${base.p95BoundMs ?? '–'} ms).`,
      });
    }
    const ratio = during.failureRatio;
    const allowed = 1 - slo.successRatio;
    checks.push({
      id: `fault.failures/${m.id}`, area: 'slo', subject, metric: 'failure ratio inside the fault window',
      status: ratio === null ? 'incomplete' : ratio <= allowed + 1e-12 ? 'pass' : 'fail', measured: ratio === null ? null : Number(ratio.toFixed(6)), limit: `<= ${Number(allowed.toFixed(6))}`, window: w,
      message: ratio === null
        ? `${m.id}: no requests inside ${label}.`
        : `${m.id} (${impact.what}) ${label}: ${during.failed} of ${during.requests} requests failed (${(ratio * 100).toFixed(3)} %) against ${(allowed * 100).toFixed(3)} % allowed (baseline ${base.failed}/${base.requests}).`,
    });
  }
  return { score: { faults }, checks, notes };
}
