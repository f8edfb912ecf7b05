// kind's own sources (images/base/files: the node's base layout), from the Go module cache: the
// offline node image is laid out the way kind's base image is.
import { exec, toolEnv } from '../../harness/base/exec.ts';
import { KIND_VERSION } from './versions.ts';

/** Where `go mod download` put kind's sources (images/base/files: the node's base layout). */
export async function kindSourceDir(): Promise<string> {
  const dl = await exec('go', ['mod', 'download', '-json', `sigs.k8s.io/kind@${KIND_VERSION}`], {
    env: toolEnv(),
    timeoutMs: 10 * 60_000,
  });
  return (JSON.parse(dl.stdout) as { Dir: string }).Dir;
}
