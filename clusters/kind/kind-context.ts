// An `existing` context that is really a kind cluster this machine's engine runs: its images can
// be loaded straight into the nodes (kind load), so no registry is needed. kind writes each node's
// providerID as kind://<engine>/<cluster>/<node>; the engine must also list that cluster's node
// containers, or the context points at a kind cluster on another machine.
import { existsSync } from 'node:fs';
import { exec } from '../../harness/base/exec.ts';
import type { EngineName } from '../engine/engine.ts';
import { kindEnv } from '../engine/engine.ts';
import type { ImageLoader, ProgressSink } from '../provider.ts';
import { timedStep } from '../progress.ts';
import { ensureKind } from './kind-binary.ts';

export interface KindIdentity {
  engine: string;
  cluster: string;
}

/** Pure: the one kind cluster every node's providerID names, or null (not kind, or mixed). */
export function kindClusterOfNodes(providerIds: readonly (string | undefined)[]): KindIdentity | null {
  if (providerIds.length === 0) return null;
  const ids = providerIds.map((p) => /^kind:\/\/([^/]+)\/([^/]+)\/[^/]+$/.exec(p ?? ''));
  if (ids.some((m) => m === null)) return null;
  const [first] = ids as RegExpExecArray[];
  const same = (ids as RegExpExecArray[]).every((m) => m[1] === first![1] && m[2] === first![2]);
  return same ? { engine: first![1]!, cluster: first![2]! } : null;
}

/** `kind load image-archive` into one cluster, one archive at a time (one image per archive). */
export function kindArchiveLoader(engine: EngineName, cluster: string, progress: ProgressSink): ImageLoader['loadImages'] {
  return async (archives, p) => {
    const sink = p ?? progress;
    const bin = await ensureKind(sink);
    for (const archive of archives) {
      if (!existsSync(archive)) throw new Error(`loadImages: archive ${archive} does not exist`);
      await timedStep(sink, `kind load image-archive ${archive} (cluster '${cluster}')`, () =>
        exec(bin, ['load', 'image-archive', '--name', cluster, archive], { env: kindEnv(engine), timeoutMs: 10 * 60_000 }),
      );
    }
  };
}
