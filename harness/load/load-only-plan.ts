// The minimal plan behind `npm run load`: no scenario, no cluster, an existing endpoint on
// loopback driven at a flat (or ramped) rate. Its timeline has the same shape as a full run's.
import { PLAN_SCHEMA, type Plan, type PlannedStage } from '../plan/types.ts';

export interface LoadOnlyOptions {
  /** HTTP requests/s (0 = no HTTP stream). */
  rate: number;
  durationS: number;
  /** Seconds of linear ramp from 0 before the hold (0 = start at `rate`). */
  rampS: number;
  /** Concurrent WebSocket sessions (0 = none). */
  wsSessions: number;
  wsMessagesPerSecond: number;
  /** gRPC calls/s (0 = none). */
  grpcRate: number;
  shards: number;
  timeoutS: number;
  outDir: string;
}

function profile(target: number, durationS: number, rampS: number): PlannedStage[] {
  const stages: PlannedStage[] = [];
  if (rampS > 0) stages.push({ name: 'ramp', startS: 0, endS: rampS, fromTarget: 0, toTarget: target });
  stages.push({ name: 'hold', startS: rampS, endS: durationS, fromTarget: target, toTarget: target });
  return stages;
}

export function loadOnlyPlan(o: LoadOnlyOptions): Plan {
  const entry = (port: string) => ({ workload: 'target', port });
  const peakRate = o.rate + o.grpcRate + o.wsSessions * o.wsMessagesPerSecond;
  return {
    schema: PLAN_SCHEMA,
    scenario: 'load-only',
    purpose: 'drive an existing endpoint on loopback (npm run load)',
    system: 'aenebris',
    provider: 'existing',
    providerReason: 'load-only: no cluster, the target already runs',
    scale: 1,
    scaleReason: 'load-only: rates given by flags',
    seed: 0,
    durationS: o.durationS,
    shards: o.shards,
    perShardCapacity: Math.ceil(peakRate / o.shards),
    workloads: [],
    load: {
      http: o.rate > 0 ? { entry: entry('http'), stages: profile(o.rate, o.durationS, o.rampS), perShardPeak: o.rate / o.shards } : null,
      ws:
        o.wsSessions > 0
          ? { entry: entry('ws'), stages: profile(o.wsSessions, o.durationS, o.rampS), perShardPeak: o.wsSessions / o.shards, messagesPerSecond: o.wsMessagesPerSecond, openRate: 0 }
          : null,
      grpc: o.grpcRate > 0 ? { entry: entry('grpc'), stages: profile(o.grpcRate, o.durationS, o.rampS), perShardPeak: o.grpcRate / o.shards } : null,
      peakRate,
      timeoutS: o.timeoutS,
    },
    chaos: [],
    phases: [{ name: 'load', startS: 0, endS: o.durationS }],
    slos: { successRatio: 0 },
    scoring: { errorBudget: { maxUsedPct: 100 } },
    overrides: {},
    outDir: o.outDir,
    keepCluster: false,
  };
}
