// Node-fail impact: for every node-fail action, from the node's loss (its container paused) to the
// node controller noticing (NotReady, unreachable taints), to each lost pod's endpoint leaving
// service, to the workload's Ready replicas back at their desire. Clients' failures and WS 1006
// closes from the loss until the last lost endpoint left service + the request timeout, above the run's
// baseline, are shared evenly among the lost pods that served behind a Service.
import type { ChaosMark, EndpointRecord, EpochMs, HpaRecord, LoadSecond, PodRecord, RolloutRecord, Timeline } from '../timeline/types.ts';
import type { Check, LostPod, NodeFailScore, NodeLoss, Scored, TimeWindow } from './scorecard.ts';
export type { LostPod, NodeFailScore, NodeLoss } from './scorecard.ts';
import { DRAIN_TAIL_MS } from './drain.ts';
import { atLabel, failuresOf, loadEnd, requestsOf, round2, runZero, secondsIn, windowLabel } from './run-clock.ts';




/** Baseline failure ratio: seconds of the load outside every chaos window (+ 10 s after each). */
export function baselineRatio(seconds: LoadSecond[], windows: TimeWindow[]): number {
  let req = 0;
  let fail = 0;
  for (const s of seconds) {
    if (windows.some((w) => s.at < w.to + 10_000 && s.at + 1000 > w.from)) continue;
    req += requestsOf(s);
    fail += failuresOf(s);
  }
  return req > 0 ? fail / req : 0;
}

/** Ready endpoint count per service over [from, to]: the minimum, replaying every record up to `to`. */
export function minReadyEndpoints(records: EndpointRecord[], services: Set<string>, from: EpochMs, to: EpochMs): { service: string; min: number }[] {
  const out: { service: string; min: number }[] = [];
  for (const service of services) {
    const ready = new Map<string, boolean>();
    const count = () => [...ready.values()].filter(Boolean).length;
    let min = Number.POSITIVE_INFINITY;
    for (const r of records.filter((x) => x.service === service).sort((a, b) => a.at - b.at)) {
      if (r.at > to) break;
      if (r.at >= from && min === Number.POSITIVE_INFINITY) min = count();
      ready.set(r.pod, r.ready && !r.terminating && !r.removed);
      if (r.at >= from) min = Math.min(min, count());
    }
    if (min === Number.POSITIVE_INFINITY) min = count();
    out.push({ service, min });
  }
  return out;
}

function capacityOf(t: Timeline, workload: string, lostAt: EpochMs, end: EpochMs): { workload: string; desired: number; minReady: number; restoredS: number | null } | null {
  const rs = t.kube.filter((r): r is RolloutRecord => r.kind === 'rollout' && r.object !== 'ReplicaSet' && r.name === workload).sort((a, b) => a.at - b.at);
  const before = rs.filter((r) => r.at <= lostAt).at(-1);
  if (!before) return null;
  const hpa = t.kube.filter((r): r is HpaRecord => r.kind === 'hpa' && r.name === workload);
  const desiredAt = (at: EpochMs) => Math.max(before.desired, hpa.filter((h) => h.at <= at).at(-1)?.desiredReplicas ?? 0);
  let minReady = before.ready;
  let dipped = false;
  for (const r of rs.filter((x) => x.at > lostAt && x.at <= end)) {
    minReady = Math.min(minReady, r.ready);
    if (r.ready < desiredAt(r.at)) dipped = true;
    else if (dipped) return { workload, desired: desiredAt(r.at), minReady, restoredS: round2((r.at - lostAt) / 1000) };
  }
  return { workload, desired: desiredAt(end), minReady, restoredS: dipped ? null : 0 };
}

export function nodeFailImpact(t: Timeline): Scored<NodeFailScore | null> {
  const marks = t.chaos.filter((m): m is ChaosMark & { fault: NonNullable<ChaosMark['fault']> } => m.action === 'node-fail' && !!m.fault);
  if (marks.length === 0) return { score: null, checks: [], notes: [] };
  const zero = runZero(t);
  const end = loadEnd(t);
  const seconds = t.load?.seconds ?? [];
  const endpoints = t.kube.filter((r): r is EndpointRecord => r.kind === 'endpoint').sort((a, b) => a.at - b.at);
  const pods = t.kube.filter((r): r is PodRecord => r.kind === 'pod');
  const workloadOf = (pod: string) => pods.find((p) => p.pod === pod)?.workload ?? null;
  const entryNames = new Set<string>();
  for (const e of [t.plan.load.http?.entry, t.plan.load.ws?.entry, t.plan.load.grpc?.entry]) {
    const w = t.plan.workloads.find((x) => x.name === e?.workload);
    if (w) entryNames.add(w.object.name).add(w.name);
  }
  const chaosWindows = t.chaos.map((m) => ({ from: m.fault?.appliedAt ?? m.startedAt, to: m.fault?.undoneAt ?? m.endedAt }));
  const baseRatio = baselineRatio(seconds, chaosWindows);
  const limits = t.plan.scoring.nodeFail;
  const checks: Check[] = [];
  const notes: string[] = [];
  const losses: NodeLoss[] = [];
  for (const m of marks) {
    const f = m.fault;
    const node = f.nodes[0] ?? m.target;
    if (f.appliedAt === null) {
      checks.push({ id: `node-fail.applied/${m.id}`, area: 'plan', subject: m.id, metric: 'node lost', status: 'incomplete', measured: null, limit: 'node paused', message: `${m.id}: the node was never lost (${m.detail}); nothing to score.` });
      continue;
    }
    const lostAt = f.appliedAt;
    const returnedAt = f.undoneAt;
    const states = (m.nodeStates ?? []).filter((s) => s.at >= lostAt);
    const notReady = states.find((s) => s.ready !== 'True' && (returnedAt === null || s.at <= returnedAt + 1000)) ?? null;
    const taints: { taint: string; at: EpochMs }[] = [];
    for (const s of states) for (const x of s.taints) if (!taints.some((y) => y.taint === x)) taints.push({ taint: x, at: s.at });
    const lost: LostPod[] = f.pods.map((pod) => {
      const eps = endpoints.filter((e) => e.pod === pod);
      const out = eps.find((e) => e.at >= lostAt && (!e.ready || e.terminating || e.removed)) ?? null;
      return {
        pod,
        workload: workloadOf(pod),
        endpointOutAt: out?.at ?? null,
        endpointOutS: out ? round2((out.at - lostAt) / 1000) : null,
        served: eps.some((e) => e.at < lostAt),
      };
    });
    const served = lost.filter((p) => p.served);
    const fallbackEnd = returnedAt ?? end;
    const lastOut = served.length ? Math.max(...served.map((p) => p.endpointOutAt ?? fallbackEnd)) : lostAt;
    // Requests sent to a dead pod fail only when the client gives up: the window runs a request timeout past the last endpoint out.
    const tail = Math.max(DRAIN_TAIL_MS, t.plan.load.timeoutS * 1000);
    const window = { from: lostAt, to: Math.min(Math.max(lastOut + tail, lostAt + 1000), end) };
    const secs = secondsIn(t.load, window);
    const requests = secs.reduce((a, s) => a + requestsOf(s), 0);
    const failed = secs.reduce((a, s) => a + failuresOf(s), 0);
    const expected = round2(requests * baseRatio);
    const excess = Math.max(0, round2(failed - expected));
    const ws1006 = secs.reduce((a, s) => a + (s.ws?.closedByCode['1006'] ?? 0), 0);
    const workloads = [...new Set(lost.map((p) => p.workload).filter((w): w is string => !!w))];
    const capacity = workloads.map((w) => capacityOf(t, w, lostAt, end)).filter((c): c is NonNullable<typeof c> => c !== null);
    const entryServices = new Set(endpoints.filter((e) => entryNames.has(workloadOf(e.pod) ?? '')).map((e) => e.service));
    const loss: NodeLoss = {
      chaosId: m.id,
      node,
      lostAt,
      returnedAt,
      notReadyAt: notReady?.at ?? null,
      notReadyS: notReady ? round2((notReady.at - lostAt) / 1000) : null,
      taints,
      pods: lost,
      window,
      failedRequests: failed,
      expectedBaselineFailures: expected,
      excessFailures: excess,
      ws1006,
      failedPerLostPod: served.length ? round2(excess / served.length) : null,
      ws1006PerLostPod: served.length ? round2(ws1006 / served.length) : null,
      capacity,
      minReadyEndpoints: minReadyEndpoints(endpoints, entryServices, lostAt, returnedAt ?? end),
    };
    losses.push(loss);
    const label = windowLabel(zero, window);
    notes.push(
      `${m.id}: node ${node} lost ${atLabel(zero, lostAt)}${returnedAt ? `, back ${atLabel(zero, returnedAt)}` : ''}; ` +
        `NotReady ${loss.notReadyS === null ? 'not seen' : `after ${loss.notReadyS} s`}; taints ${taints.map((x) => `${x.taint} +${round2((x.at - lostAt) / 1000)} s`).join(', ') || 'none'}; ` +
        `endpoints out: ${lost.map((p) => `${p.pod} ${p.endpointOutS === null ? 'never' : `${p.endpointOutS} s`}`).join(', ') || 'no pods lost'}; ` +
        `capacity: ${capacity.map((c) => `${c.workload} min ${c.minReady}/${c.desired} Ready, ${c.restoredS === null ? 'not restored' : `restored after ${c.restoredS} s`}`).join(', ') || 'n/a'}.`,
    );
    if (!limits) continue;
    const perPod = (v: number | null, max: number, what: string, key: string) =>
      checks.push({
        id: `node-fail.${key}/${m.id}`, area: 'drain', subject: m.id, metric: `${what} per lost pod`,
        // A lost node that carried none of the workload's serving pods tested nothing: never a pass.
        status: v === null ? 'incomplete' : v <= max ? 'pass' : 'fail', measured: v, limit: `<= ${max}`, window,
        message: v === null
          ? `${m.id}: no pod behind a Service was on ${node}, so losing it says nothing about losing serving pods.`
          : `${m.id}: losing ${node} ${label} cost ${v} ${what} per lost pod (${served.length} pods; ${key === 'failed' ? `${failed} failed, ${expected} expected at baseline` : `${ws1006} closes`}) against ${max}.`,
      });
    perPod(loss.failedPerLostPod, limits.maxFailedPerPod, 'failed requests above baseline', 'failed');
    if (t.plan.load.ws) perPod(loss.ws1006PerLostPod, limits.maxAbnormalWsPerPod, 'WebSocket 1006 closes', 'ws1006');
    for (const p of served) {
      checks.push({
        id: `node-fail.endpoint/${p.pod}`, area: 'drain', subject: p.pod, metric: 'node loss → endpoint out of service (s)',
        status: p.endpointOutS === null ? (returnedAt !== null ? 'fail' : 'incomplete') : p.endpointOutS <= limits.maxEndpointRemovalS ? 'pass' : 'fail',
        measured: p.endpointOutS, limit: `<= ${limits.maxEndpointRemovalS}`, window,
        message: p.endpointOutS === null
          ? `${p.pod}: its endpoint stayed in service for the whole loss of ${node} (${returnedAt ? `${round2((returnedAt - lostAt) / 1000)} s` : 'until the end'}).`
          : `${p.pod}: Services kept sending clients to it for ${p.endpointOutS} s after ${node} was lost (limit ${limits.maxEndpointRemovalS} s).`,
      });
    }
    if (limits.minReadyEndpoints !== undefined) {
      for (const r of loss.minReadyEndpoints) {
        checks.push({
          id: `node-fail.ready-endpoints/${m.id}/${r.service}`, area: 'drain', subject: r.service, metric: 'fewest Ready endpoints during the loss',
          status: r.min >= limits.minReadyEndpoints ? 'pass' : 'fail', measured: r.min, limit: `>= ${limits.minReadyEndpoints}`, window: { from: lostAt, to: returnedAt ?? end },
          message: `Service ${r.service}: at least ${r.min} Ready endpoints while ${node} was lost (must keep ${limits.minReadyEndpoints}).`,
        });
      }
    }
  }
  return { score: { losses }, checks, notes };
}
