// rollout: a restart as `kubectl rollout restart` does it (template annotation
// kubectl.kubernetes.io/restartedAt), or an env/image change that makes a new ReplicaSet /
// DaemonSet revision; then wait for completion or the deadline. The mark lists every old pod
// the rollout replaced.
import * as k8s from '@kubernetes/client-node';
import type { PlannedChaos } from '../plan/types.ts';
import type { ChaosMark } from '../timeline/types.ts';
import { apiMessage } from '../kube/api-error.ts';
import { daemonSetReadiness, deploymentReadiness } from '../deploy/readiness.ts';
import { CHAOS_FIELD_MANAGER, type ChaosContext, resolveWorkload, seconds, sleepUntil } from './context.ts';

type RolloutStep = Extract<PlannedChaos['step'], { action: 'rollout' }>;

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const DEFAULT_DEADLINE_S = 300;

/** The strategic merge patch for a rollout change (pure). */
export function rolloutPatch(change: RolloutStep['change'], container: string, now: number): { patch: object; says: string } {
  if (change === undefined || change === 'restart') {
    const at = new Date(now).toISOString();
    return { patch: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } }, says: `restart (${RESTARTED_AT}=${at})` };
  }
  if ('image' in change) {
    return { patch: { spec: { template: { spec: { containers: [{ name: container, image: change.image }] } } } }, says: `image ${container}=${change.image}` };
  }
  const env = Object.entries(change.env).map(([name, value]) => ({ name, value }));
  return {
    patch: { spec: { template: { spec: { containers: [{ name: container, env }] } } } },
    says: `env ${env.map((e) => `${e.name}=${e.value}`).join(' ')} on ${container}`,
  };
}

export async function rollout(ctx: ChaosContext, planned: PlannedChaos, step: RolloutStep, mark: ChaosMark): Promise<void> {
  const apps = ctx.kc.makeApiClient(k8s.AppsV1Api);
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const target = await resolveWorkload(ctx, planned.id, step.target);
  const podNames = async () => {
    const l = await core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: target.selector });
    return new Map(l.items.map((p) => [p.metadata?.name ?? '', p]));
  };
  const before = await podNames();
  const old = [...before].filter(([, p]) => !p.metadata?.deletionTimestamp).map(([n]) => n);
  const { patch, says } = rolloutPatch(step.change, target.container, ctx.clock());
  const opts = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
  let generation: number | undefined;
  try {
    const res = target.kind === 'Deployment'
      ? await apps.patchNamespacedDeployment({ name: target.name, namespace: ctx.namespace, body: patch, fieldManager: CHAOS_FIELD_MANAGER }, opts)
      : await apps.patchNamespacedDaemonSet({ name: target.name, namespace: ctx.namespace, body: patch, fieldManager: CHAOS_FIELD_MANAGER }, opts);
    generation = res.metadata?.generation;
  } catch (err) {
    mark.outcome = 'failed';
    mark.detail = `${target.kind}/${target.name}: patch refused: ${apiMessage(err)}`;
    return;
  }
  ctx.progress(`[chaos] ${planned.id}: ${target.kind}/${target.name} ${says}, generation ${generation ?? '?'}; waiting for the rollout`);
  const deadline = ctx.clock() + (step.deadlineS ?? DEFAULT_DEADLINE_S) * 1000;
  let state = 'not read yet';
  let lastSaid = ctx.clock();
  let done = false;
  for (;;) {
    done = false;
    try {
      if (target.kind === 'Deployment') {
        const d = await apps.readNamespacedDeployment({ name: target.name, namespace: ctx.namespace });
        const r = deploymentReadiness(d);
        done = r.ready && (d.status?.observedGeneration ?? 0) >= (generation ?? 0);
        state = r.detail;
      } else {
        const d = await apps.readNamespacedDaemonSet({ name: target.name, namespace: ctx.namespace });
        const r = daemonSetReadiness(d);
        done = r.ready && (d.status?.observedGeneration ?? 0) >= (generation ?? 0);
        state = r.detail;
      }
      if (done) {
        // Complete only once every old pod is at least on its way out.
        const now = await podNames();
        done = old.every((n) => !now.has(n) || now.get(n)?.metadata?.deletionTimestamp);
        if (!done) state += `, old pods still serving: ${old.filter((n) => now.has(n) && !now.get(n)?.metadata?.deletionTimestamp).join(', ')}`;
      }
    } catch (err) {
      state = `read failed: ${apiMessage(err)}`;
    }
    const now = ctx.clock();
    if (done || now >= deadline || ctx.signal?.aborted) break;
    if (now - lastSaid >= 5000) {
      lastSaid = now;
      ctx.progress(`[chaos] ${planned.id}: rollout of ${target.kind}/${target.name}: ${state} (${seconds(now - mark.startedAt)})`);
    }
    await sleepUntil(now + 1000, ctx.clock, ctx.signal);
  }
  const after = await podNames().catch(() => new Map<string, k8s.V1Pod>());
  const replaced = old.filter((n) => !after.has(n) || after.get(n)?.metadata?.deletionTimestamp);
  mark.pods.push(...replaced);
  mark.outcome = done ? 'ok' : ctx.signal?.aborted ? 'failed' : 'deadline';
  mark.detail = `${target.kind}/${target.name}: ${says}; ${replaced.length}/${old.length} old pods replaced; ${state}${ctx.signal?.aborted ? '; interrupted' : ''}`;
}
