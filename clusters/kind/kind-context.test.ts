// Which `existing` contexts are kind clusters: from the nodes' providerIDs, all one cluster.
import { describe, expect, it } from 'vitest';
import { kindClusterOfNodes } from './kind-context.ts';

describe('kind cluster of an existing context', () => {
  it('names the engine and cluster when every node is kind://<engine>/<cluster>/<node>', () => {
    expect(kindClusterOfNodes(['kind://podman/kch-shared/kch-shared-control-plane', 'kind://podman/kch-shared/kch-shared-worker'])).toEqual({ engine: 'podman', cluster: 'kch-shared' });
  });
  it('is null for other providers, a node without providerID, mixed clusters, or no nodes', () => {
    expect(kindClusterOfNodes(['aws:///eu-west-1a/i-0abc'])).toBeNull();
    expect(kindClusterOfNodes(['kind://podman/a/a-control-plane', undefined])).toBeNull();
    expect(kindClusterOfNodes(['kind://podman/a/a-control-plane', 'kind://podman/b/b-worker'])).toBeNull();
    expect(kindClusterOfNodes([])).toBeNull();
  });
});
