// scale: set a Deployment's replicas through its scale subresource, with its HPA paused or not.
// Pausing sets the HPA's minReplicas = maxReplicas = the new replicas: the HPA keeps running
// (its status, conditions and events stay observable) but can only hold the chosen count. The
// original bounds are restored when the chaos schedule ends (or later, when the caller says),
// so a run against a namespace it did not create leaves the HPA as it found it.
import * as k8s from '@kubernetes/client-node';
import type { PlannedChaos } from '../plan/types.ts';
import type { ChaosMark } from '../timeline/types.ts';
import { apiMessage, isNotFound } from '../kube/api-error.ts';
import { deploymentReadiness } from '../deploy/readiness.ts';
import { CHAOS_FIELD_MANAGER, type ChaosContext, ChaosError, resolveWorkload, seconds, sleepUntil } from './context.ts';

type ScaleStep = Extract<PlannedChaos['step'], { action: 'scale' }>;

const SETTLE_DEADLINE_MS = 120_000;
const mergePatch = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** The HPA scaling this object: named like it (shared convention), else any whose scaleTargetRef names it. */
export async function hpaFor(ctx: ChaosContext, kind: string, name: string): Promise<k8s.V2HorizontalPodAutoscaler | undefined> {
  const api = ctx.kc.makeApiClient(k8s.AutoscalingV2Api);
  const l = await api.listNamespacedHorizontalPodAutoscaler({ namespace: ctx.namespace });
  return (
    l.items.find((h) => h.metadata?.name === name && h.spec?.scaleTargetRef.name === name) ??
    l.items.find((h) => h.spec?.scaleTargetRef.kind === kind && h.spec?.scaleTargetRef.name === name)
  );
}

export async function scale(ctx: ChaosContext, planned: PlannedChaos, step: ScaleStep, mark: ChaosMark): Promise<void> {
  const apps = ctx.kc.makeApiClient(k8s.AppsV1Api);
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const hpas = ctx.kc.makeApiClient(k8s.AutoscalingV2Api);
  const target = await resolveWorkload(ctx, planned.id, step.target);
  if (target.kind !== 'Deployment') throw new ChaosError(planned.id, `scale needs a Deployment; ${target.kind}/${target.name} has one pod per node`);
  const podsBefore = await core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: target.selector });
  const hpa = await hpaFor(ctx, target.kind, target.name);
  const notes: string[] = [];
  if (hpa && step.pauseHpa) {
    const name = hpa.metadata?.name ?? '';
    if (!ctx.pausedHpas.some((p) => p.name === name)) {
      ctx.pausedHpas.push({ name, minReplicas: hpa.spec?.minReplicas, maxReplicas: hpa.spec?.maxReplicas ?? step.replicas });
    }
    try {
      await hpas.patchNamespacedHorizontalPodAutoscaler(
        { name, namespace: ctx.namespace, body: { spec: { minReplicas: step.replicas, maxReplicas: step.replicas } }, fieldManager: CHAOS_FIELD_MANAGER },
        mergePatch(),
      );
      notes.push(`HPA ${name} paused at ${step.replicas} (was ${hpa.spec?.minReplicas ?? 1}-${hpa.spec?.maxReplicas})`);
    } catch (err) {
      mark.outcome = 'failed';
      mark.detail = `pausing HPA ${name}: ${apiMessage(err)}`;
      return;
    }
  } else if (hpa) {
    notes.push(`HPA ${hpa.metadata?.name} not paused: it may change the replicas again`);
  }
  try {
    const res = await apps.patchNamespacedDeploymentScale(
      { name: target.name, namespace: ctx.namespace, body: { spec: { replicas: step.replicas } }, fieldManager: CHAOS_FIELD_MANAGER },
      mergePatch(),
    );
    notes.unshift(`Deployment/${target.name} scale ${target.replicas} -> ${res.spec?.replicas ?? step.replicas}`);
  } catch (err) {
    mark.outcome = 'failed';
    mark.detail = `Deployment/${target.name}: scale refused: ${apiMessage(err)}${notes.length ? `; ${notes.join('; ')}` : ''}`;
    return;
  }
  ctx.progress(`[chaos] ${planned.id}: ${notes.join('; ')}`);
  // Wait (bounded) for the Deployment to settle, so the mark says which pods a scale-down took.
  const deadline = ctx.clock() + SETTLE_DEADLINE_MS;
  let state = '';
  let settled = false;
  while (!settled && ctx.clock() < deadline && !ctx.signal?.aborted) {
    try {
      const d = await apps.readNamespacedDeployment({ name: target.name, namespace: ctx.namespace });
      const r = deploymentReadiness(d);
      state = r.detail;
      settled = r.ready && d.spec?.replicas === step.replicas;
    } catch (err) {
      state = isNotFound(err) ? 'Deployment gone' : apiMessage(err);
    }
    if (!settled) await sleepUntil(ctx.clock() + 1000, ctx.clock, ctx.signal);
  }
  const podsAfter = await core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: target.selector }).catch(() => ({ items: [] as k8s.V1Pod[] }));
  const live = new Set(podsAfter.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name));
  mark.pods.push(...podsBefore.items.map((p) => p.metadata?.name ?? '').filter((n) => n && !live.has(n)));
  mark.outcome = settled ? 'ok' : ctx.signal?.aborted ? 'failed' : 'deadline';
  mark.detail = `${notes.join('; ')}; ${state} after ${seconds(ctx.clock() - mark.startedAt)}`;
}

/** Put paused HPAs back as they were. Returns what it did, one line per HPA. */
export async function restoreHpas(ctx: ChaosContext): Promise<string[]> {
  const hpas = ctx.kc.makeApiClient(k8s.AutoscalingV2Api);
  const said: string[] = [];
  for (const p of ctx.pausedHpas.splice(0)) {
    try {
      await hpas.patchNamespacedHorizontalPodAutoscaler(
        { name: p.name, namespace: ctx.namespace, body: { spec: { minReplicas: p.minReplicas ?? null, maxReplicas: p.maxReplicas } }, fieldManager: CHAOS_FIELD_MANAGER },
        mergePatch(),
      );
      said.push(`HPA ${p.name} restored to ${p.minReplicas ?? 1}-${p.maxReplicas}`);
    } catch (err) {
      said.push(`HPA ${p.name} not restored: ${apiMessage(err)}`);
    }
  }
  return said;
}
