// HorizontalPodAutoscaler (autoscaling/v2) status as records (pure): one per change of
// replicas, metric values, conditions or lastScaleTime.
import type { HpaRecord } from '../timeline/types.ts';
import { toEpoch } from '../kube/time.ts';
import { parseQuantity } from './quantity.ts';

interface MetricValue {
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

export interface RawHpa {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    lastScaleTime?: string;
    currentMetrics?: {
      type: string;
      resource?: { name: string; current: MetricValue };
      containerResource?: { name: string; container: string; current: MetricValue };
      pods?: { metric: { name: string }; current: MetricValue };
      object?: { metric: { name: string }; current: MetricValue };
      external?: { metric: { name: string }; current: MetricValue };
    }[];
    conditions?: { type: string; status: string; reason?: string; lastTransitionTime?: string }[];
  };
  [k: string]: unknown;
}

function valueOf(v: MetricValue): number | undefined {
  if (v.averageUtilization !== undefined) return v.averageUtilization;
  const q = v.averageValue ?? v.value;
  return q === undefined ? undefined : parseQuantity(q);
}

/** e.g. { cpu: 73 } (percent of request) or { requests_per_second: 120.5 }. */
export function hpaMetrics(h: RawHpa): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of h.status?.currentMetrics ?? []) {
    const entry =
      m.resource ? [m.resource.name, m.resource.current] as const
      : m.containerResource ? [`${m.containerResource.container}/${m.containerResource.name}`, m.containerResource.current] as const
      : m.pods ? [m.pods.metric.name, m.pods.current] as const
      : m.object ? [m.object.metric.name, m.object.current] as const
      : m.external ? [m.external.metric.name, m.external.current] as const
      : undefined;
    if (!entry) continue;
    const v = valueOf(entry[1]);
    if (v !== undefined) out[entry[0]] = v;
  }
  return out;
}

function view(h: RawHpa): Omit<HpaRecord, 'at' | 'namespace' | 'kind' | 'name'> {
  const s = h.status ?? {};
  const v: Omit<HpaRecord, 'at' | 'namespace' | 'kind' | 'name'> = {
    currentReplicas: s.currentReplicas ?? 0,
    desiredReplicas: s.desiredReplicas ?? 0,
    metrics: hpaMetrics(h),
    conditions: (s.conditions ?? []).map((c) => (c.reason ? { type: c.type, status: c.status, reason: c.reason } : { type: c.type, status: c.status })),
  };
  const last = toEpoch(s.lastScaleTime);
  if (last !== undefined) v.lastScaleTime = last;
  return v;
}

export function hpaRecords(prev: RawHpa | undefined, next: RawHpa, deleted: boolean, at: number): HpaRecord[] {
  if (deleted) return [];
  const now = view(next);
  if (prev && JSON.stringify(view(prev)) === JSON.stringify(now)) return [];
  const r: HpaRecord = { kind: 'hpa', at, namespace: next.metadata?.namespace ?? '', name: next.metadata?.name ?? '', ...now };
  const times = [now.lastScaleTime, ...(next.status?.conditions ?? []).map((c) => toEpoch(c.lastTransitionTime))].filter((t): t is number => t !== undefined);
  if (times.length) r.objectTime = Math.max(...times);
  return [r];
}
