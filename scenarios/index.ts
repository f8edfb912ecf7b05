// The catalogue: every scenarios/<name>.ts that default-exports a Scenario, validated on load,
// and the suites that group them. Adding a scenario is adding a file.
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Scenario, Suite } from './model.ts';
import { ScenarioError, validateScenario } from './validate.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Files in scenarios/ that are not scenarios. */
const NOT_SCENARIOS = new Set(['model.ts', 'validate.ts', 'index.ts']);

export const SUITES: readonly Suite[] = [
  // Every night on a runner with the kind path: the proxy's three behaviours plus one
  // scenario per other request/response system.
  { name: 'nightly', scenarios: ['proxy-rollout', 'proxy-spike-hpa', 'proxy-pod-kill', 'echo-grpc-rollout', 'gateway-pod-kill'] },
  // Before a release: the whole catalogue, all five systems.
  {
    name: 'pre-release',
    scenarios: [
      'proxy-rollout',
      'proxy-spike-hpa',
      'proxy-pod-kill',
      'echo-grpc-rollout',
      'gateway-pod-kill',
      'dex-ws-spike-hpa',
      'tracer-daemonset-rollout',
    ],
  },
];

export function scenarioFiles(dir = here): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && !NOT_SCENARIOS.has(f))
    .sort();
}

/** Import and validate every scenario file; name → scenario, in file order. */
export async function loadCatalogue(dir = here): Promise<Map<string, Scenario>> {
  const catalogue = new Map<string, Scenario>();
  for (const f of scenarioFiles(dir)) {
    const path = join(dir, f);
    const shown = relative(process.cwd(), path) || path;
    const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    if (mod.default === undefined) throw new ScenarioError(shown, 'default export', 'is missing (export default {...} satisfies Scenario)');
    const scenario = validateScenario(mod.default, shown);
    const expected = f.replace(/\.ts$/, '');
    if (scenario.name !== expected) throw new ScenarioError(shown, 'name', `must match the file name '${expected}', got "${scenario.name}"`);
    catalogue.set(scenario.name, scenario);
  }
  for (const suite of SUITES) {
    for (const name of suite.scenarios) {
      if (!catalogue.has(name)) throw new Error(`suite ${suite.name} names scenario '${name}', which is not in scenarios/`);
    }
  }
  return catalogue;
}

/** The file a scenario was loaded from, for error messages. */
export function scenarioFile(name: string): string {
  return relative(process.cwd(), join(here, `${name}.ts`)) || `${name}.ts`;
}
