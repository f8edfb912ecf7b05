// npm run cluster -- up|down|status|build-node-image [--provider kind|existing] [--name N]
//   [--workers N] [--node-ports 30080-30099|30080,30081|none] [--no-ports] [--kubeconfig F]
//   [--context C] [--allow-node-drain] [--addon keda] [--force]
import { pathToFileURL } from 'node:url';
import { helpText, parseFlags, type FlagSpecs } from './args.ts';
import { runCli, UsageError, unknownChoice, EXIT } from './usage.ts';
import { detectProvider, providerByName, PROVIDER_NAMES, DEFAULT_NODE_PORTS, CLUSTER_ADDONS, stderrProgress, type ClusterAddon, type ProviderName } from '../../clusters/index.ts';
import { detectEngine, describeEngine } from '../../clusters/engine/detect.ts';
import { buildNodeImage, imageSize } from '../../clusters/node-image/node-image.ts';
import { parseNodePorts } from '../../clusters/kind/kind-config.ts';
import { seconds } from '../../clusters/progress.ts';

const COMMANDS = ['up', 'down', 'status', 'build-node-image'] as const;
type Command = (typeof COMMANDS)[number];

function nodePortsFlag(text: string): number[] {
  try {
    return parseNodePorts(text);
  } catch (e) {
    throw new UsageError(`--node-ports: ${(e as Error).message}`);
  }
}

export const CLUSTER_FLAGS = {
  provider: { type: 'string', value: PROVIDER_NAMES.join('|'), help: 'cluster provider (default: detected, see npm run doctor)' },
  name: { type: 'string', value: '<name>', help: 'cluster name (kind, default kch) or kubeconfig context (existing)' },
  workers: { type: 'string', value: '<n>', help: 'worker nodes to create (kind, default 2)' },
  'node-ports': { type: 'string', value: '30080-30099|30080,30081|none', help: 'NodePorts mapped to the same ports on 127.0.0.1 (kind)' },
  'no-ports': { type: 'boolean', help: 'map no NodePorts (same as --node-ports none)' },
  kubeconfig: { type: 'string', value: '<file>', help: 'kubeconfig of an existing cluster (default $KUBECONFIG, ~/.kube/config)' },
  context: { type: 'string', value: '<context>', help: 'kubeconfig context of an existing cluster' },
  'allow-node-drain': { type: 'boolean', help: 'let chaos cordon and drain nodes of an existing cluster' },
  addon: { type: 'string', value: CLUSTER_ADDONS.join('|'), help: 'up: also install this add-on (kind; keda builds KEDA once, minutes cold)' },
  force: { type: 'boolean', help: 'build-node-image: rebuild even when cached' },
  help: { type: 'boolean', short: 'h', help: 'this text' },
} satisfies FlagSpecs;

const USAGE = `usage: npm run cluster -- up|down|status|build-node-image [<flags>]`;

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, CLUSTER_FLAGS);
  if (values.help) {
    process.stdout.write(helpText(USAGE, CLUSTER_FLAGS));
    return EXIT.pass;
  }
  const command = positionals[0];
  if (positionals.length > 1) throw new UsageError(`one command at a time (got ${positionals.join(' ')})`);
  if (!command || !(COMMANDS as readonly string[]).includes(command)) throw unknownChoice('command', command ?? '(none)', COMMANDS);
  const cmd = command as Command;
  const progress = stderrProgress;

  if (cmd === 'build-node-image') {
    const engine = await detectEngine({ setUp: true, progress });
    describeEngine(engine, progress);
    if (!engine.engine) return EXIT.infrastructure;
    const started = Date.now();
    const image = await buildNodeImage(engine.engine, progress, values.force === true);
    const size = await imageSize(engine.engine, image.ref);
    process.stdout.write(`node image ${image.ref}: ${(size / 1e9).toFixed(2)} GB; ${image.report ? `built in ${seconds(image.report.ms)}` : `cached (checked in ${seconds(Date.now() - started)})`}\n`);
    return EXIT.pass;
  }

  let providerName: ProviderName;
  if (values.provider) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(values.provider)) throw unknownChoice('--provider', values.provider, PROVIDER_NAMES);
    providerName = values.provider as ProviderName;
  } else {
    const d = await detectProvider({ existing: { kubeconfig: values.kubeconfig } });
    progress(`provider: ${d.name} — ${d.reason}`);
    providerName = d.name;
  }
  if (values.workers !== undefined && !/^\d+$/.test(values.workers)) throw new UsageError(`--workers: '${values.workers}' is not a whole number`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (values['no-ports'] && values['node-ports']) throw new UsageError('--no-ports and --node-ports exclude each other');
  const nodePorts = values['no-ports'] ? [] : values['node-ports'] !== undefined ? nodePortsFlag(values['node-ports']) : [...DEFAULT_NODE_PORTS];
  const name = providerName === 'existing' ? (values.context ?? values.name ?? '') : (values.name ?? 'kch');
  const provider = providerByName(providerName, { existing: { kubeconfig: values.kubeconfig, allowNodeDrain: values['allow-node-drain'] === true } });

  const started = Date.now();
  switch (cmd) {
    case 'up': {
      if (values.addon !== undefined && !(CLUSTER_ADDONS as readonly string[]).includes(values.addon)) throw unknownChoice('--addon', values.addon, CLUSTER_ADDONS);
      const addons = values.addon === undefined ? [] : [values.addon as ClusterAddon];
      const c = await provider.up({ name, workers, nodePorts, progress, addons });
      const cap = c.capabilities;
      process.stdout.write(
        [
          `cluster ${c.name} (${c.provider}) ready in ${seconds(Date.now() - started)}`,
          `  kubeconfig: ${c.kubeconfigPath} (context ${c.context})`,
          `  nodes ${cap.nodes}, workers ${cap.workers}, metrics API ${cap.metricsApi ? 'yes' : 'no'}, external metrics API ${cap.externalMetricsApi ? 'yes' : 'no'}, image load ${cap.imageLoad ? 'yes' : 'no'}, node drain ${cap.nodeDrain ? 'yes' : 'no'}`,
          `  NodePorts on 127.0.0.1: ${cap.nodePortsOnLoopback.length ? `${cap.nodePortsOnLoopback[0]}-${cap.nodePortsOnLoopback[cap.nodePortsOnLoopback.length - 1]}` : 'none'}`,
          `  try: KUBECONFIG=${c.kubeconfigPath} kubectl get nodes`,
          '',
        ].join('\n'),
      );
      return EXIT.pass;
    }
    case 'down':
      await provider.down(name, progress);
      process.stdout.write(`down ${name}: done in ${seconds(Date.now() - started)}\n`);
      return EXIT.pass;
    case 'status': {
      const s = await provider.status(name);
      process.stdout.write(`${name}: ${s.exists ? (s.healthy ? 'healthy' : 'unhealthy') : 'absent'} — ${s.detail}\n`);
      for (const n of s.nodes) process.stdout.write(`  ${n.name} ${n.role} ${n.ready ? 'Ready' : 'NotReady'}\n`);
      return s.exists && s.healthy ? EXIT.pass : EXIT.infrastructure;
    }
  }
  return EXIT.usage;
}

// Run only as the entry point: importing the module (tests) runs nothing.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCli(() => main(process.argv.slice(2)));
