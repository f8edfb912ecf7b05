// The user's own images: found in a local store (which engine, under which name), saved for the
// cluster, renamed in the manifests; a required one found nowhere names the engines searched.
import { describe, expect, it } from 'vitest';
import type { NeededImage } from '../../deploy/render.ts';
import { prepareOwnImages, type ImageStore } from './own-images.ts';

const store = (have: Record<string, { engine: 'podman' | 'docker'; ref: string }>): ImageStore => ({
  find: async (given) => {
    const f = have[given];
    return f
      ? { found: { given, engine: f.engine, ref: f.ref, id: 'abcdef0123456789' }, searched: [`${f.engine} (found)`] }
      : { found: null, searched: ['podman (not in its store)', 'docker (not installed)'] };
  },
  save: async (image) => `/cache/images/user-${image.ref.replace(/\W+/g, '_')}.tar`,
});

const need = (image: string, required: boolean): NeededImage => ({ image, usedBy: ['Deployment/aenebris container aenebris'], required, source: "workload proxy's image" });

describe('prepareOwnImages', () => {
  it("says where each image was found and renames a short name to the engine's", async () => {
    const lines: string[] = [];
    const r = await prepareOwnImages([need('my-proxy:dev', true)], (l) => lines.push(l), undefined, store({ 'my-proxy:dev': { engine: 'podman', ref: 'localhost/my-proxy:dev' } }));
    expect(r.archives).toEqual(['/cache/images/user-localhost_my_proxy_dev.tar']);
    expect(r.images).toEqual([{ ref: 'localhost/my-proxy:dev', archive: '/cache/images/user-localhost_my_proxy_dev.tar' }]);
    expect([...r.names]).toEqual([['my-proxy:dev', 'localhost/my-proxy:dev']]);
    expect(lines[0]).toBe("  image my-proxy:dev: found in podman's store as localhost/my-proxy:dev (id abcdef012345), for Deployment/aenebris container aenebris");
  });

  it('fails on a required image found nowhere, naming the engines searched', async () => {
    await expect(prepareOwnImages([need('ghost:1', true)], () => undefined, undefined, store({}))).rejects.toThrow(
      "image 'ghost:1' (workload proxy's image; used by Deployment/aenebris container aenebris) is in no local image store: searched podman (not in its store), docker (not installed).",
    );
  });

  it('leaves an image the cluster may pull itself to the cluster', async () => {
    const lines: string[] = [];
    const r = await prepareOwnImages([need('busybox:1.36', false)], (l) => lines.push(l), undefined, store({}));
    expect(r.archives).toEqual([]);
    expect(lines[0]).toContain('the cluster pulls it itself');
  });
});
