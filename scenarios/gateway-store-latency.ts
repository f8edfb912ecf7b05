// S3 encryption gateway (seed 002): 200 ms added on the gateway's traffic toward its object store
// for 60 s under load. The seed gives the gateway timeouts and retries toward the store; this
// scenario holds it to its own SLOs inside the slow window (the report says by how much it
// misses them) and measures how soon after the store is fast again the latency is back.
import type { Scenario } from './model.ts';
import gatewayPodKill from './gateway-pod-kill.ts';

export default {
  name: 'gateway-store-latency',
  purpose: '200 ms added toward the object store keeps the gateway within its SLOs, or says by how much it does not',
  system: 's3-gateway',
  workloads: gatewayPodKill.workloads,
  load: gatewayPodKill.load,
  baselineS: 30,
  chaos: [
    {
      action: 'network-fault',
      target: 'gateway',
      peer: 'object-store',
      atS: 60,
      durationS: 60,
      fault: { kind: 'latency', delayMs: 200 },
    },
  ],
  slos: gatewayPodKill.slos,
  scoring: { errorBudget: { maxUsedPct: 50 } },
} satisfies Scenario;
