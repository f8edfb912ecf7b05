// The catalogue: every scenarios/<name>.ts that default-exports a Scenario, validated on load,
// and the suites that group them. Adding a scenario is adding a file. A scenario file of your own,
// anywhere (`npm run scenario ./my-scenario.ts`), is loaded and validated the same way; its
// workloads may point at your own kustomize folders, relative to the file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Scenario, Suite } from './model.ts';
import { SEED_SYSTEMS, ScenarioError, isDeployPath, validateScenario } from './validate.ts';

// The public types for scenario files outside the repo: `import type { Scenario } from '<harness>/scenarios/index.ts'`.
export type { Scenario, WorkloadRef, LoadProfile, ChaosStep, Slos, ScoringTargets, DrainMode, SystemName } from './model.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Files in scenarios/ that are not scenarios. */
const NOT_SCENARIOS = new Set(['model.ts', 'validate.ts', 'index.ts']);

export const SUITES: readonly Suite[] = [
  // Every night on a runner with the kind path: the proxy's three behaviours plus one
  // scenario per other request/response system, and the rough faults (a lost node, a slow store).
  { name: 'nightly', scenarios: ['proxy-rollout', 'proxy-spike-hpa', 'proxy-pod-kill', 'echo-grpc-rollout', 'gateway-pod-kill', 'proxy-node-loss', 'gateway-store-latency'] },
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
      'proxy-ws-spike-hpa',
      'tracer-daemonset-rollout',
      'proxy-node-loss',
      'gateway-store-latency',
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
    const scenario = resolveDeployPaths(validateScenario(mod.default, shown), path, shown);
    if (!(SEED_SYSTEMS as readonly string[]).includes(scenario.system)) {
      throw new ScenarioError(shown, 'system', `must be one of ${SEED_SYSTEMS.join(', ')} in the catalogue, got "${scenario.system}"`);
    }
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

/** The kustomization file names kustomize accepts. */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * A workload whose `deploy` is a path ('./k8s') gets it resolved against the scenario file's folder,
 * so a plan carries an absolute folder; the folder must hold a kustomization. Errors name the file and field.
 */
export function resolveDeployPaths(scenario: Scenario, file: string, shown: string): Scenario {
  scenario.workloads.forEach((w, i) => {
    if (!isDeployPath(w.deploy)) return;
    const dir = isAbsolute(w.deploy) ? w.deploy : resolve(dirname(file), w.deploy);
    const field = `workloads[${i}].deploy`;
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ScenarioError(shown, field, `"${w.deploy}" is not a folder (resolved against the scenario file's folder to ${dir})`);
    if (!KUSTOMIZATION_FILES.some((k) => existsSync(join(dir, k)))) {
      throw new ScenarioError(shown, field, `"${w.deploy}" (${dir}) has no kustomization.yaml: it must be a kustomize folder (kubectl kustomize ${dir})`);
    }
    w.deploy = dir;
  });
  return scenario;
}

/** Does a scenario argument name a file (`./my-scenario.ts`, `/x/y.ts`) rather than a catalogue entry? */
export function isScenarioPath(arg: string): boolean {
  return arg.includes('/') || /\.(ts|mts|js|mjs)$/.test(arg);
}

/**
 * Load and validate a scenario file from anywhere. `given` is resolved against `base` (npm runs
 * scripts in the harness's folder; the CLI passes npm's INIT_CWD, the user's own folder).
 */
export async function loadScenarioFile(given: string, base = process.cwd()): Promise<{ scenario: Scenario; path: string }> {
  const path = resolve(base, given);
  if (!existsSync(path) || !statSync(path).isFile()) throw new ScenarioError(given, '', `is not a file (looked for ${path})`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    throw new ScenarioError(given, '', `could not be loaded: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (mod.default === undefined) throw new ScenarioError(given, 'default export', 'is missing (export default {...} satisfies Scenario)');
  return { scenario: resolveDeployPaths(validateScenario(mod.default, given), path, given), path };
}

