// metrics-server from the manifests kept in deploy/addons/metrics-server, waited for until the
// metrics API really answers through the API server (that is when `kubectl top` and HPAs get
// numbers), not just until its APIService says Available.
import { readFileSync } from 'node:fs';
import { kubectl, type KubeTarget } from '../kubectl.ts';
import { METRICS_SERVER_MANIFEST } from '../../deploy/addons/metrics-server/versions.ts';
import { splitManifest, waitForAggregatedApi } from './aggregated-api.ts';
import type { ProgressSink } from '../provider.ts';

const METRICS_API = { apiService: 'v1beta1.metrics.k8s.io', path: '/apis/metrics.k8s.io/v1beta1' };

const apply = (target: KubeTarget, yaml: string) =>
  kubectl(target, ['apply', '--server-side', '--force-conflicts', '--field-manager=kube-chaos-harness', '-f', '-'], { timeoutMs: 60_000, input: yaml });

export async function installMetricsServer(target: KubeTarget, progress: ProgressSink): Promise<void> {
  // The APIService goes in only once metrics-server is Ready, so the aggregator's first check
  // finds an endpoint rather than marking it unavailable and backing off.
  const manifest = splitManifest(readFileSync(METRICS_SERVER_MANIFEST, 'utf8'));
  await apply(target, manifest.workload);
  await kubectl(target, ['-n', 'kube-system', 'rollout', 'status', 'deploy/metrics-server', '--timeout=240s'], { timeoutMs: 250_000 });
  await apply(target, manifest.apiService);
  await waitForAggregatedApi(target, METRICS_API, 180, 30_000);
  // Not waited for: node metrics appear one resolution (15 s) after metrics-server starts; HPAs
  // and `kubectl top` read them when they come, and a run deploys its workloads meanwhile.
  progress('  metrics API answers; first node metrics follow within one resolution (15 s)');
}
