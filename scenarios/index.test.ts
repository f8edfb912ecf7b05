// Scenario files of the user's own, outside the repo: loaded and validated like the catalogue's,
// their kustomize folders resolved against the file, every error naming the file and the field.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isScenarioPath, loadCatalogue, loadScenarioFile } from './index.ts';

const here = fileURLToPath(new URL('./', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kch-own-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

mkdirSync(join(dir, 'k8s'));
writeFileSync(join(dir, 'k8s', 'kustomization.yaml'), 'resources: []\n');
mkdirSync(join(dir, 'empty'));

/** A scenario file typed with the harness's exported type, as the README shows it. */
function scenarioFile(name: string, workload: string, extra = ''): string {
  const path = join(dir, `${name}.ts`);
  writeFileSync(
    path,
    `import type { Scenario } from '${join(here, 'index.ts')}';
export default {
  name: 'my-service-rollout',
  purpose: 'my service survives a rollout',
  system: 'my-service',
  workloads: [${workload}],
  load: { http: { entry: { workload: 'web', port: 'http' }, stages: [{ name: 'steady', durationS: 60, target: ${extra || '50'} }] } },
  chaos: [{ action: 'rollout', target: 'web', atS: 20 }],
  slos: { successRatio: 0.999 },
  scoring: { errorBudget: { maxUsedPct: 50 } },
} satisfies Scenario;
`,
  );
  return path;
}

const web = (deploy: string, more = '') => `{ name: 'web', deploy: '${deploy}', object: { kind: 'Deployment', name: 'my-service' }${more} }`;

describe('loadScenarioFile', () => {
  it('loads a file outside the repo and resolves its kustomize folder against the file', async () => {
    const { scenario } = await loadScenarioFile(scenarioFile('good', web('./k8s')), dir);
    expect(scenario.name).toBe('my-service-rollout');
    expect(scenario.system).toBe('my-service');
    expect(scenario.workloads[0]!.deploy).toBe(join(dir, 'k8s'));
  });

  it('resolves the file itself against the folder it was named from (npm passes INIT_CWD)', async () => {
    scenarioFile('relative', web('./k8s'));
    const { path } = await loadScenarioFile('./relative.ts', dir);
    expect(path).toBe(join(dir, 'relative.ts'));
  });

  it.each([
    ['a folder that is not there', web('./nope'), `workloads[0].deploy "./nope" is not a folder (resolved against the scenario file's folder to ${join(dir, 'nope')})`],
    ['a folder without a kustomization', web('./empty'), `workloads[0].deploy "./empty" (${join(dir, 'empty')}) has no kustomization.yaml`],
    ['a deploy that is neither a name nor a path', web('k8s/base'), `workloads[0].deploy must be a folder under deploy/ (a lowercase name such as "aenebris") or a path to your own kustomize folder starting with './', '../' or '/', got "k8s/base"`],
    ['an overlay beside a path', web('./k8s', ", overlay: 'kind'"), 'workloads[0].overlay applies to folders under deploy/'],
  ])('names the file and field for %s', async (what, workload, message) => {
    // One file per case: an imported module is cached by its path.
    const file = scenarioFile(`bad-${what.replace(/\W+/g, '-')}`, workload);
    await expect(loadScenarioFile(file, dir)).rejects.toThrow(`${file}: ${message}`);
  });

  it('validates like the catalogue: a bad value names the file and field', async () => {
    const file = scenarioFile('bad-target', web('./k8s'), '-5');
    await expect(loadScenarioFile(file, dir)).rejects.toThrow(`${file}: load.http.stages[0].target must be a number >= 0, got -5`);
  });

  it('says when the file is missing or does not load', async () => {
    await expect(loadScenarioFile('./missing.ts', dir)).rejects.toThrow(`./missing.ts: the scenario is not a file (looked for ${join(dir, 'missing.ts')})`);
    writeFileSync(join(dir, 'broken.ts'), 'export default {{;\n');
    await expect(loadScenarioFile('./broken.ts', dir)).rejects.toThrow('./broken.ts: the scenario could not be loaded');
    writeFileSync(join(dir, 'no-default.ts'), 'export const x = 1;\n');
    await expect(loadScenarioFile('./no-default.ts', dir)).rejects.toThrow('./no-default.ts: default export is missing');
  });

  it('tells a file from a catalogue name', () => {
    expect(isScenarioPath('./my-scenario.ts')).toBe(true);
    expect(isScenarioPath('../x/y.ts')).toBe(true);
    expect(isScenarioPath('my-scenario.ts')).toBe(true);
    expect(isScenarioPath('proxy-rollout')).toBe(false);
  });
});

describe('the catalogue', () => {
  it('still holds only seed systems', async () => {
    const systems = new Set([...(await loadCatalogue()).values()].map((s) => s.system));
    expect([...systems].sort()).toEqual(['aenebris', 'basebook', 'ebpf-tracer', 'ephemos', 's3-gateway']);
  });
});
