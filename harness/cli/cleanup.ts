// npm run cleanup: the safety net after tests or a killed run. Deletes the kind clusters the
// harness and its tests create (names starting with "kch", and "chaos-dev"), with their
// leftover containers and volumes, and stops k6 and Prometheus processes the harness started.
import { runCli, EXIT } from './usage.ts';
import { providerByName, stderrProgress } from '../../clusters/index.ts';
import { detectEngine } from '../../clusters/engine/detect.ts';
import { exec } from '../tools/exec.ts';
import { CLUSTER_LABEL } from '../../clusters/kind/node-containers.ts';

const OURS = /^(kch|chaos-dev)/;

async function main(): Promise<number> {
  const say = stderrProgress;
  const engine = await detectEngine({ setUp: false });
  if (engine.engine) {
    const r = await exec(engine.engine, ['ps', '-a', '--filter', `label=${CLUSTER_LABEL}`, '--format', `{{ index .Labels "${CLUSTER_LABEL}" }}`], { timeoutMs: 30_000, nothrow: true });
    const clusters = [...new Set(r.stdout.split('\n').map((s) => s.trim()).filter((s) => OURS.test(s)))];
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
