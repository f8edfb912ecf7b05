// Ᾰenebris (seed 000): a worker lost without a drain under HTTP + WebSocket load. The seed spreads
// proxy replicas over hostnames so that losing a node keeps capacity, and its PDB promises a
// floor of available proxies; but nobody evicts anything: the dead node's pods keep their
// endpoints until the node controller marks the node NotReady. This scenario measures that gap
// (failures and 1006 closes per lost pod, loss → endpoint out of service) and whether a Ready
// proxy remained at every moment. The node comes back after 75 s, before pods would be evicted
// (tolerationSeconds 300), so capacity returns with it.
import type { Scenario } from './model.ts';
import { aenebrisDrainScoring, aenebrisSlos, aenebrisSteadyLoad, aenebrisWorkloads } from './parts/aenebris.ts';

export default {
  name: 'proxy-node-loss',
  purpose: "losing a worker without a drain keeps the success ratio and the PDB's promise (a Ready proxy at every moment)",
  system: 'aenebris',
  workloads: aenebrisWorkloads,
  load: aenebrisSteadyLoad(170),
  baselineS: 30,
  chaos: [{ action: 'node-fail', target: 'worker', atS: 60, durationS: 75 }],
  slos: aenebrisSlos,
  scoring: {
    ...aenebrisDrainScoring,
    // The node controller's grace (node-monitor-grace-period, 50 s in Kubernetes 1.34) plus the
    // EndpointSlice update bound how long clients are sent to a dead pod; the kind overlay's PDB
    // keeps 1 proxy available.
    nodeFail: { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, maxEndpointRemovalS: 60, minReadyEndpoints: 1 },
  },
  needs: { workers: 2 },
} satisfies Scenario;
