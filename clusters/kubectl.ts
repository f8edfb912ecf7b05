// kubectl v1.34.4, built with the node's Kubernetes binaries, installed into the tool cache.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { binDir } from '../harness/base/cache.ts';
import { exec, toolEnv, type ExecOptions, type ExecResult } from '../harness/base/exec.ts';
import type { ProgressSink } from './provider.ts';
import { stderrProgress } from './progress.ts';
import { binariesDir, buildKubernetes, installBinary } from './node-image/go-binaries.ts';

export async function ensureKubectl(progress: ProgressSink = stderrProgress): Promise<string> {
  const path = join(binDir(), 'kubectl');
  if (existsSync(path)) return path;
  const built = join(binariesDir(), 'kubectl');
  if (!existsSync(built)) await buildKubernetes(['kubectl'], binariesDir(), progress);
  installBinary(built, path);
  progress(`installed ${path}`);
  return path;
}

export interface KubeTarget {
  kubeconfigPath: string;
  context?: string;
}

/** kubectl against one cluster; bounded like every shell-out. */
export async function kubectl(
  target: KubeTarget,
  args: string[],
  opts: Partial<ExecOptions> & { timeoutMs?: number } = {},
): Promise<ExecResult> {
  const path = await ensureKubectl();
  const base = ['--kubeconfig', target.kubeconfigPath, ...(target.context ? ['--context', target.context] : [])];
  return exec(path, [...base, ...args], { env: toolEnv(), ...opts, timeoutMs: opts.timeoutMs ?? 60_000 });
}
