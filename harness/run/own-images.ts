// Images of the user's own, brought into the cluster by the run: `--set <workload>.image=IMG`, a
// scenario's workload `image`, or what the user's own manifests name. Each is looked up in the
// local engines' stores (Podman, then Docker; never pulled), saved as an archive for the
// cluster's loadImages, and renamed in the manifests to the engine's own name for it.
import type { NeededImage } from '../../deploy/render.ts';
import type { ImageSearch, LocalImage } from '../../deploy/image.ts';
import type { Say } from './steps.ts';

export interface OwnImages {
  archives: string[];
  /** Each found image by the engine's name for it, with its archive (what --registry pushes). */
  images: { ref: string; archive: string }[];
  /** As given → the name the cluster will know it by (Podman's "localhost/x:dev" for "x:dev"). */
  names: Map<string, string>;
}

export interface ImageStore {
  find(given: string, signal?: AbortSignal): Promise<ImageSearch>;
  save(image: LocalImage, progress: (line: string) => void, signal?: AbortSignal): Promise<string>;
}

/** Pure: the error for a required image found nowhere, naming who wants it and where the harness looked. */
export function missingImageMessage(n: NeededImage, searched: string[]): string {
  return (
    `image '${n.image}' (${n.source}; used by ${n.usedBy.join(', ')}) is in no local image store: searched ${searched.join(', ')}. ` +
    `The cluster cannot pull it (no registry, or imagePullPolicy Never): build or tag it here first, e.g. podman build -t ${n.image} .`
  );
}

export async function prepareOwnImages(needed: NeededImage[], say: Say, signal?: AbortSignal, store?: ImageStore): Promise<OwnImages> {
  const s = store ?? (await defaultStore());
  const out: OwnImages = { archives: [], images: [], names: new Map() };
  for (const n of needed) {
    const search = await s.find(n.image, signal);
    if (!search.found) {
      if (n.required) throw new Error(missingImageMessage(n, search.searched));
      say(`  image ${n.image}: not in a local store (${search.searched.join(', ')}); the cluster pulls it itself`);
      continue;
    }
    const f = search.found;
    say(`  image ${n.image}: found in ${f.engine}'s store as ${f.ref} (id ${f.id.slice(0, 12)}), for ${n.usedBy.join(', ')}`);
    const archive = await s.save(f, (l) => say(`    ${l}`), signal);
    out.archives.push(archive);
    out.images.push({ ref: f.ref, archive });
    if (f.ref !== n.image) out.names.set(n.image, f.ref);
  }
  return out;
}

async function defaultStore(): Promise<ImageStore> {
  const { findLocalImage, saveLocalImage } = await import('../../deploy/image.ts');
  return { find: findLocalImage, save: saveLocalImage };
}
