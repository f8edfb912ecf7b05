// Server-side apply of rendered objects, the run namespace's life, and the Ready wait.
// Field manager `kube-chaos-harness`, forced: the harness owns what it renders.
import * as k8s from '@kubernetes/client-node';
import type { ProgressSink } from '../../clusters/provider.ts';
import { apiMessage, isNotFound } from '../kube/api-error.ts';
import { objectRef, type KubeObject } from '../kube/objects.ts';
export { waitWorkloadsReady } from './readiness.ts';

export const FIELD_MANAGER = 'kube-chaos-harness';
/** Set on namespaces the harness created: chaos refuses any other namespace unless allowed. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

export { objectRef, type KubeObject } from '../kube/objects.ts';

/** Create the run's namespace labelled as the harness's own (re-applying is harmless). */
export async function createRunNamespace(kc: k8s.KubeConfig, name: string, labels: Record<string, string>): Promise<void> {
  const ns: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...labels, [MANAGED_BY_LABEL]: FIELD_MANAGER } },
  };
  await applyObjects(kc, [ns]);
}

/**
 * Delete a namespace and wait until it is gone. `deadlineMs` is a duration, or an epoch-ms
 * instant when larger than 1e12 (both shapes occur in callers; the wait is bounded either way).
 */
export async function deleteNamespace(kc: k8s.KubeConfig, name: string, opts: { deadlineMs: number; progress?: ProgressSink }): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const deadline = opts.deadlineMs > 1e12 ? opts.deadlineMs : Date.now() + opts.deadlineMs;
  try {
    await core.deleteNamespace({ name });
  } catch (err) {
    if (isNotFound(err)) return;
    throw new Error(`delete Namespace/${name}: ${apiMessage(err)}`);
  }
  const started = Date.now();
  let lastSaid = 0;
  for (;;) {
    let ns: k8s.V1Namespace;
    try {
      ns = await core.readNamespace({ name });
    } catch (err) {
      if (isNotFound(err)) return;
      throw new Error(`read Namespace/${name}: ${apiMessage(err)}`);
    }
    const now = Date.now();
    if (now >= deadline) {
      const why = (ns.status?.conditions ?? [])
        .filter((c) => c.status === 'True')
        .map((c) => `${c.type}: ${c.message ?? c.reason ?? ''}`)
        .join('; ');
      throw new Error(`delete Namespace/${name}: still ${ns.status?.phase ?? 'present'} after ${Math.round((now - started) / 1000)} s${why ? ` (${why})` : ''}`);
    }
    if (opts.progress && now - lastSaid >= 5000) {
      lastSaid = now;
      opts.progress(`[deploy] waiting for Namespace/${name} to be deleted (${Math.round((now - started) / 1000)} s)`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Remove a finished run's namespace without waiting out its pods' grace periods (the seeds sleep
 * up to 120 s in preStop): delete the namespace (Terminating: controllers stop replacing pods,
 * background propagation), then delete its pods with gracePeriodSeconds 0 so the kubelets kill
 * them at once; then wait, bounded by `waitMs`, until it is gone (its NodePorts free for the next
 * run). With `hurry` aborted (a second Ctrl-C) nothing is waited for. Never fails on a slow
 * namespace: says it is still Terminating, since it finishes on its own.
 */
export async function deleteRunNamespace(
  kc: k8s.KubeConfig,
  name: string,
  opts: { waitMs: number; progress?: ProgressSink; hurry?: AbortSignal },
): Promise<{ gone: boolean; ms: number; forcedPods: number }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const started = Date.now();
  try {
    await core.deleteNamespace({ name, propagationPolicy: 'Background' });
  } catch (err) {
    if (isNotFound(err)) return { gone: true, ms: Date.now() - started, forcedPods: 0 };
    throw new Error(`delete Namespace/${name}: ${apiMessage(err)}`);
  }
  let forcedPods = 0;
  try {
    const pods = await core.listNamespacedPod({ namespace: name });
    forcedPods = pods.items.length;
    if (forcedPods > 0) await core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 });
  } catch (err) {
    if (!isNotFound(err)) opts.progress?.(`[deploy] could not delete the pods of ${name} at once (${apiMessage(err)}); they end with their grace periods`);
  }
  if (opts.hurry?.aborted) {
    opts.progress?.(`[deploy] Namespace/${name} deleting (${forcedPods} pods without grace); not waiting`);
    return { gone: false, ms: Date.now() - started, forcedPods };
  }
  const deadline = started + opts.waitMs;
  for (;;) {
    try {
      await core.readNamespace({ name });
    } catch (err) {
      if (isNotFound(err)) return { gone: true, ms: Date.now() - started, forcedPods };
      throw new Error(`read Namespace/${name}: ${apiMessage(err)}`);
    }
    if (Date.now() >= deadline || opts.hurry?.aborted) {
      opts.progress?.(`[deploy] Namespace/${name} still Terminating after ${Math.round((Date.now() - started) / 1000)} s; it finishes on its own`);
      return { gone: false, ms: Date.now() - started, forcedPods };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

// Apply order: what others refer to first (as Helm installs), unknown kinds last.
const KIND_ORDER = [
  'Namespace', 'CustomResourceDefinition', 'PriorityClass', 'ServiceAccount', 'Secret', 'ConfigMap',
  'PersistentVolumeClaim', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service',
  'DaemonSet', 'Deployment', 'StatefulSet', 'Job', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'APIService',
];

export function applyOrder(objects: KubeObject[]): KubeObject[] {
  const rank = (k: string) => {
    const i = KIND_ORDER.indexOf(k);
    return i < 0 ? KIND_ORDER.length : i;
  };
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o.kind) - rank(b.o.kind) || a.i - b.i).map((x) => x.o);
}

/** Server-side apply every object (forced, field manager `kube-chaos-harness`), in dependency order. */
export async function applyObjects(kc: k8s.KubeConfig, objects: KubeObject[], progress?: ProgressSink): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const ordered = applyOrder(objects);
  for (const [i, obj] of ordered.entries()) {
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) {
      throw new Error(`apply: object #${i} lacks apiVersion, kind or metadata.name: ${JSON.stringify(obj).slice(0, 120)}`);
    }
    progress?.(`[deploy] apply ${i + 1}/${ordered.length} ${objectRef(obj)}`);
    try {
      await api.patch(obj as k8s.KubernetesObject, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
    } catch (err) {
      throw new Error(`apply ${objectRef(obj)}: ${apiMessage(err)}`);
    }
  }
}
