// `npm run scenario`: list the catalogue, print a scenario's resolved plan, or run it (or a suite).
//   npm run scenario -- --list
//   npm run scenario proxy-rollout -- --plan [--json]
//   npm run scenario proxy-rollout [-- --scale 0.01 --set proxy.drain=none]
//   npm run scenario -- --suite nightly
// Flags go after `--`: without it npm takes them for its own config. Boolean flags are read back
// from npm_config_*; a string flag (whose value npm separated from it) is a usage error showing the form with `--`.
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Scenario } from '../../scenarios/model.ts';
import { SUITES, isScenarioPath, loadCatalogue, loadScenarioFile, scenarioFile } from '../../scenarios/index.ts';
import { DNS_NAME, ScenarioError } from '../../scenarios/validate.ts';
import { formatPlan, table } from '../plan/format.ts';
import { resolvePlan, type ResolveOptions } from '../plan/resolve.ts';
import { applyOverrides } from '../plan/overrides.ts';
import type { Plan, ProviderName } from '../plan/types.ts';
import { scenarioHpaScaling } from '../../deploy/hpa-scaling.ts';
import type { RunOptions } from '../run/run.ts';
import { STOP_SIGNALS } from '../run/interrupts.ts';
import { parseRegistry } from '../../clusters/registry/registry-name.ts';
import { choiceFlag, durationFlag, flagsTakenByNpm, helpText, npmTookStringFlags, numberFlag, parseFlags, type FlagSpecs } from './args.ts';
import { EXIT, UsageError, runCli, unknownChoice } from './usage.ts';

export const PROVIDERS: readonly ProviderName[] = ['kind', 'existing'];

export const SCENARIO_FLAGS = {
  list: { type: 'boolean', help: 'list the catalogue: name, system, workloads, purpose' },
  plan: { type: 'boolean', help: 'print the resolved plan and stop (never touches a cluster)' },
  json: { type: 'boolean', help: 'with --plan or --list: print JSON' },
  provider: { type: 'string', value: 'kind|existing', help: 'cluster to run on (default: detected, see npm run doctor)' },
  'load-from': { type: 'string', value: 'host|cluster', help: 'where k6 runs: beside the harness (default) or as runner pods in the run\'s namespace' },
  registry: { type: 'string', value: 'HOST[:PORT][/PATH]', help: 'push the run\'s images to this registry (the nodes pull them) instead of kind load; needed on an existing cluster that is not kind here' },
  'per-pod-rate': { type: 'string', value: '<req/s>', help: 'with --load-from cluster: rate one k6 runner pod carries; pods = ceil(peak / it)' },
  scale: { type: 'string', value: '<x>', help: "multiply the seeds' full-scale rates (default: what fits this machine)" },
  duration: { type: 'string', value: '<s>', help: 'total load duration (90, 90s, 2m); stages and chaos offsets stretch with it' },
  seed: { type: 'string', value: '<n>', help: 'random seed for pod picks (default: derived from the scenario name)' },
  out: { type: 'string', value: '<dir>', help: 'run folder parent (default: runs/)' },
  'keep-cluster': { type: 'boolean', help: "leave the cluster up afterwards (the run's namespace is deleted: it holds the NodePorts)" },
  set: { type: 'string', multiple: true, value: '<key=value>', help: 'override a scenario value, repeatable: proxy.drain=none, slos.successRatio=0.99' },
  name: { type: 'string', value: '<cluster>', help: 'cluster name (kind) or kubeconfig context (existing); default kch' },
  'allow-namespace': { type: 'string', multiple: true, value: '<ns>', help: 'also let chaos act in this namespace (repeatable)' },
  'allow-node-drain': { type: 'boolean', help: 'let chaos cordon and drain nodes of an existing cluster' },
  'allow-node-fail': { type: 'string', multiple: true, value: '<node>', help: 'let chaos fail (pause) this kind node of a cluster reached as existing (repeatable)' },
  suite: { type: 'string', value: SUITES.map((s) => s.name).join('|'), help: 'run (or plan) every scenario of a suite in turn' },
  help: { type: 'boolean', help: 'this text' },
} satisfies FlagSpecs;

const USAGE = `usage: npm run scenario -- --list
       npm run scenario <name> -- --plan [--json]
       npm run scenario <name> [-- <flags>]
       npm run scenario ./path/to/my-scenario.ts [-- <flags>]   (a scenario file of your own)
       npm run scenario -- --suite nightly|pre-release [<flags>]

Flags go after \`--\`: npm takes flags before it for itself. The harness reads back
boolean ones (--plan, --json, --list, --keep-cluster); a flag with a value is refused with the right form.
Exit codes: 0 pass, 1 verdict failed, 2 usage, 3 infrastructure.`;

/** --registry, checked before anything starts (a usage error naming the flag). */
function registryFlag(value: string): string {
  try {
    return parseRegistry(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export interface Detected {
  name: ProviderName;
  reason: string;
}

/** The provider a run would use: the flag, else clusters/ detection, else kind. */
export async function chooseProvider(flag: string | undefined): Promise<Detected> {
  if (flag !== undefined) return { name: choiceFlag('provider', flag, PROVIDERS), reason: `--provider ${flag}` };
  try {
    // Loaded only when the provider is not named, so --provider existing never starts kind's code.
    const { detectProvider } = await import('../../clusters/index.ts');
    return await detectProvider();
  } catch (err) {
    return { name: 'kind', reason: `default (provider detection unavailable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
}

function listing(catalogue: Map<string, Scenario>): string {
  const rows = [...catalogue.values()].map((s) => [s.name, s.system, s.workloads.map((w) => w.object.name).join(', '), s.purpose]);
  const suites = SUITES.map((s) => `  ${s.name}: ${s.scenarios.join(', ')}`).join('\n');
  return `${table(['scenario', 'system', 'workloads', 'purpose'], rows)}\n\nsuites\n${suites}\n`;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // `npm run scenario x --plan` (no `--`): npm keeps the flag as npm_config_plan. A boolean is read
  // back from there; a string flag's value is lost among the arguments, so that is a usage error.
  const taken = flagsTakenByNpm(SCENARIO_FLAGS, env);
  const first = parseFlags(argv, SCENARIO_FLAGS);
  if (taken.strings.length > 0) throw new UsageError(npmTookStringFlags('scenario', taken.strings, first.positionals));
  const { values: v, positionals } = taken.booleans.length > 0 ? parseFlags([...argv, ...taken.booleans.map((f) => `--${f}`)], SCENARIO_FLAGS) : first;
  if (taken.booleans.length > 0) {
    process.stderr.write(`note: npm took ${taken.booleans.map((f) => `--${f}`).join(' ')} (before \`--\`) for itself; read back from npm_config_*. The form that always works: npm run scenario <name> -- --${taken.booleans[0]}\n`);
  }
  if (v.help) {
    process.stdout.write(helpText(USAGE, SCENARIO_FLAGS));
    return EXIT.pass;
  }
  const catalogue = await loadCatalogue();
  const names = [...catalogue.keys()];

  if (v.list) {
    if (positionals.length > 0) throw new UsageError(`--list takes no scenario name (got ${positionals.join(' ')})`);
    if (v.json) process.stdout.write(`${JSON.stringify([...catalogue.values()].map(({ name, system, purpose, workloads }) => ({ name, system, purpose, workloads: workloads.map((w) => w.object.name) })), null, 2)}\n`);
    else process.stdout.write(listing(catalogue));
    return EXIT.pass;
  }
  if (v.json && !v.plan) throw new UsageError('--json goes with --plan or --list');

  // Which scenarios: one by name, a file of the user's own, or a suite.
  let chosen: string[];
  const own = new Map<string, { scenario: Scenario; file: string }>();
  if (v.suite !== undefined) {
    if (positionals.length > 0) throw new UsageError(`give a scenario name or --suite, not both (got ${positionals.join(' ')} and --suite ${v.suite})`);
    const suite = SUITES.find((s) => s.name === v.suite);
    if (!suite) throw unknownChoice('suite', v.suite, SUITES.map((s) => s.name));
    chosen = suite.scenarios;
  } else {
    if (positionals.length === 0) throw new UsageError(`name a scenario (valid: ${names.join(', ')}), or use --suite or --list`);
    if (positionals.length > 1) {
      throw new UsageError(`one scenario at a time (got ${positionals.join(', ')}); flags go after \`--\` and values follow their flag`);
    }
    const name = positionals[0]!;
    if (isScenarioPath(name)) {
      // npm runs the script in the harness's folder; the path is the user's, from where they typed it.
      const { scenario } = await loadScenarioFile(name, env.INIT_CWD || process.cwd()).catch((err: unknown) => {
        // A bad scenario file is a usage error (exit 2), named by file and field.
        throw err instanceof ScenarioError ? new UsageError(err.message) : err;
      });
      own.set(scenario.name, { scenario, file: name });
      chosen = [scenario.name];
    } else {
      if (!catalogue.has(name)) throw unknownChoice('scenario', name, [...names, './path/to/your-scenario.ts']);
      chosen = [name];
    }
  }

  // Flag values, checked before anything is resolved or started.
  const scale = v.scale === undefined ? undefined : numberFlag('scale', v.scale, (n) => (n > 0 ? null : 'must be > 0'));
  const durationS = v.duration === undefined ? undefined : durationFlag('duration', v.duration);
  const seed =
    v.seed === undefined ? undefined : numberFlag('seed', v.seed, (n) => (Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? null : 'must be an integer in [0, 4294967295]'));
  const clusterName = v.name ?? 'kch';
  if (!DNS_NAME.test(clusterName)) throw new UsageError(`--name '${clusterName}': must be a lowercase DNS label (a-z, 0-9, '-')`);
  for (const ns of v['allow-namespace'] ?? []) {
    if (!DNS_NAME.test(ns)) throw new UsageError(`--allow-namespace '${ns}': not a namespace name`);
  }
  for (const node of v['allow-node-fail'] ?? []) {
    if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(node)) throw new UsageError(`--allow-node-fail '${node}': not a node name`);
  }
  const provider = await chooseProvider(v.provider);
  const loadFrom = v['load-from'] === undefined ? undefined : choiceFlag('load-from', v['load-from'], ['host', 'cluster'] as const);
  const registry = v.registry === undefined ? undefined : registryFlag(v.registry);
  const perPodRate = v['per-pod-rate'] === undefined ? undefined : numberFlag('per-pod-rate', v['per-pod-rate'], (n) => (n > 0 ? null : 'must be > 0'));

  const base: Omit<ResolveOptions, 'file'> = {
    provider,
    cores: availableParallelism(),
    scale,
    durationS,
    seed,
    sets: v.set ?? [],
    outDir: v.out ?? 'runs',
    keepCluster: v['keep-cluster'] ?? false,
    loadFrom,
    perPodRate,
    registry,
  };
  // The scored HPA as its manifests deploy it: overshoot's per-pod capacity and bounds come from it.
  // Read after --set (which may pick the overlay or turn needs.keda on); whether the plan has KEDA
  // is decided when it resolves. A bad --set is left for the plan to name.
  const hpaScaling = new Map<string, Pick<ResolveOptions, 'hpaScaling' | 'hpaScalingKeda'>>();
  for (const name of chosen) {
    const given = own.get(name)?.scenario ?? catalogue.get(name)!;
    let sc = given;
    try {
      sc = applyOverrides(given, base.sets ?? [], own.get(name)?.file ?? scenarioFile(name)).scenario;
    } catch {
      // resolvePlan below reports it
    }
    hpaScaling.set(name, {
      hpaScaling: await scenarioHpaScaling(sc, provider.name, false),
      // rendered with KEDA only for a scenario that asks for it (after --set): one render less at start
      hpaScalingKeda: sc.needs?.keda === true ? await scenarioHpaScaling(sc, provider.name, true) : null,
    });
  }
  // Resolve every plan first: a bad --set or --duration fails before the first run starts.
  const plans: Plan[] = chosen.map((name) => {
    const mine = own.get(name);
    const opts = { ...base, ...hpaScaling.get(name) };
    return mine ? resolvePlan(mine.scenario, { ...opts, file: mine.file }) : resolvePlan(catalogue.get(name)!, { ...opts, file: scenarioFile(name) });
  });

  if (v.plan) {
    if (v.json) process.stdout.write(`${JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2)}\n`);
    else process.stdout.write(plans.map(formatPlan).join('\n'));
    return EXIT.pass;
  }

  // Loaded only to run: --list and --plan never load the engine (or its Kubernetes client).
  const { runScenario } = await import('../run/run.ts');
  // A suite stops at the first SIGINT or SIGTERM (the run in progress tears down on its own).
  // Once only: a later signal then meets the run's handlers, or Node's default between runs.
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
    for (const s of STOP_SIGNALS) process.off(s, onInterrupt);
  };
  for (const s of STOP_SIGNALS) process.on(s, onInterrupt);
  let worst: number = EXIT.pass;
  const results: string[] = [];
  try {
    for (const plan of plans) {
      if (interrupted) {
        results.push(`${plan.scenario}: not run (interrupted)`);
        continue;
      }
      process.stdout.write(formatPlan(plan));
      const code = await runScenario(plan, {
        clusterName,
        allowNamespaces: v['allow-namespace'] ?? [],
        allowNodeDrain: v['allow-node-drain'] ?? false,
        allowNodeFail: v['allow-node-fail'] ?? [],
      });
      results.push(`${plan.scenario}: ${code === EXIT.pass ? 'pass' : code === EXIT.verdictFailed ? 'FAILED' : `infrastructure error (exit ${code})`}`);
      // Infrastructure (3) outranks a failed verdict (1), which outranks a pass.
      worst = Math.max(worst, code);
    }
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onInterrupt);
  }
  if (plans.length > 1) process.stdout.write(`\nsuite ${v.suite}:\n${results.map((r) => `  ${r}`).join('\n')}\n`);
  return interrupted && worst === EXIT.pass ? EXIT.infrastructure : worst;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runCli(() => main(process.argv.slice(2)));
}
