// Test helper for faults.cluster.test.ts (not a test): applies a latency fault on one pod and
// pauses one worker through runChaosSchedule, printing progress, so the test can SIGKILL this
// process mid-fault and check that the dead-man's switches undo both without it.
// Usage: node --import tsx harness/chaos/dead-man.fixture.ts <kubeconfig> <context> <namespace> <worker> <durationS>
import { kubeFromFile } from '../kube/client.ts';
import { runChaosSchedule } from './index.ts';

const [kubeconfig, context, namespace, worker, durationS] = process.argv.slice(2);
if (!kubeconfig || !context || !namespace || !worker || !durationS) throw new Error('usage: <kubeconfig> <context> <namespace> <worker> <durationS>');
const kc = kubeFromFile(kubeconfig, context);
const d = Number(durationS);
await runChaosSchedule(kc, {
  namespace,
  loadStartedAt: Date.now(),
  seed: 1,
  allowNodeDrain: false,
  allowNodeFail: [worker],
  allowedNamespaces: [namespace],
  progress: (l) => process.stdout.write(`${l}\n`),
  chaos: [
    { id: 'latency@0s', atS: 0, step: { action: 'network-fault', target: 'web', atS: 0, durationS: d, fault: { kind: 'latency', delayMs: 200 } } },
    { id: 'node-fail@0s', atS: 0, step: { action: 'node-fail', target: worker, atS: 0, durationS: d } },
  ],
});
