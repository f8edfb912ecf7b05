// npm run cleanup: the safety net after tests or a killed run. Deletes the kind clusters the
// harness and its tests create (names starting with "kch", and "chaos-dev"), with their
// leftover containers and volumes, and stops k6 and Prometheus processes the harness started.
import { runCli, EXIT } from './usage.ts';
import { providerByName, stderrProgress } from '../../clusters/index.ts';
import { detectEngine } from '../../clusters/engine/detect.ts';
import { exec } from '../tools/exec.ts';
import { CLUSTER_LABEL } from '../../clusters/kind/node-containers.ts';

const OURS = /^(kch|chaos-dev)/;

/** Names of every kind cluster with a node container, running or not (a killed run's too). */
async function clusterNames(engine: 'podman' | 'docker'): Promise<string[]> {
  const filter = ['ps', '-a', '--filter', `label=${CLUSTER_LABEL}`];
  if (engine === 'podman') {
    // podman 4.3's Go templates cannot read one label; its JSON carries them all
    const r = await exec('podman', [...filter, '--format', 'json'], { timeoutMs: 30_000, nothrow: true });
    const list = JSON.parse(r.stdout.trim() || '[]') as { Labels?: Record<string, string> | null }[];
    return list.map((c) => c.Labels?.[CLUSTER_LABEL] ?? '').filter(Boolean);
  }
  const r = await exec('docker', [...filter, '--format', `{{.Label "${CLUSTER_LABEL}"}}`], { timeoutMs: 30_000, nothrow: true });
  return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

async function main(): Promise<number> {
  const say = stderrProgress;
  const engine = await detectEngine({ setUp: false });
  if (engine.engine) {
    const clusters = [...new Set((await clusterNames(engine.engine)).filter((n) => OURS.test(n)))];
    for (const name of clusters) {
      say(`cleanup: deleting kind cluster ${name}`);
      await providerByName('kind').down(name, say);
    }
  }
  // k6 shards and the run's Prometheus are started with the harness's run folders in their args.
  for (const pattern of ['k6 run .*(testid|kube-chaos-harness)', 'prometheus .*--web.enable-remote-write-receiver']) {
    await exec('pkill', ['-f', pattern], { timeoutMs: 10_000, nothrow: true });
  }
  return EXIT.pass;
}

await runCli(main);
