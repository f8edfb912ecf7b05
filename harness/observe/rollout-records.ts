// Rollout progress of Deployments, ReplicaSets and DaemonSets (pure): a record whenever the
// counts or the generation move, not on every resync.
import type { RolloutRecord } from '../timeline/types.ts';
import { toEpoch } from '../kube/time.ts';

export interface RawWorkload {
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number; uid?: string; resourceVersion?: string; [k: string]: unknown };
  spec?: { replicas?: number; [k: string]: unknown };
  status?: {
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    fullyLabeledReplicas?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    observedGeneration?: number;
    conditions?: { lastUpdateTime?: string; lastTransitionTime?: string }[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

type Counts = Pick<RolloutRecord, 'desired' | 'updated' | 'ready' | 'available' | 'generation'>;

export function rolloutCounts(object: RolloutRecord['object'], o: RawWorkload): Counts {
  const s = o.status ?? {};
  const generation = o.metadata?.generation;
  if (object === 'DaemonSet') {
    return { desired: s.desiredNumberScheduled ?? 0, updated: s.updatedNumberScheduled ?? 0, ready: s.numberReady ?? 0, available: s.numberAvailable ?? 0, generation };
  }
  if (object === 'ReplicaSet') {
    // A ReplicaSet has no "updated": its own pods are its version; report the pods it has.
    return { desired: o.spec?.replicas ?? 0, updated: s.replicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0, generation };
  }
  return { desired: o.spec?.replicas ?? 1, updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0, generation };
}

function same(a: Counts, b: Counts): boolean {
  return a.desired === b.desired && a.updated === b.updated && a.ready === b.ready && a.available === b.available && a.generation === b.generation;
}

export function rolloutRecords(object: RolloutRecord['object'], prev: RawWorkload | undefined, next: RawWorkload, deleted: boolean, at: number): RolloutRecord[] {
  if (deleted) return [];
  const now = rolloutCounts(object, next);
  if (prev && same(rolloutCounts(object, prev), now)) return [];
  const r: RolloutRecord = { kind: 'rollout', at, namespace: next.metadata?.namespace ?? '', object, name: next.metadata?.name ?? '', ...now };
  if (r.generation === undefined) delete r.generation;
  const times = (next.status?.conditions ?? []).map((c) => toEpoch(c.lastUpdateTime ?? c.lastTransitionTime)).filter((t): t is number => t !== undefined);
  if (times.length) r.objectTime = Math.max(...times);
  return [r];
}
