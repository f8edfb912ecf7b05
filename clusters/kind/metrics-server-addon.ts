// metrics-server from the manifests kept in deploy/addons/metrics-server, waited for until the
// metrics API really answers through the API server (that is when `kubectl top` and HPAs get
// numbers), not just until its APIService says Available.
import { kubectl, type KubeTarget } from '../kubectl.ts';
import { METRICS_SERVER_MANIFEST } from '../../deploy/addons/metrics-server/versions.ts';
import type { ProgressSink } from '../provider.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `get --raw path` until it succeeds or the deadline passes; returns the last error line. */
async function answers(target: KubeTarget, path: string, deadlineMs: number, accept: (body: string) => boolean = () => true): Promise<string | null> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    const r = await kubectl(target, ['get', '--raw', path, '--request-timeout=10s'], { timeoutMs: 20_000, nothrow: true });
    if (r.code === 0 && accept(r.stdout)) return null;
    last = (r.stderr.trim().split('\n').pop() ?? '') || 'no usable answer yet';
    await sleep(2000);
  }
  return last;
}

export interface MetricsServerHooks {
  /**
   * Seen here on a loaded machine: an API server that came up under heavy load keeps answering
   * 404 (empty body) for the aggregated metrics API although the APIService is Available and
   * metrics-server answers the same request directly; a restart of the API server clears it.
   */
  restartApiServer(): Promise<void>;
}

export async function installMetricsServer(target: KubeTarget, hooks: MetricsServerHooks, progress: ProgressSink): Promise<void> {
  await kubectl(target, ['apply', '--server-side', '--force-conflicts', '--field-manager=kube-chaos-harness', '-f', METRICS_SERVER_MANIFEST], { timeoutMs: 60_000 });
  await kubectl(target, ['-n', 'kube-system', 'rollout', 'status', 'deploy/metrics-server', '--timeout=240s'], { timeoutMs: 250_000 });
  const available = () =>
    kubectl(target, ['wait', '--for=condition=Available', 'apiservice/v1beta1.metrics.k8s.io', '--timeout=180s'], { timeoutMs: 190_000, nothrow: true });
  if ((await available()).code !== 0) {
    // Seen in CI on a loaded machine: the APIService stayed unavailable for 240 s on a fresh
    // cluster. A new metrics-server pod and an API server restart cleared it elsewhere; try once.
    const why = await kubectl(target, ['get', 'apiservice/v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions[0].message}'], { timeoutMs: 20_000, nothrow: true });
    progress(`  metrics APIService not Available after 180 s (${why.stdout.trim() || 'no message'}): restarting metrics-server and kube-apiserver once`);
    await kubectl(target, ['-n', 'kube-system', 'rollout', 'restart', 'deploy/metrics-server'], { timeoutMs: 30_000 });
    await kubectl(target, ['-n', 'kube-system', 'rollout', 'status', 'deploy/metrics-server', '--timeout=180s'], { timeoutMs: 190_000 });
    await hooks.restartApiServer();
    const down = await answers(target, '/readyz', 180_000);
    if (down) throw new Error(`kube-apiserver not ready again after its restart: ${down}`);
    const again = await available();
    if (again.code !== 0) throw new Error(`metrics APIService v1beta1.metrics.k8s.io not Available after restarting metrics-server and kube-apiserver: ${again.stderr.trim()}`);
  }
  let failure = await answers(target, '/apis/metrics.k8s.io/v1beta1', 20_000);
  if (failure) {
    progress(`  metrics API Available but the API server answers '${failure}': restarting kube-apiserver once`);
    await hooks.restartApiServer();
    const down = await answers(target, '/readyz', 180_000);
    if (down) throw new Error(`kube-apiserver not ready again after its restart: ${down}`);
    failure = await answers(target, '/apis/metrics.k8s.io/v1beta1', 60_000);
    if (failure) throw new Error(`metrics API (/apis/metrics.k8s.io/v1beta1) does not answer through the API server: ${failure}`);
  }
  // first scrape: node metrics appear one resolution (15 s) after metrics-server starts
  const scraped = await answers(target, '/apis/metrics.k8s.io/v1beta1/nodes', 90_000, (body) => /"usage"/.test(body));
  if (scraped) progress(`  metrics API answers but has no node metrics yet (${scraped}); kubectl top may need a few more seconds`);
}
