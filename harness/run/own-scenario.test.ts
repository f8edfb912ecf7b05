// The README's scenario of your own (the same files the e2e test runs on kind): it loads and
// validates from outside the repo, renders its own kustomize folder with the run's namespace, and
// names its locally built image as one the run must load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../scenarios/index.ts';
import { neededImages, renderWorkloads } from '../../deploy/render.ts';
import { resolvePlan } from '../plan/resolve.ts';
import { OWN_IMAGE, ownScenarioFolder } from './own-scenario.fixture.ts';

const dir = ownScenarioFolder(mkdtempSync(join(tmpdir(), 'kch-own-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a scenario of your own', () => {
  it('plans, renders and asks for its own image', async () => {
    const { scenario } = await loadScenarioFile('./my-scenario.ts', dir);
    const plan = resolvePlan(scenario, {
      file: './my-scenario.ts',
      provider: { name: 'kind', reason: 'test' },
      cores: 2,
      sets: [],
      outDir: 'runs',
      keepCluster: false,
    });
    expect(plan.workloads[0]).toMatchObject({ name: 'web', deploy: join(dir, 'k8s'), image: null });
    const objects = await renderWorkloads(plan.workloads, { namespace: 'kch-test', imageRef: 'localhost/kube-chaos-harness/standin:abc' });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.namespace}`).sort()).toEqual(['Deployment/my-service@kch-test', 'Service/my-service@kch-test']);
    expect(neededImages(objects, plan.workloads, 'localhost/kube-chaos-harness/standin:abc')).toEqual([
      { image: OWN_IMAGE, usedBy: ['Deployment/my-service container web'], required: true, source: `the manifests of ${join(dir, 'k8s')}` },
    ]);
  });
});
