// k6, pinned: found on PATH or in the tool cache, else built once from the Go module proxy.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { binDir } from '../base/cache.ts';
import { exec, toolEnv } from '../base/exec.ts';
import { goInstall } from '../base/go-install.ts';

export const K6_VERSION = 'v1.8.1';
const K6_MODULE = `go.k6.io/k6@${K6_VERSION}`;

async function versionOf(path: string): Promise<string | null> {
  const res = await exec(path, ['version'], { timeoutMs: 15_000, nothrow: true }).catch(() => null);
  if (!res || res.code !== 0) return null;
  // "k6 v1.8.1 (commit/..., go1.24, linux/amd64)"
  return /k6 (v\d+\.\d+\.\d+)/.exec(res.stdout)?.[1] ?? null;
}

/** The cached k6 first, then PATH; only the pinned version counts (scripts rely on its APIs). */
export async function findK6(): Promise<{ path: string; version: string } | null> {
  const candidates = [join(binDir(), 'k6')];
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) candidates.push(join(dir, 'k6'));
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const version = await versionOf(path);
    if (version === K6_VERSION) return { path, version };
  }
  return null;
}

/** Path of a k6 of the pinned version, building it with `go install` into the cache when missing. */
export async function ensureK6(progress?: (line: string) => void): Promise<string> {
  const found = await findK6();
  if (found) return found.path;
  progress?.(`k6 ${K6_VERSION} not found; building it with go install ${K6_MODULE} (minutes when the Go cache is cold)`);
  const started = Date.now();
  await goInstall(K6_MODULE, binDir(), progress ?? (() => undefined), 20 * 60_000);
  const built = join(binDir(), 'k6');
  const version = await versionOf(built);
  if (version !== K6_VERSION) throw new Error(`built ${built} but it reports ${version ?? 'no version'}, expected ${K6_VERSION}`);
  progress?.(`k6 ${K6_VERSION} built in ${Math.round((Date.now() - started) / 1000)} s: ${built}`);
  return built;
}
