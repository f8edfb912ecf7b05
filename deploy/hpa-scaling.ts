// What the HPA that scales a workload actually targets, read from its rendered manifests: its
// replica bounds (the overlay's) and the per-pod request rate it scales on, if it scales on one.
// The plan takes overshoot's per-pod capacity from here (issue 16, item 5): a CPU-only HPA has no
// request-rate target, and its bounds cap what any step can "need".
import type { KubeObject } from '../harness/kube/objects.ts';
import type { ProviderName } from '../harness/plan/types.ts';
import type { Scenario } from '../scenarios/model.ts';
import { renderWorkloads } from './render.ts';
import { CONNECTIONS_METRIC, REQUEST_RATE_METRIC, externalMetricName, metricOfTrigger, quantityValue, triggerName } from './keda-scaled-object.ts';

export interface HpaScaling {
  /** The object that scales it: "HorizontalPodAutoscaler/aenebris" or "ScaledObject/aenebris". */
  source: string;
  minReplicas: number;
  maxReplicas: number;
  /** Per-pod request rate it targets at full scale (req/s), or null when it scales on CPU/memory only. */
  requestRatePerPod: number | null;
  /** Per-pod active-connections target at full scale, or null when it scales on no connection count. */
  connectionsPerPod: number | null;
  /** External metric names the HPA reports (KEDA's s<trigger index>-prometheus) → the seed metric each serves. */
  externalMetrics?: Record<string, string>;
}

type Scaler = KubeObject & {
  spec?: {
    scaleTargetRef?: { name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    minReplicaCount?: number;
    maxReplicaCount?: number;
    metrics?: { type: string; pods?: { metric: { name: string }; target: { averageValue?: string } } }[];
    triggers?: { type: string; name?: string; metadata?: { threshold?: string } }[];
  };
};

/** Pure: the HPA or ScaledObject of `deployment` among rendered objects (render with scale 1: thresholds are the seed's). */
export function hpaScalingOf(objs: readonly KubeObject[], deployment: string): HpaScaling | null {
  const scaler = (objs as Scaler[]).find((o) => (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') && o.spec?.scaleTargetRef?.name === deployment);
  if (!scaler?.spec) return null;
  const s = scaler.spec;
  const source = `${scaler.kind}/${scaler.metadata.name}`;
  if (scaler.kind === 'ScaledObject') {
    const threshold = (metric: string) => {
      const t = s.triggers?.find((x) => x.type === 'prometheus' && x.name === triggerName(metric));
      return t?.metadata?.threshold ? Number(t.metadata.threshold) : null;
    };
    // KEDA names each trigger's External metric by its index among all triggers (cpu and memory count)
    const externalMetrics = Object.fromEntries(
      (s.triggers ?? []).flatMap((t, i) => (t.type === 'prometheus' && t.name ? [[externalMetricName(i), metricOfTrigger(t.name)]] : [])),
    );
    return {
      source,
      minReplicas: s.minReplicaCount ?? 1,
      maxReplicas: s.maxReplicaCount ?? 100,
      requestRatePerPod: threshold(REQUEST_RATE_METRIC),
      connectionsPerPod: threshold(CONNECTIONS_METRIC),
      externalMetrics,
    };
  }
  const target = (metric: string) => {
    const avg = s.metrics?.find((x) => x.type === 'Pods' && x.pods?.metric.name === metric)?.pods?.target.averageValue;
    return avg !== undefined ? quantityValue(avg) : null;
  };
  return { source, minReplicas: s.minReplicas ?? 1, maxReplicas: s.maxReplicas ?? 1, requestRatePerPod: target(REQUEST_RATE_METRIC), connectionsPerPod: target(CONNECTIONS_METRIC) };
}

/** Render the workload's overlay (with KEDA when the run has it) at scale 1 and read its scaler. */
export async function hpaScalingFor(w: { deploy: string; overlay: string; objectName: string }, keda: boolean): Promise<HpaScaling | null> {
  const planned = { name: 'hpa', deploy: w.deploy, overlay: w.overlay, object: { kind: 'Deployment', name: w.objectName }, drain: 'graceful', image: null, cpuCostMicros: null } as const;
  const objs = await renderWorkloads([planned], { namespace: 'plan', imageRef: 'plan', ...(keda ? { keda: { prometheusUrl: 'http://plan', scale: 1 } } : {}) });
  return hpaScalingOf(objs, w.objectName);
}

/**
 * The scenario's scored HPA as the run will deploy it, with KEDA or without (the plan picks after
 * --set, which may turn needs.keda on), or null when it has none or its manifests cannot be
 * rendered here (then the plan keeps the scenario's figure and says so).
 */
export async function scenarioHpaScaling(s: Scenario, provider: ProviderName, keda: boolean): Promise<HpaScaling | null> {
  const h = s.scoring.hpa;
  const w = h ? s.workloads.find((x) => x.name === h.workload) : undefined;
  if (!w) return null;
  return hpaScalingFor({ deploy: w.deploy, overlay: w.overlay ?? provider, objectName: w.object.name }, keda).catch(() => null);
}
