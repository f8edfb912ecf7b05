import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures/timelines/read.ts';
import type { EventRecord, HpaRecord, Timeline } from '../timeline/types.ts';
import { hpaReaction, rescaleDrivenBy, seedMetricOf } from './hpa.ts';
import { readRecorded } from '../../test/fixtures/timelines/recorded.ts';

function hpaAt(t: Timeline, s: number, current: number, desired: number): HpaRecord {
  return { kind: 'hpa', at: t.loadStartedAt! + s * 1000, namespace: 'x', name: 'aenebris', currentReplicas: current, desiredReplicas: desired, metrics: { cpu: 30 }, conditions: [] };
}
function rescaleAt(t: Timeline, s: number, size: number): EventRecord {
  return { kind: 'event', at: t.loadStartedAt! + s * 1000, namespace: 'x', reason: 'SuccessfulRescale', message: `New size: ${size}; reason: All metrics below target`, involved: { kind: 'HorizontalPodAutoscaler', name: 'aenebris' }, type: 'Normal' };
}

describe('hpaReaction on a load step', () => {
  const t = readFixture('hpa-spike');
  const { score, checks } = hpaReaction(t);
  const step = score!.steps[0]!;

  it('times the step from the first second at 90 % of the new target', () => {
    expect(score!.steps).toHaveLength(1);
    expect(step.stage).toBe('spike');
    expect(step.stepStartBasis).toBe('achieved');
    expect(step.stepStartAt).toBe(t.loadStartedAt! + 31_000);
  });

  it('measures reaction, readiness, overshoot and SLO recovery', () => {
    expect(step.desiredBefore).toBe(2);
    expect(step.firstIncrease).toMatchObject({ from: 2, to: 4 });
    expect(step.reactionS).toBe(17.2);
    expect(step.readyS).toBe(21.4);
    expect(step.peakDesired).toBe(6);
    expect(step.neededReplicas).toBe(5);
    expect(step.overshoot).toBe(1);
    expect(step.sloBroken).toBe(true);
    expect(step.sloHeldAgainS).toBe(21);
    expect(score!.flaps).toBe(0);
    expect(score!.changes.map((c) => `${c.from}->${c.to}`)).toEqual(['2->4', '4->6']);
  });

  it('matches every desired change with its SuccessfulRescale event within 1 s', () => {
    expect(score!.changes.every((c) => c.eventAt !== null && Math.abs(c.eventAt - c.at) <= 1000)).toBe(true);
    expect(score!.witnessToleranceMs).toBe(1000);
    expect(checks.filter((c) => c.area === 'witness').map((c) => c.status)).toEqual(['pass', 'pass']);
    expect(checks.every((c) => c.status === 'pass')).toBe(true);
  });

  it('fails the witness when a rescale has no event, naming the change and time', () => {
    const t2 = readFixture('hpa-spike');
    t2.kube = t2.kube.filter((r) => !(r.kind === 'event' && r.message.startsWith('New size: 6')));
    const c = hpaReaction(t2).checks.find((x) => x.id.startsWith('witness.hpa-event/4->6'))!;
    expect(c.status).toBe('fail');
    expect(c.message).toBe('HPA aenebris desiredReplicas 4→6 at t+63.2s has no SuccessfulRescale "New size: 6" event within 1 s');
  });

  it('fails the witness for an event that matches no status change, and for one too far away', () => {
    const t2 = readFixture('hpa-spike');
    t2.kube.push(rescaleAt(t2, 100, 8));
    const ev = t2.kube.find((r): r is EventRecord => r.kind === 'event' && r.message.startsWith('New size: 4'))!;
    ev.at += 1500;
    delete ev.objectTime;
    const { checks: cs, score: s } = hpaReaction(t2);
    expect(s!.unmatchedEvents.map((e) => e.message)).toEqual([ev.message, 'New size: 8; reason: All metrics below target']);
    expect(cs.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['witness.hpa-event/2->4@48s', 'witness.hpa-unmatched-event@50s', 'witness.hpa-unmatched-event@100s']);
  });

  it('accepts an event whose server time matches lastScaleTime even when observed late', () => {
    const t2 = readFixture('hpa-spike');
    const ev = t2.kube.find((r): r is EventRecord => r.kind === 'event' && r.message.startsWith('New size: 4'))!;
    ev.at += 4000; // a slow watch, but the API's own clocks agree
    expect(hpaReaction(t2).checks.find((c) => c.id.startsWith('witness.hpa-event/2->4'))!.status).toBe('pass');
  });

  it('names the step, the number and the limit when the reaction is too slow', () => {
    const t2 = readFixture('hpa-spike');
    t2.plan.scoring.hpa!.maxReactionS = 10;
    t2.plan.scoring.hpa!.maxOvershoot = 0;
    const { checks: cs } = hpaReaction(t2);
    const r = cs.find((c) => c.id === 'hpa.reaction/spike')!;
    expect(r.status).toBe('fail');
    expect(r.message).toBe('HPA aenebris raised desired 2→4 17.2 s after step spike started (t+31.0s, 1500 req/s), driven by cpu resource utilization (percentage of request) (its SuccessfulRescale event); limit 10 s');
    const o = cs.find((c) => c.id === 'hpa.overshoot/spike')!;
    expect(o.status).toBe('fail');
    expect(o.message).toContain('needs 5: overshoot 1, limit 0');
  });

  it("keeps what a step needs within the deployed HPA's bounds (replicaRange from the plan)", () => {
    const t2 = readFixture('hpa-spike');
    t2.plan.scoring.hpa!.replicaRange = { min: 2, max: 4 };
    const s2 = hpaReaction(t2).score!.steps[0]!;
    expect(s2.neededReplicas).toBe(4); // 5 at the per-pod rate, capped at the overlay's 4
    expect(s2.overshoot).toBe(2);
    t2.plan.scoring.hpa!.replicaRange = { min: 8, max: 10 };
    expect(hpaReaction(t2).score!.steps[0]!.neededReplicas).toBe(8);
  });

  it('counts flapping and flags a scale-down inside the stabilisation window', () => {
    const t2 = readFixture('hpa-spike');
    t2.kube = t2.kube.filter((r) => !(r.kind === 'hpa' && r.at > t2.loadStartedAt! + 95_000));
    t2.kube.push(hpaAt(t2, 100, 6, 4), rescaleAt(t2, 100.1, 4), hpaAt(t2, 110, 4, 6), rescaleAt(t2, 110.1, 6));
    const { score: s, checks: cs } = hpaReaction(t2);
    expect(s!.flaps).toBe(2);
    expect(cs.find((c) => c.id === 'hpa.flaps')!.status).toBe('fail');
    expect(s!.scaleDowns).toHaveLength(1);
    expect(s!.scaleDowns[0]).toMatchObject({ from: 6, to: 4, sinceLastHigherS: 36.8, honoursStabilisation: false });
    const c = cs.find((x) => x.id.startsWith('hpa.scale-down/6->4'))!;
    expect(c.message).toBe('HPA aenebris scaled down 6→4 at t+100.0s, 36.8 s after it last scaled up above 4; stabilisation window 300 s');
    expect(cs.filter((x) => x.area === 'witness').every((x) => x.status === 'pass')).toBe(true);
  });

  it('times the step from its planned start when the rate never reaches 90 %', () => {
    const t2 = readFixture('hpa-spike');
    for (const s of t2.load!.seconds) s.requests = Math.min(s.requests, 1000);
    const { score: s, notes } = hpaReaction(t2);
    expect(s!.steps[0]!.stepStartBasis).toBe('planned');
    expect(s!.steps[0]!.stepStartAt).toBe(t2.loadStartedAt! + 30_000);
    expect(notes.join(' ')).toContain("never reached 90 % of 1500 req/s (max 1000)");
  });

  it('fails when the HPA was never observed or never scaled', () => {
    const t2 = readFixture('hpa-spike');
    t2.kube = t2.kube.filter((r) => r.kind !== 'hpa' && r.kind !== 'event');
    const cs = hpaReaction(t2).checks.filter((c) => c.status === 'fail').map((c) => c.message);
    expect(cs).toContain('no status of HPA aenebris was observed during the run');
    expect(cs.some((m) => m.startsWith('HPA aenebris did not raise desiredReplicas during step spike'))).toBe(true);
  });

  it('scores nothing when the scenario has no HPA target', () => {
    expect(hpaReaction(readFixture('clean-rollout'))).toEqual({ score: null, checks: [], notes: [] });
  });
});

describe('which metric drove a rescale (the SuccessfulRescale event)', () => {
  it('reads the metric from the event, without an External metric\'s label selector', () => {
    expect(rescaleDrivenBy('New size: 6; reason: cpu resource utilization (percentage of request) above target')).toBe('cpu resource utilization (percentage of request)');
    expect(
      rescaleDrivenBy(
        'New size: 2; reason: external metric s2-prometheus(&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: aenebris,},MatchExpressions:[]LabelSelectorRequirement{},}) above target',
      ),
    ).toBe('external metric s2-prometheus');
    expect(rescaleDrivenBy('New size: 3; reason: pods metric http_requests_per_second above target')).toBe('pods metric http_requests_per_second');
    expect(rescaleDrivenBy('New size: 2; reason: All metrics below target')).toBe('all metrics below target');
    expect(rescaleDrivenBy('something else')).toBeNull();
  });

  it('names it on each step of a real recorded run (proxy-spike-hpa scaled on CPU)', () => {
    const { score, checks } = hpaReaction(readRecorded('proxy-spike-hpa.timeline.json.gz'));
    const step = score!.steps[0]!;
    expect(step.firstIncrease?.drivenBy).toBe('cpu resource utilization (percentage of request)');
    expect(checks.find((c) => c.id === `hpa.reaction/${step.stage}`)!.message).toContain('driven by cpu resource utilization (percentage of request) (its SuccessfulRescale event)');
  });
});

describe('a step of WebSocket sessions, and the metric that must drive it', () => {
  const external = (size: number, metric: string) =>
    `New size: ${size}; reason: external metric ${metric}(&LabelSelector{MatchLabels:map[string]string{scaledobject.keda.sh/name: aenebris,},MatchExpressions:[]LabelSelectorRequirement{},}) above target`;
  /** hpa-spike with its request rate held flat and the step moved to WS sessions (25 → 200), scored on connections. */
  function wsStep(firstUpMetric: string): Timeline {
    const t = readFixture('hpa-spike');
    const http = t.plan.load.http!;
    http.stages = http.stages.map((s) => ({ ...s, fromTarget: 150, toTarget: 150 }));
    t.plan.load.ws = {
      entry: { workload: 'proxy', port: 'http', path: '/ws' },
      stages: [
        { name: 'base', startS: 0, endS: 30, fromTarget: 25, toTarget: 25 },
        { name: 'spike', startS: 30, endS: 120, fromTarget: 200, toTarget: 200 },
      ],
      perShardPeak: 200,
      messagesPerSecond: 1,
      openRate: 100,
    };
    t.plan.connections = { atScale: 250, fullScale: 40_050, scale: 0.0062, reason: 'test' };
    Object.assign(t.plan.scoring.hpa!, {
      perPodConnections: 51.667,
      replicaRange: { min: 2, max: 6 },
      expectDrivenBy: 'active_connections',
      metricNames: { 's2-prometheus': 'http_requests_per_second', 's3-prometheus': 'active_connections' },
    });
    for (const s of t.load!.seconds) {
      const held = s.at - t.loadStartedAt! >= 31_000 ? 200 : 25;
      s.ws = { open: held, held, opened: 0, closedByCode: {}, messagesSent: held, messagesReceived: held, messageLatencyP95Ms: 2, reconnectP95Ms: null };
    }
    for (const r of t.kube) if (r.kind === 'event' && r.message.startsWith('New size: 4')) r.message = external(4, firstUpMetric);
    return t;
  }

  it('steps on sessions, timed from 90 % of them, needing (sessions + pooled connections) / per-pod connections', () => {
    const { score, checks } = hpaReaction(wsStep('s3-prometheus'));
    const step = score!.steps[0]!;
    expect([step.stage, step.unit, step.fromTarget, step.toTarget]).toEqual(['spike', 'sessions', 25, 200]);
    expect(step.stepStartAt).toBe(readFixture('hpa-spike').loadStartedAt! + 31_000);
    expect(step.neededReplicas).toBe(5); // ceil((200 + 50) / 51.667)
    expect(step.neededBasis).toBe('200 sessions + 50 pooled HTTP connections at 51.667 connections per pod');
    const driven = checks.find((c) => c.id === 'hpa.driven-by/spike')!;
    expect(driven.status).toBe('pass');
    expect(driven.message).toBe('HPA aenebris 2→4 in step spike was driven by external metric s3-prometheus (active_connections); expected active_connections');
  });

  it('fails a step the wrong metric explains, naming it', () => {
    const driven = hpaReaction(wsStep('s2-prometheus')).checks.find((c) => c.id === 'hpa.driven-by/spike')!;
    expect(driven.status).toBe('fail');
    expect(driven.measured).toBe('http_requests_per_second');
    expect(driven.message).toContain('driven by external metric s2-prometheus (http_requests_per_second); expected active_connections');
  });

  it('fails when no event names the metric, and maps only names the plan knows', () => {
    const t = wsStep('s3-prometheus');
    t.kube = t.kube.filter((r) => !(r.kind === 'event' && r.message.startsWith('New size: 4')));
    expect(hpaReaction(t).checks.find((c) => c.id === 'hpa.driven-by/spike')!.status).toBe('fail');
    expect(seedMetricOf('external metric s9-prometheus', { 's3-prometheus': 'active_connections' })).toBeNull();
    expect(seedMetricOf('cpu resource utilization (percentage of request)', { 's3-prometheus': 'active_connections' })).toBeNull();
  });
});

describe('an HPA that computes nothing until the step (its CPU metric has no data for young pods)', () => {
  it('takes its first computation above the running replicas as the reaction, matched to its event', () => {
    const t = readFixture('hpa-spike');
    const at = (s: number) => t.loadStartedAt! + s * 1000;
    const firstUp = t.kube.find((r): r is HpaRecord => r.kind === 'hpa' && r.desiredReplicas === 4)!;
    // before the first increase the status had no desired count at all
    for (const r of t.kube) if (r.kind === 'hpa' && r.at < firstUp.at) r.desiredReplicas = 0;
    const { score, checks } = hpaReaction(t);
    expect(score!.changes[0]).toMatchObject({ from: 2, to: 4, at: firstUp.at });
    expect(score!.steps[0]!.reactionS).toBe(17.2);
    expect(checks.filter((c) => c.area === 'witness').map((c) => c.status)).toEqual(['pass', 'pass']);
    // an observer that starts after a rescale has begun sees no change: it cannot time one
    t.kube = t.kube.filter((r) => !(r.kind === 'hpa' && r.desiredReplicas === 0));
    for (const r of t.kube) if (r.kind === 'hpa' && r.at >= firstUp.at && r.at < at(50)) r.currentReplicas = 2;
    expect(hpaReaction(t).score!.changes.map((c) => `${c.from}->${c.to}`)).not.toContain('2->4');
  });
});
