// The optional image-loading capability: a handle that cannot load images has no loadImages, the
// guard narrows to ImageLoader and agrees with capabilities.imageLoad, and the message says what to do.
import { describe, expect, it } from 'vitest';
import { canLoadImages, cannotLoadImagesMessage, type ImageLoader, type RunningCluster } from './provider.ts';

function handle(provider: 'kind' | 'existing', imageLoad: boolean, loader?: ImageLoader['loadImages']): RunningCluster {
  return {
    provider,
    name: provider === 'kind' ? 'kch' : 'prod-eu',
    kubeconfigPath: '/tmp/kubeconfig',
    context: 'ctx',
    createdHere: false,
    capabilities: { nodes: 3, workers: 2, metricsApi: true, imageLoad, nodeDrain: false, nodePortsOnLoopback: [] },
    ...(loader ? { loadImages: loader } : {}),
  };
}

describe('canLoadImages', () => {
  it('narrows a handle with loadImages to an ImageLoader', async () => {
    const loaded: string[][] = [];
    const c = handle('kind', true, async (archives) => {
      loaded.push(archives);
    });
    expect(canLoadImages(c)).toBe(true);
    if (canLoadImages(c)) await c.loadImages(['/cache/standin.tar']);
    expect(loaded).toEqual([['/cache/standin.tar']]);
  });

  it('is false for a handle without loadImages', () => {
    expect(canLoadImages(handle('existing', false))).toBe(false);
  });

  it('names a provider whose capabilities disagree with its handle', () => {
    expect(() => canLoadImages(handle('existing', true))).toThrow("existing cluster 'prod-eu': capabilities.imageLoad is true but its handle has no loadImages");
    expect(() => canLoadImages(handle('kind', false, async () => {}))).toThrow('capabilities.imageLoad is false but its handle has loadImages');
  });
});

describe('cannotLoadImagesMessage', () => {
  it('names the cluster, the images and what to do instead', () => {
    const msg = cannotLoadImagesMessage(handle('existing', false), ['/root/.cache/kch/images/standin-1a2b.tar', '/tmp/own/app.tar']);
    expect(msg).toBe(
      "existing cluster 'prod-eu': images cannot be loaded into its nodes (capabilities.imageLoad is false), and the run needs 2 there " +
        '(standin-1a2b.tar, app.tar); pass --registry HOST/PATH of a registry its nodes pull from ' +
        '(the harness pushes them there with the local engine and points the manifests at it), or run on kind (--provider kind)',
    );
  });
});
