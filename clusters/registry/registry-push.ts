// `--registry`: the run's images pushed with the local engine to a registry the cluster's nodes
// pull from, for clusters whose nodes the harness cannot load images into (and for any cluster
// when the user asks). Each image is tagged with its registry name and pushed; a push to a
// registry on loopback goes without TLS (podman insists on TLS unless told; Docker already
// treats localhost as insecure), every other registry with the engine's normal TLS.
import { statSync } from 'node:fs';
import { ExecError, exec } from '../../harness/base/exec.ts';
import { seconds } from '../../harness/base/progress.ts';
import type { EngineName } from '../engine/engine.ts';
import type { ProgressSink } from '../provider.ts';
import { isLoopbackRegistry, registryNames } from './registry-name.ts';

/** An image the run built or found here: its name in the engine's store and its saved archive. */
export interface PushableImage {
  ref: string;
  archive: string;
}

export interface PushedImage {
  ref: string;
  pushed: string;
  engine: EngineName;
  ms: number;
}

async function has(engine: EngineName, ref: string): Promise<boolean> {
  const args = engine === 'podman' ? ['image', 'exists', ref] : ['image', 'inspect', ref];
  const r = await exec(engine, args, { timeoutMs: 30_000, nothrow: true }).catch(() => null);
  return r?.code === 0;
}

async function runs(engine: EngineName): Promise<boolean> {
  const r = await exec(engine, ['--version'], { timeoutMs: 15_000, nothrow: true }).catch(() => null);
  return r?.code === 0;
}

/** The engine whose store holds `ref`; else it is loaded from its archive into the first engine here. */
async function engineHolding(image: PushableImage, signal?: AbortSignal): Promise<EngineName> {
  for (const engine of ['podman', 'docker'] as const) if (await has(engine, image.ref)) return engine;
  const engine = (await runs('podman')) ? 'podman' : (await runs('docker')) ? 'docker' : null;
  if (!engine) throw new Error(`push ${image.ref}: neither podman nor docker runs here`);
  await exec(engine, ['load', '-i', image.archive], { timeoutMs: 5 * 60_000, signal });
  return engine;
}

/** Pure: the engine's own words for a failure: its last `Error:` line (podman and docker retry and log before it), else its last line. */
export function engineError(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return [...lines].reverse().find((l) => /^(Error|error)\b/.test(l)) ?? lines.pop() ?? '(no output)';
}

/** The engine's push arguments: TLS off only for a registry on this machine's loopback. */
export function pushArgs(engine: EngineName, registry: string, name: string): string[] {
  if (engine === 'podman') return ['push', ...(isLoopbackRegistry(registry) ? ['--tls-verify=false'] : []), name];
  return ['push', name];
}

/**
 * Tag and push every image; returns local name → registry name (for pullFromRegistry). One
 * progress line per image with its seconds; a failure names the image, the registry and the
 * engine's own words.
 */
export async function pushImages(
  registry: string,
  images: readonly PushableImage[],
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<{ names: Map<string, string>; pushed: PushedImage[] }> {
  const names = registryNames(registry, images.map((i) => i.ref));
  const pushed: PushedImage[] = [];
  for (const image of images) {
    const to = names.get(image.ref)!;
    if (pushed.some((p) => p.ref === image.ref)) continue;
    const started = Date.now();
    try {
      const engine = await engineHolding(image, signal);
      await exec(engine, ['tag', image.ref, to], { timeoutMs: 30_000, signal });
      try {
        await exec(engine, pushArgs(engine, registry, to), { timeoutMs: 10 * 60_000, signal });
      } finally {
        // The registry's name was only for the push: the local store keeps no extra tag.
        await exec(engine, engine === 'podman' ? ['untag', image.ref, to] : ['rmi', to], { timeoutMs: 30_000, nothrow: true }).catch(() => undefined);
      }
      const ms = Date.now() - started;
      pushed.push({ ref: image.ref, pushed: to, engine, ms });
      const size = (() => {
        try {
          return `, ${(statSync(image.archive).size / 1024 / 1024).toFixed(1)} MB`;
        } catch {
          return '';
        }
      })();
      progress(`  pushed ${image.ref} → ${to} (${engine}, ${seconds(ms)}${size})`);
    } catch (err) {
      const why = err instanceof ExecError ? `${err.command}: ${engineError(err.result.stderr || err.result.stdout)}` : err instanceof Error ? err.message : String(err);
      throw new Error(`push of image ${image.ref} to registry ${registry} failed after ${seconds(Date.now() - started)}: ${why}`);
    }
  }
  return { names, pushed };
}
