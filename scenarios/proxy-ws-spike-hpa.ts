// Ᾰenebris (seed 000): WebSocket clients arrive in a wave while the request rate stays low. The
// seed's HPA targets 1k active connections per pod beside 2k req/s and 70 % CPU; here only the
// connection count rises, so only `active_connections` can explain the scale-up (the score checks
// the SuccessfulRescale events name it). Needs KEDA: the kind overlay has no custom-metrics
// adapter, so the seed's Pods metrics become a ScaledObject on the run's Prometheus.
import type { Scenario } from './model.ts';
import { aenebrisWorkloads } from './parts/aenebris.ts';

export default {
  name: 'proxy-ws-spike-hpa',
  purpose: 'a wave of WebSocket sessions at a steady low request rate scales the proxy HPA on active connections, not CPU or requests',
  system: 'aenebris',
  // No CPU cost per request: CPU must stay under its target, so it cannot be what scaled.
  workloads: aenebrisWorkloads,
  load: {
    // 100 req/s throughout: far under 2k req/s per pod at any replica count.
    http: {
      entry: { workload: 'proxy', port: 'http', path: '/' },
      stages: [
        { name: 'base', durationS: 40, target: 100 },
        { name: 'wave', durationS: 80, target: 100 },
      ],
      timeoutS: 10,
    },
    // 5,000 sessions: the seed's minimum of 5 pods × 1k; the wave needs 40 of its 50.
    ws: {
      entry: { workload: 'proxy', port: 'http', path: '/ws' },
      stages: [
        { name: 'base', durationS: 40, target: 5_000 },
        { name: 'wave', durationS: 80, target: 40_000 },
      ],
      messagesPerSecond: 1,
      openRate: 20_000,
    },
  },
  baselineS: 20,
  chaos: [],
  slos: { successRatio: 0.99, latencyMs: { p95: 1000, p99: 3000 }, wsAbnormalCloseRatio: 0.01 },
  scoring: {
    hpa: {
      workload: 'proxy',
      perPodRate: 2_000,
      // HPA sync 15 s + the connection gauge scraped every second (KEDA asks Prometheus at each sync).
      maxReactionS: 45,
      maxReadyS: 90,
      maxOvershoot: 1,
      maxFlaps: 1,
      scaleDownStabilizationS: 300,
      expectDrivenBy: 'active_connections',
    },
    errorBudget: { maxUsedPct: 100 },
  },
  needs: { metricsApi: true, keda: true },
} satisfies Scenario;
