// Ᾰenebris (seed 000): a rolling restart under steady HTTP + WebSocket load. The seed promises
// zero downtime (maxSurge 2, maxUnavailable 0) and a 120 s grace period so WebSockets drain;
// this scenario checks that no request fails and no session is cut abnormally while pods roll.
import type { Scenario } from './model.ts';

export default {
  name: 'proxy-rollout',
  purpose: 'rollout restart of the proxy mid-load loses no request and closes no WebSocket abnormally',
  system: 'aenebris',
  workloads: [
    { name: 'proxy', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris' } },
    { name: 'upstream', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris-upstream' } },
  ],
  load: {
    // Full scale: the seed's 100k req/s target (8–16 replicas).
    http: {
      entry: { workload: 'proxy', port: 'http', path: '/' },
      stages: [
        { name: 'warm', durationS: 10, target: 100_000, ramp: true },
        { name: 'steady', durationS: 110, target: 100_000 },
      ],
      timeoutS: 10,
    },
    // 2,000 sessions: 250 per replica at the seed's 8, well under its 1k connections/pod target.
    ws: {
      entry: { workload: 'proxy', port: 'http', path: '/ws' },
      stages: [
        { name: 'warm', durationS: 10, target: 2_000, ramp: true },
        { name: 'steady', durationS: 110, target: 2_000 },
      ],
      messagesPerSecond: 1,
      openRate: 400,
    },
  },
  baselineS: 25,
  // At 40 % of the run: late enough for a clean baseline, early enough to watch it settle.
  chaos: [{ action: 'rollout', target: 'proxy', atS: 48, change: 'restart', deadlineS: 60 }],
  slos: { successRatio: 0.999, latencyMs: { p95: 500, p99: 2000 }, wsAbnormalCloseRatio: 0.01 },
  scoring: {
    drain: { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, exitWithinGrace: true },
    errorBudget: { maxUsedPct: 50 },
  },
} satisfies Scenario;
