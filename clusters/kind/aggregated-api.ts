// An aggregated API (metrics-server's metrics.k8s.io, KEDA's external.metrics.k8s.io) is usable
// when its APIService is Available and the API server answers its discovery path: the two waits
// both installers share. No re-registering and no API server restart: the 404s those worked
// around were connections that had left the node (service-guard.ts rejects them now).
import { parseAllDocuments } from 'yaml';
import { kubectl, type KubeTarget } from '../kubectl.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The manifest split in two: the APIService, and everything it points at. */
export function splitManifest(text: string): { workload: string; apiService: string } {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  const isApiService = (d: (typeof docs)[number]) => (d.toJS() as { kind?: string } | null)?.kind === 'APIService';
  const join = (list: typeof docs) => list.map((d) => d.toString()).join('---\n');
  return { workload: join(docs.filter((d) => !isApiService(d))), apiService: join(docs.filter(isApiService)) };
}

/** Poll `get --raw path` until it succeeds or the deadline passes; null, or the last error line. */
export async function rawAnswers(target: KubeTarget, path: string, deadlineMs: number, pollMs = 1000): Promise<string | null> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const r = await kubectl(target, ['get', '--raw', path, '--request-timeout=10s'], { timeoutMs: 20_000, nothrow: true });
    if (r.code === 0) return null;
    const last = (r.stderr.trim().split('\n').pop() ?? '') || 'no answer';
    if (Date.now() >= until) return last;
    await sleep(pollMs);
  }
}

export interface AggregatedApi {
  /** e.g. v1beta1.metrics.k8s.io */
  apiService: string;
  /** e.g. /apis/metrics.k8s.io/v1beta1 */
  path: string;
}

/** Wait until the APIService is Available and its path answers; throws naming which and why. */
export async function waitForAggregatedApi(target: KubeTarget, api: AggregatedApi, availableS: number, answerMs: number): Promise<void> {
  const r = await kubectl(target, ['wait', '--for=condition=Available', `apiservice/${api.apiService}`, `--timeout=${availableS}s`], { timeoutMs: (availableS + 15) * 1000, nothrow: true });
  if (r.code !== 0) {
    const cond = await kubectl(target, ['get', 'apiservice', api.apiService, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].message}'], { timeoutMs: 20_000, nothrow: true });
    throw new Error(`APIService ${api.apiService} not Available after ${availableS} s: ${cond.stdout.trim() || r.stderr.trim().split('\n')[0] || `kubectl wait exited ${r.code}`}`);
  }
  const failure = await rawAnswers(target, api.path, answerMs);
  if (failure) throw new Error(`${api.path} does not answer through the API server although ${api.apiService} is Available: ${failure}`);
}
