// The fixed tool cache: built binaries (k6, kind, Kubernetes), the offline node image's inputs,
// built workload images. Fixed so that CI and later runs on the same machine skip the builds.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

/** $HARNESS_CACHE, else ~/.cache/kube-chaos-harness. */
export function cacheDir(...parts: string[]): string {
  const root = process.env.HARNESS_CACHE ?? join(homedir(), '.cache', 'kube-chaos-harness');
  const dir = join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Where cached binaries live; put first on PATH for child processes. */
export function binDir(): string {
  return cacheDir('bin');
}
