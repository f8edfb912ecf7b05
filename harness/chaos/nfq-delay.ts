// nfq-delay (harness/chaos/nfq-delay/main.go): built once with the Go toolchain into the tool
// cache (static, standard library only: nothing fetched), named by a hash of its source, and
// copied into a kind node the first time a latency fault lands there.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../base/cache.ts';
import { exec, toolEnv } from '../base/exec.ts';
import { NODE_BIN_DIR } from './fault-plan.ts';
import { type KindNode, nodeExec } from './kind-node.ts';

const SOURCE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'nfq-delay');

function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'main.go']) h.update(readFileSync(join(SOURCE_DIR, f)));
  return h.digest('hex').slice(0, 12);
}

let built: Promise<string> | undefined;

/** Host path of the built binary (built at most once per process, and once per source version). */
export function ensureNfqDelay(progress: (line: string) => void = () => {}): Promise<string> {
  built ??= (async () => {
    const out = join(cacheDir('nfq-delay'), `nfq-delay-${sourceHash()}`);
    if (existsSync(out)) return out;
    progress(`nfq-delay: go build (static) -> ${out}`);
    await exec('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', out, '.'], {
      cwd: SOURCE_DIR,
      timeoutMs: 5 * 60_000,
      env: toolEnv({ CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }),
    });
    return out;
  })();
  built.catch(() => (built = undefined));
  return built;
}

/** nfq-delay's path inside the node, copying it there when missing. */
export async function installNfqDelay(k: KindNode, progress: (line: string) => void = () => {}): Promise<string> {
  const host = await ensureNfqDelay(progress);
  const inNode = `${NODE_BIN_DIR}/kch-${host.split('/').pop()}`;
  const present = await nodeExec(k, ['test', '-x', inNode], { nothrow: true });
  if (present.code !== 0) {
    await exec(k.engine, ['cp', host, `${k.container}:${inNode}`], { timeoutMs: 60_000 });
    progress(`nfq-delay copied into node ${k.node}: ${inNode}`);
  }
  return inNode;
}
