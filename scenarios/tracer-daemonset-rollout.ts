// eBPF HTTP tracer (seed 004): a DaemonSet rolling update, one node at a time, while its API
// (/api/*, next to the seed's /api/health probe) is under load through the NodePort. The other nodes'
// pods must carry the traffic while one node's pod is replaced.
import type { Scenario } from './model.ts';

export default {
  name: 'tracer-daemonset-rollout',
  purpose: 'a DaemonSet rollout of the tracer, one node at a time, keeps its API answering',
  system: 'ebpf-tracer',
  workloads: [{ name: 'tracer', deploy: 'ebpf-tracer', object: { kind: 'DaemonSet', name: 'ebpf-tracer' } }],
  load: {
    // The seed gives no rate for the API (the tracer's work is watching traffic, not serving
    // it): a light, steady 200 req/s.
    http: {
      entry: { workload: 'tracer', port: 'api', path: '/api/stats' },
      stages: [
        { name: 'warm', durationS: 10, target: 200, ramp: true },
        { name: 'steady', durationS: 170, target: 200 },
      ],
      timeoutS: 10,
    },
  },
  baselineS: 30,
  chaos: [{ action: 'rollout', target: 'tracer', atS: 45, change: 'restart', deadlineS: 120 }],
  slos: { successRatio: 0.999, latencyMs: { p95: 500, p99: 2000 } },
  scoring: {
    drain: { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, exitWithinGrace: true },
    errorBudget: { maxUsedPct: 50 },
  },
  // One node at a time only means something with more than one node to keep serving.
  needs: { workers: 2 },
} satisfies Scenario;
