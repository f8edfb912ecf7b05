// needs.keda → the plan asks kind for KEDA; an existing cluster brings its own adapter.
import { describe, expect, it } from 'vitest';
import proxySpikeHpa from '../../scenarios/proxy-spike-hpa.ts';
import type { Scenario } from '../../scenarios/model.ts';
import { validateScenario } from '../../scenarios/validate.ts';
import { resolvePlan } from './resolve.ts';

const withKeda: Scenario = { ...proxySpikeHpa, needs: { ...proxySpikeHpa.needs, keda: true } };

describe('plan.addons', () => {
  it('kind + needs.keda → addons [keda]', () => {
    expect(resolvePlan(withKeda, { provider: { name: 'kind', reason: 'test' }, cores: 2, scale: 0.015 }).addons).toEqual(['keda']);
  });
  it('existing + needs.keda → none (the base as it is); no needs.keda → none', () => {
    expect(resolvePlan(withKeda, { provider: { name: 'existing', reason: 'test' }, cores: 2, scale: 0.015 }).addons).toBeUndefined();
    expect(resolvePlan(proxySpikeHpa, { provider: { name: 'kind', reason: 'test' }, cores: 2, scale: 0.015 }).addons).toBeUndefined();
  });
  it('needs.keda is validated as a boolean', () => {
    expect(() => validateScenario({ ...withKeda, needs: { metricsApi: true, keda: 'yes' } } as unknown, 'x')).toThrow(/needs\.keda/);
  });
});

describe('HPA per-pod capacity from the target the HPA uses (issue 16 item 5)', () => {
  const kind = { provider: { name: 'kind' as const, reason: 'test' }, cores: 2, scale: 0.015 };
  it('a ScaledObject’s request-rate target × scale, with its bounds', () => {
    const h = resolvePlan(withKeda, { ...kind, hpaScalingKeda: { source: 'ScaledObject/aenebris', minReplicas: 2, maxReplicas: 6, requestRatePerPod: 2000 } }).scoring.hpa!;
    expect(h.perPodRate).toBe(30);
    expect(h.replicaRange).toEqual({ min: 2, max: 6 });
    expect(h.perPodRateBasis).toBe('ScaledObject/aenebris targets 2000 req/s per pod × scale 0.015');
  });
  it('a CPU-only HPA: the scenario’s figure, named an estimate', () => {
    const h = resolvePlan(proxySpikeHpa, { ...kind, hpaScaling: { source: 'HorizontalPodAutoscaler/aenebris', minReplicas: 2, maxReplicas: 6, requestRatePerPod: null } }).scoring.hpa!;
    expect(h.perPodRate).toBe(30);
    expect(h.perPodRateBasis).toMatch(/scales on CPU\/memory only: an estimate/);
  });
  it('a plan key a scenario may not set', () => {
    expect(() => validateScenario({ ...proxySpikeHpa, scoring: { ...proxySpikeHpa.scoring, hpa: { ...proxySpikeHpa.scoring.hpa, replicaRange: { min: 1, max: 2 } } } } as unknown, 'x')).toThrow(/replicaRange/);
  });
});
