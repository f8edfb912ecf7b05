// Pod lifecycle transitions from two successive states of one pod (pure).
// Diffing states, not events, is what makes a relist safe: whatever happened while the watch
// was away shows up as the difference between the last state seen and the current one.
import type { PodRecord, PodTransition } from '../timeline/types.ts';
import { toEpoch } from '../kube/time.ts';

interface ContainerInstance {
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; reason?: string; startedAt?: string; finishedAt?: string; containerID?: string };
  waiting?: { reason?: string };
}

interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: ContainerInstance;
  lastState?: ContainerInstance;
}

export interface RawPod {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    [k: string]: unknown;
  };
  spec?: { nodeName?: string; containers?: { name: string }[]; [k: string]: unknown };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string; reason?: string }[];
    containerStatuses?: ContainerStatus[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export function workloadOf(labels: Record<string, string> | undefined): string {
  return labels?.['app.kubernetes.io/name'] ?? labels?.['app'] ?? '';
}

function condition(p: RawPod | undefined, type: string) {
  return p?.status?.conditions?.find((c) => c.type === type);
}

/** Every container start instant a state shows (current and previous instance). */
function starts(p: RawPod | undefined): Map<string, { container: string; at: number }> {
  const out = new Map<string, { container: string; at: number }>();
  for (const cs of p?.status?.containerStatuses ?? []) {
    for (const inst of [cs.state, cs.lastState]) {
      const s = inst?.running?.startedAt ?? inst?.terminated?.startedAt;
      const at = toEpoch(s);
      if (at !== undefined) out.set(`${cs.name}@${s}`, { container: cs.name, at });
    }
  }
  return out;
}

interface Termination {
  container: string;
  at?: number;
  exitCode?: number;
  reason?: string;
}

/** Every container termination a state shows, keyed by instance (finishedAt / containerID). */
function terminations(p: RawPod | undefined): Map<string, Termination> {
  const out = new Map<string, Termination>();
  for (const cs of p?.status?.containerStatuses ?? []) {
    for (const inst of [cs.state, cs.lastState]) {
      const t = inst?.terminated;
      if (!t) continue;
      out.set(`${cs.name}@${t.containerID ?? ''}@${t.finishedAt ?? ''}`, {
        container: cs.name,
        at: toEpoch(t.finishedAt),
        exitCode: t.exitCode,
        reason: t.reason,
      });
    }
  }
  return out;
}

/**
 * The transitions between `prev` (undefined: never seen) and `next`, in lifecycle order.
 * `deleted`: the pod is gone (`next` is its last state).
 */
export function podTransitions(prev: RawPod | undefined, next: RawPod, deleted: boolean, at: number): PodRecord[] {
  const md = next.metadata ?? {};
  const base = {
    kind: 'pod' as const,
    at,
    namespace: md.namespace ?? '',
    pod: md.name ?? '',
    workload: workloadOf(md.labels),
  };
  const node = next.spec?.nodeName;
  const out: PodRecord[] = [];
  const push = (transition: PodTransition, extra: Partial<PodRecord> = {}) => {
    const r: PodRecord = { ...base, transition, ...extra };
    if (node && r.node === undefined) r.node = node;
    for (const k of Object.keys(r) as (keyof PodRecord)[]) if (r[k] === undefined) delete r[k];
    out.push(r);
  };

  if (!prev) push('created', { objectTime: toEpoch(md.creationTimestamp) });
  if (!prev?.spec?.nodeName && node) {
    push('scheduled', { objectTime: toEpoch(condition(next, 'PodScheduled')?.lastTransitionTime) });
  }
  const before = starts(prev);
  for (const [k, s] of [...starts(next)].sort((a, b) => a[1].at - b[1].at)) {
    if (!before.has(k)) push('containerStarted', { container: s.container, objectTime: s.at });
  }
  const wasReady = condition(prev, 'Ready')?.status === 'True';
  const ready = condition(next, 'Ready');
  const isReady = ready?.status === 'True';
  if (!wasReady && isReady) push('ready', { objectTime: toEpoch(ready?.lastTransitionTime) });
  if (!prev?.metadata?.deletionTimestamp && md.deletionTimestamp) {
    const grace = md.deletionGracePeriodSeconds;
    const deadline = toEpoch(md.deletionTimestamp);
    // deletionTimestamp is the deadline (request time + grace); record when it was asked.
    push('deleting', {
      gracePeriodS: grace,
      objectTime: deadline !== undefined && grace !== undefined ? deadline - grace * 1000 : deadline,
    });
  }
  if (wasReady && !isReady) push('notReady', { objectTime: toEpoch(ready?.lastTransitionTime), reason: ready?.reason });
  const ended = terminations(prev);
  for (const [k, t] of [...terminations(next)].sort((a, b) => (a[1].at ?? 0) - (b[1].at ?? 0))) {
    if (!ended.has(k)) push('containerTerminated', { container: t.container, exitCode: t.exitCode, reason: t.reason, objectTime: t.at });
  }
  if (deleted) push('deleted');
  return out;
}
