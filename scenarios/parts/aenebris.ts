// What every Ᾰenebris scenario shares (seed 000): the proxy and its upstream, steady HTTP +
// WebSocket load at the seed's full scale, its SLOs and a zero-tolerance drain. Scenarios differ
// in their chaos and run length.
import type { LoadProfile, ScoringTargets, Slos, WorkloadRef } from '../model.ts';

export const aenebrisWorkloads: WorkloadRef[] = [
  { name: 'proxy', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris' } },
  { name: 'upstream', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris-upstream' } },
];

/** 10 s ramp, then `steadyS` of steady load. */
export function aenebrisSteadyLoad(steadyS: number): LoadProfile {
  return {
    // Full scale: the seed's 100k req/s target (8–16 replicas).
    http: {
      entry: { workload: 'proxy', port: 'http', path: '/' },
      stages: [
        { name: 'warm', durationS: 10, target: 100_000, ramp: true },
        { name: 'steady', durationS: steadyS, target: 100_000 },
      ],
      timeoutS: 10,
    },
    // 2,000 sessions: 250 per replica at the seed's 8, well under its 1k connections/pod target.
    ws: {
      entry: { workload: 'proxy', port: 'http', path: '/ws' },
      stages: [
        { name: 'warm', durationS: 10, target: 2_000, ramp: true },
        { name: 'steady', durationS: steadyS, target: 2_000 },
      ],
      messagesPerSecond: 1,
      openRate: 400,
    },
  };
}

export const aenebrisSlos: Slos = { successRatio: 0.999, latencyMs: { p95: 500, p99: 2000 }, wsAbnormalCloseRatio: 0.01 };

export const aenebrisDrainScoring: ScoringTargets = {
  drain: { maxFailedPerPod: 0, maxAbnormalWsPerPod: 0, exitWithinGrace: true },
  errorBudget: { maxUsedPct: 50 },
};
