// node-drain: cordon, evict through the Eviction API (PDBs honoured, refusals recorded and
// retried as kubectl drain does), wait for the evicted pods to be gone, uncordon at the end.
// Only pods of the run's namespaces are evicted (chaos touches nothing the run did not make),
// DaemonSet and mirror pods are left, as `kubectl drain --ignore-daemonsets` leaves them.
import * as k8s from '@kubernetes/client-node';
import type { PlannedChaos } from '../plan/types.ts';
import type { ChaosMark } from '../timeline/types.ts';
import { apiCode, apiMessage } from '../kube/api-error.ts';
import { type ChaosContext, ChaosError, seconds, sleepUntil } from './context.ts';
import { evictionAnswer, evictWithRetry } from './eviction.ts';
import { busiestWorker } from './node-choice.ts';
import { isHarnessPod } from '../load/in-cluster/labels.ts';

type DrainStep = Extract<PlannedChaos['step'], { action: 'node-drain' }>;

const CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';
const DEFAULT_DEADLINE_S = 120;

export function isWorker(n: k8s.V1Node): boolean {
  return !(CONTROL_PLANE in (n.metadata?.labels ?? {})) && !(n.spec?.taints ?? []).some((t) => t.key === CONTROL_PLANE);
}

/** Pods a drain evicts (pure): live, in the allowed namespaces, not DaemonSet or mirror pods, not the harness's own. */
export function drainable(pods: k8s.V1Pod[], namespaces: string[]): k8s.V1Pod[] {
  return pods.filter(
    (p) =>
      namespaces.includes(p.metadata?.namespace ?? '') &&
      !isHarnessPod(p.metadata?.labels) &&
      !(p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet') &&
      !p.metadata?.annotations?.['kubernetes.io/config.mirror'] &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed',
  );
}

/**
 * The node a step names: a node by name, or for 'worker' the schedulable worker hosting the most
 * workload pods of the run's namespace (ties: by name), so the drain actually moves the workload.
 */
export async function drainTarget(ctx: ChaosContext, id: string, target: string): Promise<string> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const nodes = (await core.listNode()).items;
  if (target !== 'worker') {
    if (!nodes.some((n) => n.metadata?.name === target)) {
      throw new ChaosError(id, `node-drain target not found: no node "${target}" (has: ${nodes.map((n) => n.metadata?.name).join(', ')})`);
    }
    return target;
  }
  const workers = nodes.filter((n) => isWorker(n) && !n.spec?.unschedulable).map((n) => n.metadata?.name ?? '');
  if (workers.length === 0) throw new ChaosError(id, `node-drain needs a schedulable worker node; this cluster has none (nodes: ${nodes.map((n) => n.metadata?.name).join(', ')})`);
  const pods = (await core.listNamespacedPod({ namespace: ctx.namespace })).items;
  // The run's own pods stay put through a drain (see drainable), so they do not weigh the choice.
  return busiestWorker(workers, pods, false)!;
}

export async function nodeDrain(ctx: ChaosContext, planned: PlannedChaos, step: DrainStep, mark: ChaosMark, namespaces: string[]): Promise<void> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const node = await drainTarget(ctx, planned.id, step.target);
  const deadlineAt = ctx.clock() + (step.deadlineS ?? DEFAULT_DEADLINE_S) * 1000;
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const before = await core.readNode({ name: node });
  const wasCordoned = before.spec?.unschedulable === true;
  const notes: string[] = [`node ${node}`];
  if (!wasCordoned) await core.patchNode({ name: node, body: { spec: { unschedulable: true } } }, merge);
  notes.push(wasCordoned ? 'already cordoned' : 'cordoned');
  mark.refusedEvictions = [];
  try {
    const onNode = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items;
    const targets = drainable(onNode, namespaces);
    const uid = new Map(targets.map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p.metadata?.uid]));
    ctx.progress(`[chaos] ${planned.id}: ${notes.join(', ')}; evicting ${targets.length} pods`);
    const result = await evictWithRetry(
      targets.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
      async (key) => {
        const [namespace, name] = key.split('/') as [string, string];
        try {
          await core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
          return { kind: 'evicted' };
        } catch (err) {
          return evictionAnswer(apiCode(err), apiMessage(err));
        }
      },
      {
        deadlineAt,
        signal: ctx.signal,
        onRefused: (pod, message) => ctx.progress(`[chaos] ${planned.id}: eviction of ${pod} refused: ${message}`),
      },
    );
    const short = (k: string) => k.split('/')[1] ?? k;
    mark.refusedEvictions.push(...result.refused.map((r) => ({ ...r, pod: short(r.pod) })));
    // Wait for the evicted pods to be gone (a new pod of the same name is not the old one).
    const evicted = [...result.evicted];
    let remaining = evicted;
    while (remaining.length > 0 && ctx.clock() < deadlineAt && !ctx.signal?.aborted) {
      const now = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items;
      const live = new Set(now.map((p) => p.metadata?.uid));
      remaining = evicted.filter((k) => live.has(uid.get(k)));
      if (remaining.length) await sleepUntil(ctx.clock() + 1000, ctx.clock, ctx.signal);
    }
    mark.pods.push(...evicted.map(short), ...result.gone.map(short));
    notes.push(`evicted ${evicted.length}/${targets.length}`);
    if (result.refused.length) notes.push(`${result.refused.length} evictions refused by PDB`);
    if (result.gone.length) notes.push(`${result.gone.length} already gone`);
    if (result.failed.length) notes.push(`failed: ${result.failed.map((f) => `${short(f.pod)} ${f.message}`).join('; ')}`);
    if (result.pending.length) notes.push(`still refused at the deadline: ${result.pending.map(short).join(', ')}`);
    if (remaining.length) notes.push(`not gone by the deadline: ${remaining.map(short).join(', ')}`);
    const others = onNode.length - targets.length;
    if (others > 0) notes.push(`${others} pods of other namespaces or DaemonSets left`);
    mark.outcome = result.failed.length ? 'failed' : result.pending.length || remaining.length ? (ctx.signal?.aborted ? 'failed' : 'deadline') : 'ok';
  } finally {
    if (!wasCordoned) {
      try {
        await core.patchNode({ name: node, body: { spec: { unschedulable: false } } }, merge);
        notes.push('uncordoned');
      } catch (err) {
        notes.push(`uncordon failed: ${apiMessage(err)}`);
      }
    }
    mark.detail = `${notes.join('; ')} (${seconds(ctx.clock() - mark.startedAt)})`;
  }
}
