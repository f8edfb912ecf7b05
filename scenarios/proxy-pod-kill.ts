// Ᾰenebris (seed 000): two proxy pods deleted at once under HTTP + WebSocket load. The PDB
// keeps 3 available for evictions, but a delete is not an eviction: the drain (preStop, grace
// 120 s, readiness going false first) is all that stands between a kill and failed requests.
import type { Scenario } from './model.ts';
import { aenebrisDrainScoring, aenebrisSlos, aenebrisSteadyLoad, aenebrisWorkloads } from './parts/aenebris.ts';

export default {
  name: 'proxy-pod-kill',
  purpose: 'deleting 2 proxy pods under load drains them: no failed request, no abnormal WebSocket close',
  system: 'aenebris',
  workloads: aenebrisWorkloads,
  load: aenebrisSteadyLoad(170),
  baselineS: 30,
  chaos: [{ action: 'pod-kill', target: 'proxy', atS: 90, count: 2, pick: 'random' }],
  slos: aenebrisSlos,
  scoring: aenebrisDrainScoring,
} satisfies Scenario;
