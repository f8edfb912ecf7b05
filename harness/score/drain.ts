// Drain score: for every pod of a scored workload that went away, what the clients saw in its
// termination window, above the run's baseline, and whether the pod's own counters agree.
import type {
  EndpointRecord,
  EpochMs,
  HpaRecord,
  LoadSecond,
  PodRecord,
  Timeline,
  WorkloadCountersRecord,
  WorkloadLogRecord,
} from '../timeline/types.ts';
import { FAILURE_CAUSES } from '../timeline/types.ts';
import type { Check, ContainerExit, DrainScore, DrainWitness, PodDrain, Scored, TimeWindow } from './scorecard.ts';
import { atLabel, failuresOf, grpcFailuresOf, loadEnd, requestsOf, round2, runZero, windowLabel } from './run-clock.ts';
import { attachScrapeWitnesses, scrapeWitnessCheck } from './scrape-witness.ts';

export type { Scored } from './scorecard.ts';

/** After the container exits, clients still see the pod's effects (connection resets, stale endpoints) this long. */
export const DRAIN_TAIL_MS = 2000;
/** Reconnects of sessions cut by a pod are looked for until its exit + this. */
export const RECONNECT_HORIZON_MS = 10_000;
/** Watches on pods and EndpointSlices are separate streams: accept an endpoint change this much before 'deleting'. */
const ENDPOINT_SKEW_MS = 1000;
/** A pod deleted this soon after its HPA lowered desired replicas went away for that scale-down. */
const SCALE_DOWN_LAG_MS = 30_000;
/** Exit time is an observation; allow this much past the grace period before calling it a kill. */
const GRACE_SLACK_MS = 1000;

interface Termination {
  deleting: PodRecord;
  exit: ContainerExit | null;
  deletedAt: EpochMs | null;
  window: TimeWindow;
}

/** Names the timeline uses for the plan's workloads (object name), plus their short names. */
export function scoredWorkloads(t: Timeline): Set<string> {
  const names = new Set<string>();
  for (const w of t.plan.workloads) {
    names.add(w.object.name);
    names.add(w.name);
  }
  return names;
}

function podRecords(t: Timeline): PodRecord[] {
  return t.kube.filter((r): r is PodRecord => r.kind === 'pod').sort((a, b) => a.at - b.at);
}

/** Every pod that got a 'deleting' transition, with its exit and termination window. */
function terminations(t: Timeline): Map<string, Termination> {
  const byPod = new Map<string, Termination>();
  const records = podRecords(t);
  for (const r of records) {
    if (r.transition !== 'deleting' || byPod.has(r.pod)) continue;
    const later = records.filter((x) => x.pod === r.pod && x.at >= r.at);
    const exits = later.filter((x) => x.transition === 'containerTerminated');
    const lastExit = exits.at(-1);
    const exit: ContainerExit | null = lastExit
      ? {
          container: lastExit.container ?? null,
          at: lastExit.at,
          // A pod is killed if any of its containers was: take the worst exit code.
          exitCode: exits.some((x) => x.exitCode === 137) ? 137 : (lastExit.exitCode ?? null),
          reason: lastExit.reason ?? null,
        }
      : null;
    const deletedAt = later.find((x) => x.transition === 'deleted')?.at ?? null;
    const end = exit ? exit.at + DRAIN_TAIL_MS : deletedAt !== null ? deletedAt + DRAIN_TAIL_MS : t.endedAt;
    byPod.set(r.pod, { deleting: r, exit, deletedAt, window: { from: r.at, to: Math.max(end, r.at + 1) } });
  }
  return byPod;
}

function causeOf(t: Timeline, pod: string, workload: string, at: EpochMs): string {
  const named = t.chaos.find((m) => m.pods.includes(pod));
  if (named) return named.id;
  const during = t.chaos.find((m) => m.target === workload && at >= m.startedAt && at <= m.endedAt + 5000);
  if (during) return during.id;
  // The HPA lowered desired replicas shortly before: the ReplicaSet controller picked this pod.
  const hpa = t.kube
    .filter((r): r is HpaRecord => r.kind === 'hpa' && r.name === workload && r.at <= at + 1000)
    .sort((a, b) => a.at - b.at);
  for (let i = hpa.length - 1; i > 0 && hpa[i]!.at >= at - SCALE_DOWN_LAG_MS; i--) {
    if (hpa[i]!.desiredReplicas < hpa[i - 1]!.desiredReplicas && hpa[i]!.desiredReplicas > 0) return `hpa-scale-down ${hpa[i - 1]!.desiredReplicas}→${hpa[i]!.desiredReplicas}`;
  }
  return 'unattributed (outside the harness)';
}

function endpointTimes(t: Timeline, pod: string, from: EpochMs): { notReadyAt: EpochMs | null; removedAt: EpochMs | null } {
  const eps = t.kube
    .filter((r): r is EndpointRecord => r.kind === 'endpoint' && r.pod === pod && r.at >= from - ENDPOINT_SKEW_MS)
    .sort((a, b) => a.at - b.at);
  const notReady = eps.find((e) => !e.ready || e.terminating || e.removed);
  const removed = eps.find((e) => e.removed);
  return { notReadyAt: notReady?.at ?? null, removedAt: removed?.at ?? null };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The stand-in's `exit` line, else its last /metrics scrape (which cannot see the cut at exit). */
export function drainWitness(t: Timeline, pod: string): DrainWitness {
  const exitLine = t.kube.find(
    (r): r is WorkloadLogRecord => r.kind === 'workloadLog' && r.pod === pod && r.line['event'] === 'exit',
  );
  if (exitLine) {
    const ws = (exitLine.line['wsClosed'] ?? {}) as Record<string, unknown>;
    return {
      source: 'exit-log',
      cutOff: num(exitLine.line['cutOff']),
      wsClosed1001: num(ws['1001']) ?? 0,
      wsClosed1006: num(ws['1006']) ?? 0,
      wsOpenAtExit: num(exitLine.line['wsOpen']),
      served: num(exitLine.line['served']),
    };
  }
  // A failed scrape (the process did not answer) has no counters to read.
  const scrapes = t.kube
    .filter((r): r is WorkloadCountersRecord => r.kind === 'workloadCounters' && r.pod === pod && r.up !== false)
    .sort((a, b) => a.at - b.at);
  const last = scrapes.at(-1);
  if (last) {
    const c = last.counters;
    return {
      source: 'metrics',
      cutOff: c['standin_requests_cut_total'] ?? null,
      wsClosed1001: c['standin_ws_closed_total{code="1001"}'] ?? null,
      wsClosed1006: c['standin_ws_closed_total{code="1006"}'] ?? null,
      wsOpenAtExit: c['standin_ws_open'] ?? null,
      served: c['standin_requests_served_total'] ?? null,
    };
  }
  return { source: 'none', cutOff: null, wsClosed1001: null, wsClosed1006: null, wsOpenAtExit: null, served: null };
}

function overlaps(a: TimeWindow, s: LoadSecond): boolean {
  return s.at < a.to && s.at + 1000 > a.from;
}

export function drainScore(t: Timeline): Scored<DrainScore> {
  const zero = runZero(t);
  const all = terminations(t);
  const scored = scoredWorkloads(t);
  const seconds = t.load?.seconds ?? [];
  const notes: string[] = [];

  // Baseline: seconds in which no pod at all (scored or not) was terminating.
  const windows = [...all.values()].map((x) => x.window);
  let baseReq = 0;
  let baseFail = 0;
  let base1006 = 0;
  let baseSeconds = 0;
  for (const s of seconds) {
    if (windows.some((w) => overlaps(w, s))) continue;
    baseSeconds++;
    baseReq += requestsOf(s);
    baseFail += failuresOf(s);
    base1006 += s.ws?.closedByCode['1006'] ?? 0;
  }
  const baselineRatio = baseReq > 0 ? baseFail / baseReq : 0;

  // Pods deleted after load ended (teardown) met no client: they are not scored.
  const end = loadEnd(t);
  const scoredTerms = [...all.values()].filter((x) => scored.has(x.deleting.workload));
  const ours = scoredTerms.filter((x) => x.deleting.at < end);
  if (ours.length < scoredTerms.length) notes.push(`${scoredTerms.length - ours.length} pods deleted after load ended (teardown) are not scored.`);
  const pods: PodDrain[] = [];
  for (const term of ours) {
    const pod = term.deleting.pod;
    let failed = 0;
    let expected = 0;
    let ws1001 = 0;
    let ws1006 = 0;
    const byCause: Record<string, number> = {};
    const shared = new Set<string>();
    for (const s of seconds) {
      if (!overlaps(term.window, s)) continue;
      // Every terminating pod (scored or not) covering this second takes an equal share of it.
      const covering = [...all.values()].filter((x) => overlaps(x.window, s));
      for (const c of covering) if (c.deleting.pod !== pod) shared.add(c.deleting.pod);
      const share = 1 / covering.length;
      failed += failuresOf(s) * share;
      expected += requestsOf(s) * baselineRatio * share;
      for (const cause of FAILURE_CAUSES) {
        const n = s.failures[cause] * share;
        if (n > 0) byCause[cause] = round2((byCause[cause] ?? 0) + n);
      }
      const grpcFailed = grpcFailuresOf(s) * share;
      if (grpcFailed > 0) byCause['grpc'] = round2((byCause['grpc'] ?? 0) + grpcFailed);
      ws1001 += (s.ws?.closedByCode['1001'] ?? 0) * share;
      ws1006 += (s.ws?.closedByCode['1006'] ?? 0) * share;
    }
    const timeoutUntil = (term.exit?.at ?? term.window.to) + (t.plan.load.timeoutS + 1) * 1000;
    const lateTimeouts = seconds.filter((s) => s.at >= term.window.to && s.at < timeoutUntil).reduce((a, s) => a + s.failures.timeout, 0);
    const reconnectUntil = (term.exit?.at ?? term.window.to) + RECONNECT_HORIZON_MS;
    const reconnects = seconds
      .filter((s) => s.at + 1000 > term.deleting.at && s.at < reconnectUntil)
      .map((s) => s.ws?.reconnectP95Ms)
      .filter((v): v is number => typeof v === 'number');
    const eps = endpointTimes(t, pod, term.deleting.at);
    const grace = term.deleting.gracePeriodS ?? null;
    const exitMs = term.exit ? term.exit.at - term.deleting.at : null;
    const overGrace = grace !== null && exitMs !== null && exitMs > grace * 1000 + GRACE_SLACK_MS;
    const killed = term.exit?.exitCode === 137 || overGrace;
    pods.push({
      pod,
      workload: term.deleting.workload,
      cause: causeOf(t, pod, term.deleting.workload, term.deleting.at),
      deletingAt: term.deleting.at,
      gracePeriodS: grace,
      notReadyAt: eps.notReadyAt,
      endpointRemovedAt: eps.removedAt,
      exit: term.exit,
      deleteToNotReadyMs: eps.notReadyAt !== null ? eps.notReadyAt - term.deleting.at : null,
      deleteToRemovedMs: eps.removedAt !== null ? eps.removedAt - term.deleting.at : null,
      deleteToExitMs: exitMs,
      exitedWithinGrace: term.exit ? !killed : null,
      killed,
      window: term.window,
      failedRequests: round2(failed),
      expectedBaselineFailures: round2(expected),
      excessFailures: round2(Math.max(0, failed - expected)),
      failuresByCause: byCause,
      wsClosed1001: round2(ws1001),
      wsClosed1006: round2(ws1006),
      reconnectP95Ms: reconnects.length ? Math.max(...reconnects) : null,
      sharedWith: [...shared].sort(),
      lateTimeouts,
      witness: drainWitness(t, pod),
      witnessAgrees: null,
      witnessNote: '',
    });
  }
  for (const p of pods) judgeWitness(p, pods, t.plan.load.ws !== null);
  attachScrapeWitnesses(t, pods);
  if (pods.some((p) => p.sharedWith.length)) {
    notes.push(
      'Termination windows overlapped: each second covered by several terminating pods was split evenly between them (see sharedWith); witnesses of overlapping pods are compared as a group.',
    );
  }
  notes.push(
    `Drain attribution: a pod's termination window runs from its 'deleting' record to its container exit + ${DRAIN_TAIL_MS / 1000} s, in whole seconds of the load series; failures above the baseline ratio (seconds with no pod terminating) are attributed to it.`,
  );

  const score: DrainScore = {
    baselineFailureRatio: baselineRatio,
    baselineSeconds: baseSeconds,
    baselineWs1006PerS: baseSeconds ? round2(base1006 / baseSeconds) : 0,
    pods,
    totalExcessFailures: round2(pods.reduce((a, p) => a + p.excessFailures, 0)),
    maxExcessFailuresPerPod: pods.reduce((a, p) => Math.max(a, p.excessFailures), 0),
  };
  return { score, checks: drainChecks(t, zero, pods), notes };
}

/**
 * The workload's own counters must be covered by what the clients saw: every request the pod cut
 * off at exit is a failed request in its window, every session it dropped (1006 closes it counted
 * plus sessions still open at exit) a 1006 close. The other direction is not a disagreement: a pod
 * cannot witness connections refused or reset after it exited, or routing lag; those failures are
 * reported as "not witnessed by the pod". Overlapping pods are judged as one group.
 */
function judgeWitness(p: PodDrain, pods: PodDrain[], wsLoad: boolean): void {
  const group = pods.filter((x) => x === p || p.sharedWith.includes(x.pod));
  // Only the exit line is written after the last request: a scrape taken before the exit cannot
  // see what the exit cut, so it must not be counted as agreeing.
  const withWitness = group.filter((x) => x.witness.source === 'exit-log' && x.witness.cutOff !== null);
  if (withWitness.length < group.length) {
    const absent = group.filter((x) => !withWitness.includes(x));
    p.witnessNote = absent
      .map((x) =>
        x.witness.source === 'metrics'
          ? `${x.pod}: only a /metrics scrape taken before its exit (it cannot see the requests cut at exit)`
          : `${x.pod}: no exit line or /metrics scrape from the workload`,
      )
      .join('; ');
    return;
  }
  const who = group.length > 1 ? `group ${group.map((x) => x.pod).join('+')}` : 'pod';
  const podCut = withWitness.reduce((a, x) => a + (x.witness.cutOff ?? 0), 0);
  // Sessions open at exit were dropped without a close frame: the clients saw 1006 for them too.
  const podDropped = withWitness.reduce((a, x) => a + (x.witness.wsClosed1006 ?? 0) + (x.witness.wsOpenAtExit ?? 0), 0);
  const inWindow = Math.round(group.reduce((a, x) => a + x.failedRequests, 0));
  // A cut request on a connection that vanished with the pod fails only when its timeout fires.
  const late = Math.max(0, ...group.map((x) => x.lateTimeouts ?? 0));
  const seenFailed = inWindow + late;
  const seen1006 = Math.round(group.reduce((a, x) => a + x.wsClosed1006, 0));
  const reqAgree = seenFailed >= podCut;
  const wsAgree = !wsLoad || seen1006 >= podDropped;
  p.witnessAgrees = reqAgree && wsAgree;
  const parts = [`${who} reports ${podCut} requests cut off, clients saw ${inWindow} failed requests in the window${late ? ` and ${late} timeouts after it (within the request timeout of its exit)` : ''}`];
  if (!reqAgree) parts.push(`${podCut - seenFailed} cut requests are missing from the harness's series`);
  else if (seenFailed > podCut) parts.push(`${seenFailed - podCut} failures not witnessed by the pod (refused or reset after exit, routing lag)`);
  if (wsLoad) {
    parts.push(`${who} dropped ${podDropped} WS sessions, clients saw ${seen1006} 1006 closes`);
    if (!wsAgree) parts.push(`${podDropped - seen1006} dropped sessions are missing from the harness's series`);
  }
  p.witnessNote = parts.join('; ');
}

function drainChecks(t: Timeline, zero: EpochMs, pods: PodDrain[]): Check[] {
  const limits = t.plan.scoring.drain;
  const checks: Check[] = [];
  for (const p of pods) {
    const win = windowLabel(zero, p.window);
    const who = `pod ${p.pod} (${p.cause})`;
    if (limits) {
      const ok = p.excessFailures <= limits.maxFailedPerPod;
      checks.push({
        id: `drain.failed/${p.pod}`,
        area: 'drain',
        subject: p.pod,
        metric: 'failed requests above baseline',
        status: ok ? 'pass' : 'fail',
        measured: p.excessFailures,
        limit: `<= ${limits.maxFailedPerPod}`,
        window: p.window,
        message: `${who}: ${p.excessFailures} failed requests above baseline in its termination window ${win} (${p.failedRequests} failed, ${p.expectedBaselineFailures} expected at baseline${p.sharedWith.length ? `, shared with ${p.sharedWith.join(', ')}` : ''}); limit ${limits.maxFailedPerPod}`,
      });
      if (t.plan.load.ws) {
        const okWs = p.wsClosed1006 <= limits.maxAbnormalWsPerPod;
        checks.push({
          id: `drain.ws1006/${p.pod}`,
          area: 'drain',
          subject: p.pod,
          metric: 'WS sessions closed 1006',
          status: okWs ? 'pass' : 'fail',
          measured: p.wsClosed1006,
          limit: `<= ${limits.maxAbnormalWsPerPod}`,
          window: p.window,
          message: `${who}: ${p.wsClosed1006} WebSocket sessions closed abnormally (1006) in ${win}, ${p.wsClosed1001} cleanly (1001); limit ${limits.maxAbnormalWsPerPod}`,
        });
      }
      if (limits.exitWithinGrace && p.gracePeriodS === 0) {
        checks.push({
          id: `drain.grace/${p.pod}`,
          area: 'drain',
          subject: p.pod,
          metric: 'exit within grace period',
          status: 'skip',
          measured: p.deleteToExitMs !== null ? round2(p.deleteToExitMs / 1000) : null,
          limit: '<= 0',
          window: p.window,
          message: `${who}: deleted with grace period 0 (forced), so exiting within grace does not apply`,
        });
      } else if (limits.exitWithinGrace) {
        const exitS = p.deleteToExitMs !== null ? round2(p.deleteToExitMs / 1000) : null;
        // No exit seen: if the run went on past the grace period the pod outlived it (or its exit
        // was lost): not a pass; if the run ended sooner, the check could not be made.
        const graceEnd = p.deletingAt + (p.gracePeriodS ?? 0) * 1000 + GRACE_SLACK_MS;
        const unseen = t.endedAt > graceEnd && p.gracePeriodS !== null ? 'fail' : 'incomplete';
        checks.push({
          id: `drain.grace/${p.pod}`,
          area: 'drain',
          subject: p.pod,
          metric: 'exit within grace period',
          status: p.exitedWithinGrace === null ? unseen : p.exitedWithinGrace ? 'pass' : 'fail',
          measured: exitS,
          limit: p.gracePeriodS !== null ? `<= ${p.gracePeriodS}` : null,
          window: p.window,
          message:
            p.exit === null
              ? `${who}: container exit not observed before the run ended at ${atLabel(zero, t.endedAt)} (grace period ${p.gracePeriodS ?? '?'} s from ${atLabel(zero, p.deletingAt)})`
              : `${who}: exited ${exitS} s after deleting with code ${p.exit.exitCode ?? '?'}${p.exit.reason ? ` (${p.exit.reason})` : ''}${exitMeaning(p.exit.exitCode, p.killed)}; grace period ${p.gracePeriodS ?? '?'} s`,
        });
      }
    }
    if (p.witnessAgrees === null) {
      // No witness is not agreement. The stand-in always writes one, so its absence means the
      // observers lost it; a user's image has none (until its /metrics are scraped), said as such.
      const standin = t.plan.workloads.some((w) => (w.object.name === p.workload || w.name === p.workload) && w.image === null);
      checks.push({
        id: `witness.drain/${p.pod}`,
        area: 'witness',
        subject: p.pod,
        metric: 'workload counters agree with attribution',
        status: standin ? 'incomplete' : 'skip',
        measured: null,
        limit: 'an exit line from the workload',
        window: p.window,
        message: standin
          ? `${who} in ${win}: no witness: ${p.witnessNote}; the drain attribution is unwitnessed`
          : `${who} in ${win}: the workload's own image writes no exit line, so what its exit cut is unwitnessed (${p.witnessNote})${p.scrapeWitness ? `; its /metrics scrapes are judged in witness.drain-scrape/${p.pod}` : ''}`,
      });
    } else {
      checks.push({
        id: `witness.drain/${p.pod}`,
        area: 'witness',
        subject: p.pod,
        metric: 'workload counters agree with attribution',
        status: p.witnessAgrees ? 'pass' : 'fail',
        measured: p.witnessNote,
        limit: 'failed requests seen >= cutOff; 1006 closes seen >= sessions dropped',
        window: p.window,
        message: `${who} in ${win}: ${p.witnessNote} (${p.witness.source})${p.witnessAgrees ? '' : ': they disagree'}`,
      });
    }
    // Beside the exit line: the pod's own /metrics around its exit (absent when the run did not scrape).
    const scrape = scrapeWitnessCheck(t, p, pods, zero);
    if (scrape) checks.push(scrape);
  }
  const podAffecting = t.plan.chaos.filter((c) => c.step.action === 'pod-kill' || c.step.action === 'rollout' || c.step.action === 'node-drain');
  // Pods a chaos action says it made go away must have been seen going: else the drain of that pod is unscored.
  for (const m of t.chaos) {
    for (const pod of m.pods) {
      if (pods.some((p) => p.pod === pod)) continue;
      checks.push({
        id: `drain.seen/${pod}`,
        area: 'drain',
        subject: pod,
        metric: "pod seen 'deleting'",
        status: 'incomplete',
        measured: null,
        limit: "a 'deleting' record",
        window: { from: m.startedAt, to: m.endedAt },
        message: `pod ${pod} went away in chaos ${m.id} (${atLabel(zero, m.startedAt)}) but the observers never saw it deleting: its drain is unscored`,
      });
    }
  }
  if (limits && pods.length === 0 && podAffecting.length > 0) {
    // The plan says pods go away: a run in which none did proves nothing about draining.
    const cut = t.interrupted !== null && t.loadStartedAt !== null && podAffecting.every((c) => t.loadStartedAt! + c.atS * 1000 >= t.interrupted!.at);
    checks.push({
      id: 'drain.observed',
      area: 'drain',
      subject: 'run',
      metric: "pods seen 'deleting'",
      status: cut ? 'incomplete' : 'fail',
      measured: 0,
      limit: '>= 1',
      message: `the plan has chaos actions that make pods go away (${podAffecting.map((c) => c.id).join(', ')}) but no pod of ${[...scoredWorkloads(t)].join('/')} was seen 'deleting' during the load (${atLabel(zero, t.startedAt)}–${atLabel(zero, t.endedAt).slice(1)})${cut ? '; the run was interrupted before them' : ''}`,
    });
  }
  return checks;
}

function exitMeaning(code: number | null, killed: boolean): string {
  if (killed) return code === 137 ? ', SIGKILLed at the end of its grace period' : ', killed after its grace period';
  if (code === 143) return ', died of SIGTERM without draining';
  return '';
}
