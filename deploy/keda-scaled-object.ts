// The seeds' custom-metric HPAs, carried out by KEDA: a pure translation of a seed's
// autoscaling/v2 HPA into the equivalent ScaledObject. Its `Pods` metrics (served in the seed's
// clusters by a custom-metrics adapter over Prometheus) become Prometheus triggers on the run's
// own Prometheus; CPU and memory stay resource targets; min/max and behavior are the HPA's.
// What differs from the seed's HPA, and why: deploy/README.md ("The seeds' custom-metric HPAs").
import type { KubeObject } from '../harness/kube/objects.ts';

/** The parts of an autoscaling/v2 HorizontalPodAutoscaler this translation reads. */
export interface SeedHpa {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: HpaMetric[];
    behavior?: Record<string, unknown>;
  };
}

type HpaMetric =
  | { type: 'Resource'; resource: { name: string; target: { type: string; averageUtilization?: number; averageValue?: string } } }
  | { type: 'Pods'; pods: { metric: { name: string }; target: { type: string; averageValue?: string } } }
  | { type: string; [k: string]: unknown };

/**
 * PromQL for each seed metric name, given the label matchers of the target's pods and a rate
 * window. The stand-in (and the seeds' own services) expose a request counter and a connection
 * gauge; the seeds' adapters turned the counter into `http_requests_per_second`.
 */
export const SEED_METRIC_QUERIES: Readonly<Record<string, (pods: string, windowS: number) => string>> = {
  http_requests_per_second: (pods, w) => `sum(rate(http_requests_total{${pods}}[${w}s]))`,
  active_connections: (pods) => `sum(active_connections{${pods}})`,
};

/** The seeds' request-rate and connection metrics (the targets overshoot and the plan read). */
export const REQUEST_RATE_METRIC = 'http_requests_per_second';
export const CONNECTIONS_METRIC = 'active_connections';

/**
 * Seed metrics that count connections, not requests: their per-pod targets follow the connections
 * the load holds (the plan's connection scale: k6 keeps one per pooled VU and one per WS session),
 * which do not shrink with the request rate.
 */
export const CONNECTION_METRICS: ReadonlySet<string> = new Set([CONNECTIONS_METRIC]);

/** A trigger's name for a seed metric (KEDA's names take '-', the seeds' '_'), and back. */
export const triggerName = (metric: string): string => metric.replace(/_/g, '-');
export const metricOfTrigger = (trigger: string): string => trigger.replace(/-/g, '_');

/** The External metric KEDA gives the HPA for the trigger at `index` (cpu and memory count). */
export const externalMetricName = (index: number): string => `s${index}-prometheus`;

export interface ScaledObjectOptions {
  /** The run's Prometheus, e.g. prometheusServiceUrl(namespace) (harness/load/in-cluster/manifests.ts). */
  prometheusUrl: string;
  /** The plan's scale: per-pod request-rate targets are multiplied by it (CPU and memory are ratios: kept). */
  scale: number;
  /** The plan's connection scale (plan.connections.scale) for CONNECTION_METRICS; default `scale`. */
  connectionScale?: number;
  /** PromQL label matchers selecting the target's pods in the run's Prometheus. Default: workloadPods(namespace, target). */
  podMatchers?: string;
  /** Namespace of the run (the ScaledObject's and the matchers'). */
  namespace: string;
  /** Rate window of counter metrics (s). Default 15: one HPA sync period on kind. */
  rateWindowS?: number;
  /**
   * Replica bounds to use instead of the HPA's (the kind overlay's small-cluster rule). Fewer
   * replicas at most than the seed's also raise the per-pod targets by seed max ÷ this max, so the
   * load that needs the seed's maximum needs the overlay's (rangeFactor).
   */
  minReplicas?: number;
  maxReplicas?: number;
}

/** Seed max ÷ the overlay's max when the overlay allows fewer replicas, else 1. */
export function rangeFactor(seedMax: number, overlayMax: number | undefined): number {
  return overlayMax !== undefined && overlayMax > 0 && overlayMax < seedMax ? seedMax / overlayMax : 1;
}

export interface TranslatedHpa {
  scaledObject: KubeObject;
  /** Per-pod targets of the seed's Pods metrics as applied (seed value × scale × range factor), by metric name. */
  perPodTargets: Record<string, number>;
  /**
   * The External metric names KEDA gives the HPA (s<trigger index>-prometheus, as its status and
   * events show them) → the seed's metric name: which seed metric drove a decision.
   */
  externalMetrics: Record<string, string>;
}

/**
 * Label matchers for a workload's pods as the run's Prometheus labels its targets
 * (harness/load/in-cluster/manifests.ts): `workload` is the pod's app.kubernetes.io/name, which
 * every pod here carries with its object's name (deploy/README.md).
 */
export function workloadPods(namespace: string, workload: string): string {
  return `namespace="${namespace}",workload="${workload}"`;
}

/** A Kubernetes quantity as a number: plain, milli (m) or decimal SI (k, M, G). Others are refused. */
export function quantityValue(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^(-?\d+(?:\.\d+)?)(m|k|M|G)?$/.exec(q.trim());
  if (!m) throw new Error(`quantity '${q}': only plain numbers and the m, k, M, G suffixes are understood here`);
  const factor = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9 }[m[2] as 'm' | 'k' | 'M' | 'G'] ?? 1;
  return Number(m[1]) * factor;
}

/** KEDA reads thresholds as float64 into milli-quantities: round to 3 decimals, never to 0. */
function threshold(seed: number, scale: number, metric: string): number {
  const v = Math.round(seed * scale * 1000) / 1000;
  if (!(v > 0)) throw new Error(`${metric}: per-pod target ${seed} × scale ${scale} rounds to ${v}; KEDA needs a threshold > 0.001`);
  return v;
}

export function scaledObjectFromHpa(hpa: SeedHpa, o: ScaledObjectOptions): TranslatedHpa {
  const name = hpa.metadata.name;
  if (hpa.kind !== 'HorizontalPodAutoscaler' || !hpa.apiVersion.startsWith('autoscaling/v2')) {
    throw new Error(`${hpa.kind}/${name}: not an autoscaling/v2 HorizontalPodAutoscaler (${hpa.apiVersion})`);
  }
  if (!(o.scale > 0)) throw new Error(`scale ${o.scale}: must be > 0`);
  const window = o.rateWindowS ?? 15;
  const range = rangeFactor(hpa.spec.maxReplicas, o.maxReplicas);
  const pods = o.podMatchers ?? workloadPods(o.namespace, hpa.spec.scaleTargetRef.name);
  const perPodTargets: Record<string, number> = {};
  const externalMetrics: Record<string, string> = {};
  const triggers = (hpa.spec.metrics ?? []).map((m, i) => {
    const where = `HPA ${name} metrics[${i}]`;
    if (m.type === 'Resource') {
      const r = (m as Extract<HpaMetric, { type: 'Resource' }>).resource;
      if (r.name !== 'cpu' && r.name !== 'memory') throw new Error(`${where}: resource '${r.name}' has no KEDA trigger (cpu and memory do)`);
      if (r.target.type === 'Utilization') return { type: r.name, metricType: 'Utilization', metadata: { value: String(r.target.averageUtilization) } };
      if (r.target.type === 'AverageValue') return { type: r.name, metricType: 'AverageValue', metadata: { value: String(r.target.averageValue) } };
      throw new Error(`${where}: ${r.name} target type '${r.target.type}' (Utilization or AverageValue)`);
    }
    if (m.type === 'Pods') {
      const p = (m as Extract<HpaMetric, { type: 'Pods' }>).pods;
      const query = SEED_METRIC_QUERIES[p.metric.name];
      if (!query) throw new Error(`${where}: no query for Pods metric '${p.metric.name}' (known: ${Object.keys(SEED_METRIC_QUERIES).join(', ')})`);
      if (p.target.type !== 'AverageValue' || p.target.averageValue === undefined) throw new Error(`${where}: Pods metric '${p.metric.name}' needs an AverageValue target`);
      const scale = (CONNECTION_METRICS.has(p.metric.name) ? (o.connectionScale ?? o.scale) : o.scale) * range;
      const perPod = threshold(quantityValue(p.target.averageValue), scale, `${where} ${p.metric.name}`);
      perPodTargets[p.metric.name] = perPod;
      externalMetrics[externalMetricName(i)] = p.metric.name;
      return {
        type: 'prometheus',
        // a trigger's name labels KEDA's own metrics and logs; the HPA still sees s<i>-prometheus
        name: triggerName(p.metric.name),
        // AverageValue: the HPA divides the query's total by the replicas, as a Pods metric averages it
        metricType: 'AverageValue',
        metadata: { serverAddress: o.prometheusUrl, query: query(pods, window), threshold: String(perPod), ignoreNullValues: 'true' },
      };
    }
    throw new Error(`${where}: metric type '${m.type}' is not translated (Resource and Pods are)`);
  });
  if (triggers.length === 0) throw new Error(`HPA ${name}: no metrics to translate`);
  const min = o.minReplicas ?? hpa.spec.minReplicas ?? 1;
  const max = o.maxReplicas ?? hpa.spec.maxReplicas;
  if (!(min >= 1 && max >= min)) throw new Error(`HPA ${name}: replicas ${min}–${max} (KEDA's 0 would scale to zero, which the seed never does)`);
  const ref = hpa.spec.scaleTargetRef;
  const scaledObject: KubeObject = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace: o.namespace, ...(hpa.metadata.labels ? { labels: { ...hpa.metadata.labels } } : {}) },
    spec: {
      scaleTargetRef: { ...(ref.apiVersion ? { apiVersion: ref.apiVersion } : {}), kind: ref.kind, name: ref.name },
      minReplicaCount: min,
      maxReplicaCount: max,
      advanced: {
        // KEDA names its HPA keda-hpa-<name> otherwise: the harness watches HPAs by the seed's name
        horizontalPodAutoscalerConfig: { name, ...(hpa.spec.behavior ? { behavior: structuredClone(hpa.spec.behavior) } : {}) },
      },
      triggers,
    },
  };
  return { scaledObject, perPodTargets, externalMetrics };
}

export interface KedaRenderOptions {
  prometheusUrl: string;
  scale: number;
  connectionScale?: number;
}

/**
 * Pure: the overlay's HPAs whose seed HPA (same name in `seedObjects`, the base as it is) has
 * `Pods` metrics become ScaledObjects translated from the seed's HPA, with the overlay's replica
 * bounds (the small-cluster rule); every other object, and HPAs with resource metrics only, stay.
 */
export function withScaledObjects(objs: KubeObject[], seedObjects: KubeObject[], o: KedaRenderOptions & { namespace: string }): KubeObject[] {
  return objs.map((obj) => {
    if (obj.kind !== 'HorizontalPodAutoscaler') return obj;
    const seed = seedObjects.find((s) => s.kind === 'HorizontalPodAutoscaler' && s.metadata.name === obj.metadata.name) as unknown as SeedHpa | undefined;
    if (!seed?.spec.metrics?.some((m) => m.type === 'Pods')) return obj;
    const bounds = (obj as unknown as SeedHpa).spec;
    return scaledObjectFromHpa(seed, { ...o, minReplicas: bounds.minReplicas ?? 1, maxReplicas: bounds.maxReplicas }).scaledObject;
  });
}
