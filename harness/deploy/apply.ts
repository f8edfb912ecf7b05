// Server-side apply of rendered objects, the run namespace's life, and the Ready wait.
// Field manager `kube-chaos-harness`, forced: the harness owns what it renders.
import * as k8s from '@kubernetes/client-node';
import type { ProgressSink } from '../../clusters/provider.ts';
import { apiMessage, isNotFound } from '../kube/api-error.ts';
export { waitWorkloadsReady } from './readiness.ts';

export const FIELD_MANAGER = 'kube-chaos-harness';
/** Set on namespaces the harness created: chaos refuses any other namespace unless allowed. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export function objectRef(o: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

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
