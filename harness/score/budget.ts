// Error budget from the scenario's success-ratio SLO: allowed, used, where it went (phases, chaos
// actions), how fast it burned (multiwindow burn rate), WS abnormal closes, and k6's own totals
// as the witness of the series.
import type { EpochMs, LoadSecond, Timeline } from '../timeline/types.ts';
import type { BudgetScore, BudgetSlice, BurnAlert, Check, DrainScore, TimeWindow } from './scorecard.ts';
import type { Scored } from './scorecard.ts';
import { atLabel, failuresOf, grpcFailuresOf, loadEnd, requestsOf, round2, runZero, secondsIn, windowLabel } from './run-clock.ts';

/** The SRE workbook's fast-burn page threshold (2 % of a 30-day budget in 1 h). */
export const FAST_BURN = 14.4;
/** Shortest burn window: a few one-second samples are noise. */
export const MIN_BURN_WINDOW_S = 5;

/**
 * The workbook pairs a 1 h long window with a 5 min short one (1/12) for a 30-day period. A run
 * is minutes long, so the windows scale with it: long = run/12, short = long/12, at least 5 s each.
 */
export function burnWindows(runS: number): { longS: number; shortS: number } {
  const longS = Math.max(MIN_BURN_WINDOW_S, Math.round(runS / 12));
  const shortS = Math.max(MIN_BURN_WINDOW_S, Math.round(longS / 12));
  return { longS, shortS };
}

function slice(name: string, w: TimeWindow, seconds: LoadSecond[], allowedRatio: number, runAllowed: number): BudgetSlice {
  let requests = 0;
  let failed = 0;
  for (const s of seconds) {
    requests += requestsOf(s);
    failed += failuresOf(s);
  }
  return {
    name,
    window: w,
    requests,
    failed,
    usedPctOfRun: runAllowed > 0 ? round2((failed / runAllowed) * 100) : failed === 0 ? 0 : null,
    burnRate: requests > 0 && allowedRatio > 0 ? round2(failed / requests / allowedRatio) : null,
  };
}

function trailing(req: number[], fail: number[], i: number, n: number, allowedRatio: number): number | null {
  if (i + 1 < n) return null;
  let r = 0;
  let f = 0;
  for (let k = i - n + 1; k <= i; k++) {
    r += req[k]!;
    f += fail[k]!;
  }
  return r > 0 && allowedRatio > 0 ? f / r / allowedRatio : null;
}

export function errorBudget(t: Timeline, drain: DrainScore | null): Scored<BudgetScore | null> {
  const load = t.load;
  if (!load || t.loadStartedAt === null) return { score: null, checks: [], notes: [] };
  const zero = runZero(t);
  const checks: Check[] = [];
  const ratio = t.plan.slos.successRatio;
  const allowedRatio = 1 - ratio;
  const totals = load.totals;
  let grpcFailed = 0;
  for (const s of load.seconds) grpcFailed += grpcFailuresOf(s);
  const requests = totals.requests + totals.grpcRequests;
  const failed = totals.failedRequests + grpcFailed;
  const allowed = allowedRatio * requests;
  const usedPct = allowed > 0 ? round2((failed / allowed) * 100) : failed === 0 ? 0 : null;
  const maxUsedPct = t.plan.scoring.errorBudget.maxUsedPct;

  const phases = t.plan.phases
    .map((p) => ({ name: p.name, w: { from: t.loadStartedAt! + p.startS * 1000, to: t.loadStartedAt! + p.endS * 1000 } }))
    .filter((p) => p.w.from < loadEnd(t)) // an interrupted run never reached the later phases
    .map((p) => slice(p.name, p.w, secondsIn(load, p.w), allowedRatio, allowed));
  const chaos = t.chaos.map((m) => {
    // A chaos action's effects last until the pods it made go away have exited (+ drain tail).
    const podEnds = (drain?.pods ?? []).filter((p) => p.cause === m.id).map((p) => p.window.to);
    const w = { from: m.startedAt, to: Math.max(m.endedAt, ...podEnds) };
    return slice(m.id, w, secondsIn(load, w), allowedRatio, allowed);
  });

  // Multiwindow burn rate over the per-second series.
  const runS = load.seconds.length;
  const { longS, shortS } = burnWindows(runS);
  const req = load.seconds.map(requestsOf);
  const fail = load.seconds.map(failuresOf);
  let maxLong: number | null = null;
  let maxShort: number | null = null;
  const alerts: BurnAlert[] = [];
  let open: BurnAlert | null = null;
  for (let i = 0; i < load.seconds.length; i++) {
    const s = load.seconds[i]!;
    const l = trailing(req, fail, i, longS, allowedRatio);
    const sh = trailing(req, fail, i, shortS, allowedRatio);
    if (l !== null) maxLong = Math.max(maxLong ?? 0, l);
    if (sh !== null) maxShort = Math.max(maxShort ?? 0, sh);
    const hot = l !== null && sh !== null && l >= FAST_BURN && sh >= FAST_BURN;
    if (hot) {
      if (!open) {
        open = { window: { from: s.at - (longS - 1) * 1000, to: s.at + 1000 }, maxShortBurn: 0, maxLongBurn: 0 };
        alerts.push(open);
      }
      open.window.to = s.at + 1000;
      open.maxLongBurn = round2(Math.max(open.maxLongBurn, l!));
      open.maxShortBurn = round2(Math.max(open.maxShortBurn, sh!));
    } else {
      open = null;
    }
  }

  const wsSessions = totals.wsSessions;
  const abnormal = totals.wsClosedByCode['1006'] ?? 0;
  const wsLimit = t.plan.slos.wsAbnormalCloseRatio ?? null;
  const abnormalRatio = wsSessions > 0 ? abnormal / wsSessions : null;

  const score: BudgetScore = {
    successRatio: ratio,
    requests,
    failed,
    allowed: round2(allowed),
    usedPct,
    maxUsedPct,
    phases,
    chaos,
    burn: {
      longWindowS: longS,
      shortWindowS: shortS,
      threshold: FAST_BURN,
      maxLong: maxLong === null ? null : round2(maxLong),
      maxShort: maxShort === null ? null : round2(maxShort),
      alerts,
    },
    ws: { sessions: wsSessions, closedByCode: { ...totals.wsClosedByCode }, abnormalRatio, limit: wsLimit },
  };

  // Phases overlap (stages, chaos windows): name the chaos action with the most failures, else the
  // phase with the most, the narrowest on a tie.
  const worstAction = [...chaos].sort((a, b) => b.failed - a.failed)[0];
  const worstPhase = [...phases].sort((a, b) => b.failed - a.failed || a.window.to - a.window.from - (b.window.to - b.window.from))[0];
  const where =
    worstAction && worstAction.failed > 0
      ? `, ${worstAction.failed} in chaos action ${worstAction.name} ${windowLabel(zero, worstAction.window)}`
      : worstPhase && worstPhase.failed > 0
        ? `, most in phase ${worstPhase.name} ${windowLabel(zero, worstPhase.window)} (${worstPhase.failed})`
        : '';
  const runWindow = { from: t.loadStartedAt, to: loadEnd(t) };
  checks.push({
    id: 'budget.used',
    area: 'budget',
    subject: 'run',
    metric: 'error budget used (%)',
    status: usedPct !== null && usedPct <= maxUsedPct ? 'pass' : 'fail',
    measured: usedPct,
    limit: `<= ${maxUsedPct}`,
    window: runWindow,
    message: `${failed} of ${requests} requests failed: ${usedPct ?? '∞'} % of the error budget (${round2(allowed)} allowed at ${ratio * 100} % success)${where}; limit ${maxUsedPct} %`,
  });
  if (wsLimit !== null && t.plan.load.ws) {
    checks.push({
      id: 'budget.ws-abnormal',
      area: 'budget',
      subject: 'run',
      metric: 'WS sessions closed 1006 / sessions',
      status: abnormalRatio !== null && abnormalRatio <= wsLimit ? 'pass' : 'fail',
      measured: abnormalRatio,
      limit: `<= ${wsLimit}`,
      window: runWindow,
      message:
        wsSessions === 0
          ? 'no WebSocket session was opened although the plan has WS load'
          : `${abnormal} of ${wsSessions} WebSocket sessions closed abnormally (1006): ratio ${round2(abnormalRatio! * 10000) / 10000}; limit ${wsLimit}`,
    });
  }
  checks.push(...streamSuccess(t, zero, runWindow));
  checks.push(k6TotalsWitness(t, zero));
  return {
    score,
    checks,
    notes: [
      `Burn rate = failure ratio over a trailing window / allowed failure ratio (${round2(allowedRatio * 100) / 100}); windows scaled to the run: long ${longS} s, short ${shortS} s; a fast burn is both above ${FAST_BURN}. Budget counts HTTP and gRPC requests; gRPC statuses other than OK are failures.`,
    ],
  };
}

/** The success-ratio SLO on each request stream by itself, so a busy stream cannot hide a failing one. */
function streamSuccess(t: Timeline, zero: EpochMs, w: TimeWindow): Check[] {
  const secs = secondsIn(t.load, w);
  const ratio = t.plan.slos.successRatio;
  const streams: { key: 'http' | 'grpc'; what: string; requests: number; failed: number }[] = [];
  if (t.plan.load.http) {
    let f = 0;
    for (const s of secs) for (const v of Object.values(s.failures)) f += v;
    streams.push({ key: 'http', what: 'HTTP requests', requests: secs.reduce((a, s) => a + s.requests, 0), failed: f });
  }
  if (t.plan.load.grpc) {
    streams.push({ key: 'grpc', what: 'gRPC calls (status other than OK)', requests: secs.reduce((a, s) => a + (s.grpc?.requests ?? 0), 0), failed: secs.reduce((a, s) => a + grpcFailuresOf(s), 0) });
  }
  return streams.map((st) => {
    const success = st.requests > 0 ? 1 - st.failed / st.requests : null;
    return {
      id: `slo.success/${st.key}`,
      area: 'slo' as const,
      subject: st.key,
      metric: 'success ratio',
      status: success === null ? (t.interrupted ? ('incomplete' as const) : ('fail' as const)) : success >= ratio ? ('pass' as const) : ('fail' as const),
      measured: success === null ? null : round2(success * 1e5) / 1e5,
      limit: `>= ${ratio}`,
      window: w,
      message:
        success === null
          ? `${st.what} ${windowLabel(zero, w)}: none recorded although the plan has this stream`
          : `${st.what} ${windowLabel(zero, w)}: ${st.failed} of ${st.requests} failed, success ${round2(success * 1e5) / 1e3} %; limit ≥ ${ratio * 100} %`,
    };
  });
}

/** The series' totals must equal the sums of k6's own per-shard summaries, field by field. */
export function k6TotalsWitness(t: Timeline, zero: EpochMs): Check {
  const totals = t.load!.totals;
  const sums = t.witnesses.k6Summaries;
  const shards = Math.max(1, t.load!.shards);
  if (sums.length < shards) {
    // A missing summary is a missing witness: the totals cannot be said to agree.
    const missing = [...Array(shards).keys()].filter((i) => !sums.some((s) => s.shard === i));
    return {
      id: 'witness.k6-totals',
      area: 'witness',
      subject: 'run',
      metric: 'series totals equal k6 summaries',
      status: t.interrupted ? 'incomplete' : 'fail',
      measured: `${sums.length} of ${shards} summaries`,
      limit: `${shards} shard summaries`,
      message: `k6 --summary-export missing for shard(s) ${missing.join(', ')} (${sums.length} of ${shards} recorded, at ${atLabel(zero, t.endedAt)}): the series totals have no witness`,
    };
  }
  const fields = ['requests', 'failedRequests', 'checksPassed', 'checksFailed', 'wsSessions', 'droppedIterations', 'grpcRequests'] as const;
  const diffs: string[] = [];
  for (const f of fields) {
    const k6 = sums.reduce((a, s) => a + s[f], 0);
    if (k6 !== totals[f]) diffs.push(`${f}: series ${totals[f]} vs k6 ${k6}`);
  }
  return {
    id: 'witness.k6-totals',
    area: 'witness',
    subject: 'run',
    metric: 'series totals equal k6 summaries',
    status: diffs.length === 0 ? 'pass' : 'fail',
    measured: diffs.length === 0 ? totals.requests : diffs.join('; '),
    limit: `== sum of ${sums.length} k6 summaries`,
    message:
      diffs.length === 0
        ? `series totals equal the sum of ${sums.length} k6 summaries (${totals.requests} requests, ${totals.failedRequests} failed)`
        : `series totals differ from the sum of ${sums.length} k6 summaries: ${diffs.join('; ')}`,
  };
}
