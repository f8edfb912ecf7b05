import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../scenarios/model.ts';
import { validateScenario } from '../../scenarios/validate.ts';
import { UsageError } from '../base/errors.ts';
import { formatPlan } from './format.ts';
import { parsePath } from './overrides.ts';
import { floorSignificant, machineFitScale, peakOfSum, planConnections, resolvePlan, scaleTarget, seedFromName, type ResolveOptions } from './resolve.ts';
import type { Plan, PlannedStage } from './types.ts';

function scenario(): Scenario {
  return validateScenario(
    {
      name: 'fixture',
      purpose: 'plan arithmetic',
      system: 'aenebris',
      workloads: [
        { name: 'proxy', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris' } },
        { name: 'upstream', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris-upstream' }, drain: 'none' },
      ],
      load: {
        http: {
          entry: { workload: 'proxy', port: 'http' },
          stages: [
            { name: 'warm', durationS: 10, target: 100_000, ramp: true },
            { name: 'steady', durationS: 60, target: 100_000 },
            { name: 'down', durationS: 30, target: 20_000, ramp: true },
          ],
        },
        ws: {
          entry: { workload: 'proxy', port: 'http', path: '/ws' },
          stages: [
            { name: 'warm', durationS: 10, target: 2_000, ramp: true },
            { name: 'steady', durationS: 90, target: 2_000 },
          ],
          messagesPerSecond: 1,
          openRate: 400,
        },
      },
      baselineS: 20,
      chaos: [
        { action: 'pod-kill', target: 'proxy', atS: 70, count: 2 },
        { action: 'rollout', target: 'proxy', atS: 40, change: 'restart' },
      ],
      slos: { successRatio: 0.999, latencyMs: { p99: 1000 } },
      scoring: {
        hpa: { workload: 'proxy', perPodRate: 2000, maxReactionS: 45, maxReadyS: 90 },
        errorBudget: { maxUsedPct: 50 },
      },
      needs: { metricsApi: true },
    },
    'scenarios/fixture.ts',
  );
}

const KIND: ResolveOptions = { provider: { name: 'kind', reason: 'test' }, cores: 2 };

/** Stages are contiguous from 0 and end at the plan's duration (or before, for a shorter stream). */
function expectContiguous(stages: PlannedStage[], end: number): void {
  expect(stages[0]!.startS).toBe(0);
  for (let i = 1; i < stages.length; i++) expect(stages[i]!.startS).toBe(stages[i - 1]!.endS);
  expect(stages.at(-1)!.endS).toBe(end);
}

describe('resolvePlan', () => {
  it('places stages at absolute offsets that add up, ramps from the previous target', () => {
    const plan = resolvePlan(scenario(), { ...KIND, scale: 0.01 });
    expect(plan.durationS).toBe(100);
    expectContiguous(plan.load.http!.stages, 100);
    expectContiguous(plan.load.ws!.stages, 100);
    expect(plan.load.http!.stages.map((s) => [s.name, s.startS, s.endS, s.fromTarget, s.toTarget])).toEqual([
      ['warm', 0, 10, 0, 1000],
      ['steady', 10, 70, 1000, 1000],
      ['down', 70, 100, 1000, 200],
    ]);
    expect(plan.load.ws!.stages.at(-1)!.toTarget).toBe(20);
    expect(plan.load.ws!.openRate).toBe(4);
    // Peak = 1000 req/s + 20 sessions × 1 msg/s, reached together in [10, 70].
    expect(plan.load.peakRate).toBe(1020);
  });

  it('orders chaos by offset with ids naming the object, and gives each a window to the next', () => {
    const plan = resolvePlan(scenario(), { ...KIND, scale: 0.01 });
    expect(plan.chaos.map((c) => [c.id, c.atS])).toEqual([
      ['rollout-aenebris@40s', 40],
      ['pod-kill-aenebris@70s', 70],
    ]);
    expect(plan.phases).toEqual([
      { name: 'baseline', startS: 0, endS: 20 },
      { name: 'stage:warm', startS: 0, endS: 10 },
      { name: 'stage:steady', startS: 10, endS: 70 },
      { name: 'stage:down', startS: 70, endS: 100 },
      // ws 'steady' has another window than http 'steady': its own phase.
      { name: 'stage:ws/steady', startS: 10, endS: 100 },
      { name: 'chaos:rollout-aenebris@40s', startS: 40, endS: 70 },
      { name: 'chaos:pod-kill-aenebris@70s', startS: 70, endS: 100 },
    ]);
  });

  it('splits shards exactly: ceil(peak / 15000) processes, per-shard peak × shards = peak', () => {
    const plan = resolvePlan(scenario(), { ...KIND, scale: 1 });
    expect(plan.load.peakRate).toBe(102_000);
    expect(plan.shards).toBe(7);
    expect(plan.perShardCapacity).toBe(15_000);
    expect(plan.load.http!.perShardPeak * plan.shards).toBeCloseTo(100_000, 9);
    expect(plan.load.ws!.perShardPeak * plan.shards).toBeCloseTo(2_000, 9);
    expect(plan.load.http!.perShardPeak).toBeLessThanOrEqual(plan.perShardCapacity);
    const one = resolvePlan(scenario(), { ...KIND, scale: 0.1 });
    expect([one.load.peakRate, one.shards, one.load.http!.perShardPeak]).toEqual([10_200, 1, 10_000]);
    const custom = resolvePlan(scenario(), { ...KIND, scale: 0.1, perShardCapacity: 5_000 });
    expect(custom.shards).toBe(3);
  });

  it('scales rates and the HPA per-pod rate, not durations, counts or SLOs', () => {
    const plan = resolvePlan(scenario(), { ...KIND, scale: 0.25 });
    expect(plan.scale).toBe(0.25);
    expect(plan.scaleReason).toBe('--scale 0.25');
    expect(plan.load.http!.stages[1]!.toTarget).toBe(25_000);
    expect(plan.scoring.hpa!.perPodRate).toBe(500);
    expect(plan.scoring.hpa!.maxReactionS).toBe(45);
    expect(plan.durationS).toBe(100);
    expect(plan.slos).toEqual({ successRatio: 0.999, latencyMs: { p99: 1000 } });
  });

  it('defaults to a machine-fit scale and prints its arithmetic', () => {
    const plan = resolvePlan(scenario(), KIND);
    // 2 cores × 400 = 800 req/s over a full-scale peak of 102,000 → 0.00784 (3 digits, down).
    expect(plan.scale).toBe(0.00784);
    expect(plan.scaleReason).toContain('2 cores × 400 req/s per core');
    expect(plan.scaleReason).toContain('800/102000');
    expect(plan.load.peakRate).toBeLessThanOrEqual(800);
    const eight = resolvePlan(scenario(), { ...KIND, cores: 8 });
    expect(eight.scale).toBe(0.0313);
    const existing = resolvePlan(scenario(), { ...KIND, provider: { name: 'existing', reason: 'test' } });
    expect(existing.scale).toBe(0.0588);
    expect(existing.scaleReason).toContain('3000 req/s per core');
  });

  it('caps the machine-fit scale at 1 and lets WS sessions bound it', () => {
    const small = scenario();
    small.load.http!.stages = [{ name: 'steady', durationS: 100, target: 100 }];
    small.load.ws!.stages = [{ name: 'steady', durationS: 100, target: 10 }];
    expect(machineFitScale(small, 'kind', 2)).toMatchObject({ scale: 1 });
    small.load.ws!.stages = [{ name: 'steady', durationS: 100, target: 1000 }];
    // 2 cores × 100 sessions = 200 of 1000.
    expect(machineFitScale(small, 'kind', 2).scale).toBe(0.2);
  });

  it('stretches stages, baseline and chaos offsets with --duration, keeping the sum exact', () => {
    const plan = resolvePlan(scenario(), { ...KIND, scale: 0.01, durationS: 50 });
    expect(plan.durationS).toBe(50);
    expect(plan.load.http!.stages.map((s) => [s.startS, s.endS])).toEqual([
      [0, 5],
      [5, 35],
      [35, 50],
    ]);
    expectContiguous(plan.load.ws!.stages, 50);
    expect(plan.chaos.map((c) => [c.id, c.atS, c.step.atS])).toEqual([
      ['rollout-aenebris@20s', 20, 20],
      ['pod-kill-aenebris@35s', 35, 35],
    ]);
    expect(plan.phases[0]).toEqual({ name: 'baseline', startS: 0, endS: 10 });
    const longer = resolvePlan(scenario(), { ...KIND, scale: 0.01, durationS: 333 });
    expect(longer.durationS).toBe(333);
    expectContiguous(longer.load.http!.stages, 333);
  });

  it('refuses a --duration too short for every stage, naming the stage and a length that works', () => {
    expect(() => resolvePlan(scenario(), { ...KIND, durationS: 3 })).toThrow(UsageError);
    expect(() => resolvePlan(scenario(), { ...KIND, durationS: 3 })).toThrow(/--duration 3: stage 'warm' of load.http would last 0 s; use --duration 10 or more/);
    expect(() => resolvePlan(scenario(), { ...KIND, durationS: 10 })).not.toThrow();
  });

  it('derives a fixed seed from the name unless --seed is given', () => {
    const a = resolvePlan(scenario(), KIND);
    const b = resolvePlan(scenario(), KIND);
    expect(a.seed).toBe(b.seed);
    expect(a.seed).toBe(seedFromName('fixture'));
    expect(a.seedReason).toContain('fixture');
    expect(seedFromName('proxy-rollout')).not.toBe(seedFromName('proxy-pod-kill'));
    expect(resolvePlan(scenario(), { ...KIND, seed: 42 })).toMatchObject({ seed: 42, seedReason: '--seed' });
  });

  it('fills workload defaults and carries provider, output and keep-cluster', () => {
    const plan = resolvePlan(scenario(), { ...KIND, provider: { name: 'existing', reason: '--provider existing' }, outDir: '/tmp/x', keepCluster: true });
    expect(plan.workloads[0]).toEqual({
      name: 'proxy',
      deploy: 'aenebris',
      object: { kind: 'Deployment', name: 'aenebris' },
      drain: 'graceful',
      image: null,
      cpuCostMicros: null,
      overlay: 'existing',
    });
    expect(resolvePlan(scenario(), KIND).workloads[0]!.overlay).toBe('kind');
    expect(resolvePlan(scenario(), { ...KIND, sets: ['proxy.overlay=existing', 'upstream.overlay=existing'] }).workloads[0]!.overlay).toBe('existing');
    // One folder renders with one overlay: a mix would apply its objects twice.
    expect(() => resolvePlan(scenario(), { ...KIND, sets: ['proxy.overlay=existing'] })).toThrow(
      "workloads proxy (overlay existing), upstream (overlay kind) share deploy folder 'aenebris', which renders with one overlay; set it for each: --set proxy.overlay=existing --set upstream.overlay=existing",
    );
    expect(plan.workloads[1]!.drain).toBe('none');
    expect(plan).toMatchObject({ provider: 'existing', providerReason: '--provider existing', outDir: '/tmp/x', keepCluster: true, schema: 'plan/v1' });
  });

  it('is pure: the scenario is not changed and the plan survives JSON', () => {
    const s = scenario();
    const before = structuredClone(s);
    const plan = resolvePlan(s, { ...KIND, durationS: 50, sets: ['proxy.drain=none', 'load.http.stages[0].target=5'] });
    expect(s).toEqual(before);
    expect(JSON.parse(JSON.stringify(plan)) as Plan).toEqual(plan);
  });

  it('rejects a bad --scale or --seed as a usage error', () => {
    expect(() => resolvePlan(scenario(), { ...KIND, scale: 0 })).toThrow(/--scale 0: must be a number in \(0, 10\]/);
    expect(() => resolvePlan(scenario(), { ...KIND, scale: 11 })).toThrow(UsageError);
    expect(() => resolvePlan(scenario(), { ...KIND, seed: -1 })).toThrow(/--seed -1/);
  });
});

describe('--set', () => {
  const plan = (...sets: string[]) => resolvePlan(scenario(), { ...KIND, scale: 0.01, sets });

  it('addresses a workload by name or object name', () => {
    expect(plan('proxy.drain=sticky-ready').workloads[0]!.drain).toBe('sticky-ready');
    expect(plan('aenebris.cpuCostMicros=300').workloads[0]!.cpuCostMicros).toBe(300);
    expect(plan('upstream.image=my/proxy:1.2').workloads[1]!.image).toBe('my/proxy:1.2');
  });

  it('overrides any value by path, typed like the value it replaces, and records it', () => {
    const p = plan('slos.successRatio=0.99', 'load.http.stages[1].target=50000', 'chaos[0].count=1', 'slos.latencyMs.p95=200', 'scoring.drain={"maxFailedPerPod":3,"maxAbnormalWsPerPod":0,"exitWithinGrace":false}');
    expect(p.slos.successRatio).toBe(0.99);
    expect(p.load.http!.stages[1]!.toTarget).toBe(500);
    expect(p.chaos.find((c) => c.step.action === 'pod-kill')!.step).toMatchObject({ count: 1 });
    expect(p.slos.latencyMs).toEqual({ p95: 200, p99: 1000 });
    expect(p.scoring.drain).toEqual({ maxFailedPerPod: 3, maxAbnormalWsPerPod: 0, exitWithinGrace: false });
    expect(p.overrides['slos.successRatio']).toBe('0.99');
    expect(Object.keys(p.overrides)).toHaveLength(5);
  });

  it('validates after overriding and names the --set that broke it', () => {
    expect(() => plan('proxy.drain=slow')).toThrow(
      '--set proxy.drain=slow: scenarios/fixture.ts: workloads[0].drain must be one of graceful, none, sticky-ready, got "slow"',
    );
    expect(() => plan('load.http.stages[1].durationS=-3')).toThrow(
      '--set load.http.stages[1].durationS=-3: scenarios/fixture.ts: load.http.stages[1].durationS must be a positive number, got -3',
    );
    expect(() => plan('slos.successRatio=1.5')).toThrow(/--set slos.successRatio=1.5: .*slos.successRatio must be in \(0, 1\], got 1.5/);
    expect(() => plan('proxy.drian=none')).toThrow(/--set proxy.drian=none: .*workloads\[0\].drian is not a known field/);
    expect(() => plan('chaos[0].target=nobody')).toThrow(/--set chaos\[0\].target=nobody: .*chaos\[0\].target must name a declared workload/);
  });

  it('refuses malformed keys, wrong types and out-of-range indexes as usage errors', () => {
    expect(() => plan('slos.successRatio')).toThrow(/--set 'slos.successRatio': expected key=value/);
    expect(() => plan('slos.successRatio=high')).toThrow(/--set slos.successRatio=high: expected a number \(current value 0.999\)/);
    expect(() => plan('load.http.stages[9].target=1')).toThrow(/index 9 is out of range/);
    expect(() => plan('gateway.drain=none')).toThrow(/'gateway' is neither a scenario field nor a workload; valid: .*proxy, upstream/);
    expect(() => plan('name=other')).toThrow(/cannot be overridden/);
    expect(() => plan('proxy=none')).toThrow(/name a field of workload 'proxy'/);
    for (const bad of ['a..b=1', 'a[x]=1', '.a=1']) expect(() => plan(bad)).toThrow(UsageError);
  });

  it('parses paths', () => {
    expect(parsePath('load.http.stages[0].target')).toEqual(['load', 'http', 'stages', 0, 'target']);
    expect(parsePath('chaos[1]')).toEqual(['chaos', 1]);
    expect(parsePath('a..b')).toBeNull();
  });
});

describe('plan arithmetic', () => {
  it('finds the peak of a sum of ramps at breakpoints', () => {
    const up: PlannedStage[] = [{ name: 'up', startS: 0, endS: 10, fromTarget: 0, toTarget: 100 }];
    const down: PlannedStage[] = [{ name: 'down', startS: 0, endS: 10, fromTarget: 100, toTarget: 0 }];
    expect(peakOfSum([{ stages: up, weight: 1 }, { stages: down, weight: 1 }])).toBe(100);
    const late: PlannedStage[] = [{ name: 'late', startS: 5, endS: 10, fromTarget: 50, toTarget: 50 }];
    // At t=5: 50 (up) + 50 (late) = 100; at t→10: 100 + 50 = 150.
    expect(peakOfSum([{ stages: up, weight: 1 }, { stages: late, weight: 1 }])).toBe(150);
    expect(peakOfSum([{ stages: late, weight: 3 }])).toBe(150);
  });

  it('rounds scaled targets to whole numbers without dropping a stage to 0', () => {
    expect(scaleTarget(100_000, 0.0147)).toBe(1470);
    expect(scaleTarget(10, 0.001)).toBe(1);
    expect(scaleTarget(0, 0.5)).toBe(0);
    expect(floorSignificant(1500 / 102000)).toBe(0.0147);
    expect(floorSignificant(0.5)).toBe(0.5);
  });
});

describe('formatPlan', () => {
  it('shows stages with offsets and rates, shards, chaos, SLOs, provider and why the scale', () => {
    const text = formatPlan(resolvePlan(scenario(), { ...KIND, sets: ['proxy.drain=none'] }));
    // Column widths are layout; compare with runs of spaces collapsed.
    const flat = text.replace(/ +/g, ' ');
    expect(flat).toContain('provider kind — test');
    expect(flat).toContain('scale 0.00784 — machine-fit: 2 cores × 400');
    expect(flat).toContain('http warm 0 10 10 0 → 784 req/s');
    expect(flat).toContain('http down 70 100 30 784 → 157 req/s');
    expect(flat).toContain('ws steady 10 100 90 16 sessions');
    expect(flat).toContain('shards: 1 k6 process(es) (peak 800 req/s ÷ 15,000 req/s per process, rounded up)');
    expect(flat).toContain('http 784 req/s 784 req/s');
    expect(flat).toContain('40 s rollout-aenebris@40s proxy rollout restart');
    expect(flat).toContain('70 s pod-kill-aenebris@70s proxy delete 2 pod(s)');
    expect(flat).toContain('chaos:pod-kill-aenebris@70s 70 100');
    expect(flat).toContain('success ratio ≥ 0.999');
    expect(flat).toContain('latency p99 ≤ 1000 ms');
    expect(flat).toContain('HPA per-pod rate (scaled) 15.68 req/s');
    expect(flat).toContain('--set proxy.drain=none');
  });
});

describe('planConnections: the scale of per-pod connection targets', () => {
  const steps = (a: number, b: number) => [
    { name: 'base', durationS: 30, target: a },
    { name: 'spike', durationS: 90, target: b },
  ];
  it('an HTTP step: k6 holds its pre-allocated pool, which shrinks less than the rate (400 of 2,000 at 0.008)', () => {
    const c = planConnections({ http: steps(10_000, 100_000) }, 0.008);
    expect([c.atScale, c.fullScale, c.scale]).toEqual([400, 2000, 0.2]);
    expect(c.reason).toBe('k6 holds 400 connections at this scale (400 HTTP VUs) and 2000 at full scale (2000 HTTP VUs): 400/2000 = 0.2');
  });
  it('a WS wave: sessions at their peak plus the small HTTP pool', () => {
    const c = planConnections({ http: steps(100, 100), ws: steps(5_000, 40_000) }, 0.005);
    expect([c.atScale, c.fullScale, c.scale]).toEqual([250, 40_050, 0.0062]);
  });
});
