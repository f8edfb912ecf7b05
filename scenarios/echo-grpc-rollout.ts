// Ephemos echo-server (seed 001): a rolling restart under steady gRPC load. The seed runs 3
// replicas (HPA 3–10, PDB minAvailable 2) with gRPC probes; its code cancels the serving
// context on SIGTERM, so in-flight RPCs are what a rollout can cut.
import type { Scenario } from './model.ts';

export default {
  name: 'echo-grpc-rollout',
  purpose: 'rollout restart of the gRPC echo server under load fails no RPC',
  system: 'ephemos',
  workloads: [{ name: 'echo', deploy: 'ephemos', object: { kind: 'Deployment', name: 'ephemos-echo' } }],
  load: {
    // The seed gives no rate: 1,000 RPC/s per replica at its 3 replicas.
    grpc: {
      entry: { workload: 'echo', port: 'grpc' },
      stages: [
        { name: 'warm', durationS: 10, target: 3_000, ramp: true },
        { name: 'steady', durationS: 140, target: 3_000 },
      ],
    },
  },
  baselineS: 25,
  chaos: [{ action: 'rollout', target: 'echo', atS: 60, change: 'restart', deadlineS: 60 }],
  slos: { successRatio: 0.999, latencyMs: { p95: 200, p99: 1000 } },
  scoring: {
    drain: { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, exitWithinGrace: true },
    errorBudget: { maxUsedPct: 50 },
  },
} satisfies Scenario;
