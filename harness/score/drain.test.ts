import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures/timelines/read.ts';
import type { PodRecord, WorkloadLogRecord } from '../timeline/types.ts';
import { drainScore } from './drain.ts';
import { failuresOf, requestsOf } from './run-clock.ts';

const A = 'aenebris-6d5f7c9b8-k2x9p';
const B = 'aenebris-6d5f7c9b8-m4q7r';
const C = 'aenebris-6d5f7c9b8-z8w2t';

describe('drainScore on a graceful rollout', () => {
  const t = readFixture('clean-rollout');
  const { score, checks } = drainScore(t);

  it('follows each replaced pod from delete to exit', () => {
    expect(score.pods.map((p) => p.pod)).toEqual([A, B, C]);
    const a = score.pods[0]!;
    expect(a.cause).toBe('rollout-aenebris@48s');
    expect(a.deleteToNotReadyMs).toBe(40);
    expect(a.deleteToExitMs).toBe(5700);
    expect(a.deleteToRemovedMs).toBe(5900);
    expect(a.exitedWithinGrace).toBe(true);
    expect(a.killed).toBe(false);
    expect(a.gracePeriodS).toBe(120);
    expect(a.window).toEqual({ from: a.deletingAt, to: a.exit!.at + 2000 });
  });

  it('attributes no failures, only clean 1001 closes, and the sessions reconnect', () => {
    for (const p of score.pods) {
      expect(p.excessFailures).toBe(0);
      expect(p.wsClosed1006).toBe(0);
      expect(p.reconnectP95Ms).toBeGreaterThan(200);
      expect(p.witness).toMatchObject({ source: 'exit-log', cutOff: 0, wsClosed1006: 0, wsOpenAtExit: 0 });
      expect(p.witnessAgrees).toBe(true);
    }
    const closes1001 = score.pods.reduce((a, p) => a + p.wsClosed1001, 0);
    expect(closes1001).toBeCloseTo(10, 1); // 3 + 3 + 4 sessions, split over the overlapping windows
  });

  it('says when windows overlap and splits them', () => {
    expect(score.pods[0]!.sharedWith).toEqual([B, C]);
  });

  it('computes the baseline from seconds with no pod terminating', () => {
    const wins = score.pods.map((p) => p.window);
    const free = t.load!.seconds.filter((s) => !wins.some((w) => s.at < w.to && s.at + 1000 > w.from));
    const ratio = free.reduce((a, s) => a + failuresOf(s), 0) / free.reduce((a, s) => a + requestsOf(s), 0);
    expect(score.baselineFailureRatio).toBeCloseTo(ratio, 12);
    expect(score.baselineSeconds).toBe(free.length);
    expect(ratio).toBeGreaterThan(0); // the fixture has one timeout and one reset outside the rollout
  });

  it('passes every drain check', () => {
    expect(checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(checks.filter((c) => c.area === 'drain')).toHaveLength(9);
  });
});

describe('drainScore on drain=none', () => {
  const t = readFixture('bad-drain');
  const { score, checks } = drainScore(t);

  it('attributes the failures of each termination window, split between overlapping pods', () => {
    const [a, b, c] = score.pods;
    expect(a!.sharedWith).toEqual([B]);
    expect(b!.sharedWith).toEqual([A]);
    expect(c!.sharedWith).toEqual([]);
    // Second 50: 4+3 reset and 2×6 refused, shared by A and B.
    expect(a!.failedRequests).toBe(9.5);
    expect(a!.failuresByCause).toEqual({ reset: 3.5, refused: 6 });
    expect(c!.failedRequests).toBe(11);
    expect(c!.excessFailures).toBeCloseTo(11 - c!.expectedBaselineFailures, 2);
    expect(c!.wsClosed1006).toBe(4);
    expect(c!.exit!.exitCode).toBe(143);
  });

  it('names the pod, the window, the number and the limit of every failed check', () => {
    const failed = checks.filter((x) => x.status === 'fail');
    expect(failed.map((x) => x.id).sort()).toEqual(
      [`drain.failed/${A}`, `drain.failed/${B}`, `drain.failed/${C}`, `drain.ws1006/${A}`, `drain.ws1006/${B}`, `drain.ws1006/${C}`].sort(),
    );
    const c = failed.find((x) => x.id === `drain.failed/${C}`)!;
    expect(c.message).toContain(C);
    expect(c.message).toContain('rollout-aenebris@48s');
    expect(c.message).toContain('t+53.1s–+55.4s');
    expect(c.message).toContain('10.95 failed requests above baseline');
    expect(c.message).toContain('limit 0');
    expect(c.measured).toBe(10.95);
    expect(c.limit).toBe('<= 0');
    const ws = failed.find((x) => x.id === `drain.ws1006/${A}`)!;
    expect(ws.message).toMatch(/3 WebSocket sessions closed abnormally \(1006\) in t\+50\.6s/);
  });

  it('agrees with the stand-in: every request it cut and every session it dropped is among what clients saw', () => {
    for (const p of score.pods) expect(p.witnessAgrees).toBe(true);
    expect(score.pods[2]!.witnessNote).toBe(
      'pod reports 5 requests cut off, clients saw 11 failed requests in the window; 6 failures not witnessed by the pod (refused or reset after exit, routing lag); pod dropped 4 WS sessions, clients saw 4 1006 closes',
    );
    expect(score.pods[0]!.witnessNote).toContain(`group ${A}+${B} reports 7 requests cut off, clients saw 19 failed requests`);
  });

  it('fails the witness check when the pod cut more requests than the harness saw fail', () => {
    const t2 = readFixture('bad-drain');
    const exit = t2.kube.find((r): r is WorkloadLogRecord => r.kind === 'workloadLog' && r.pod === C && r.line['event'] === 'exit')!;
    exit.line['cutOff'] = 20;
    const w = drainScore(t2).checks.find((x) => x.id === `witness.drain/${C}`)!;
    expect(w.status).toBe('fail');
    expect(w.message).toContain("pod reports 20 requests cut off, clients saw 11 failed requests in the window; 9 cut requests are missing from the harness's series");
    expect(w.message).toContain('they disagree');
  });

  it('fails the witness check when the pod dropped sessions the harness did not see close 1006', () => {
    const t2 = readFixture('bad-drain');
    const exit = t2.kube.find((r): r is WorkloadLogRecord => r.kind === 'workloadLog' && r.pod === C && r.line['event'] === 'exit')!;
    exit.line['wsOpen'] = 6;
    const w = drainScore(t2).checks.find((x) => x.id === `witness.drain/${C}`)!;
    expect(w.status).toBe('fail');
    expect(w.message).toContain("pod dropped 6 WS sessions, clients saw 4 1006 closes; 2 dropped sessions are missing from the harness's series");
  });

  it('falls back to the last /metrics scrape, which cannot witness the cut at exit', () => {
    const t2 = readFixture('bad-drain');
    t2.kube = t2.kube.filter((r) => !(r.kind === 'workloadLog' && r.pod === C));
    t2.kube.push({ kind: 'workloadCounters', at: t.loadStartedAt! + 53_000, namespace: 'x', pod: C, workload: 'aenebris', counters: { standin_requests_cut_total: 0, standin_ws_open: 4 } });
    const c = drainScore(t2).score.pods[2]!;
    expect(c.witness).toMatchObject({ source: 'metrics', cutOff: 0, wsOpenAtExit: 4 });
    // The scrape predates the exit: it must not be counted as agreeing on what the exit cut.
    expect(c.witnessAgrees).toBeNull();
    expect(c.witnessNote).toContain('only a /metrics scrape taken before its exit');
    const w = drainScore(t2).checks.find((x) => x.id === `witness.drain/${C}`)!;
    expect(w.status).toBe('incomplete');
  });
});

describe('drainScore exit judgement', () => {
  it('calls exit 137 a kill, outside the grace period', () => {
    const t = readFixture('clean-rollout');
    const rec = t.kube.find((r): r is PodRecord => r.kind === 'pod' && r.pod === B && r.transition === 'containerTerminated')!;
    rec.exitCode = 137;
    rec.reason = 'Error';
    const { score, checks } = drainScore(t);
    expect(score.pods[1]!.killed).toBe(true);
    const c = checks.find((x) => x.id === `drain.grace/${B}`)!;
    expect(c.status).toBe('fail');
    expect(c.message).toContain('code 137');
    expect(c.message).toContain('SIGKILLed');
  });

  it('calls an exit later than the grace period a kill', () => {
    const t = readFixture('clean-rollout');
    const rec = t.kube.find((r): r is PodRecord => r.kind === 'pod' && r.pod === C && r.transition === 'deleting')!;
    rec.gracePeriodS = 3;
    const c = drainScore(t).checks.find((x) => x.id === `drain.grace/${C}`)!;
    expect(c.status).toBe('fail');
    expect(c.measured).toBe(5.7);
    expect(c.limit).toBe('<= 3');
  });

  it('fails the grace check when the exit was never observed although the run outlived the grace period', () => {
    const t = readFixture('clean-rollout');
    t.kube = t.kube.filter((r) => !(r.kind === 'pod' && r.pod === C && (r.transition === 'containerTerminated' || r.transition === 'deleted')));
    // The run went on 60 s past this pod's deleting; with a 5 s grace period its exit is overdue.
    const del = t.kube.find((r): r is PodRecord => r.kind === 'pod' && r.pod === C && r.transition === 'deleting')!;
    del.gracePeriodS = 5;
    const { score, checks } = drainScore(t);
    expect(score.pods[2]!.window.to).toBe(t.endedAt);
    const grace = checks.find((x) => x.id === `drain.grace/${C}`)!;
    expect(grace.status).toBe('fail');
    expect(grace.message).toContain('container exit not observed before the run ended');
    // Ended before its grace period was over: the check could not be made, so the run is incomplete.
    t.endedAt = score.pods[2]!.deletingAt + 1000;
    expect(drainScore(t).checks.find((x) => x.id === `drain.grace/${C}`)!.status).toBe('incomplete');
  });

  it('ignores pods of workloads the plan does not name, but lets them share windows', () => {
    const t = readFixture('bad-drain');
    const at = t.loadStartedAt! + 53_200;
    t.kube.push({ kind: 'pod', at, namespace: 'x', pod: 'coredns-1', workload: 'coredns', transition: 'deleting' });
    t.kube.push({ kind: 'pod', at: at + 300, namespace: 'x', pod: 'coredns-1', workload: 'coredns', transition: 'containerTerminated', exitCode: 0 });
    const { score } = drainScore(t);
    expect(score.pods.map((p) => p.pod)).not.toContain('coredns-1');
    expect(score.pods[2]!.sharedWith).toEqual(['coredns-1']);
    expect(score.pods[2]!.failedRequests).toBe(5.5);
  });
});

describe('drainScore on a forced kill', () => {
  it('skips exit-within-grace for a pod deleted with grace period 0', () => {
    const t = readFixture('bad-drain');
    const rec = t.kube.find((r): r is PodRecord => r.kind === 'pod' && r.pod === C && r.transition === 'deleting')!;
    rec.gracePeriodS = 0;
    const c = drainScore(t).checks.find((x) => x.id === `drain.grace/${C}`)!;
    expect(c.status).toBe('skip');
    expect(c.message).toContain('grace period 0 (forced)');
  });
});

describe('drainScore causes', () => {
  it('attributes a deletion right after the HPA lowered desired replicas to that scale-down', () => {
    const t = readFixture('hpa-spike');
    const at = t.loadStartedAt! + 110_000;
    t.kube.push({ kind: 'hpa', at: at - 2000, namespace: 'x', name: 'aenebris', currentReplicas: 6, desiredReplicas: 5, metrics: {}, conditions: [] });
    t.kube.push({ kind: 'pod', at, namespace: 'x', pod: 'aenebris-5c9d8b7f6-w9z5c', workload: 'aenebris', transition: 'deleting', gracePeriodS: 120 });
    t.kube.push({ kind: 'pod', at: at + 800, namespace: 'x', pod: 'aenebris-5c9d8b7f6-w9z5c', workload: 'aenebris', transition: 'containerTerminated', exitCode: 0 });
    t.kube.sort((a, b) => a.at - b.at);
    expect(drainScore(t).score.pods.map((p) => p.cause)).toEqual(['hpa-scale-down 6→5']);
  });

  it('says when nothing the harness knows of made a pod go away', () => {
    const t = readFixture('hpa-spike');
    const at = t.loadStartedAt! + 90_000;
    t.kube.push({ kind: 'pod', at, namespace: 'x', pod: 'aenebris-5c9d8b7f6-h7k2m', workload: 'aenebris', transition: 'deleting', gracePeriodS: 120 });
    expect(drainScore(t).score.pods.map((p) => p.cause)).toEqual(['unattributed (outside the harness)']);
  });

  it('does not score pods deleted after load ended (teardown)', () => {
    const t = readFixture('clean-rollout');
    const at = t.loadStartedAt! + 125_000;
    t.kube.push({ kind: 'pod', at, namespace: 'x', pod: 'aenebris-7f8c6d4b9-a1b2c', workload: 'aenebris', transition: 'deleting', gracePeriodS: 120 });
    const { score, notes } = drainScore(t);
    expect(score.pods.map((p) => p.pod)).toEqual([A, B, C]);
    expect(notes).toContain('1 pods deleted after load ended (teardown) are not scored.');
  });
});
