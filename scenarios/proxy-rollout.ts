// Ᾰenebris (seed 000): a rolling restart under steady HTTP + WebSocket load. The seed promises
// zero downtime (maxSurge 2, maxUnavailable 0) and a 120 s grace period so WebSockets drain;
// this scenario checks that no request fails and no session is cut abnormally while pods roll.
import type { Scenario } from './model.ts';
import { aenebrisDrainScoring, aenebrisSlos, aenebrisSteadyLoad, aenebrisWorkloads } from './parts/aenebris.ts';

export default {
  name: 'proxy-rollout',
  purpose: 'rollout restart of the proxy mid-load loses no request and closes no WebSocket abnormally',
  system: 'aenebris',
  workloads: aenebrisWorkloads,
  load: aenebrisSteadyLoad(110),
  baselineS: 25,
  // At 40 % of the run: late enough for a clean baseline, early enough to watch it settle.
  chaos: [{ action: 'rollout', target: 'proxy', atS: 48, change: 'restart', deadlineS: 60 }],
  slos: aenebrisSlos,
  scoring: aenebrisDrainScoring,
} satisfies Scenario;
