// Node-fail and network-fault scores on hand-made timelines: the window arithmetic (applied →
// undone, baseline before it, recovery after it), endpoint removal per lost pod, capacity and
// the fewest Ready endpoints while a node was lost.
import { describe, expect, it } from 'vitest';
import type { ChaosMark, EndpointRecord, LoadSecond, RolloutRecord, Timeline } from '../timeline/types.ts';
import { FAILURE_CAUSES } from '../timeline/types.ts';
import { readFixture } from '../../test/fixtures/timelines/read.ts';
import { faultWindow, networkFaultImpact, recoveredAt, windowStats } from './network-fault.ts';
import { minReadyEndpoints, nodeFailImpact } from './node-fail.ts';
import { scoreTimeline } from './index.ts';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const at = (s: number) => T0 + s * 1000;

function second(s: number, p50: number, failed = 0, requests = 100, ws1006 = 0): LoadSecond {
  const failures = Object.fromEntries(FAILURE_CAUSES.map((c) => [c, 0])) as LoadSecond['failures'];
  failures.timeout = failed;
  return {
    at: at(s), stage: 'steady', requests, failures, latencyMs: { p50, p95: p50 * 2, p99: p50 * 3 }, droppedIterations: 0,
    ws: { open: 10, opened: 0, closedByCode: ws1006 ? { '1006': ws1006 } : {}, messagesSent: 10, messagesReceived: 10, messageLatencyP95Ms: 5, reconnectP95Ms: null },
  };
}

/** 120 s of 100 req/s at p50 5 ms; `during` rewrites seconds inside [from, to). */
function timeline(during: (s: number) => LoadSecond | null, chaos: ChaosMark[], kube: Timeline['kube'] = []): Timeline {
  const t = readFixture('clean-rollout');
  const seconds = Array.from({ length: 120 }, (_, s) => during(s) ?? second(s, 5));
  t.loadStartedAt = T0;
  t.startedAt = T0 - 60_000;
  t.endedAt = at(125);
  t.plan.durationS = 120;
  t.plan.chaos = [];
  t.load = { ...t.load!, seconds };
  t.chaos = chaos;
  t.kube = kube;
  t.interrupted = null;
  return t;
}

function netMark(applied: number | null, undone: number | null): ChaosMark {
  return {
    id: 'network-fault-s3-gateway@60s', action: 'network-fault', target: 'gateway', plannedAt: at(60), startedAt: at(60), endedAt: at(91), outcome: 'ok', pods: [], detail: 'latency',
    fault: { what: 'latency 200±0 ms toward object-store on 2/2 pods', pods: ['gw-a', 'gw-b'], nodes: ['kch-worker'], appliedAt: applied === null ? null : at(applied), undoneAt: undone === null ? null : at(undone), deadManAt: at(120) },
  };
}

describe('network-fault impact', () => {
  it('window: applied → undone; the dead-man time when the harness did not undo; cut at the load end; none when never applied', () => {
    expect(faultWindow(netMark(60, 90), at(120))).toEqual({ from: at(60), to: at(90) });
    expect(faultWindow(netMark(60, null), at(110))).toEqual({ from: at(60), to: at(110) });
    expect(faultWindow(netMark(null, null), at(120))).toBeNull();
  });

  it('deltas against the 30 s before, and recovery: first of 5 seconds back at baseline after the undo', () => {
    // +200 ms inside 60–90 s, 3 slow seconds after the undo, then back.
    const t = timeline((s) => (s >= 60 && s < 90 ? second(s, 205, s === 70 ? 2 : 0) : s >= 90 && s < 93 ? second(s, 60) : null), [netMark(60, 90)]);
    const r = networkFaultImpact(t);
    const f = r.score!.faults[0]!;
    expect(f.baseline).toMatchObject({ seconds: 30, requests: 3000, failed: 0, failureRatio: 0, p50Ms: 5 });
    expect(f.during).toMatchObject({ seconds: 30, requests: 3000, failed: 2, p50Ms: 205 });
    expect(f.deltas.p50Ms).toBe(200);
    expect(f.deltas.failureRatio).toBeCloseTo(2 / 3000, 6);
    expect(f.recoveryS).toBe(3);
    // SLOs of the fixture plan hold the window: p95 bound 410 ms, 2 failures of 3000.
    const p95 = r.checks.find((c) => c.id === 'fault.p95/network-fault-s3-gateway@60s')!;
    expect(p95.measured).toBe(410);
    expect(r.checks.find((c) => c.id === 'fault.undone/network-fault-s3-gateway@60s')!.status).toBe('pass');
    expect(r.notes[0]).toContain('p50 5 → 205 ms');
  });

  it('the baseline ends where the action started, not where the window opened (pods are faulted one by one before it)', () => {
    // The action starts at 60 s and its first pods are slow from then on; the window opens at 70 s, once all are.
    const mark = netMark(70, 90);
    mark.startedAt = at(60);
    const t = timeline((s) => (s >= 60 && s < 90 ? second(s, 205) : null), [mark]);
    const f = networkFaultImpact(t).score!.faults[0]!;
    expect(f.baseline).toMatchObject({ seconds: 30, p50Ms: 5 });
    expect(f.deltas.p50Ms).toBe(200);
  });

  it('a fault the harness did not undo fails its plan check and names the dead-man time', () => {
    const r = networkFaultImpact(timeline(() => null, [netMark(60, null)]));
    const c = r.checks.find((x) => x.id.startsWith('fault.undone/'))!;
    expect(c.status).toBe('fail');
    expect(c.message).toContain("dead-man's switch");
  });

  it('a fault that never took effect is incomplete, not a pass', () => {
    const r = networkFaultImpact(timeline(() => null, [netMark(null, null)]));
    expect(r.checks.map((c) => c.status)).toEqual(['incomplete']);
  });

  it('never recovered → null; recovery needs a whole streak', () => {
    const base = windowStats([second(0, 5)]);
    expect(recoveredAt([second(1, 50), second(2, 5), second(3, 5)], base, 2)).toBe(at(2));
    expect(recoveredAt([second(1, 5), second(2, 50), second(3, 5)], base, 2)).toBeNull();
    expect(recoveredAt([second(1, 5, 5), second(2, 5), second(3, 5)], base, 2)).toBe(at(2));
  });
});

const ep = (s: number, pod: string, state: 'ready' | 'notready' | 'removed', service = 'aenebris'): EndpointRecord => ({
  kind: 'endpoint', at: at(s), namespace: 'ns', service, pod, ip: '198.51.100.2', ready: state === 'ready', serving: state === 'ready', terminating: false, removed: state === 'removed',
});
const ro = (s: number, desired: number, ready: number): RolloutRecord => ({ kind: 'rollout', at: at(s), namespace: 'ns', object: 'Deployment', name: 'aenebris', desired, updated: desired, ready, available: ready });

function nodeMark(): ChaosMark {
  return {
    id: 'node-fail-worker@60s', action: 'node-fail', target: 'worker', plannedAt: at(60), startedAt: at(60), endedAt: at(140), outcome: 'ok', pods: [], detail: 'pause',
    fault: { what: 'pause node kch-worker2', pods: ['px-b'], nodes: ['kch-worker2'], appliedAt: at(60), undoneAt: at(100), deadManAt: at(150) },
    nodeStates: [
      { at: at(59), node: 'kch-worker2', ready: 'True', taints: [] },
      { at: at(105), node: 'kch-worker2', ready: 'Unknown', taints: ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'] },
    ],
  };
}

describe('node-fail impact', () => {
  const kube: Timeline['kube'] = [
    { kind: 'pod', at: at(-30), namespace: 'ns', pod: 'px-a', workload: 'aenebris', transition: 'ready', node: 'kch-worker' },
    { kind: 'pod', at: at(-30), namespace: 'ns', pod: 'px-b', workload: 'aenebris', transition: 'ready', node: 'kch-worker2' },
    ep(-30, 'px-a', 'ready'), ep(-30, 'px-b', 'ready'), ro(-30, 2, 2),
    // The node controller noticed 35 s after the loss: the lost pod's endpoint goes not-ready at 95 s, back at 110 s.
    ep(95, 'px-b', 'notready'), ro(95, 2, 1),
    ep(110, 'px-b', 'ready'), ro(110, 2, 2),
  ];

  it('loss → NotReady, taints, endpoint out per lost pod, failures and 1006 per lost pod above baseline, capacity back', () => {
    // Failures while clients were still sent to the dead pod: 60–97 s.
    const t = timeline((s) => (s >= 60 && s < 97 ? second(s, 5, 10, 100, s === 61 ? 4 : 0) : null), [nodeMark()], kube);
    t.plan.scoring.nodeFail = { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, maxEndpointRemovalS: 60, minReadyEndpoints: 1 };
    // The window runs a request timeout past the last endpoint out (late timeouts of requests sent to the dead pod).
    t.plan.load.timeoutS = 10;
    expect(nodeFailImpact(t).score!.losses[0]!.window).toEqual({ from: at(60), to: at(105) });
    t.plan.load.timeoutS = 2;
    const r = nodeFailImpact(t);
    const l = r.score!.losses[0]!;
    expect(l.node).toBe('kch-worker2');
    expect(l.notReadyS).toBeNull(); // the Unknown poll came after the return (105 s > 100 s + 1 s)
    expect(l.taints.map((x) => x.taint)).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    expect(l.pods).toEqual([{ pod: 'px-b', workload: 'aenebris', endpointOutAt: at(95), endpointOutS: 35, served: true }]);
    expect(l.window).toEqual({ from: at(60), to: at(97) });
    expect(l.failedRequests).toBe(370);
    expect(l.excessFailures).toBe(370);
    expect(l.failedPerLostPod).toBe(370);
    expect(l.ws1006PerLostPod).toBe(4);
    expect(l.capacity).toEqual([{ workload: 'aenebris', desired: 2, minReady: 1, restoredS: 50 }]);
    expect(l.minReadyEndpoints).toEqual([{ service: 'aenebris', min: 1 }]);
    const status = Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
    expect(status).toEqual({
      'node-fail.failed/node-fail-worker@60s': 'fail',
      'node-fail.ws1006/node-fail-worker@60s': 'fail',
      'node-fail.endpoint/px-b': 'pass',
      'node-fail.ready-endpoints/node-fail-worker@60s/aenebris': 'pass',
    });
    // Wired into the scorecard: checks, notes and the score itself.
    const card = scoreTimeline(t);
    expect(card.nodeFail?.losses).toHaveLength(1);
    expect(card.checks.some((c) => c.id === 'node-fail.failed/node-fail-worker@60s' && c.status === 'fail')).toBe(true);
  });

  it('an endpoint that never left service while the node was gone fails its check', () => {
    const t = timeline(() => null, [nodeMark()], kube.filter((r) => !(r.kind === 'endpoint' && r.at > at(0))));
    t.plan.scoring.nodeFail = { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, maxEndpointRemovalS: 60 };
    const c = nodeFailImpact(t).checks.find((x) => x.id === 'node-fail.endpoint/px-b')!;
    expect(c.status).toBe('fail');
    expect(c.message).toContain('stayed in service for the whole loss of kch-worker2 (40 s)');
  });

  it('without scoring.nodeFail the numbers are reported as notes, not graded', () => {
    const r = nodeFailImpact(timeline(() => null, [nodeMark()], kube));
    expect(r.checks).toEqual([]);
    expect(r.notes[0]).toContain('node kch-worker2 lost t+60.0s, back t+100.0s');
  });

  it('fewest Ready endpoints replays everything before the window', () => {
    const recs = [ep(0, 'a', 'ready'), ep(0, 'b', 'ready'), ep(0, 'c', 'ready'), ep(10, 'b', 'removed'), ep(30, 'a', 'notready'), ep(50, 'a', 'ready')];
    expect(minReadyEndpoints(recs, new Set(['aenebris']), at(20), at(40))).toEqual([{ service: 'aenebris', min: 1 }]);
    expect(minReadyEndpoints(recs, new Set(['aenebris']), at(20), at(25))).toEqual([{ service: 'aenebris', min: 2 }]);
  });
});
