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
