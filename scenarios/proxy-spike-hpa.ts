// Ᾰenebris (seed 000): a load step the minimum replicas cannot carry. The seed's HPA (5–50,
// 70 % CPU, 2k req/s per pod, scale-up 100 % or 4 pods per 15 s with no stabilisation window)
// must react fast and settle without overshoot. The stand-in burns CPU per request
// (cpuCostMicros) so load drives the CPU metric the HPA reads.
import type { Scenario } from './model.ts';

export default {
  name: 'proxy-spike-hpa',
  purpose: 'a 10x step in request rate makes the proxy HPA scale up quickly without failures or flapping',
  system: 'aenebris',
  workloads: [
    // 250 µs per request. At the default scale on 2 cores (1,500 req/s at the step) that is
    // ~375m of CPU over the kind overlay's 2 pods of 100m requests: ~190 % against the 70 %
    // target, so the HPA must scale; the base (150 req/s) stays near 20 %.
    { name: 'proxy', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris' }, cpuCostMicros: 250 },
    { name: 'upstream', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris-upstream' } },
  ],
  load: {
    http: {
      entry: { workload: 'proxy', port: 'http', path: '/' },
      stages: [
        // 5 replicas (HPA minimum) × 2k req/s per pod.
        { name: 'base', durationS: 30, target: 10_000 },
        // The seed's 100k req/s target, as a step.
        { name: 'spike', durationS: 90, target: 100_000 },
      ],
      timeoutS: 10,
    },
  },
  baselineS: 20,
  chaos: [],
  slos: { successRatio: 0.99, latencyMs: { p95: 1000, p99: 3000 } },
  scoring: {
    hpa: {
      workload: 'proxy',
      perPodRate: 2_000,
      // HPA sync 15 s + metrics-server resolution 15 s, with the seed's 0 s scale-up window.
      maxReactionS: 45,
      maxReadyS: 90,
      maxOvershoot: 2,
      maxFlaps: 1,
      // Seed: scale down only after 5 min (longer than this run: no scale-down is expected).
      scaleDownStabilizationS: 300,
    },
    errorBudget: { maxUsedPct: 100 },
  },
  needs: { metricsApi: true },
} satisfies Scenario;
