// Which worker a node action hits. The run's own pods (k6 runners, its Prometheus) are never
// chaos victims: a drain leaves them where they are, and a node failure, which freezes every pod
// on its node, only picks a worker that hosts none of them.
import type * as k8s from '@kubernetes/client-node';
import { isHarnessPod } from '../load/in-cluster/labels.ts';

function live(p: k8s.V1Pod): boolean {
  return !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

/** The harness's own live pods on a node (names), from the run's pods. */
export function harnessPodsOn(node: string, pods: readonly k8s.V1Pod[]): string[] {
  return pods.filter((p) => p.spec?.nodeName === node && live(p) && isHarnessPod(p.metadata?.labels)).map((p) => p.metadata?.name ?? '');
}

/**
 * Pure: the worker hosting the most workload pods (ties: by name). With `avoidHarness`, workers
 * hosting a harness pod are passed over; null when none is left (the caller says why).
 */
export function busiestWorker(workers: readonly string[], pods: readonly k8s.V1Pod[], avoidHarness: boolean): string | null {
  const workload = (n: string) => pods.filter((p) => p.spec?.nodeName === n && live(p) && !isHarnessPod(p.metadata?.labels)).length;
  const candidates = avoidHarness ? workers.filter((n) => harnessPodsOn(n, pods).length === 0) : [...workers];
  return candidates.sort((a, b) => workload(b) - workload(a) || (a < b ? -1 : 1))[0] ?? null;
}
