// S3 encryption gateway (seed 002) in front of its object store: gateway pods deleted under
// load. The seed runs 3 replicas (HPA 3–10, PDB minAvailable 2, maxUnavailable 1); its code
// shuts down gracefully within 30 s on SIGTERM and answers /ready 503 while a dependency is down.
import type { Scenario } from './model.ts';

export default {
  name: 'gateway-pod-kill',
  purpose: 'deleting gateway pods one at a time under load fails no request to the object store',
  system: 's3-gateway',
  workloads: [
    { name: 'gateway', deploy: 's3-gateway', object: { kind: 'Deployment', name: 's3-gateway' } },
    { name: 'object-store', deploy: 's3-gateway', object: { kind: 'Deployment', name: 'object-store' } },
  ],
  load: {
    // The seed gives no rate: its max-connections 100 per replica at its 3 replicas, with
    // requests of a few milliseconds, is about 2k req/s.
    http: {
      // GET of one encrypted object (gateway decrypts what the object store holds). The object
      // must exist before the load starts: the run writes it once through the gateway (PUT).
      entry: { workload: 'gateway', port: 'http', path: '/kch-load/object-1' },
      stages: [
        { name: 'warm', durationS: 10, target: 2_000, ramp: true },
        { name: 'steady', durationS: 170, target: 2_000 },
      ],
      timeoutS: 30,
    },
  },
  baselineS: 30,
  chaos: [
    { action: 'pod-kill', target: 'gateway', atS: 60, count: 1, pick: 'random' },
    { action: 'pod-kill', target: 'gateway', atS: 120, count: 1, pick: 'oldest' },
  ],
  slos: { successRatio: 0.999, latencyMs: { p95: 500, p99: 2000 } },
  scoring: {
    drain: { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, exitWithinGrace: true },
    errorBudget: { maxUsedPct: 50 },
  },
} satisfies Scenario;
