// BaseBook DEX (seed 003): a market event — WebSocket subscribers to the backend triple while
// route quotes to the CPU-heavy router triple. The router's HPA (2–6 at 60 % CPU, seed's
// route_calculations_per_second target 100 per pod, scale-up 100 % or 2 pods per 15 s) must
// follow; the backend's sessions (WS port 4001) must not be cut.
import type { Scenario } from './model.ts';

export default {
  name: 'dex-ws-spike-hpa',
  purpose: 'a 3x spike of WebSocket subscribers and route quotes scales the router HPA without cutting sessions',
  system: 'basebook',
  workloads: [
    { name: 'backend', deploy: 'basebook', object: { kind: 'Deployment', name: 'basebook-backend' } },
    // Route calculation is the CPU-heavy part (seed: 1000m request). The stand-in's /api/route
    // burns 2 ms; 3 ms more per quote makes the spike exceed 60 % of the small overlay's requests.
    { name: 'router', deploy: 'basebook', object: { kind: 'Deployment', name: 'basebook-router' }, cpuCostMicros: 3_000 },
  ],
  load: {
    // 100 route calculations/s per pod: the HPA minimum (2) for the base, its maximum (6) for the spike.
    http: {
      entry: { workload: 'router', port: 'http', path: '/api/route' },
      stages: [
        { name: 'base', durationS: 40, target: 200 },
        { name: 'spike', durationS: 110, target: 600 },
      ],
      timeoutS: 10,
    },
    // Subscribers to prices/pools/swaps (the seed's WS load script), one update a second each.
    ws: {
      entry: { workload: 'backend', port: 'ws', path: '/ws' },
      stages: [
        { name: 'base', durationS: 40, target: 1_000 },
        { name: 'spike', durationS: 110, target: 3_000 },
      ],
      messagesPerSecond: 1,
      openRate: 500,
    },
  },
  baselineS: 20,
  chaos: [],
  slos: { successRatio: 0.995, latencyMs: { p95: 1000, p99: 3000 }, wsAbnormalCloseRatio: 0.01 },
  scoring: {
    hpa: { workload: 'router', perPodRate: 100, maxReactionS: 45, maxReadyS: 90, maxOvershoot: 1, maxFlaps: 1, scaleDownStabilizationS: 300 },
    errorBudget: { maxUsedPct: 100 },
  },
  needs: { metricsApi: true },
} satisfies Scenario;
