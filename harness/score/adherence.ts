// Was the plan carried out? Before any SLO means anything, the run must have offered the planned
// load on every stream and stage, for the planned time, with every planned chaos action done and
// every k6 shard finished cleanly. A run that did less proves nothing: it does not pass.
import { ADHERENCE, type PlannedStage } from '../plan/types.ts';
import type { EpochMs, LoadSecond, Timeline } from '../timeline/types.ts';
import type { AdherenceScore, Check, Scored, StageAdherence, StreamKind } from './scorecard.ts';
import { atLabel, round2, runZero, windowLabel } from './run-clock.ts';

interface StreamView {
  kind: StreamKind;
  stages: readonly PlannedStage[];
  /** What one second achieved, in the unit the stages plan. */
  value: (s: LoadSecond) => number;
  unit: string;
  /** true: a per-second rate summed over the stage; false: a level (sessions open) averaged. */
  summed: boolean;
}

function streams(t: Timeline): StreamView[] {
  const out: StreamView[] = [];
  const l = t.plan.load;
  if (l.http) out.push({ kind: 'http', stages: l.http.stages, value: (s) => s.requests, unit: 'req/s', summed: true });
  if (l.grpc) out.push({ kind: 'grpc', stages: l.grpc.stages, value: (s) => s.grpc?.requests ?? 0, unit: 'calls/s', summed: true });
  // WS: the sessions k6 held (open, connecting, or backing off to reconnect), as HTTP counts
  // requests sent whatever their answer; sessions the server cut are the WS checks' business.
  // Timelines from before `held` have only `open`.
  if (l.ws) out.push({ kind: 'ws', stages: l.ws.stages, value: (s) => s.ws?.held ?? s.ws?.open ?? 0, unit: 'sessions', summed: false });
  return out;
}

/** The planned profile at offset x (s): linear inside a stage, 0 outside every stage. */
export function profileAt(stages: readonly PlannedStage[], x: number): number {
  for (const st of stages) {
    if (x >= st.startS && x < st.endS) {
      const len = st.endS - st.startS;
      return len > 0 ? st.fromTarget + ((st.toTarget - st.fromTarget) * (x - st.startS)) / len : st.toTarget;
    }
  }
  return 0;
}

/**
 * What second i (offset [i, i+1)) must at least carry: the lowest planned value within ±lag of
 * its middle. So a stream may trail a jump or a ramp, start up, or close its sessions just
 * before the end by up to `lag` seconds, and is held to the plan everywhere else.
 */
export function plannedFloor(stages: readonly PlannedStage[], i: number, lagS: number): number {
  const mid = i + 0.5;
  return Math.min(profileAt(stages, mid - lagS), profileAt(stages, mid), profileAt(stages, mid + lagS));
}

/** ", mean N open" over a stage when the series tells held from open (the server's cuts in between). */
function openAlso(seconds: readonly LoadSecond[], from: number, to: number): string {
  const part = seconds.slice(from, to).filter((s) => s.ws?.held !== undefined);
  if (part.length === 0) return '';
  return ` (mean ${round2(part.reduce((a, s) => a + (s.ws?.open ?? 0), 0) / part.length)} open)`;
}

function hasLoad(s: LoadSecond): boolean {
  return s.requests > 0 || (s.grpc?.requests ?? 0) > 0 || (s.ws?.open ?? 0) > 0 || (s.ws?.opened ?? 0) > 0;
}

export function planAdherence(t: Timeline): Scored<AdherenceScore | null> {
  if (t.loadStartedAt === null) return { score: null, checks: [], notes: [] };
  const rules = t.plan.adherence ?? ADHERENCE;
  const zero = runZero(t);
  const start = t.loadStartedAt;
  const seconds = t.load?.seconds ?? [];
  const interruptedAt = t.interrupted?.at ?? null;
  /** Offset (s) up to which the run was meant to go on: the plan's end, or the interruption. */
  const cutS = interruptedAt !== null ? Math.max(0, Math.floor((interruptedAt - start) / 1000)) : Number.POSITIVE_INFINITY;
  const checks: Check[] = [];
  const notes: string[] = [];
  const stageScores: StageAdherence[] = [];

  // 1. Every stream reached its planned rate in every stage.
  for (const st of streams(t)) {
    for (const stage of st.stages) {
      const window = { from: start + stage.startS * 1000, to: start + stage.endS * 1000 };
      const id = `plan.rate/${st.kind}/${stage.name}`;
      const label = `${st.kind} stage ${stage.name} ${windowLabel(zero, window)}`;
      let planned = 0;
      let achieved = 0;
      let n = 0;
      for (let i = stage.startS; i < stage.endS; i++) {
        const floor = plannedFloor(st.stages, i, rules.lagS);
        if (floor <= 0) continue;
        n++;
        planned += floor;
        achieved += seconds[i] ? st.value(seconds[i]!) : 0;
      }
      const share = planned > 0 ? achieved / planned : null;
      stageScores.push({ stream: st.kind, stage: stage.name, window, seconds: n, planned: round2(planned), achieved: round2(achieved), share: share === null ? null : round2(share) });
      if (planned === 0) continue; // nothing planned (a gap, or a stage shorter than the lag)
      const per = (x: number) => round2(x / n);
      const figures = st.summed
        ? `achieved ${Math.round(achieved)} (${per(achieved)} ${st.unit}) of ${Math.round(planned)} planned (${per(planned)} ${st.unit})`
        : `mean ${per(achieved)} ${st.unit} held of ${per(planned)} planned${st.kind === 'ws' ? openAlso(seconds, stage.startS, stage.endS) : ''}`;
      if (stage.endS > cutS) {
        checks.push({
          id,
          area: 'plan',
          subject: `${st.kind}/${stage.name}`,
          metric: 'achieved / planned',
          status: 'incomplete',
          measured: share === null ? null : round2(share),
          limit: `>= ${rules.minRateShare}`,
          window,
          message: `${label}: the run was interrupted at ${atLabel(zero, interruptedAt!)} before the stage ended; ${figures} so far`,
        });
        continue;
      }
      const ok = share !== null && share >= rules.minRateShare;
      checks.push({
        id,
        area: 'plan',
        subject: `${st.kind}/${stage.name}`,
        metric: 'achieved / planned',
        status: ok ? 'pass' : 'fail',
        measured: share === null ? null : round2(share),
        limit: `>= ${rules.minRateShare}`,
        window,
        message: `${label}: ${figures}: ${round2((share ?? 0) * 100)} % of plan; limit ≥ ${rules.minRateShare * 100} %`,
      });
    }
  }

  // 2. Iterations k6 could not start mean the offered load was below plan.
  const arrival = (s: LoadSecond) => s.requests + (s.grpc?.requests ?? 0);
  const counted = seconds.filter((_, i) => i < t.plan.durationS);
  const dropped = counted.reduce((a, s) => a + s.droppedIterations, 0);
  const asked = counted.reduce((a, s) => a + arrival(s), 0) + dropped;
  const droppedShare = asked > 0 ? dropped / asked : null;
  if (t.plan.load.http || t.plan.load.grpc) {
    const worst = counted.reduce<{ i: number; n: number }>((w, s, i) => (s.droppedIterations > w.n ? { i, n: s.droppedIterations } : w), { i: -1, n: 0 });
    const ok = droppedShare !== null && droppedShare <= rules.maxDroppedShare;
    checks.push({
      id: 'plan.dropped',
      area: 'plan',
      subject: 'load',
      metric: 'dropped iterations / iterations asked',
      status: droppedShare === null ? (t.interrupted ? 'incomplete' : 'fail') : ok ? 'pass' : 'fail',
      measured: droppedShare === null ? null : round2(droppedShare * 10000) / 10000,
      limit: `<= ${rules.maxDroppedShare}`,
      window: { from: start, to: start + t.plan.durationS * 1000 },
      message:
        droppedShare === null
          ? 'no request-rate iteration was recorded: the load series is empty'
          : `k6 could not start ${dropped} of ${asked} iterations (out of VUs): ${round2(droppedShare * 100)} %${worst.i >= 0 ? `, most at ${atLabel(zero, start + worst.i * 1000)} (${worst.n})` : ''}; limit ${rules.maxDroppedShare * 100} %`,
    });
  }

  // 3. The load lasted the planned time.
  let lastLoaded = -1;
  seconds.forEach((s, i) => {
    if (hasLoad(s)) lastLoaded = i;
  });
  const needS = t.plan.durationS - 1 - rules.endSlackS;
  const covered = lastLoaded >= needS;
  const coverageMsg = `load recorded until ${lastLoaded >= 0 ? atLabel(zero, start + (lastLoaded + 1) * 1000) : 'nowhere (no second had load)'} of the planned ${t.plan.durationS} s (series of ${seconds.length} s)`;
  checks.push({
    id: 'plan.duration',
    area: 'plan',
    subject: 'load',
    metric: 'last second with load (s)',
    status: covered ? 'pass' : interruptedAt !== null ? 'incomplete' : 'fail',
    measured: lastLoaded >= 0 ? lastLoaded + 1 : 0,
    limit: `>= ${t.plan.durationS - rules.endSlackS}`,
    window: { from: start, to: start + t.plan.durationS * 1000 },
    message: covered
      ? coverageMsg
      : interruptedAt !== null
        ? `${coverageMsg}: the run was interrupted at ${atLabel(zero, interruptedAt)}`
        : `${coverageMsg}: the load stopped ${round2(t.plan.durationS - lastLoaded - 1)} s early and no interruption was recorded; limit ${rules.endSlackS} s`,
  });

  // 4. Every planned chaos action ran, on time, and did what it says.
  for (const pc of t.plan.chaos) {
    const plannedAt = start + pc.atS * 1000;
    const mark = t.chaos.find((m) => m.id === pc.id);
    const id = `plan.chaos/${pc.id}`;
    const base = { id, area: 'plan' as const, subject: pc.id, metric: 'chaos action carried out', limit: `outcome ok, started <= ${rules.chaosLateS} s late` };
    if (!mark) {
      const notReached = pc.atS >= cutS;
      checks.push({
        ...base,
        status: notReached ? 'incomplete' : 'fail',
        measured: 'no mark',
        window: { from: plannedAt, to: plannedAt + 1000 },
        message: notReached
          ? `chaos ${pc.id} planned at ${atLabel(zero, plannedAt)} did not run: the run was interrupted at ${atLabel(zero, interruptedAt!)}`
          : `chaos ${pc.id} planned at ${atLabel(zero, plannedAt)} never ran: the timeline has no mark for it`,
      });
      continue;
    }
    const lateS = round2((mark.startedAt - plannedAt) / 1000);
    const podsExpected = pc.step.action === 'pod-kill' || pc.step.action === 'rollout';
    const problems: string[] = [];
    if (mark.outcome !== 'ok') problems.push(`outcome ${mark.outcome}${mark.detail ? ` (${mark.detail})` : ''}`);
    if (lateS > rules.chaosLateS) problems.push(`started ${lateS} s after its planned time`);
    if (podsExpected && mark.outcome === 'ok' && mark.pods.length === 0) problems.push(`no pod went away (${mark.detail || 'no detail'})`);
    checks.push({
      ...base,
      status: problems.length ? 'fail' : 'pass',
      measured: problems.length ? problems.join('; ') : mark.outcome,
      window: { from: mark.startedAt, to: mark.endedAt },
      message: problems.length
        ? `chaos ${pc.id} planned at ${atLabel(zero, plannedAt)}: ${problems.join('; ')}`
        : `chaos ${pc.id} ran at ${atLabel(zero, mark.startedAt)} (${lateS} s after plan), ${mark.pods.length} pods, outcome ok`,
    });
  }
  for (const m of t.chaos) {
    if (!t.plan.chaos.some((pc) => pc.id === m.id)) notes.push(`chaos mark ${m.id} is not in the plan.`);
  }

  // 5. Every k6 shard ended cleanly and left its summary (the witness of the totals).
  const exits = t.witnesses.k6Exits;
  if (!exits) notes.push('this timeline predates recorded k6 exit codes: shards are judged by their summaries only.');
  for (let i = 0; i < Math.max(1, t.plan.shards); i++) {
    const exit = exits?.find((e) => e.shard === i);
    const summary = t.witnesses.k6Summaries.find((s) => s.shard === i);
    const problems: string[] = [];
    if (exits && !exit) problems.push('its exit was not recorded');
    if (exit && (exit.code !== 0 || exit.error)) problems.push(`k6 ${exit.code !== null ? `exited ${exit.code}` : `died of ${exit.signal ?? 'an unknown cause'}`}${exit.error ? `: ${exit.error}` : ''}${exit.logFile ? ` (log ${exit.logFile})` : ''}`);
    if (!summary) problems.push('it left no --summary-export');
    checks.push({
      id: `plan.shard/${i}`,
      area: 'plan',
      subject: `shard ${i}`,
      metric: 'k6 exit and summary',
      status: problems.length === 0 ? 'pass' : t.interrupted ? 'incomplete' : 'fail',
      measured: problems.length ? problems.join('; ') : 'exit 0, summary written',
      limit: 'exit 0 and a summary',
      message: problems.length ? `k6 shard ${i}: ${problems.join('; ')}` : `k6 shard ${i} exited 0 and wrote its summary`,
    });
  }

  return {
    score: { rules, rulesSource: t.plan.adherence ? 'plan' : 'default (timeline predates plan.adherence)', stages: stageScores, droppedShare, lastLoadedS: lastLoaded >= 0 ? lastLoaded + 1 : null },
    checks,
    notes: [
      `Plan adherence: each stream's achieved count over each stage must reach ${rules.minRateShare * 100} % of its planned count, where each second is held to the lowest planned value within ±${rules.lagS} s (a stream may trail a jump, a ramp or its own start and end by that much).`,
      ...notes,
    ],
  };
}
