// --registry in the plan: kept as given (already checked by the CLI), printed with the image path and why.
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../scenarios/index.ts';
import { formatPlan, imagePath } from './format.ts';
import { resolvePlan, type ResolveOptions } from './resolve.ts';

const EXISTING: ResolveOptions = { provider: { name: 'existing', reason: 'test' }, cores: 2 };

describe('--registry in the plan', () => {
  it('says which image path the run takes and why', () => {
    expect(imagePath({ provider: 'kind', registry: 'localhost:5001/kch' })).toMatch(/^pushed to localhost:5001\/kch — --registry: .*kind load is not used/);
    expect(imagePath({ provider: 'kind' })).toMatch(/^loaded with kind load — no --registry/);
    expect(imagePath({ provider: 'existing' })).toMatch(/^loaded with kind load — .*only where the context is a kind cluster.*pass --registry HOST\/PATH/);
  });

  it('is in the plan and on its page when given, absent when not', async () => {
    const s = (await loadCatalogue()).get('proxy-rollout')!;
    const plan = resolvePlan(s, { ...EXISTING, registry: 'localhost:5001/kch' });
    expect(plan.registry).toBe('localhost:5001/kch');
    expect(formatPlan(plan)).toMatch(/\nimages {4}pushed to localhost:5001\/kch — --registry/);
    expect('registry' in resolvePlan(s, EXISTING)).toBe(false);
  });
});
