// What every chaos action gets: the cluster, the run's namespace, the seed, and the clock.
import * as k8s from '@kubernetes/client-node';
import type { ProgressSink } from '../../clusters/provider.ts';
import type { PlannedWorkload } from '../plan/types.ts';
import { apiMessage, isNotFound } from '../kube/api-error.ts';

export const CHAOS_FIELD_MANAGER = 'kube-chaos-harness';

export interface ChaosContext {
  kc: k8s.KubeConfig;
  namespace: string;
  seed: number;
  progress: ProgressSink;
  signal?: AbortSignal;
  clock: () => number;
  /** Maps the plan's workload names (e.g. "proxy") to objects (Deployment "aenebris"). */
  workloads?: PlannedWorkload[];
  /** HPAs paused by scale actions, restored when the schedule ends. */
  pausedHpas: PausedHpa[];
}

export interface PausedHpa {
  name: string;
  minReplicas: number | undefined;
  maxReplicas: number;
}

export interface WorkloadTarget {
  kind: 'Deployment' | 'DaemonSet';
  name: string;
  /** The label selector of its pods (`app.kubernetes.io/name=<name>` by the shared convention). */
  selector: string;
  /** The container chaos changes (named like the workload, else the first). */
  container: string;
  replicas: number;
}

/** A chaos step that cannot run: names the chaos id and what is wrong. */
export class ChaosError extends Error {
  constructor(id: string, why: string) {
    super(`chaos ${id}: ${why}`);
    this.name = 'ChaosError';
  }
}

export const WORKLOAD_LABEL = 'app.kubernetes.io/name';

/**
 * Resolve a chaos target: a plan workload name (through `workloads`), else an object name.
 * Error names the chaos id and the objects that do exist.
 */
export async function resolveWorkload(ctx: Pick<ChaosContext, 'kc' | 'namespace' | 'workloads'>, id: string, target: string): Promise<WorkloadTarget> {
  const apps = ctx.kc.makeApiClient(k8s.AppsV1Api);
  const planned = ctx.workloads?.find((w) => w.name === target);
  const candidates: { kind: 'Deployment' | 'DaemonSet'; name: string }[] = planned
    ? [planned.object]
    : [{ kind: 'Deployment', name: target }, { kind: 'DaemonSet', name: target }];
  for (const c of candidates) {
    try {
      const o = c.kind === 'Deployment'
        ? await apps.readNamespacedDeployment({ name: c.name, namespace: ctx.namespace })
        : await apps.readNamespacedDaemonSet({ name: c.name, namespace: ctx.namespace });
      const containers = o.spec?.template.spec?.containers ?? [];
      const container = containers.find((x) => x.name === c.name)?.name ?? containers[0]?.name ?? c.name;
      const replicas = c.kind === 'Deployment' ? ((o as k8s.V1Deployment).spec?.replicas ?? 1) : ((o as k8s.V1DaemonSet).status?.desiredNumberScheduled ?? 0);
      const labels = o.spec?.template.metadata?.labels ?? {};
      const selector = labels[WORKLOAD_LABEL]
        ? `${WORKLOAD_LABEL}=${labels[WORKLOAD_LABEL]}`
        : Object.entries(o.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      return { kind: c.kind, name: c.name, selector, container, replicas };
    } catch (err) {
      if (!isNotFound(err)) throw new ChaosError(id, `reading ${c.kind}/${c.name}: ${apiMessage(err)}`);
    }
  }
  const [deps, dss] = await Promise.all([
    apps.listNamespacedDeployment({ namespace: ctx.namespace }).catch(() => ({ items: [] as k8s.V1Deployment[] })),
    apps.listNamespacedDaemonSet({ namespace: ctx.namespace }).catch(() => ({ items: [] as k8s.V1DaemonSet[] })),
  ]);
  const have = [...deps.items.map((d) => `Deployment/${d.metadata?.name}`), ...dss.items.map((d) => `DaemonSet/${d.metadata?.name}`)];
  const what = planned ? `${planned.object.kind}/${planned.object.name} (workload "${target}")` : `Deployment or DaemonSet "${target}"`;
  const hint = ctx.workloads ? '' : '; workload names (e.g. "proxy") resolve only when the plan\'s workloads are passed';
  throw new ChaosError(id, `target not found: no ${what} in namespace ${ctx.namespace} (has: ${have.join(', ') || 'nothing'})${hint}`);
}

/** Sleep until `at` (epoch ms) or abort; true when the time came, false when aborted. */
export function sleepUntil(at: number, clock: () => number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, at - clock()));
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export { seconds } from '../base/progress.ts';
