import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import type { Scenario } from './model.ts';
import { ScenarioError, validateScenario } from './validate.ts';
import { SUITES, loadCatalogue } from './index.ts';
import { resolvePlan } from '../harness/plan/resolve.ts';

const FILE = 'scenarios/fixture.ts';

function valid(): Scenario {
  return {
    name: 'fixture',
    purpose: 'a small valid scenario',
    system: 'aenebris',
    workloads: [
      { name: 'proxy', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris' }, drain: 'graceful', cpuCostMicros: 100 },
      { name: 'tracer', deploy: 'ebpf-tracer', object: { kind: 'DaemonSet', name: 'ebpf-tracer' } },
    ],
    load: {
      http: {
        entry: { workload: 'proxy', port: 'http', path: '/' },
        stages: [
          { name: 'warm', durationS: 10, target: 1000, ramp: true },
          { name: 'steady', durationS: 50, target: 1000 },
        ],
      },
      ws: {
        entry: { workload: 'proxy', port: 'http', path: '/ws' },
        stages: [{ name: 'steady', durationS: 60, target: 20 }],
        messagesPerSecond: 1,
        openRate: 10,
      },
    },
    baselineS: 10,
    chaos: [
      { action: 'rollout', target: 'proxy', atS: 30, change: 'restart' },
      { action: 'pod-kill', target: 'proxy', atS: 40, count: 1, pick: 'oldest' },
    ],
    slos: { successRatio: 0.999, latencyMs: { p95: 100, p99: 500 }, wsAbnormalCloseRatio: 0 },
    scoring: {
      hpa: { workload: 'proxy', perPodRate: 100, maxReactionS: 30, maxReadyS: 60 },
      drain: { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, exitWithinGrace: true },
      errorBudget: { maxUsedPct: 50 },
    },
    needs: { metricsApi: true },
  };
}

/** Mutate a fresh valid scenario and return the validation error message. */
function errorOf(mutate: (s: any) => void): string {
  const s = valid() as any;
  mutate(s);
  try {
    validateScenario(s, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected a ScenarioError, validation passed');
}

describe('validateScenario', () => {
  it('accepts a valid scenario and returns a copy', () => {
    const s = valid();
    const out = validateScenario(s, FILE);
    expect(out).toEqual(s);
    expect(out).not.toBe(s);
  });

  const cases: [string, (s: any) => void, string][] = [
    ['unknown top-level key', (s) => (s.loads = {}), `${FILE}: loads is not a known field; valid: name, purpose`],
    ['missing required key', (s) => delete s.slos, `${FILE}: slos is required`],
    ['system not a DNS label', (s) => (s.system = 'My Service'), `${FILE}: system must be a lowercase DNS label (a-z, 0-9, '-', at most 63), got "My Service"`],
    ['name not a DNS label', (s) => (s.name = 'Proxy_Rollout'), `${FILE}: name must be a lowercase DNS label`],
    ['no workloads', (s) => (s.workloads = []), `${FILE}: workloads must not be empty`],
    ['unknown workload key', (s) => (s.workloads[0].drian = 'none'), `${FILE}: workloads[0].drian is not a known field; valid: name, deploy, object, drain, image, cpuCostMicros, overlay`],
    ['bad drain enum', (s) => (s.workloads[0].drain = 'slow'), `${FILE}: workloads[0].drain must be one of graceful, none, sticky-ready, got "slow"`],
    ['bad object kind', (s) => (s.workloads[1].object.kind = 'StatefulSet'), `${FILE}: workloads[1].object.kind must be one of Deployment, DaemonSet, got "StatefulSet"`],
    ['duplicate workload name', (s) => (s.workloads[1].name = 'proxy'), `${FILE}: workloads[1].name duplicates workload 'proxy'`],
    ['duplicate object name', (s) => (s.workloads[1].object.name = 'aenebris'), `${FILE}: workloads[1].object.name duplicates object 'aenebris'`],
    ['fractional cpu cost', (s) => (s.workloads[0].cpuCostMicros = 1.5), `${FILE}: workloads[0].cpuCostMicros must be an integer >= 0, got 1.5`],
    ['no load stream', (s) => (s.load = {}), `${FILE}: load must have at least one of http, ws, grpc`],
    ['entry names unknown workload', (s) => (s.load.http.entry.workload = 'gateway'), `${FILE}: load.http.entry.workload must name a declared workload (proxy, tracer), got "gateway"`],
    ['entry port enum', (s) => (s.load.http.entry.port = 'web'), `${FILE}: load.http.entry.port must be one of http, https, ws, grpc, api, s3, got "web"`],
    ['entry path without slash', (s) => (s.load.http.entry.path = 'api'), `${FILE}: load.http.entry.path must be a string starting with '/'`],
    ['negative stage duration', (s) => (s.load.http.stages[1].durationS = -3), `${FILE}: load.http.stages[1].durationS must be a positive number, got -3`],
    ['zero stage duration', (s) => (s.load.ws.stages[0].durationS = 0), `${FILE}: load.ws.stages[0].durationS must be a positive number, got 0`],
    ['string target', (s) => (s.load.http.stages[0].target = '1000'), `${FILE}: load.http.stages[0].target must be a number >= 0, got "1000"`],
    ['NaN target', (s) => (s.load.http.stages[0].target = NaN), `${FILE}: load.http.stages[0].target must be a number >= 0`],
    ['duplicate stage name', (s) => (s.load.http.stages[1].name = 'warm'), `${FILE}: load.http.stages[1].name duplicates stage 'warm'`],
    ['empty stages', (s) => (s.load.http.stages = []), `${FILE}: load.http.stages must not be empty`],
    ['ramp not boolean', (s) => (s.load.http.stages[0].ramp = 'yes'), `${FILE}: load.http.stages[0].ramp must be true or false, got "yes"`],
    ['ws messages zero', (s) => (s.load.ws.messagesPerSecond = 0), `${FILE}: load.ws.messagesPerSecond must be a positive number, got 0`],
    ['ws without openRate', (s) => delete s.load.ws.openRate, `${FILE}: load.ws.openRate is required`],
    ['baseline as long as the load', (s) => (s.baselineS = 60), `${FILE}: baselineS must be shorter than the load (60 s), got 60`],
    ['chaos action enum', (s) => (s.chaos[0].action = 'explode'), `${FILE}: chaos[0].action must be one of pod-kill, rollout, scale, node-drain, node-fail, network-fault, got "explode"`],
    ['chaos target undeclared', (s) => (s.chaos[1].target = 'aenebris-proxy'), `${FILE}: chaos[1].target must name a declared workload (proxy, tracer), got "aenebris-proxy"`],
    ['chaos after the load', (s) => (s.chaos[1].atS = 60), `${FILE}: chaos[1].atS must be before the load ends (60 s), got 60`],
    ['chaos inside the baseline', (s) => (s.chaos[0].atS = 5), `${FILE}: chaos[0].atS must not fall inside the baseline (first 10 s), got 5`],
    ['chaos field of another action', (s) => (s.chaos[0].count = 2), `${FILE}: chaos[0].count is not a known field; valid: action, target, atS, change, deadlineS`],
    ['pod-kill count and percent', (s) => (s.chaos[1].percent = 50), `${FILE}: chaos[1].percent cannot be given together with count`],
    ['pod-kill count zero', (s) => (s.chaos[1].count = 0), `${FILE}: chaos[1].count must be an integer >= 1, got 0`],
    ['pod-kill pick enum', (s) => (s.chaos[1].pick = 'first'), `${FILE}: chaos[1].pick must be one of oldest, newest, random, got "first"`],
    ['rollout change shape', (s) => (s.chaos[0].change = 'redeploy'), `${FILE}: chaos[0].change must be 'restart', { env: {...} } or { image: '...' }`],
    ['rollout env value', (s) => (s.chaos[0].change = { env: { A: 1 } }), `${FILE}: chaos[0].change.env.A must be a string, got 1`],
    ['scale a DaemonSet', (s) => s.chaos.push({ action: 'scale', target: 'tracer', atS: 50, replicas: 2 }), `${FILE}: chaos[2].target names DaemonSet workload 'tracer', which cannot be scaled`],
    ['scale without replicas', (s) => s.chaos.push({ action: 'scale', target: 'proxy', atS: 50 }), `${FILE}: chaos[2].replicas is required`],
    ['duplicate chaos step', (s) => s.chaos.push({ action: 'rollout', target: 'proxy', atS: 30 }), `${FILE}: chaos[2] duplicates another rollout of 'proxy' at 30 s`],
    ['node-drain without workers', (s) => s.chaos.push({ action: 'node-drain', target: 'worker', atS: 50 }), `${FILE}: needs.workers must be >= 2 when chaos has a node-drain`],
    ['node-fail without workers', (s) => s.chaos.push({ action: 'node-fail', target: 'worker', atS: 40, durationS: 10 }), `${FILE}: needs.workers must be >= 2 when chaos has a node-fail`],
    ['node-fail without duration', (s) => s.chaos.push({ action: 'node-fail', target: 'worker', atS: 40 }), `${FILE}: chaos[2].durationS is required`],
    ['node-fail past the load', (s) => s.chaos.push({ action: 'node-fail', target: 'worker', atS: 40, durationS: 30 }), `${FILE}: chaos[2].durationS must end by the end of the load (60 s): 40 + 30 > 60`],
    ['node-fail mode', (s) => s.chaos.push({ action: 'node-fail', target: 'worker', atS: 40, durationS: 10, mode: 'reboot' }), `${FILE}: chaos[2].mode must be one of pause, got "reboot"`],
    ['network fault unbounded', (s) => s.chaos.push({ action: 'network-fault', target: 'proxy', atS: 40, durationS: 0, fault: { kind: 'loss', percent: 5 } }), `${FILE}: chaos[2].durationS must be in (0, 600], got 0`],
    ['network fault kind', (s) => s.chaos.push({ action: 'network-fault', target: 'proxy', atS: 40, durationS: 5, fault: { kind: 'corrupt' } }), `${FILE}: chaos[2].fault.kind must be one of latency, loss, partition, got "corrupt"`],
    ['latency without delay', (s) => s.chaos.push({ action: 'network-fault', target: 'proxy', atS: 40, durationS: 5, fault: { kind: 'latency' } }), `${FILE}: chaos[2].fault.delayMs must be in (0, 10000], got nothing`],
    ['jitter above delay', (s) => s.chaos.push({ action: 'network-fault', target: 'proxy', atS: 40, durationS: 5, fault: { kind: 'latency', delayMs: 50, jitterMs: 80 } }), `${FILE}: chaos[2].fault.jitterMs must not exceed delayMs (50), got 80`],
    ['loss field on latency', (s) => s.chaos.push({ action: 'network-fault', target: 'proxy', atS: 40, durationS: 5, fault: { kind: 'latency', delayMs: 50, percent: 3 } }), `${FILE}: chaos[2].fault.percent does not apply to a latency fault (valid: delayMs, jitterMs)`],
    ['partition without peer', (s) => s.chaos.push({ action: 'network-fault', target: 'proxy', atS: 40, durationS: 5, fault: { kind: 'partition' } }), `${FILE}: chaos[2].peer is required for a partition`],
    ['peer is the target', (s) => s.chaos.push({ action: 'network-fault', target: 'proxy', atS: 40, durationS: 5, peer: 'proxy', fault: { kind: 'partition' } }), `${FILE}: chaos[2].peer must be another workload than the target 'proxy'`],
    ['peer undeclared', (s) => s.chaos.push({ action: 'network-fault', target: 'proxy', atS: 40, durationS: 5, peer: 'db', fault: { kind: 'partition' } }), `${FILE}: chaos[2].peer must name a declared workload (proxy, tracer), got "db"`],
    ['nodeFail scoring without node-fail', (s) => (s.scoring.nodeFail = { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, maxEndpointRemovalS: 60 }), `${FILE}: scoring.nodeFail needs a node-fail chaos action to score`],
    ['success ratio 0', (s) => (s.slos.successRatio = 0), `${FILE}: slos.successRatio must be in (0, 1], got 0`],
    ['success ratio above 1', (s) => (s.slos.successRatio = 99.9), `${FILE}: slos.successRatio must be in (0, 1], got 99.9`],
    ['p95 above p99', (s) => (s.slos.latencyMs = { p95: 600, p99: 500 }), `${FILE}: slos.latencyMs.p95 must not exceed p99 (500), got 600`],
    ['unknown quantile', (s) => (s.slos.latencyMs.p50 = 10), `${FILE}: slos.latencyMs.p50 is not a known field; valid: p95, p99`],
    ['ws ratio above 1', (s) => (s.slos.wsAbnormalCloseRatio = 2), `${FILE}: slos.wsAbnormalCloseRatio must be in [0, 1], got 2`],
    ['ws ratio without ws load', (s) => delete s.load.ws, `${FILE}: slos.wsAbnormalCloseRatio needs load.ws`],
    ['hpa on a DaemonSet', (s) => (s.scoring.hpa.workload = 'tracer'), `${FILE}: scoring.hpa.workload names DaemonSet workload 'tracer'`],
    ['hpa ready before reaction', (s) => (s.scoring.hpa.maxReadyS = 10), `${FILE}: scoring.hpa.maxReadyS must be >= maxReactionS (30), got 10`],
    ['hpa without metrics api', (s) => delete s.needs, `${FILE}: needs.metricsApi must be true when scoring.hpa is set`],
    ['drain limit negative', (s) => (s.scoring.drain.maxFailedPerPod = -1), `${FILE}: scoring.drain.maxFailedPerPod must be an integer >= 0, got -1`],
    ['error budget 0', (s) => (s.scoring.errorBudget.maxUsedPct = 0), `${FILE}: scoring.errorBudget.maxUsedPct must be in (0, 100], got 0`],
    ['error budget missing', (s) => delete s.scoring.errorBudget, `${FILE}: scoring.errorBudget is required`],
  ];
  it.each(cases)('%s → names the field', (_what, mutate, expected) => {
    expect(errorOf(mutate)).toContain(expected);
  });

  it('rejects a non-object with the file name', () => {
    expect(() => validateScenario(null, FILE)).toThrow(`${FILE}: the scenario must be an object, got null`);
  });
});

describe('the catalogue', () => {
  it('loads and validates one scenario per file covering all five systems', async () => {
    const catalogue = await loadCatalogue();
    expect([...catalogue.keys()].sort()).toEqual(
      ['dex-ws-spike-hpa', 'echo-grpc-rollout', 'gateway-pod-kill', 'gateway-store-latency', 'proxy-node-loss', 'proxy-pod-kill', 'proxy-rollout', 'proxy-spike-hpa', 'proxy-ws-spike-hpa', 'tracer-daemonset-rollout'].sort(),
    );
    expect(new Set([...catalogue.values()].map((s) => s.system))).toEqual(new Set(['aenebris', 'ephemos', 's3-gateway', 'basebook', 'ebpf-tracer']));
    for (const suite of SUITES) for (const name of suite.scenarios) expect(catalogue.has(name), `${suite.name}: ${name}`).toBe(true);
  });

  it("carries the proxy seed's numbers at full scale", async () => {
    const catalogue = await loadCatalogue();
    const spike = catalogue.get('proxy-spike-hpa')!;
    expect(Math.max(...spike.load.http!.stages.map((s) => s.target))).toBe(100_000);
    expect(spike.scoring.hpa?.perPodRate).toBe(2_000);
    // The base is the HPA minimum (5) at 2k req/s per pod; the step needs more.
    expect(spike.load.http!.stages[0]!.target).toBe(5 * 2_000);
  });

  // CI runs these two end to end on a 2-core machine: keep them short and light at the default scale.
  it.each(['proxy-rollout', 'proxy-spike-hpa'])('%s fits CI at the default scale on 2 cores', async (name) => {
    const s = (await loadCatalogue()).get(name)!;
    const plan = resolvePlan(s, { provider: { name: 'kind', reason: 'test' }, cores: 2 });
    expect(plan.durationS).toBeLessThanOrEqual(150);
    expect(Math.max(...plan.load.http!.stages.map((st) => st.toTarget))).toBeLessThanOrEqual(1_500);
    expect(Math.max(0, ...(plan.load.ws?.stages.map((st) => st.toTarget) ?? []))).toBeLessThanOrEqual(50);
  });

  it('every scenario resolves at the default scale of this machine', async () => {
    for (const s of (await loadCatalogue()).values()) {
      const plan = resolvePlan(s, { provider: { name: 'kind', reason: 'test' }, cores: availableParallelism() });
      expect(plan.load.peakRate).toBeLessThanOrEqual(750 * availableParallelism());
    }
  });
});
