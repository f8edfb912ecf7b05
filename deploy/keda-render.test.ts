// The kind overlay rendered for a run that has KEDA (real `kubectl kustomize`): the proxy's HPA is
// the seed's, as a ScaledObject with the small-cluster bounds; the upstream's CPU-only HPA stays.
import { describe, expect, it } from 'vitest';
import type { PlannedWorkload } from '../harness/plan/types.ts';
import { renderWorkloads } from './render.ts';

const proxy: PlannedWorkload = { name: 'proxy', deploy: 'aenebris', object: { kind: 'Deployment', name: 'aenebris' }, drain: 'graceful', image: null, cpuCostMicros: 250, overlay: 'kind' };
const URL = 'http://kch-prometheus.kch-r1.svc:9090';

describe('renderWorkloads with keda', () => {
  it('aenebris/kind: ScaledObject aenebris (2–6, seed triggers × scale × 50/6) instead of the CPU-only HPA', async () => {
    // rates × 0.015, connections × their own 0.03; both × 50/6 so the seed's max load needs the overlay's max
    const objs = await renderWorkloads([proxy], { namespace: 'kch-r1', imageRef: 'localhost/x:1', keda: { prometheusUrl: URL, scale: 0.015, connectionScale: 0.03 } });
    expect(objs.filter((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'aenebris')).toEqual([]);
    const so = objs.find((o) => o.kind === 'ScaledObject' && o.metadata.name === 'aenebris');
    expect(so).toMatchObject({
      metadata: { namespace: 'kch-r1' },
      spec: {
        minReplicaCount: 2,
        maxReplicaCount: 6,
        triggers: [
          { type: 'cpu', metadata: { value: '70' } },
          { type: 'memory', metadata: { value: '80' } },
          { type: 'prometheus', metadata: { serverAddress: URL, threshold: '250' } },
          { type: 'prometheus', metadata: { serverAddress: URL, threshold: '250' } },
        ],
      },
    });
  }, 30_000);

  it('without keda the overlay is unchanged (CPU and memory HPA)', async () => {
    const objs = await renderWorkloads([proxy], { namespace: 'kch-r1', imageRef: 'localhost/x:1' });
    expect(objs.some((o) => o.kind === 'ScaledObject')).toBe(false);
    expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'aenebris')).toBe(true);
  }, 30_000);
});
