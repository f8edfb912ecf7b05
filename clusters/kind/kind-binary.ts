// kind, pinned, installed with `go install` into the tool cache when missing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { binDir } from '../../harness/base/cache.ts';
import { exec, toolEnv } from '../../harness/base/exec.ts';
import type { ProgressSink } from '../provider.ts';
import { goInstall } from '../../harness/base/go-install.ts';
import { KIND_VERSION } from '../node-image/versions.ts';

/** Path of a kind binary of the pinned version (built on first use, ~30 s). */
export async function ensureKind(progress: ProgressSink): Promise<string> {
  const path = join(binDir(), 'kind');
  if (existsSync(path)) {
    const v = await exec(path, ['version'], { timeoutMs: 10_000, env: toolEnv(), nothrow: true });
    if (v.stdout.includes(`kind ${KIND_VERSION} `) || v.stdout.startsWith(`kind ${KIND_VERSION}`)) return path;
    progress(`${path} is not kind ${KIND_VERSION} (${v.stdout.trim()}); rebuilding`);
  }
  await goInstall(`sigs.k8s.io/kind@${KIND_VERSION}`, binDir(), progress);
  return path;
}
