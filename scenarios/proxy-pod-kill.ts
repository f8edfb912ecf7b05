// Ᾰenebris (seed 000): two proxy pods deleted at once under HTTP + WebSocket load. The PDB
// keeps 3 available for evictions, but a delete is not an eviction: the drain (preStop, grace
// 120 s, readiness going false first) is all that stands between a kill and failed requests.
import type { Scenario } from './model.ts';

export default {
  name: 'proxy-pod-kill',
  purpose: 'deleting 2 proxy pods under load drains them: no failed request, no abnormal WebSocket close',
  system: 'aenebris',
  workloads: [
    { name: 'proxy', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris' } },
    { name: 'upstream', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris-upstream' } },
  ],
  load: {
    http: {
      entry: { workload: 'proxy', port: 'http', path: '/' },
      stages: [
        { name: 'warm', durationS: 10, target: 100_000, ramp: true },
        { name: 'steady', durationS: 170, target: 100_000 },
      ],
      timeoutS: 10,
    },
    ws: {
      entry: { workload: 'proxy', port: 'http', path: '/ws' },
      stages: [
        { name: 'warm', durationS: 10, target: 2_000, ramp: true },
        { name: 'steady', durationS: 170, target: 2_000 },
      ],
      messagesPerSecond: 1,
      openRate: 400,
    },
  },
  baselineS: 30,
  chaos: [{ action: 'pod-kill', target: 'proxy', atS: 90, count: 2, pick: 'random' }],
  slos: { successRatio: 0.999, latencyMs: { p95: 500, p99: 2000 }, wsAbnormalCloseRatio: 0.01 },
  scoring: {
    drain: { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, exitWithinGrace: true },
    errorBudget: { maxUsedPct: 50 },
  },
} satisfies Scenario;
