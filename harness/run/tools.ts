// Every tool and image a run needs, built or found before the cluster is made: a fresh machine
// builds k6 here, not in the middle of the load step after the workloads were deployed. One
// progress line per tool (where it is, whether it was cached, how long it took) and the total.
import type { ProviderName } from '../plan/types.ts';
import type { Say } from './steps.ts';

export interface RunTools {
  k6: string;
  kubectl: string;
  /** kind only. */
  kind?: string;
  /** kind only: the node image `up` will use. */
  nodeImage?: string;
  /** The stand-in workload image and its archive (for loadImages). */
  standin: { ref: string; archive: string; sizeBytes: number };
}

/** One tool: its name and how to get it; `describe` turns the result into the progress line's tail. */
export interface ToolTask<T> {
  name: string;
  get: () => Promise<T>;
  describe: (v: T) => string;
}

/** Run tasks in order, one line each ("tools: k6 … (0.1 s)"), then the total; throws naming the tool. */
export async function gatherTools(tasks: ToolTask<unknown>[], say: Say, signal?: AbortSignal): Promise<unknown[]> {
  const started = Date.now();
  const out: unknown[] = [];
  for (const t of tasks) {
    if (signal?.aborted) throw new Error(`tools: interrupted before ${t.name}`);
    const t0 = Date.now();
    let v: unknown;
    try {
      v = await t.get();
    } catch (err) {
      throw new Error(`tools: ${t.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    out.push(v);
    say(`  tools: ${t.name.padEnd(14)} ${t.describe(v)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  say(`  tools: ${tasks.length} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

/** Build or find k6, kubectl, and for kind: the engine, kind, the node image; then the stand-in image. */
export async function ensureRunTools(provider: ProviderName, say: Say, signal?: AbortSignal): Promise<RunTools> {
  const { ensureK6, K6_VERSION } = await import('../tools/k6.ts');
  const { ensureKubectl } = await import('../../clusters/kubectl.ts');
  const { buildStandinImage } = await import('../../deploy/image.ts');
  // Build logs go to the console indented under their tool's line.
  const detail = (line: string) => say(`    ${line}`);
  const tasks: ToolTask<unknown>[] = [
    { name: `k6 ${K6_VERSION}`, get: () => ensureK6(detail), describe: (p) => String(p) },
    { name: 'kubectl', get: () => ensureKubectl(detail), describe: (p) => String(p) },
  ];
  if (provider === 'kind') {
    const { ensureKind } = await import('../../clusters/kind/kind-binary.ts');
    const { detectEngine, describeEngine } = await import('../../clusters/engine/detect.ts');
    const { ensureNodeImage } = await import('../../clusters/node-image/node-image.ts');
    let engine: 'podman' | 'docker' | null = null;
    tasks.push(
      { name: 'kind', get: () => ensureKind(detail), describe: (p) => String(p) },
      {
        name: 'engine',
        get: async () => {
          const d = await detectEngine({ setUp: true, progress: detail });
          if (!d.engine) {
            describeEngine(d, detail);
            throw new Error(`no container engine can start kind's privileged nodes here: ${d.passedOver.join('; ')}`);
          }
          engine = d.engine;
          return `${d.engine}: ${d.reason}`;
        },
        describe: (s) => String(s),
      },
      {
        name: 'node image',
        get: () => ensureNodeImage(engine!, detail),
        describe: (img) => {
          const i = img as { ref: string; offline: boolean };
          return `${i.ref}${i.offline ? ' (built offline)' : ''}`;
        },
      },
    );
  }
  tasks.push({
    name: 'stand-in image',
    get: () => buildStandinImage(detail, signal),
    describe: (img) => {
      const i = img as RunTools['standin'];
      return `${i.ref} (${(i.sizeBytes / 1e6).toFixed(1)} MB)`;
    },
  });
  const got = await gatherTools(tasks, say, signal);
  const [k6, kubectl] = got as [string, string];
  const standin = got[got.length - 1] as RunTools['standin'];
  if (provider !== 'kind') return { k6, kubectl, standin };
  return { k6, kubectl, kind: got[2] as string, nodeImage: (got[4] as { ref: string }).ref, standin };
}
