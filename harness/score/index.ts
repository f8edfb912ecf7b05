// scoreTimeline: the pure function from one run's timeline to its scorecard and verdict.
import type { Timeline } from '../timeline/types.ts';
import { TIMELINE_SCHEMA } from '../timeline/types.ts';
import { planAdherence } from './adherence.ts';
import { errorBudget } from './budget.ts';
import { drainScore } from './drain.ts';
import { hpaReaction } from './hpa.ts';
import { latencySlos } from './latency.ts';
import { networkFaultImpact } from './network-fault.ts';
import { nodeFailImpact } from './node-fail.ts';
import { SCORECARD_SCHEMA, type Scorecard } from './scorecard.ts';
import { runChecks, verdictOf } from './verdict.ts';

export * from './scorecard.ts';
export { drainScore } from './drain.ts';
export { hpaReaction } from './hpa.ts';
export { errorBudget, burnWindows } from './budget.ts';
export { latencySlos, quantileUpperBound } from './latency.ts';
export { planAdherence, plannedFloor, profileAt } from './adherence.ts';
export { exitCodeFor, verdictOf } from './verdict.ts';
export { networkFaultImpact } from './network-fault.ts';
export { nodeFailImpact } from './node-fail.ts';

export function scoreTimeline(t: Timeline): Scorecard {
  if (t.schema !== TIMELINE_SCHEMA) {
    throw new Error(`timeline schema '${String(t.schema)}' is not '${TIMELINE_SCHEMA}'; re-record the run or convert it`);
  }
  const drain = drainScore(t);
  const hpa = hpaReaction(t);
  const budget = errorBudget(t, drain.score);
  const latency = latencySlos(t);
  const adherence = planAdherence(t);
  const nodeFail = nodeFailImpact(t);
  const networkFault = networkFaultImpact(t);
  const checks = [...runChecks(t), ...adherence.checks, ...drain.checks, ...hpa.checks, ...budget.checks, ...latency.checks, ...nodeFail.checks, ...networkFault.checks];
  const { verdict, exitCode, reasons } = verdictOf(t, checks);
  const notes = [...adherence.notes, ...drain.notes, ...hpa.notes, ...budget.notes, ...latency.notes, ...nodeFail.notes, ...networkFault.notes];
  return {
    schema: SCORECARD_SCHEMA,
    runId: t.runId,
    scenario: t.plan.scenario,
    system: t.plan.system,
    scale: t.plan.scale,
    seed: t.plan.seed,
    workloads: t.plan.workloads.map((w) => w.object.name),
    startedAt: t.startedAt,
    loadStartedAt: t.loadStartedAt,
    endedAt: t.endedAt,
    verdict,
    exitCode,
    reasons,
    interrupted: t.interrupted,
    checks,
    drain: drain.score,
    hpa: hpa.score,
    budget: budget.score,
    latency: latency.score,
    adherence: adherence.score,
    ...(nodeFail.score ? { nodeFail: nodeFail.score } : {}),
    ...(networkFault.score ? { networkFault: networkFault.score } : {}),
    notes,
  };
}
