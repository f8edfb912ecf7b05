// metrics-server from the manifests kept in deploy/addons/metrics-server, waited for until the
// metrics API really answers through the API server (that is when `kubectl top` and HPAs get
// numbers), not just until its APIService says Available.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { kubectl, type KubeTarget } from '../kubectl.ts';
import { METRICS_SERVER_MANIFEST } from '../../deploy/addons/metrics-server/versions.ts';
import type { ProgressSink } from '../provider.ts';
import { seconds } from '../progress.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const APISERVICE = 'apiservice/v1beta1.metrics.k8s.io';
const METRICS_API = '/apis/metrics.k8s.io/v1beta1';

/** Poll `get --raw path` until it succeeds or the deadline passes; returns the last error line. */
async function answers(target: KubeTarget, path: string, deadlineMs: number, pollMs = 2000, accept: (body: string) => boolean = () => true): Promise<string | null> {
  const until = Date.now() + deadlineMs;
  let last = '';
  for (;;) {
    const r = await kubectl(target, ['get', '--raw', path, '--request-timeout=10s'], { timeoutMs: 20_000, nothrow: true });
    if (r.code === 0 && accept(r.stdout)) return null;
    last = (r.stderr.trim().split('\n').pop() ?? '') || 'no usable answer yet';
    if (Date.now() >= until) return last;
    await sleep(pollMs);
  }
}

export interface MetricsServerHooks {
  /** Last resort when neither a new metrics-server pod nor a re-registered APIService helps. */
  restartApiServer(): Promise<void>;
  /** kube-apiserver log lines about the metrics APIService (diagnosis of a 404). */
  apiServerLog?(): Promise<string[]>;
}

/** The manifest split in two: the APIService, and everything it points at. */
export function splitManifest(text: string): { workload: string; apiService: string } {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  const isApiService = (d: (typeof docs)[number]) => (d.toJS() as { kind?: string } | null)?.kind === 'APIService';
  const join = (list: typeof docs) => list.map((d) => d.toString()).join('---\n');
  return { workload: join(docs.filter((d) => !isApiService(d))), apiService: join(docs.filter(isApiService)) };
}

const apply = (target: KubeTarget, yaml: string) =>
  kubectl(target, ['apply', '--server-side', '--force-conflicts', '--field-manager=kube-chaos-harness', '-f', '-'], { timeoutMs: 60_000, input: yaml });

/**
 * Delete and re-create the APIService. On a fresh cluster the API server can keep answering 404
 * for the aggregated metrics API although the APIService is Available: its handler for the
 * group-version was never registered. A new APIService object makes the aggregator register it
 * again; seen answering within 0.15 s, where the old cure (an API server restart) took ~25 s.
 */
async function reRegisterApiService(target: KubeTarget, apiService: string): Promise<void> {
  await kubectl(target, ['delete', APISERVICE, '--wait=true', '--timeout=30s'], { timeoutMs: 40_000 });
  await apply(target, apiService);
}

async function restartAndWait(target: KubeTarget, hooks: MetricsServerHooks): Promise<void> {
  await hooks.restartApiServer();
  const down = await answers(target, '/readyz', 180_000);
  if (down) throw new Error(`kube-apiserver not ready again after its restart: ${down}`);
}

export async function installMetricsServer(target: KubeTarget, hooks: MetricsServerHooks, progress: ProgressSink): Promise<void> {
  // The APIService goes in only once metrics-server is Ready. Seen here: one created while its
  // Service had no ready endpoints went Available a few seconds later but the API server kept
  // answering NotFound for it (100 s and counting, on a cluster up for 20 min: not a start-up
  // race); created after the pod was Ready, the same APIService answered at once.
  const manifest = splitManifest(readFileSync(METRICS_SERVER_MANIFEST, 'utf8'));
  await apply(target, manifest.workload);
  await kubectl(target, ['-n', 'kube-system', 'rollout', 'status', 'deploy/metrics-server', '--timeout=240s'], { timeoutMs: 250_000 });
  await apply(target, manifest.apiService);
  const available = () => kubectl(target, ['wait', '--for=condition=Available', APISERVICE, '--timeout=180s'], { timeoutMs: 190_000, nothrow: true });
  if ((await available()).code !== 0) {
    // Seen in CI on a loaded machine: the APIService stayed unavailable for 240 s on a fresh
    // cluster. A new metrics-server pod and an API server restart cleared it elsewhere; try once.
    const why = await kubectl(target, ['get', APISERVICE, '-o', 'jsonpath={.status.conditions[0].message}'], { timeoutMs: 20_000, nothrow: true });
    progress(`  metrics APIService not Available after 180 s (${why.stdout.trim() || 'no message'}): restarting metrics-server and kube-apiserver once`);
    await kubectl(target, ['-n', 'kube-system', 'rollout', 'restart', 'deploy/metrics-server'], { timeoutMs: 30_000 });
    await kubectl(target, ['-n', 'kube-system', 'rollout', 'status', 'deploy/metrics-server', '--timeout=180s'], { timeoutMs: 190_000 });
    await restartAndWait(target, hooks);
    const again = await available();
    if (again.code !== 0) throw new Error(`metrics APIService v1beta1.metrics.k8s.io not Available after restarting metrics-server and kube-apiserver: ${again.stderr.trim()}`);
  }
  let failure = await answers(target, METRICS_API, 5_000, 500);
  if (failure) {
    const log = (await hooks.apiServerLog?.().catch(() => [])) ?? [];
    progress(`  metrics API Available but the API server answers '${failure}': re-registering its APIService (delete + create)`);
    for (const line of log) progress(`    kube-apiserver: ${line}`);
    const started = Date.now();
    await reRegisterApiService(target, manifest.apiService);
    failure = await answers(target, METRICS_API, 30_000, 250);
    if (!failure) progress(`  metrics API answers ${seconds(Date.now() - started)} after re-registering its APIService`);
    else {
      progress(`  metrics API still answers '${failure}' after re-registering: restarting kube-apiserver (last resort)`);
      await restartAndWait(target, hooks);
      failure = await answers(target, METRICS_API, 60_000);
      if (failure) throw new Error(`metrics API (${METRICS_API}) does not answer through the API server: ${failure}`);
    }
  }
  // Not waited for: node metrics appear one resolution (15 s) after metrics-server starts; HPAs
  // and `kubectl top` read them when they come, and a run deploys its workloads meanwhile.
  progress('  metrics API answers; first node metrics follow within one resolution (15 s)');
}
