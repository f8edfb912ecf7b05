// HPA reaction per load step, overshoot, flapping and scale-down stabilisation, witnessed by the
// HPA's own SuccessfulRescale events.
import type { EpochMs, EventRecord, HpaRecord, LoadSecond, RolloutRecord, Timeline } from '../timeline/types.ts';
import type { Check, HpaScore, HpaStep, ReplicaChange, ScaleDown } from './scorecard.ts';
import type { Scored } from './scorecard.ts';
import { atLabel, failuresOf, loadEnd, round2, runZero, windowLabel } from './run-clock.ts';

/** A step has started when the achieved rate reaches this share of the new target. */
export const STEP_REACHED = 0.9;
/** SLOs "hold again" after this many consecutive good seconds. */
export const SUSTAINED_S = 10;
/** Kubernetes' default behavior.scaleDown.stabilizationWindowSeconds. */
export const K8S_DEFAULT_SCALE_DOWN_WINDOW_S = 300;
/** Event ↔ status match tolerance. */
export const HPA_WITNESS_TOLERANCE_MS = 1000;
const TOLERANCE_WHY =
  'the HPA controller emits SuccessfulRescale and writes its status in the same reconcile, so both reach the watches within milliseconds; ' +
  'the API server stamps event time and status.lastScaleTime in whole seconds, so 1 s covers truncation. A match on either clock (observer receive time, or event time vs lastScaleTime) counts.';

function hpaTarget(t: Timeline): { hpa: string; workload: string } | null {
  const h = t.plan.scoring.hpa;
  if (!h) return null;
  const w = t.plan.workloads.find((x) => x.name === h.workload || x.object.name === h.workload);
  const name = w?.object.name ?? h.workload;
  return { hpa: name, workload: name };
}

type Stages = NonNullable<Timeline['plan']['load']['http']>['stages'];
interface StepStream {
  stages: Stages;
  rate: (s: LoadSecond) => number;
  /** What the stream's targets count, for messages. */
  unit: 'req/s' | 'sessions';
  kind: 'http' | 'grpc' | 'ws';
}

/**
 * The stream whose stages step up: HTTP, then gRPC, then WS sessions (a scenario that steps its
 * sessions under steady requests scales on connections). Without a step, the first rate stream.
 */
function stepStream(t: Timeline): StepStream | null {
  const { http, grpc, ws } = t.plan.load;
  const candidates: StepStream[] = [
    ...(http ? [{ stages: http.stages, rate: (s: LoadSecond) => s.requests, unit: 'req/s' as const, kind: 'http' as const }] : []),
    ...(grpc ? [{ stages: grpc.stages, rate: (s: LoadSecond) => s.grpc?.requests ?? 0, unit: 'req/s' as const, kind: 'grpc' as const }] : []),
    ...(ws ? [{ stages: ws.stages, rate: (s: LoadSecond) => s.ws?.held ?? s.ws?.open ?? 0, unit: 'sessions' as const, kind: 'ws' as const }] : []),
  ];
  const rises = (st: Stages) => st.some((x, i) => i > 0 && x.toTarget > st[i - 1]!.toTarget);
  return candidates.find((c) => rises(c.stages)) ?? candidates.find((c) => c.kind !== 'ws') ?? null;
}

/** The seed metric an HPA metric name serves ("external metric s3-prometheus" → active_connections), when the plan knows it. */
export function seedMetricOf(drivenBy: string, names: Readonly<Record<string, string>> | undefined): string | null {
  const m = /(s\d+-[a-z]+)$/.exec(drivenBy.trim());
  return (m && names?.[m[1]!]) ?? null;
}

/** Replicas a step's target needs: requests over the per-pod rate, or held connections over the per-pod connection target. */
function neededFor(t: Timeline, stream: StepStream, toTarget: number, h: NonNullable<Timeline['plan']['scoring']['hpa']>): { needed: number; basis: string } {
  if (stream.kind === 'ws' && h.perPodConnections !== undefined) {
    // k6 also holds its rate streams' pooled connections: the plan's total less the WS peak
    const wsPeak = Math.max(...stream.stages.map((x) => x.toTarget));
    const pooled = Math.max(0, (t.plan.connections?.atScale ?? wsPeak) - wsPeak);
    return { needed: Math.ceil((toTarget + pooled) / h.perPodConnections), basis: `${toTarget} sessions + ${pooled} pooled HTTP connections at ${h.perPodConnections} connections per pod` };
  }
  return { needed: Math.ceil(toTarget / h.perPodRate), basis: `${toTarget} ${stream.unit} at ${h.perPodRate} req/s per pod` };
}

/** "external metric s3-prometheus (active_connections)" where the plan maps the name. */
function drivenLabel(drivenBy: string, names: Readonly<Record<string, string>> | undefined): string {
  const seed = seedMetricOf(drivenBy, names);
  return seed ? `${drivenBy} (${seed})` : drivenBy;
}

function parseNewSize(message: string): number | null {
  const m = /New size: (\d+)/.exec(message);
  return m ? Number(m[1]) : null;
}

/**
 * The metric a SuccessfulRescale event says drove the decision ("reason: <metric> above target"),
 * without the label selector an External metric carries; "all metrics below target" for a scale-down.
 */
export function rescaleDrivenBy(message: string): string | null {
  const m = /reason: (.+?) (above|below) target\s*$/.exec(message);
  if (!m) return null;
  const metric = m[1]!.replace(/\(&LabelSelector\{.*\}\)/, '').trim();
  return m[2] === 'below' ? `${metric.toLowerCase()} below target` : metric;
}

/**
 * Desired-replica changes from the HPA's status. The controller's first computation (from 0) is a
 * change only when it differs from the replicas running: an HPA whose CPU metric has no data yet
 * for young pods computes nothing until a metric asks for more (seen with KEDA: 0 until the
 * spike, then 6 over the 2 running), and that first answer is its reaction.
 */
function replicaChanges(records: HpaRecord[]): { change: ReplicaChange; record: HpaRecord }[] {
  const out: { change: ReplicaChange; record: HpaRecord }[] = [];
  let prev: number | null = null;
  let uncomputedSeen = false;
  const push = (r: HpaRecord, from: number) => out.push({ change: { at: r.at, from, to: r.desiredReplicas, eventAt: null, eventMessage: null, drivenBy: null }, record: r });
  for (const r of records) {
    if (prev !== null && prev > 0 && r.desiredReplicas !== prev && r.desiredReplicas > 0) push(r, prev);
    else if (prev === null && uncomputedSeen && r.desiredReplicas > 0 && r.currentReplicas > 0 && r.desiredReplicas !== r.currentReplicas) push(r, r.currentReplicas);
    if (r.desiredReplicas > 0) prev = r.desiredReplicas;
    else if (prev === null) uncomputedSeen = true;
  }
  return out;
}

/** Whether a second met the SLOs; null for a second without requests, which is evidence of nothing. */
function sloHolds(t: Timeline, s: LoadSecond): boolean | null {
  const req = s.requests + (s.grpc?.requests ?? 0);
  if (req === 0) return null;
  if (failuresOf(s) / req > 1 - t.plan.slos.successRatio) return false;
  const lim = t.plan.slos.latencyMs;
  if (lim?.p99 !== undefined) return s.latencyMs !== null && s.latencyMs.p99 <= lim.p99;
  if (lim?.p95 !== undefined) return s.latencyMs !== null && s.latencyMs.p95 <= lim.p95;
  return true;
}

/** The inputs every part of the HPA score reads: one HPA, its workload, its status, events and rollouts. */
interface HpaInputs {
  t: Timeline;
  h: NonNullable<Timeline['plan']['scoring']['hpa']>;
  hpa: string;
  workload: string;
  zero: EpochMs;
  records: HpaRecord[];
  rollouts: RolloutRecord[];
  events: EventRecord[];
  changes: { change: ReplicaChange; record: HpaRecord }[];
}

export function hpaReaction(t: Timeline): Scored<HpaScore | null> {
  const target = hpaTarget(t);
  const h = t.plan.scoring.hpa;
  if (!target || !h) return { score: null, checks: [], notes: [] };
  const records = t.kube.filter((r): r is HpaRecord => r.kind === 'hpa' && r.name === target.hpa).sort((a, b) => a.at - b.at);
  const rollouts = t.kube
    .filter((r): r is RolloutRecord => r.kind === 'rollout' && r.object !== 'ReplicaSet' && r.name === target.workload)
    .sort((a, b) => a.at - b.at);
  const events = t.kube
    .filter(
      (r): r is EventRecord =>
        r.kind === 'event' && r.reason === 'SuccessfulRescale' && r.involved.name === target.hpa && r.involved.kind === 'HorizontalPodAutoscaler',
    )
    .sort((a, b) => a.at - b.at);
  const inp: HpaInputs = { t, h, hpa: target.hpa, workload: target.workload, zero: runZero(t), records, rollouts, events, changes: replicaChanges(records) };

  const witness = rescaleWitness(inp);
  const observed = statusObserved(inp);
  const flapping = flapsOf(inp);
  const stabilisation = scaleDownStabilisation(inp);
  const steps = loadSteps(inp);
  const windowS = h.scaleDownStabilizationS ?? K8S_DEFAULT_SCALE_DOWN_WINDOW_S;
  return {
    score: {
      hpa: target.hpa,
      workload: target.workload,
      perPodRate: h.perPodRate,
      stabilisationWindowS: windowS,
      stabilisationSource: h.scaleDownStabilizationS !== undefined ? 'scenario' : 'kubernetes-default',
      steps: steps.steps,
      changes: inp.changes.map((c) => c.change),
      flaps: flapping.flaps,
      scaleDowns: stabilisation.scaleDowns,
      witnessToleranceMs: HPA_WITNESS_TOLERANCE_MS,
      witnessToleranceWhy: TOLERANCE_WHY,
      unmatchedEvents: witness.unmatched.map((e) => ({ at: e.at, message: e.message })),
    },
    checks: [...witness.checks, ...observed, ...flapping.checks, ...stabilisation.checks, ...steps.checks],
    notes: steps.notes,
  };
}

/** Witness: every rescale must have its SuccessfulRescale event, and every event a rescale. */
function rescaleWitness({ hpa, zero, events, changes }: HpaInputs): { checks: Check[]; unmatched: EventRecord[] } {
  const checks: Check[] = [];
  const used = new Set<EventRecord>();
  for (const { change, record } of changes) {
    const ev = events.find(
      (e) =>
        !used.has(e) &&
        parseNewSize(e.message) === change.to &&
        (Math.abs(e.at - change.at) <= HPA_WITNESS_TOLERANCE_MS ||
          (e.objectTime !== undefined && record.lastScaleTime !== undefined && Math.abs(e.objectTime - record.lastScaleTime) <= HPA_WITNESS_TOLERANCE_MS)),
    );
    if (ev) {
      used.add(ev);
      change.eventAt = ev.at;
      change.eventMessage = ev.message;
      change.drivenBy = rescaleDrivenBy(ev.message);
    }
    // No rescale (so no event) when the desired count equals what is already running.
    const rescaled = change.to !== record.currentReplicas;
    checks.push({
      id: `witness.hpa-event/${change.from}->${change.to}@${Math.round((change.at - zero) / 1000)}s`,
      area: 'witness',
      subject: hpa,
      metric: 'SuccessfulRescale event matches status',
      status: ev ? 'pass' : rescaled ? 'fail' : 'skip',
      measured: ev ? round2((ev.at - change.at) / 1000) : null,
      limit: `|Δt| <= ${HPA_WITNESS_TOLERANCE_MS / 1000} s`,
      window: { from: change.at - HPA_WITNESS_TOLERANCE_MS, to: change.at + HPA_WITNESS_TOLERANCE_MS },
      message: ev
        ? `HPA ${hpa} ${change.from}→${change.to} at ${atLabel(zero, change.at)} matches event "${ev.message}" at ${atLabel(zero, ev.at)}`
        : `HPA ${hpa} desiredReplicas ${change.from}→${change.to} at ${atLabel(zero, change.at)} has no SuccessfulRescale "New size: ${change.to}" event within ${HPA_WITNESS_TOLERANCE_MS / 1000} s`,
    });
  }
  const unmatched = events.filter((e) => !used.has(e));
  for (const e of unmatched) {
    checks.push({
      id: `witness.hpa-unmatched-event@${Math.round((e.at - zero) / 1000)}s`,
      area: 'witness',
      subject: hpa,
      metric: 'SuccessfulRescale event matches status',
      status: 'fail',
      measured: e.message,
      limit: 'a desiredReplicas change within 1 s',
      window: { from: e.at - HPA_WITNESS_TOLERANCE_MS, to: e.at + HPA_WITNESS_TOLERANCE_MS },
      message: `event "${e.message}" at ${atLabel(zero, e.at)} matches no observed desiredReplicas change of HPA ${hpa}`,
    });
  }

  return { checks, unmatched };
}

/** The HPA's status must have been seen at all. */
function statusObserved({ hpa, records }: HpaInputs): Check[] {
  const checks: Check[] = [];
  if (records.length === 0) {
    checks.push({
      id: 'hpa.observed',
      area: 'hpa',
      subject: hpa,
      metric: 'HPA status records',
      status: 'fail',
      measured: 0,
      limit: '>= 1',
      message: `no status of HPA ${hpa} was observed during the run`,
    });
  }

  return checks;
}

/** Flapping: direction changes of desiredReplicas. */
function flapsOf({ h, hpa, zero, changes }: HpaInputs): { flaps: number; checks: Check[] } {
  const checks: Check[] = [];
  let flaps = 0;
  for (let i = 1; i < changes.length; i++) {
    const a = changes[i - 1]!.change;
    const b = changes[i]!.change;
    if (Math.sign(a.to - a.from) !== Math.sign(b.to - b.from)) flaps++;
  }
  if (h.maxFlaps !== undefined) {
    checks.push({
      id: 'hpa.flaps',
      area: 'hpa',
      subject: hpa,
      metric: 'direction changes of desiredReplicas',
      status: flaps <= h.maxFlaps ? 'pass' : 'fail',
      measured: flaps,
      limit: `<= ${h.maxFlaps}`,
      message: `HPA ${hpa} changed direction ${flaps} times (${changes.map((c) => `${c.change.from}→${c.change.to}@${atLabel(zero, c.change.at)}`).join(', ') || 'no changes'}); limit ${h.maxFlaps}`,
    });
  }

  return { flaps, checks };
}

function scaleDownStabilisation({ h, hpa, zero, changes }: HpaInputs): { scaleDowns: ScaleDown[]; checks: Check[] } {
  const checks: Check[] = [];
  // Scale-down stabilisation: the HPA recommended at least the old size when it last raised desired
  // above the new size, so a decrease sooner than the window after that breaks the stabilisation.
  const windowS = h.scaleDownStabilizationS ?? K8S_DEFAULT_SCALE_DOWN_WINDOW_S;
  const scaleDowns: ScaleDown[] = [];
  for (const { change } of changes) {
    if (change.to >= change.from) continue;
    const higher = changes.filter((c) => c.change.at < change.at && c.change.to > c.change.from && c.change.to > change.to).at(-1);
    const since = higher ? (change.at - higher.change.at) / 1000 : null;
    const honours = since === null ? null : since >= windowS - HPA_WITNESS_TOLERANCE_MS / 1000;
    scaleDowns.push({ at: change.at, from: change.from, to: change.to, lastHigherAt: higher?.change.at ?? null, sinceLastHigherS: since !== null ? round2(since) : null, honoursStabilisation: honours });
    if (honours !== null) {
      checks.push({
        id: `hpa.scale-down/${change.from}->${change.to}@${Math.round((change.at - zero) / 1000)}s`,
        area: 'hpa',
        subject: hpa,
        metric: 'scale-down after stabilisation window',
        status: honours ? 'pass' : 'fail',
        measured: round2(since!),
        limit: `>= ${windowS}`,
        message: `HPA ${hpa} scaled down ${change.from}→${change.to} at ${atLabel(zero, change.at)}, ${round2(since!)} s after it last scaled up above ${change.to}; stabilisation window ${windowS} s`,
      });
    }
  }

  return { scaleDowns, checks };
}

/** Per load step: reaction, readiness, overshoot and SLO recovery. */
function loadSteps({ t, h, hpa, zero, records, rollouts, changes }: HpaInputs): { steps: HpaStep[]; checks: Check[]; notes: string[] } {
  const checks: Check[] = [];
  const notes: string[] = [];
  const stream = stepStream(t);
  const steps: HpaStep[] = [];
  const seconds = t.load?.seconds ?? [];
  const loadStart = t.loadStartedAt;
  if (stream && loadStart !== null) {
    // A step is a stage whose target rises above the previous stage's; it steps from that target.
    const ups = stream.stages.flatMap((st, i) => (i > 0 && st.toTarget > stream.stages[i - 1]!.toTarget ? [{ st, from: stream.stages[i - 1]!.toTarget }] : []));
    for (let i = 0; i < ups.length; i++) {
      const { st, from: stepFrom } = ups[i]!;
      const plannedStartAt = loadStart + st.startS * 1000;
      const next = ups[i + 1];
      const windowEnd = Math.min(next ? loadStart + next.st.startS * 1000 : Number.POSITIVE_INFINITY, loadEnd(t));
      if (plannedStartAt >= loadEnd(t)) {
        // No series for this step: nothing says whether the HPA reacted. Never a pass.
        checks.push({
          id: `hpa.reaction/${st.name}`,
          area: 'hpa',
          subject: `step ${st.name}`,
          metric: 'step start → first desired increase (s)',
          status: t.interrupted ? 'incomplete' : 'fail',
          measured: null,
          limit: `<= ${h.maxReactionS}`,
          window: { from: plannedStartAt, to: loadStart + st.endS * 1000 },
          message: `step ${st.name} (${stepFrom} → ${st.toTarget} ${stream.unit}) was planned at ${atLabel(zero, plannedStartAt)} but the load series ended at ${atLabel(zero, loadEnd(t))}${t.interrupted ? ` (run interrupted: ${t.interrupted.reason})` : ' with no interruption recorded'}`,
        });
        continue;
      }
      const inStep = seconds.filter((s) => s.at >= plannedStartAt && s.at < windowEnd);
      const reached = inStep.find((s) => stream.rate(s) >= STEP_REACHED * st.toTarget);
      const stepStartAt = reached?.at ?? plannedStartAt;
      const maxAchieved = inStep.reduce((a, s) => Math.max(a, stream.rate(s)), 0);
      const before = records.filter((r) => r.at < plannedStartAt && r.desiredReplicas > 0).at(-1);
      const firstUp = changes.find((c) => c.change.at >= plannedStartAt && c.change.at < windowEnd && c.change.to > c.change.from)?.change ?? null;
      const readyRec = firstUp ? rollouts.find((r) => r.at >= firstUp.at && r.ready >= firstUp.to) : undefined;
      const inWindow = records.filter((r) => r.at >= plannedStartAt && r.at < windowEnd);
      const peak = inWindow.length ? Math.max(...inWindow.map((r) => r.desiredReplicas)) : null;
      const peakAt = peak !== null ? inWindow.find((r) => r.desiredReplicas === peak)!.at : null;
      const peakReady = peak !== null && peakAt !== null ? rollouts.find((r) => r.at >= peakAt && r.ready >= peak) : undefined;
      // within the deployed HPA's bounds when the plan knows them: at small scale the seed's
      // per-pod rate would otherwise "need" far more replicas than the overlay allows
      const { needed: raw, basis: neededBasis } = neededFor(t, stream, st.toTarget, h);
      const needed = h.replicaRange ? Math.min(h.replicaRange.max, Math.max(h.replicaRange.min, raw)) : raw;
      // Only seconds with requests are evidence; "hold again" is searched from the first broken
      // second (a step that never broke holds from its start).
      const fromStart = seconds
        .filter((s) => s.at >= stepStartAt && s.at < windowEnd)
        .map((s) => ({ at: s.at, holds: sloHolds(t, s) }))
        .filter((x): x is { at: EpochMs; holds: boolean } => x.holds !== null);
      const firstBreak = fromStart.findIndex((x) => !x.holds);
      const broken = firstBreak >= 0;
      let heldAt: EpochMs | null = null;
      for (let k = Math.max(0, firstBreak); k + SUSTAINED_S <= fromStart.length; k++) {
        if (fromStart.slice(k, k + SUSTAINED_S).every((x) => x.holds)) {
          heldAt = fromStart[k]!.at;
          break;
        }
      }
      const step: HpaStep = {
        stage: st.name,
        fromTarget: stepFrom,
        toTarget: st.toTarget,
        plannedStartAt,
        stepStartAt,
        stepStartBasis: reached ? 'achieved' : 'planned',
        maxAchievedRate: maxAchieved,
        windowEnd,
        desiredBefore: before?.desiredReplicas ?? null,
        firstIncrease: firstUp,
        reactionS: firstUp ? round2((firstUp.at - stepStartAt) / 1000) : null,
        readyAt: readyRec?.at ?? null,
        readyS: readyRec ? round2((readyRec.at - stepStartAt) / 1000) : null,
        peakDesired: peak,
        peakReadyAt: peakReady?.at ?? null,
        neededReplicas: needed,
        neededBasis,
        unit: stream.unit,
        overshoot: peak !== null ? peak - needed : null,
        sloBroken: broken,
        sloHeldAgainAt: heldAt,
        sloHeldAgainS: heldAt !== null ? round2((heldAt - stepStartAt) / 1000) : null,
      };
      steps.push(step);
      if (!reached) {
        notes.push(
          `HPA step '${st.name}': the achieved ${stream.kind === 'ws' ? 'sessions' : 'rate'} never reached ${STEP_REACHED * 100} % of ${st.toTarget} ${stream.unit} (max ${maxAchieved}); the step is timed from its planned start ${atLabel(zero, plannedStartAt)}.`,
        );
      }
      checks.push(...stepChecks(zero, hpa, step, h));
    }
  }
  notes.push(
    `HPA steps start at the first second whose achieved rate reaches ${STEP_REACHED * 100} % of the new stage's target; "SLOs hold again" = ${SUSTAINED_S} consecutive seconds within the success ratio and latency limit.`,
  );
  return { steps, checks, notes };
}

function stepChecks(zero: EpochMs, hpa: string, s: HpaStep, h: NonNullable<Timeline['plan']['scoring']['hpa']>): Check[] {
  const win = { from: s.stepStartAt, to: s.windowEnd };
  const span = windowLabel(zero, win);
  const subj = `step ${s.stage}`;
  const checks: Check[] = [];
  const inc = s.firstIncrease;
  checks.push({
    id: `hpa.reaction/${s.stage}`,
    area: 'hpa',
    subject: subj,
    metric: 'step start → first desired increase (s)',
    status: s.reactionS !== null && s.reactionS <= h.maxReactionS ? 'pass' : 'fail',
    measured: s.reactionS,
    limit: `<= ${h.maxReactionS}`,
    window: win,
    message: inc
      ? `HPA ${hpa} raised desired ${inc.from}→${inc.to} ${s.reactionS} s after step ${s.stage} started (${atLabel(zero, s.stepStartAt)}, ${s.toTarget} ${s.unit ?? 'req/s'}), ${inc.drivenBy ? `driven by ${drivenLabel(inc.drivenBy, h.metricNames)} (its SuccessfulRescale event)` : 'no SuccessfulRescale event names the metric'}; limit ${h.maxReactionS} s`
      : `HPA ${hpa} did not raise desiredReplicas during step ${s.stage} (${span}, ${s.toTarget} ${s.unit ?? 'req/s'}); limit ${h.maxReactionS} s`,
  });
  checks.push({
    id: `hpa.ready/${s.stage}`,
    area: 'hpa',
    subject: subj,
    metric: 'step start → new replicas Ready (s)',
    status: s.readyS !== null && s.readyS <= h.maxReadyS ? 'pass' : 'fail',
    measured: s.readyS,
    limit: `<= ${h.maxReadyS}`,
    window: win,
    message:
      s.readyS !== null && inc
        ? `${inc.to} replicas of ${hpa} Ready ${s.readyS} s after step ${s.stage} started; limit ${h.maxReadyS} s`
        : `${inc ? `${inc.to} replicas` : 'new replicas'} of ${hpa} never Ready during step ${s.stage} (${span}); limit ${h.maxReadyS} s`,
  });
  if (h.maxOvershoot !== undefined && s.overshoot !== null) {
    checks.push({
      id: `hpa.overshoot/${s.stage}`,
      area: 'hpa',
      subject: subj,
      metric: 'peak desired − needed replicas',
      status: s.overshoot <= h.maxOvershoot ? 'pass' : 'fail',
      measured: s.overshoot,
      limit: `<= ${h.maxOvershoot}`,
      window: win,
      message: `HPA ${hpa} peaked at ${s.peakDesired} replicas in step ${s.stage}; ${s.neededBasis ?? `${s.toTarget} req/s at ${h.perPodRate} req/s per pod`} needs ${s.neededReplicas}: overshoot ${s.overshoot}, limit ${h.maxOvershoot}`,
    });
  }
  if (h.expectDrivenBy) {
    // Which signal explains the scale-up is the point of a custom-metric scenario: a step the
    // wrong metric (or no event) explains does not pass.
    const seedMetric = inc?.drivenBy ? seedMetricOf(inc.drivenBy, h.metricNames) : null;
    checks.push({
      id: `hpa.driven-by/${s.stage}`,
      area: 'hpa',
      subject: subj,
      metric: 'metric that drove the first scale-up',
      status: seedMetric === h.expectDrivenBy ? 'pass' : 'fail',
      measured: seedMetric ?? inc?.drivenBy ?? null,
      limit: h.expectDrivenBy,
      window: win,
      message: inc
        ? inc.drivenBy
          ? `HPA ${hpa} ${inc.from}→${inc.to} in step ${s.stage} was driven by ${drivenLabel(inc.drivenBy, h.metricNames)}; expected ${h.expectDrivenBy}`
          : `HPA ${hpa} ${inc.from}→${inc.to} in step ${s.stage} has no SuccessfulRescale event naming its metric; expected ${h.expectDrivenBy}`
        : `HPA ${hpa} did not scale up in step ${s.stage}, so nothing shows ${h.expectDrivenBy} driving it`,
    });
  }
  checks.push({
    id: `hpa.slo-recovery/${s.stage}`,
    area: 'hpa',
    subject: subj,
    metric: `SLOs hold for ${SUSTAINED_S} s after the step`,
    status: s.sloHeldAgainAt !== null ? 'pass' : 'fail',
    measured: s.sloHeldAgainS,
    limit: `a ${SUSTAINED_S} s window within the step`,
    window: win,
    message:
      s.sloHeldAgainAt !== null
        ? `SLOs held for ${SUSTAINED_S} s from ${atLabel(zero, s.sloHeldAgainAt)}, ${s.sloHeldAgainS} s after step ${s.stage} started${s.sloBroken ? ' (broken before)' : ''}`
        : `SLOs never held for ${SUSTAINED_S} consecutive seconds during step ${s.stage} (${span})`,
  });
  return checks;
}
