// metrics-server from the manifests kept in deploy/addons/metrics-server, waited for until its
// APIService is Available (that is when `kubectl top` and HPAs get numbers).
import { kubectl, type KubeTarget } from '../kubectl.ts';
import { METRICS_SERVER_MANIFEST } from '../../deploy/addons/metrics-server/image.ts';

export async function installMetricsServer(target: KubeTarget): Promise<void> {
  await kubectl(target, ['apply', '--server-side', '--field-manager=kube-chaos-harness', '-f', METRICS_SERVER_MANIFEST], { timeoutMs: 60_000 });
  await kubectl(target, ['-n', 'kube-system', 'rollout', 'status', 'deploy/metrics-server', '--timeout=180s'], { timeoutMs: 190_000 });
  await kubectl(target, ['wait', '--for=condition=Available', 'apiservice/v1beta1.metrics.k8s.io', '--timeout=180s'], { timeoutMs: 190_000 });
}
