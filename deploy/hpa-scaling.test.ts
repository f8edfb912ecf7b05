// What the scored HPA targets, read from the real rendered overlays (kubectl kustomize).
import { describe, expect, it } from 'vitest';
import proxySpikeHpa from '../scenarios/proxy-spike-hpa.ts';
import { hpaScalingFor, hpaScalingOf, scenarioHpaScaling } from './hpa-scaling.ts';

const aenebris = { deploy: 'aenebris', objectName: 'aenebris' };

describe('hpaScalingFor', () => {
  it('kind without KEDA: the overlay’s CPU/memory HPA, 2–6, no request-rate target', async () => {
    expect(await hpaScalingFor({ ...aenebris, overlay: 'kind' }, false)).toEqual({ source: 'HorizontalPodAutoscaler/aenebris', minReplicas: 2, maxReplicas: 6, requestRatePerPod: null, connectionsPerPod: null });
  }, 30_000);
  it('kind with KEDA: the ScaledObject, 2–6, the seed’s 2,000 req/s and 1,000 connections per pod × 50/6', async () => {
    // the seed's 50 replicas map to the overlay's 6: the load that needs 50 there needs 6 here
    expect(await hpaScalingFor({ ...aenebris, overlay: 'kind' }, true)).toEqual({
      source: 'ScaledObject/aenebris',
      minReplicas: 2,
      maxReplicas: 6,
      requestRatePerPod: 16666.667,
      connectionsPerPod: 8333.333,
      externalMetrics: { 's2-prometheus': 'http_requests_per_second', 's3-prometheus': 'active_connections' },
    });
  }, 30_000);
  it('existing: the seed’s own HPA, 5–50, its Pods metric', async () => {
    expect(await hpaScalingFor({ ...aenebris, overlay: 'existing' }, false)).toEqual({ source: 'HorizontalPodAutoscaler/aenebris', minReplicas: 5, maxReplicas: 50, requestRatePerPod: 2000, connectionsPerPod: 1000 });
  }, 30_000);
  it('a scenario: its scored workload, rendered with KEDA or without', async () => {
    expect((await scenarioHpaScaling(proxySpikeHpa, 'kind', true))?.source).toBe('ScaledObject/aenebris');
    expect((await scenarioHpaScaling(proxySpikeHpa, 'kind', false))?.source).toBe('HorizontalPodAutoscaler/aenebris');
  }, 30_000);
});

describe('hpaScalingOf', () => {
  it('null when nothing scales the Deployment', () => {
    expect(hpaScalingOf([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }], 'x')).toBeNull();
  });
});
