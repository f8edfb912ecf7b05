// The seed HPA → ScaledObject translation, on the aenebris base's HPA (the seed's own numbers,
// checked against ../shared/seeds by manifests.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONNECTION_METRICS, rangeFactor, workloadPods, quantityValue, scaledObjectFromHpa, withScaledObjects, type SeedHpa } from './keda-scaled-object.ts';
import type { KubeObject } from '../harness/kube/objects.ts';

const seedHpa = parse(readFileSync(join(import.meta.dirname, 'aenebris', 'base', 'hpa.yaml'), 'utf8')) as SeedHpa;
const URL = 'http://kch-prometheus.run-1.svc:9090';
const opts = { prometheusUrl: URL, namespace: 'run-1', scale: 0.015 };

type Spec = {
  scaleTargetRef: unknown;
  minReplicaCount: number;
  maxReplicaCount: number;
  advanced: { horizontalPodAutoscalerConfig: { name: string; behavior: unknown } };
  triggers: { type: string; name?: string; metricType: string; metadata: Record<string, string> }[];
};
const specOf = (o: KubeObject) => o.spec as Spec;

describe('scaledObjectFromHpa (aenebris seed HPA)', () => {
  const { scaledObject, perPodTargets, externalMetrics } = scaledObjectFromHpa(seedHpa, opts);
  const spec = specOf(scaledObject);

  it('is a ScaledObject on the same Deployment, in the run namespace, whose HPA keeps the seed name', () => {
    expect(scaledObject).toMatchObject({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'aenebris', namespace: 'run-1', labels: { 'app.kubernetes.io/name': 'aenebris' } } });
    expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'aenebris' });
    expect(spec.advanced.horizontalPodAutoscalerConfig.name).toBe('aenebris');
  });

  it("keeps the seed's min/max, CPU and memory targets and behavior policies", () => {
    expect([spec.minReplicaCount, spec.maxReplicaCount]).toEqual([5, 50]);
    expect(spec.triggers.slice(0, 2)).toEqual([
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
      { type: 'memory', metricType: 'Utilization', metadata: { value: '80' } },
    ]);
    expect(spec.advanced.horizontalPodAutoscalerConfig.behavior).toEqual(seedHpa.spec.behavior);
    expect(spec.advanced.horizontalPodAutoscalerConfig.behavior).not.toBe(seedHpa.spec.behavior); // a copy
  });

  it('turns the Pods metrics into Prometheus triggers with per-pod AverageValue targets × scale', () => {
    const pods = 'namespace="run-1",workload="aenebris"';
    expect(spec.triggers[2]).toEqual({
      type: 'prometheus',
      name: 'http-requests-per-second',
      metricType: 'AverageValue',
      metadata: { serverAddress: URL, query: `sum(rate(http_requests_total{${pods}}[15s]))`, threshold: '30', ignoreNullValues: 'true' },
    });
    expect(spec.triggers[3]).toEqual({
      type: 'prometheus',
      name: 'active-connections',
      metricType: 'AverageValue',
      metadata: { serverAddress: URL, query: `sum(active_connections{${pods}})`, threshold: '15', ignoreNullValues: 'true' },
    });
    expect(perPodTargets).toEqual({ http_requests_per_second: 30, active_connections: 15 });
    expect(externalMetrics).toEqual({ 's2-prometheus': 'http_requests_per_second', 's3-prometheus': 'active_connections' });
  });

  it('at scale 1 the targets are the seed’s 2,000 req/s and 1,000 connections per pod', () => {
    expect(scaledObjectFromHpa(seedHpa, { ...opts, scale: 1 }).perPodTargets).toEqual({ http_requests_per_second: 2000, active_connections: 1000 });
  });

  it('takes replica bounds, matchers and window from the caller (the kind overlay’s 2–6)', () => {
    const t = scaledObjectFromHpa(seedHpa, { ...opts, minReplicas: 2, maxReplicas: 6, podMatchers: 'job="x"', rateWindowS: 30 });
    const s = specOf(t.scaledObject);
    expect([s.minReplicaCount, s.maxReplicaCount]).toEqual([2, 6]);
    expect(s.triggers[2]!.metadata.query).toBe('sum(rate(http_requests_total{job="x"}[30s]))');
    // 6 instead of the seed's 50: per-pod targets × 50/6, so the load that needs 50 needs 6
    expect(t.perPodTargets).toEqual({ http_requests_per_second: 250, active_connections: 125 });
  });

  it('scales connection targets by the connection scale, rates by the scale', () => {
    // k6 holds its VU pool's connections whatever the rate: the plan's connection scale differs
    expect(scaledObjectFromHpa(seedHpa, { ...opts, connectionScale: 0.2 }).perPodTargets).toEqual({ http_requests_per_second: 30, active_connections: 200 });
    expect(CONNECTION_METRICS.has('active_connections')).toBe(true);
  });

  it('rangeFactor: seed max over a smaller overlay max, else 1', () => {
    expect(rangeFactor(50, 6)).toBeCloseTo(8.333, 3);
    expect([rangeFactor(50, 50), rangeFactor(50, 80), rangeFactor(50, undefined)]).toEqual([1, 1, 1]);
  });

  it('rounds thresholds to KEDA’s milli precision and refuses one that rounds to 0', () => {
    expect(scaledObjectFromHpa(seedHpa, { ...opts, scale: 1 / 3 }).perPodTargets.http_requests_per_second).toBe(666.667);
    expect(() => scaledObjectFromHpa(seedHpa, { ...opts, scale: 1e-7 })).toThrow(/rounds to 0/);
  });

  it('does not modify its input', () => {
    const before = JSON.stringify(seedHpa);
    scaledObjectFromHpa(seedHpa, opts);
    expect(JSON.stringify(seedHpa)).toBe(before);
  });
});

describe('scaledObjectFromHpa refuses what it cannot translate, naming it', () => {
  const withMetric = (m: unknown): SeedHpa => ({ ...seedHpa, spec: { ...seedHpa.spec, metrics: [m as never] } });
  it.each([
    [{ type: 'Pods', pods: { metric: { name: 'queue_depth' }, target: { type: 'AverageValue', averageValue: '5' } } }, /no query for Pods metric 'queue_depth'/],
    [{ type: 'Pods', pods: { metric: { name: 'active_connections' }, target: { type: 'Value', value: '5' } } }, /needs an AverageValue target/],
    [{ type: 'Object', object: {} }, /metric type 'Object' is not translated/],
    [{ type: 'Resource', resource: { name: 'ephemeral-storage', target: { type: 'Utilization', averageUtilization: 50 } } }, /resource 'ephemeral-storage'/],
  ])('%j', (metric, error) => {
    expect(() => scaledObjectFromHpa(withMetric(metric), opts)).toThrow(error);
  });
  it('an HPA with no metrics, a v1 HPA, min 0', () => {
    expect(() => scaledObjectFromHpa({ ...seedHpa, spec: { ...seedHpa.spec, metrics: [] } }, opts)).toThrow(/no metrics/);
    expect(() => scaledObjectFromHpa({ ...seedHpa, apiVersion: 'autoscaling/v1' }, opts)).toThrow(/not an autoscaling\/v2/);
    expect(() => scaledObjectFromHpa(seedHpa, { ...opts, minReplicas: 0 })).toThrow(/scale to zero/);
  });
});

describe('quantityValue and workloadPods', () => {
  it.each([
    ['2000', 2000],
    ['2k', 2000],
    ['500m', 0.5],
    ['1.5M', 1_500_000],
    [7, 7],
  ] as const)('%s → %d', (q, v) => expect(quantityValue(q)).toBe(v));
  it('refuses binary suffixes and junk', () => {
    expect(() => quantityValue('1Ki')).toThrow(/only plain numbers/);
    expect(() => quantityValue('lots')).toThrow(/only plain numbers/);
  });
  it('selects by the workload label the run’s Prometheus gives every target', () => {
    expect(workloadPods('ns', 'aenebris')).toBe('namespace="ns",workload="aenebris"');
  });
});

describe('withScaledObjects', () => {
  const overlayHpa = structuredClone(seedHpa) as unknown as KubeObject & { spec: SeedHpa['spec'] };
  overlayHpa.spec.minReplicas = 2;
  overlayHpa.spec.maxReplicas = 6;
  overlayHpa.spec.metrics = overlayHpa.spec.metrics!.slice(0, 2); // the kind overlay drops the Pods metrics
  const cpuOnly: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'other' }, spec: { maxReplicas: 3, metrics: [] } };
  const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'aenebris' } };
  const seeds = [seedHpa as unknown as KubeObject, { ...cpuOnly }];

  it("replaces an HPA whose seed has Pods metrics by the seed's ScaledObject with the overlay's bounds; leaves the rest", () => {
    const out = withScaledObjects([deployment, overlayHpa, cpuOnly], seeds, opts);
    expect(out[0]).toBe(deployment);
    expect(out[2]).toBe(cpuOnly);
    expect(out[1]!.kind).toBe('ScaledObject');
    const spec = specOf(out[1]!);
    expect([spec.minReplicaCount, spec.maxReplicaCount]).toEqual([2, 6]);
    expect(spec.triggers.map((t) => t.type)).toEqual(['cpu', 'memory', 'prometheus', 'prometheus']);
  });
});
